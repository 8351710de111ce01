/**
 * Flow exploration (#22) through the HTTP API on both engines: the top external addresses, ports and
 * carriers of the selected flows in a window, by bytes; aggregates only — a domestic pseudonym never
 * appears as a key, no flow row is returned; only the agency's analysts and leads may ask (a ministry's
 * analyst, a carrier, an operator may not); bad input is a 400 naming the field; every read is audited.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { createTestApp, bearer, type TestPerson } from '../helpers/app.js';
import { engineCases } from '../helpers/stores.js';
import { withTables, type Database } from '../../src/store/index.js';
import type { SelectionTables } from '../../src/selection/tables.js';
import { SYSTEM_ACTOR, createOrganisation, createPerson, issueToken } from '../../src/auth/index.js';

interface Top {
  rows: Array<{ key: string; flows: number; bytes: number; packets: number }>;
  total: { flows: number; bytes: number };
}

for (const engine of engineCases()) {
  after(() => engine.cleanup());

  test(`top talkers of the selected flows, for the agency only (${engine.name})`, async () => {
    const t = await createTestApp({}, [], { open: engine.open });
    try {
      const call = async (p: TestPerson | { token: string }, url: string) => {
        const r = await t.app.inject({ method: 'GET', url, headers: bearer(p as TestPerson) });
        return { status: r.statusCode, json: r.json() as unknown };
      };
      const p = await t.app.inject({
        method: 'POST', url: '/api/v1/approvals', headers: bearer(t.people.agency_lead),
        payload: { id: 'top-test', category: 'foreign-domestic', carriers: ['carrier-a', 'carrier-b'], criteria: [{ id: 'r1', kind: 'detector', detector: 'beacon' }], start: new Date(Date.now() - 86400_000).toISOString() },
      });
      assert.equal(p.statusCode, 201, p.body);
      const db = withTables<SelectionTables>(t.store.db as Kysely<Database>);
      const now = Date.now();
      const flow = (ext: string, extIsSrc: boolean, port: number, bytes: number, carrier: string, ageH = 1) => ({
        approval_id: 'top-test', criterion_id: 'r1', category: 'foreign-domestic', carrier,
        start_at: new Date(now - ageH * 3600_000 - 1000), end_at: new Date(now - ageH * 3600_000), family: 4,
        src: extIsSrc ? ext : '10.99.0.1', dst: extIsSrc ? '10.99.0.1' : ext, src_pseudonym: !extIsSrc, dst_pseudonym: extIsSrc, key_id: 'k1',
        src_port: extIsSrc ? port : 50000, dst_port: extIsSrc ? 50000 : port, proto: 6, tcp_flags: 24, packets: 10, bytes, in_if: 1, out_if: 2,
      });
      await db.insertInto('selected_flows').values([
        flow('198.51.100.7', false, 443, 1000, 'carrier-a'),
        flow('198.51.100.7', true, 443, 1000, 'carrier-a'),
        flow('198.51.100.7', false, 443, 1000, 'carrier-b'),
        flow('203.0.113.9', false, 8080, 5000, 'carrier-b'),
        flow('192.0.2.200', false, 22, 999_999, 'carrier-a', 72),
      ] as never).execute();
      const top = async (q: string) => {
        const r = await call(t.people.agency_analyst, `/api/v1/flows/top?${q}`);
        assert.equal(r.status, 200, JSON.stringify(r.json));
        return r.json as Top;
      };
      const ext = await top('by=external');
      assert.deepEqual(ext.rows.map((r) => [r.key, r.flows, r.bytes]), [['203.0.113.9', 1, 5000], ['198.51.100.7', 3, 3000]]);
      assert.deepEqual([ext.total.flows, ext.total.bytes], [4, 8000], 'the old flow is outside the default day');
      assert.doesNotMatch(JSON.stringify(ext), /10\.99\.0\.1/, 'the domestic (pseudonymised) side is never a key');
      assert.deepEqual((await top('by=port')).rows.map((r) => [r.key, r.flows]), [['8080/6', 1], ['443/6', 3]]);
      assert.deepEqual((await top('by=carrier')).rows.map((r) => [r.key, r.bytes]), [['carrier-b', 6000], ['carrier-a', 2000]]);
      assert.deepEqual((await top('by=external&hours=100&limit=1')).rows.map((r) => r.key), ['192.0.2.200']);
      assert.equal((await call(t.people.agency_lead, '/api/v1/flows/top?by=category')).status, 200);

      // a ministry's analyst holds the analyst role but is not the agency; carriers and operators are refused
      const ministry = await createOrganisation(t.store.db, SYSTEM_ACTOR, { name: 'Ministry (top test)', kind: 'ministry' });
      const mp = await createPerson(t.store.db, SYSTEM_ACTOR, { orgId: ministry.id, username: 'ministry-top', displayName: 'm', password: 'correct horse battery staple', roles: ['agency_analyst'] });
      const mt = (await issueToken(t.store.db, SYSTEM_ACTOR, mp.id, 'test', null)).token;
      assert.equal((await call({ token: mt }, '/api/v1/flows/top?by=external')).status, 403);
      for (const who of [t.people.carrier, t.people.operator, t.people.partner, t.people.commission_member]) assert.equal((await call(who, '/api/v1/flows/top?by=external')).status, 403, who.username);
      for (const q of ['', 'by=src', 'by=external&limit=0', 'by=external&limit=101', 'by=external&hours=0', 'by=external&raw=1']) {
        const r = await call(t.people.agency_analyst, `/api/v1/flows/top?${q}`);
        assert.equal(r.status, 400, `${q}: ${JSON.stringify(r.json)}`);
      }
      const audited = await t.store.db.selectFrom('audit_events').select('action').where('action', '=', 'flows.top.read').execute();
      assert.equal(audited.length, 5);
    } finally {
      await t.close();
    }
  });
}
