/**
 * GET /api/v1/infrastructure/:address: the findings about one external address, for the dashboard's
 * infrastructure pages. Findings are written by the pipeline's own writer; the route is the agency's
 * only, audited, answers for exactly that address, and names a bad address.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, bearer, type TestApp } from '../helpers/app.js';
import { createFindingWriter } from '../../src/findings/index.js';
import { findingKey, type Finding } from '../../src/detect/index.js';
import { ROLES } from '../../src/auth/index.js';

const C2 = '198.51.100.23';
const V6 = '2001:db8::17';
const T0 = Date.parse('2026-11-20T10:00:00Z');

function finding(p: Partial<Finding> & Pick<Finding, 'type' | 'external'>): Finding {
  return {
    key: findingKey(p.type, p.external, p.port ?? 443, p.proto ?? 6),
    port: 443,
    proto: 6,
    direction: 'outbound',
    domestic: [],
    domesticCount: 0,
    firstSeen: T0,
    lastSeen: T0 + 60_000,
    score: 0.9,
    subscores: { ts: 0.9 },
    evidence: {},
    updates: 1,
    ...p,
  };
}

describe('infrastructure pages: findings by external address', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    const w = createFindingWriter(t.store.db);
    w.push(finding({ type: 'fan-in', external: C2, domestic: ['10.1.0.1', '10.1.0.2', '10.1.0.3'], domesticCount: 40, firstSeen: T0 - 3600_000, lastSeen: T0 + 600_000, evidence: { victims: 40 } }));
    w.push(finding({ type: 'beacon', external: C2, domestic: ['10.1.0.2', '10.1.0.9'], domesticCount: 1, key: findingKey('beacon', C2, 443, 6, '10.1.0.2') }));
    w.push(finding({ type: 'indicator', external: C2, port: 0, proto: 0, domestic: ['10.1.0.4'], domesticCount: 1, lastSeen: T0 + 1200_000 }));
    // another server, a domestic-only finding and an IPv6 server: none is the C2's
    w.push(finding({ type: 'scan', external: '198.51.100.24', domestic: ['10.1.0.5'], domesticCount: 1 }));
    w.push(finding({ type: 'ddos', external: null, domestic: ['10.1.0.6'], domesticCount: 1 }));
    w.push(finding({ type: 'beacon', external: V6, domestic: ['10.1.0.7'], domesticCount: 1 }));
    assert.equal(await w.flush(), 6);
    await w.stop();
  });
  after(async () => t.close());

  test('the findings of every type about the address, newest first, with first/last seen and the victims counted', async () => {
    const r = await t.app.inject({ url: `/api/v1/infrastructure/${C2}`, headers: bearer(t.people.agency_analyst) });
    assert.equal(r.statusCode, 200, r.body);
    const b = r.json() as { address: string; truncated: boolean; findings: Array<{ type: string; external: string; lastSeen: string }>; summary: Record<string, unknown> };
    assert.equal(b.address, C2);
    assert.deepEqual(b.findings.map((f) => f.type).sort(), ['beacon', 'fan-in', 'indicator']);
    assert.ok(b.findings.every((f) => f.external === C2));
    assert.equal(b.findings[0]!.type, 'indicator', 'newest last seen first');
    assert.equal(b.truncated, false);
    assert.deepEqual(b.summary.types, { 'fan-in': 1, beacon: 1, indicator: 1 });
    assert.equal(b.summary.firstSeen, new Date(T0 - 3600_000).toISOString());
    assert.equal(b.summary.lastSeen, new Date(T0 + 1200_000).toISOString());
    // five distinct pseudonyms named (10.1.0.2 in two findings), forty counted by the fan-in
    assert.equal(b.summary.pseudonymsNamed, 5);
    assert.equal(b.summary.largestDomesticCount, 40);
    assert.equal(b.summary.victimsAtLeast, 40);
  });

  test('an IPv6 address is matched in its canonical text whatever way it is written', async () => {
    const r = await t.app.inject({ url: `/api/v1/infrastructure/${encodeURIComponent('2001:0db8:0:0::0017')}`, headers: bearer(t.people.agency_lead) });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().address, V6);
    assert.equal(r.json().findings.length, 1);
  });

  test('an address without findings answers an empty page, not an error', async () => {
    const r = await t.app.inject({ url: '/api/v1/infrastructure/192.0.2.1', headers: bearer(t.people.agency_analyst) });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json().findings, []);
    assert.equal(r.json().summary.firstSeen, null);
    assert.equal(r.json().summary.victimsAtLeast, 0);
  });

  test('bad input: a name, a prefix, an out-of-range octet and a zone get 400 BAD_ADDRESS naming the address', async () => {
    for (const bad of ['evil.example', '198.51.100.0/24', '198.51.100.256', 'fe80::1%eth0', '1.2.3']) {
      const r = await t.app.inject({ url: `/api/v1/infrastructure/${encodeURIComponent(bad)}`, headers: bearer(t.people.agency_analyst) });
      assert.equal(r.statusCode, 400, `${bad}: ${r.body}`);
      assert.equal(r.json().error, 'BAD_ADDRESS');
      assert.match(r.json().message, /^address: '.*' is not an IPv4 or IPv6 address/);
    }
    const long = await t.app.inject({ url: `/api/v1/infrastructure/${'1'.repeat(65)}`, headers: bearer(t.people.agency_analyst) });
    assert.equal(long.statusCode, 400);
  });

  test('only the agency (analysts and leads) may read it; every read is audited with the address', async () => {
    for (const role of ROLES) {
      const r = await t.app.inject({ url: `/api/v1/infrastructure/${C2}`, headers: bearer(t.people[role]) });
      assert.equal(r.statusCode, role === 'agency_analyst' || role === 'agency_lead' ? 200 : 403, `${role}: ${r.statusCode}`);
    }
    const anon = await t.app.inject({ url: `/api/v1/infrastructure/${C2}` });
    assert.equal(anon.statusCode, 401);
    const rows = await t.store.db.selectFrom('audit_events').selectAll().where('action', '=', 'findings.read').where('actor_user_id', '=', t.people.agency_lead.userId).execute();
    assert.ok(rows.length >= 1, 'the lead read is in the audit log');
    assert.ok(rows.some((r) => JSON.stringify(r).includes(C2)), JSON.stringify(rows));
  });
});
