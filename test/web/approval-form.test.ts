/**
 * The approval proposal form's rules (web/src/approval-form.ts): its choices come from the server's
 * own OpenAPI body schema of POST /api/v1/approvals, and what it sends is what that route accepts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, bearer, type TestApp } from '../helpers/app.js';
import { CATEGORIES, DETECTORS, KINDS, criteriaBody, proposalChoices } from '../../web/src/approval-form.js';
import { Spec } from '../../web/src/api.js';
import { CATEGORIES as SERVER_CATEGORIES, CRITERION_KINDS, DETECTORS as SERVER_DETECTORS } from '../../src/selection/index.js';

let t: TestApp;
let spec: Spec;
before(async () => {
  t = await createTestApp();
  spec = new Spec((await t.app.inject({ url: '/api/docs/json' })).json());
});
after(async () => t.close());

test("the form offers what the server's body schema allows (categories, criterion kinds, detectors)", () => {
  const c = proposalChoices(spec.bodySchema('POST', '/api/v1/approvals'));
  assert.deepEqual(c.categories, [...SERVER_CATEGORIES]);
  assert.deepEqual([...c.kinds].sort(), [...CRITERION_KINDS].sort());
  assert.deepEqual(c.detectors, [...SERVER_DETECTORS]);
});

test('a schema that names nothing (a route taking any object) gets the built-in lists', () => {
  const c = proposalChoices({ type: 'object', properties: {} });
  assert.deepEqual(c.categories, CATEGORIES.map((x) => x.value));
  assert.deepEqual(c.kinds, [...KINDS]);
  assert.deepEqual(c.detectors, DETECTORS);
  assert.deepEqual(proposalChoices(null).kinds, [...KINDS]);
});

test('criteria from the form rows, numbered ids; a bad row gets its problem named, nothing is sent', () => {
  assert.deepEqual(
    criteriaBody([
      { kind: 'address', value: ' 198.51.100.23 ', proto: '' },
      { kind: 'prefix', value: '2001:db8::/32', proto: '' },
      { kind: 'asn', value: 'AS64500', proto: '' },
      { kind: 'port', value: '', proto: '17' },
      { kind: 'detector', value: 'fan-in', proto: '' },
    ]),
    {
      criteria: [
        { id: 'address-1', kind: 'address', address: '198.51.100.23' },
        { id: 'prefix-2', kind: 'prefix', prefix: '2001:db8::/32' },
        { id: 'asn-3', kind: 'asn', asn: 64500 },
        { id: 'port-4', kind: 'port', proto: 17 },
        { id: 'detector-5', kind: 'detector', detector: 'fan-in' },
      ],
    },
  );
  const bad: Array<[Parameters<typeof criteriaBody>[0][number], RegExp]> = [
    [{ kind: 'address', value: 'c2.example', proto: '' }, /^criterion 2: 'c2\.example' is not an IPv4 or IPv6 address$/],
    [{ kind: 'prefix', value: '203.0.113.0', proto: '' }, /^criterion 2: '203\.0\.113\.0' is not a CIDR prefix/],
    [{ kind: 'asn', value: '0', proto: '' }, /^criterion 2: '0' is not an AS number$/],
    [{ kind: 'port', value: '', proto: '' }, /^criterion 2: give a port, a protocol number or both$/],
    [{ kind: 'port', value: '70000', proto: '' }, /^criterion 2: port '70000' is not 0–65535$/],
    [{ kind: 'port', value: '53', proto: '300' }, /^criterion 2: protocol '300' is not 0–255$/],
    [{ kind: 'detector', value: '', proto: '' }, /^criterion 2: choose a detector$/],
  ];
  for (const [row, msg] of bad) {
    const r = criteriaBody([{ kind: 'address', value: '192.0.2.1', proto: '' }, row]);
    assert.ok('problem' in r, JSON.stringify(row));
    assert.match(r.problem, msg);
  }
  assert.deepEqual(criteriaBody([]), { problem: 'an approval needs at least one criterion' });
});

test('what the form builds is what the route accepts (201), and the route still names what the browser cannot check', async () => {
  const built = criteriaBody([
    { kind: 'address', value: '198.51.100.23', proto: '' },
    { kind: 'detector', value: 'beacon', proto: '' },
  ]);
  assert.ok('criteria' in built);
  const body = { id: 'form-check-1', category: 'foreign-domestic', carriers: ['carrier-a'], criteria: built.criteria, start: new Date().toISOString() };
  const ok = await t.app.inject({ method: 'POST', url: '/api/v1/approvals', headers: bearer(t.people.agency_lead), payload: body });
  assert.equal(ok.statusCode, 201, ok.body);
  assert.equal(ok.json().status, 'proposed');
  // host bits set: the browser lets it through, the server names the criterion
  const hostBits = criteriaBody([{ kind: 'prefix', value: '203.0.113.5/24', proto: '' }]);
  assert.ok('criteria' in hostBits);
  const refused = await t.app.inject({ method: 'POST', url: '/api/v1/approvals', headers: bearer(t.people.agency_lead), payload: { ...body, id: 'form-check-2', criteria: hostBits.criteria } });
  assert.equal(refused.statusCode, 400);
  assert.match(refused.json().message, /^approval\.criteria\[0\]\.prefix: '203\.0\.113\.5\/24' has host bits set/);
});
