/**
 * GET /api/v1/findings/groups (issue #21, requirement 8): findings grouped by network (/24, /48) and,
 * for scanners and DDoS sources, by AS (the shipped AS table). The agency's only, audited, bounded in
 * time, and bad input is a 400 naming the parameter. Both engines.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, bearer, type TestApp } from '../helpers/app.js';
import { engineCases } from '../helpers/stores.js';
import { createFindingWriter } from '../../src/findings/index.js';
import { findingKey, type Finding } from '../../src/detect/index.js';
import { ROLES } from '../../src/auth/index.js';

const NOW = Date.now();
const H = 3600_000;

function finding(p: Partial<Finding> & Pick<Finding, 'type' | 'external'>): Finding {
  return {
    key: findingKey(p.type, p.external, p.port ?? 443, p.proto ?? 6),
    port: 443,
    proto: 6,
    direction: 'outbound',
    domestic: [],
    domesticCount: 0,
    firstSeen: NOW - 2 * H,
    lastSeen: NOW - H,
    score: 0.8,
    subscores: { ts: 0.8 },
    evidence: {},
    updates: 1,
    ...p,
  };
}

interface Group { by: string; key: string; asn: number | null; kind: string; servers: Array<{ address: string; findings: number; types: Record<string, number> }>; findings: string[]; domesticHosts: number; firstSeen: string; lastSeen: string; score: number }

for (const engine of engineCases()) {
  describe(`infrastructure groups (${engine.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp({}, [], () => engine.open());
      const w = createFindingWriter(t.store.db);
      // a C2 that moves within one /24: beacons to two addresses, a fan-in to one of them
      w.push(finding({ type: 'beacon', external: '203.0.113.10', domestic: ['p-a'], domesticCount: 1, score: 0.7 }));
      w.push(finding({ type: 'fan-in', external: '203.0.113.10', domestic: ['p-a', 'p-b', 'p-c'], domesticCount: 3, score: 0.9 }));
      w.push(finding({ type: 'beacon', external: '203.0.113.77', domestic: ['p-d'], domesticCount: 1, score: 0.6, firstSeen: NOW - 5 * H }));
      // two days ago: inside 72 hours, not inside 24
      w.push(finding({ type: 'beacon', external: '203.0.113.200', domestic: ['p-e'], domesticCount: 1, firstSeen: NOW - 50 * H, lastSeen: NOW - 48 * H }));
      // scanners of one AS (15169 in the shipped table) in two different /24s
      w.push(finding({ type: 'scan', external: '8.8.8.8', direction: 'inbound', port: 22, domestic: ['p-f'], domesticCount: 1 }));
      w.push(finding({ type: 'scan', external: '8.8.4.4', direction: 'inbound', port: 22, domestic: ['p-g'], domesticCount: 1 }));
      // beacons to two servers of that AS: timers to one cloud are not an AS group (a /24 each, alone)
      w.push(finding({ type: 'beacon', external: '8.8.8.9', port: 8443, domestic: ['p-h'], domesticCount: 1 }));
      w.push(finding({ type: 'beacon', external: '8.8.4.9', port: 8443, domestic: ['p-h'], domesticCount: 1 }));
      // IPv6: two servers of one /48
      w.push(finding({ type: 'indicator', external: '2001:db8:1:2::5', port: 0, proto: 0, domestic: ['p-i'], domesticCount: 1 }));
      w.push(finding({ type: 'indicator', external: '2001:db8:1:ff::6', port: 0, proto: 0, domestic: ['p-j'], domesticCount: 1 }));
      // alone in its network: no group; a finding without an external: no group
      w.push(finding({ type: 'beacon', external: '198.51.100.5', domestic: ['p-k'], domesticCount: 1 }));
      w.push(finding({ type: 'ddos', external: null, domestic: ['p-l'], domesticCount: 1 }));
      assert.equal(await w.flush(), 12);
      await w.stop();
    });
    after(async () => { await t.close(); await engine.cleanup(); });

    const get = (q: string, who = t.people.agency_analyst) => t.app.inject({ url: `/api/v1/findings/groups${q}`, headers: bearer(who) });

    test('a C2 moving within a /24, scanners of one AS and a /48 are groups; a lone server, timers to one cloud and an old finding are not', async () => {
      const r = await get('');
      assert.equal(r.statusCode, 200, r.body);
      const b = r.json() as { hours: number; considered: number; truncated: boolean; groups: Group[] };
      assert.equal(b.hours, 24);
      assert.equal(b.considered, 11, 'the two-day-old finding is outside 24 hours');
      assert.equal(b.truncated, false);
      const ids = b.groups.map((g) => `${g.by}|${g.key}|${g.kind}`).sort();
      assert.deepEqual(ids, ['asn|AS15169|scan', 'net|2001:db8:1::/48|indicator', 'net|203.0.113.0/24|beacon']);
      const c2 = b.groups.find((g) => g.key === '203.0.113.0/24')!;
      assert.equal(c2.asn, null);
      assert.deepEqual(c2.servers, [
        { address: '203.0.113.10', findings: 2, types: { beacon: 1, 'fan-in': 1 } },
        { address: '203.0.113.77', findings: 1, types: { beacon: 1 } },
      ]);
      assert.equal(c2.findings.length, 3);
      assert.equal(c2.domesticHosts, 4, 'p-a..p-d');
      assert.equal(c2.score, 0.9);
      assert.equal(c2.firstSeen, new Date(NOW - 5 * H).toISOString());
      const as = b.groups.find((g) => g.by === 'asn')!;
      assert.equal(as.asn, 15169);
      assert.deepEqual(as.servers.map((s) => s.address), ['8.8.4.4', '8.8.8.8']);
    });

    test('hours widens the window: the old server joins its /24', async () => {
      const r = await get('?hours=72');
      assert.equal(r.statusCode, 200, r.body);
      const c2 = (r.json().groups as Group[]).find((g) => g.key === '203.0.113.0/24')!;
      assert.deepEqual(c2.servers.map((s) => s.address), ['203.0.113.10', '203.0.113.200', '203.0.113.77']);
      assert.equal(r.json().considered, 12);
    });

    test('bad input: hours out of range, not a whole number, not a number, an unknown parameter: 400 naming it', async () => {
      for (const q of ['?hours=0', '?hours=721', '?hours=1.5', '?hours=abc', '?hours=-3', '?hours=', '?type=beacon']) {
        const r = await get(q);
        assert.equal(r.statusCode, 400, `${q}: ${r.body}`);
        assert.match(r.json().message, q.startsWith('?type') ? /type|additional/i : /hours/, `${q}: ${r.body}`);
      }
    });

    test('only the agency (analysts and leads) may read it; the commission, auditors and others get 403; every read is audited', async () => {
      for (const role of ROLES) {
        const r = await get('', t.people[role]);
        assert.equal(r.statusCode, role === 'agency_analyst' || role === 'agency_lead' ? 200 : 403, `${role}: ${r.statusCode}`);
      }
      assert.equal((await t.app.inject({ url: '/api/v1/findings/groups' })).statusCode, 401);
      const rows = await t.store.db.selectFrom('audit_events').selectAll().where('action', '=', 'findings.read').where('actor_user_id', '=', t.people.agency_lead.userId).execute();
      const mine = rows.filter((x) => JSON.stringify(x).includes('infrastructure-groups'));
      assert.equal(mine.length, 1, JSON.stringify(rows));
      assert.ok(JSON.stringify(mine[0]).includes('"groups":3'), JSON.stringify(mine[0]));
    });

    test('a finding key is still read by its key (the groups path does not shadow it)', async () => {
      const key = findingKey('beacon', '198.51.100.5', 443, 6);
      const r = await t.app.inject({ url: `/api/v1/findings/${encodeURIComponent(key)}`, headers: bearer(t.people.agency_analyst) });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().external, '198.51.100.5');
    });
  });
}
