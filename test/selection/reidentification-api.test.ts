/**
 * Re-identification and approvals over HTTP: roles, the commission's decision, once-only resolution by
 * the requester's organisation, and what each kind of bad request gets (status and the field named).
 * The pseudonyms are made with the key the approval's decision put in the store, as the gate does.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, bearer, type TestApp, type TestPerson } from '../helpers/app.js';
import { loadPseudonymKeys } from '../../src/selection/approval-store.js';
import { createPseudonymiser } from '../../src/selection/index.js';
import { ipv4ToString, parseIpv4 } from '../../src/flow/index.js';
import { withTables } from '../../src/store/index.js';
import type { SelectionTables } from '../../src/selection/tables.js';

const ADDRESS = '147.32.83.234';

describe('re-identification over HTTP', () => {
  let t: TestApp;
  let pseudonym: string;
  const post = (who: TestPerson, url: string, payload?: unknown) =>
    t.app.inject({ method: 'POST', url, headers: bearer(who), ...(payload !== undefined ? { payload: payload as object } : {}) });
  const ask = (over: Record<string, unknown> = {}) =>
    post(t.people.agency_lead, '/api/v1/reidentifications', {
      pseudonyms: [pseudonym],
      approvalId: 'http-a',
      purpose: { kind: 'finding', ref: 'beacon|41.108.179.197|443/6' },
      justification: 'the host owner must be told',
      ...over,
    });

  before(async () => {
    t = await createTestApp();
    const p = await post(t.people.agency_lead, '/api/v1/approvals', {
      id: 'http-a',
      category: 'foreign-domestic',
      carriers: ['carrier-h'],
      criteria: [{ id: 'c1', kind: 'address', address: '41.108.179.197' }],
      start: new Date(Date.now() - 3_600_000).toISOString(),
    });
    assert.equal(p.statusCode, 201, p.body);
    const d = await post(t.people.commission_member, '/api/v1/approvals/http-a/decision', { decision: 'approve', reason: 'necessary and proportionate' });
    assert.equal(d.statusCode, 200, d.body);
    // the pseudonym as the gate would write it: the key in force for the approval at the flow's time
    const key = createPseudonymiser({ keys: await loadPseudonymKeys(t.store.db) }).keyFor(Date.now(), 'http-a')!;
    assert.equal(key.id, 'key-http-a');
    pseudonym = ipv4ToString(key.pan.encrypt4(parseIpv4(ADDRESS)));
    assert.notEqual(pseudonym, ADDRESS);
  });
  after(async () => t.close());

  test('request (lead) → decision (commission) → resolve once (the lead\'s organisation); roles enforced', async () => {
    assert.equal((await post(t.people.agency_analyst, '/api/v1/reidentifications', {})).statusCode, 403, 'an analyst cannot ask');
    const r = await ask();
    assert.equal(r.statusCode, 201, r.body);
    const req = r.json() as { id: string; status: string; keyId: string };
    assert.deepEqual([req.status, req.keyId], ['proposed', 'key-http-a']);

    const early = await post(t.people.agency_lead, `/api/v1/reidentifications/${req.id}/resolve`);
    assert.equal(early.statusCode, 403);
    assert.equal(early.json().error, 'REIDENTIFY_NO_DECISION');
    assert.equal((await post(t.people.agency_lead, `/api/v1/reidentifications/${req.id}/decision`, { decision: 'approve', reason: 'myself' })).statusCode, 403, 'the requester cannot decide');
    assert.equal((await post(t.people.commission_member, `/api/v1/reidentifications/${req.id}/resolve`)).statusCode, 403, 'the commission does not resolve');

    const d = await post(t.people.commission_member, `/api/v1/reidentifications/${req.id}/decision`, { decision: 'approve', reason: 'the owner must be told', validForMinutes: 15 });
    assert.equal(d.statusCode, 200, d.body);
    const decisionId = (d.json() as { decisionId: string }).decisionId;

    const other = await post(t.others.agency_lead, `/api/v1/reidentifications/${req.id}/resolve`);
    assert.equal(other.statusCode, 403);
    assert.equal(other.json().error, 'REIDENTIFY_OTHER_ORG');

    const ok = await post(t.people.agency_lead, `/api/v1/reidentifications/${req.id}/resolve`);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json().results, [{ pseudonym, address: ADDRESS }]);
    const again = await post(t.people.agency_lead, `/api/v1/reidentifications/${req.id}/resolve`);
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().error, 'REIDENTIFY_USED');

    const shown = await t.app.inject({ url: `/api/v1/reidentifications/${req.id}`, headers: bearer(t.people.auditor) });
    assert.equal(shown.statusCode, 200);
    assert.equal(shown.json().status, 'resolved');
    assert.ok(!shown.body.includes(ADDRESS));
    const list = await t.app.inject({ url: '/api/v1/reidentifications?status=resolved', headers: bearer(t.people.commission_member) });
    assert.deepEqual((list.json() as Array<{ id: string }>).map((x) => x.id), [req.id]);

    const audit = await t.app.inject({ url: '/api/v1/audit?limit=200', headers: bearer(t.people.auditor) });
    assert.equal(audit.statusCode, 200);
    assert.ok(audit.body.includes(decisionId), 'the resolution names its decision');
    assert.ok(!audit.body.includes(ADDRESS), 'no address in the audit log');
    assert.ok(!t.logText().includes(ADDRESS), 'no address in the server log');
  });

  test('rejected 403, expired 410, unknown key or approval 404, unknown request 404', async () => {
    const rej = (await ask()).json() as { id: string };
    await post(t.people.commission_member, `/api/v1/reidentifications/${rej.id}/decision`, { decision: 'reject', reason: 'not proportionate' });
    const r1 = await post(t.people.agency_lead, `/api/v1/reidentifications/${rej.id}/resolve`);
    assert.deepEqual([r1.statusCode, r1.json().error], [403, 'REIDENTIFY_REJECTED']);

    const exp = (await ask()).json() as { id: string };
    await post(t.people.commission_member, `/api/v1/reidentifications/${exp.id}/decision`, { decision: 'approve', reason: 'granted', validForMinutes: 1 });
    // the minute passes
    await withTables<SelectionTables>(t.store.db).updateTable('reidentification_requests').set({ valid_until: new Date(Date.now() - 1) }).where('id', '=', exp.id).execute();
    const r2 = await post(t.people.agency_lead, `/api/v1/reidentifications/${exp.id}/resolve`);
    assert.deepEqual([r2.statusCode, r2.json().error], [410, 'REIDENTIFY_EXPIRED']);

    const r3 = await ask({ approvalId: undefined, keyId: 'key-nobody' });
    assert.deepEqual([r3.statusCode, r3.json().error], [404, 'REIDENTIFY_NO_KEY']);
    assert.match(r3.json().message, /reidentification\.keyId: pseudonym key key-nobody does not exist/);
    const r4 = await ask({ approvalId: 'nobody' });
    assert.deepEqual([r4.statusCode, r4.json().error], [404, 'REIDENTIFY_NO_APPROVAL']);
    const r5 = await post(t.people.agency_lead, '/api/v1/reidentifications/nothing-here/resolve');
    assert.equal(r5.statusCode, 404);
  });

  test('bad input: 400 naming the field, for requests, decisions and approvals', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ pseudonyms: [pseudonym, '147.32.1.999'] }, /^reidentification\.pseudonyms\[1\]: '147\.32\.1\.999' is not an IPv4 or IPv6 address$/],
      [{ pseudonyms: 'not a list' }, /^reidentification\.pseudonyms: /],
      [{ purpose: { kind: 'finding' } }, /^reidentification\.purpose\.ref: is required$/],
      [{ approvalId: undefined }, /^reidentification\.keyId: is required/],
      [{ justification: '' }, /^reidentification\.justification: /],
    ];
    for (const [over, re] of cases) {
      const r = await ask(over);
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().error, 'REIDENTIFY_INVALID');
      assert.match(r.json().message, re);
    }
    const bodyless = await post(t.people.agency_lead, '/api/v1/reidentifications');
    assert.deepEqual([bodyless.statusCode, bodyless.json().message], [400, 'reidentification: must be an object']);
    const id = ((await ask()).json() as { id: string }).id;
    const d = await post(t.people.commission_member, `/api/v1/reidentifications/${id}/decision`, { decision: 'approve', reason: 'granted', validForMinutes: 0 });
    assert.equal(d.statusCode, 400);
    assert.match(d.json().message, /validForMinutes/);

    const approval = (over: Record<string, unknown>) =>
      post(t.people.agency_lead, '/api/v1/approvals', { id: 'bad-a', category: 'transit', carriers: ['c'], criteria: [{ id: 'c1', kind: 'prefix', prefix: '203.0.113.0/24' }], start: new Date().toISOString(), ...over });
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ criteria: [{ id: 'c1', kind: 'prefix', prefix: '10.0.0.0/33' }] }, /^approval\.criteria\[0\]\.prefix: '10\.0\.0\.0\/33' is not a CIDR prefix$/],
      [{ criteria: [{ id: 'c1', kind: 'port' }] }, /^approval\.criteria\[0\]: a port criterion needs a port, a proto or both$/],
      [{ criteria: [{ id: 'c1', kind: 'regex', pattern: '.*' }] }, /^approval\.criteria\[0\]\.kind: 'regex' is not one of/],
      [{ category: 'domestic' }, /^approval\.category: 'domestic' is not one of foreign-domestic, transit$/],
      [{ start: 'tomorrow' }, /^approval\.start: 'tomorrow' is not an ISO 8601/],
      [{ status: 'approved' }, /^approval\.status: "approved": a proposal is 'proposed'/],
      [{ approvedBy: 'me' }, /^approval\.approvedBy: is not an allowed field in a proposal/],
      [{ payload: 'bytes' }, /^approval\.payload: is not an allowed field$/],
    ];
    for (const [over, re] of bad) {
      const r = await approval(over);
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().error, 'APPROVAL_INVALID');
      assert.match(r.json().message, re);
    }
    const none = await t.app.inject({ url: '/api/v1/approvals/bad-a', headers: bearer(t.people.auditor) });
    assert.equal(none.statusCode, 404, 'nothing stored');
  });

  test('the OpenAPI document carries the real schemas of the approval proposal and the request', async () => {
    const doc = (await t.app.inject({ url: '/api/docs/json' })).json() as { paths: Record<string, { post?: { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } } }> };
    const props = (p: string) => Object.keys(doc.paths[p]!.post!.requestBody!.content['application/json']!.schema.properties ?? {}).sort();
    assert.deepEqual(props('/api/v1/approvals'), ['carriers', 'category', 'criteria', 'end', 'id', 'start', 'status']);
    assert.deepEqual(props('/api/v1/reidentifications'), ['approvalId', 'at', 'justification', 'keyId', 'pseudonyms', 'purpose']);
  });
});
