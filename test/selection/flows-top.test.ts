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
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** an address as a number, written out here (not the server's parser) */
function addressNumber(a: string): bigint {
  if (!a.includes(':')) return a.split('.').reduce((v, x) => v * 256n + BigInt(x), 0n);
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((v, x) => v * 65536n + BigInt(parseInt(x, 16)), 0n);
}

/** the AS or country of an address by a plain scan of the shipped CSV (the last row holding it wins), independent of the server's tables */
function naivePlace(by: 'as' | 'country', a: string): string {
  const pkg = by === 'as' ? '@ip-location-db/asn' : '@ip-location-db/dbip-country';
  const v6 = a.includes(':');
  const file = by === 'as' ? `asn-ipv${v6 ? 6 : 4}-num.csv` : `dbip-country-ipv${v6 ? 6 : 4}-num.csv`;
  const dir = dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  const n = addressNumber(a);
  let found = 'unknown';
  for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
    const [s, e, v] = line.split(',');
    if (!s || !e || !v) continue;
    if (BigInt(s) <= n && n <= BigInt(e)) found = by === 'as' ? `AS${v}` : v.trim();
  }
  return found;
}

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

      // top AS and top country of the external addresses: real addresses (IPv4 and IPv6) next to the documentation ones no data places
      const v6 = (ext: string, bytes: number) => ({ ...flow(ext, false, 443, bytes, 'carrier-a'), family: 6, src: 'fd00:99::1' });
      await db.insertInto('selected_flows').values([
        flow('8.8.8.8', false, 53, 7000, 'carrier-a'),
        flow('8.8.4.4', true, 53, 600, 'carrier-b'),
        flow('9.9.9.9', true, 53, 2000, 'carrier-a'),
        flow('1.1.1.1', false, 443, 3000, 'carrier-b'),
        flow('133.242.0.3', false, 443, 4000, 'carrier-b'),
        v6('2001:4860:4860::8888', 500),
      ] as never).execute();
      const window: Array<[string, number]> = [['198.51.100.7', 1000], ['198.51.100.7', 1000], ['198.51.100.7', 1000], ['203.0.113.9', 5000], ['8.8.8.8', 7000], ['8.8.4.4', 600], ['9.9.9.9', 2000], ['1.1.1.1', 3000], ['133.242.0.3', 4000], ['2001:4860:4860::8888', 500]];
      for (const by of ['as', 'country'] as const) {
        const expected = new Map<string, { flows: number; bytes: number }>();
        for (const [a, b] of window) {
          const k = naivePlace(by, a);
          const g = expected.get(k) ?? { flows: 0, bytes: 0 };
          g.flows++; g.bytes += b;
          expected.set(k, g);
        }
        const want = [...expected].sort((x, y) => y[1].bytes - x[1].bytes || (x[0] < y[0] ? -1 : 1)).map(([k, g]) => [k, g.flows, g.bytes]);
        const got = await top(`by=${by}&limit=100`);
        assert.deepEqual(got.rows.map((r) => [r.key, r.flows, r.bytes]), want, by);
        assert.deepEqual([got.total.flows, got.total.bytes], [10, 25100], `${by}: every flow of the window is counted once`);
        assert.deepEqual((await top(`by=${by}&limit=2`)).rows.map((r) => r.key), want.slice(0, 2).map((w) => w[0]), `${by}: the limit`);
        // the old flow (192.0.2.200, 999 999 bytes) is outside the day, inside 100 hours, and no data places it
        assert.deepEqual((await top(`by=${by}&hours=100&limit=1`)).rows.map((r) => [r.key, r.bytes]), [['unknown', 999_999 + 8000]], `${by}: the window`);
        assert.doesNotMatch(JSON.stringify(got), /10\.99\.0\.1|fd00/, `${by}: the domestic side is never looked up`);
      }
      // facts the data must agree on, so the scan above is not merely compared with itself
      assert.equal(naivePlace('as', '8.8.8.8'), 'AS15169');
      assert.equal(naivePlace('country', '133.242.0.3'), 'JP');
      assert.equal(naivePlace('as', '198.51.100.7'), 'unknown');
      const google = (await top('by=as')).rows.find((r) => r.key === 'AS15169');
      assert.equal(google?.flows, naivePlace('as', '2001:4860:4860::8888') === 'AS15169' ? 3 : 2, 'both Google IPv4 resolvers (and its IPv6 one, if the data says so) under AS15169');
      for (const q of ['by=AS', 'by=asn', 'by=as&limit=0', 'by=country&hours=99999', 'by=country&cc=JP', 'by=as&limit=x']) {
        const r = await call(t.people.agency_analyst, `/api/v1/flows/top?${q}`);
        assert.equal(r.status, 400, `${q}: ${JSON.stringify(r.json)}`);
      }
      for (const who of [t.people.carrier, t.people.operator]) assert.equal((await call(who, '/api/v1/flows/top?by=country')).status, 403, who.username);
      const audited2 = await t.store.db.selectFrom('audit_events').select(['action', 'details']).where('action', '=', 'flows.top.read').execute();
      assert.equal(audited2.length, 5 + 7, 'every read of as/country is audited');
    } finally {
      await t.close();
    }
  });
}
