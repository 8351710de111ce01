/** `acd demo`'s advisories: schema-valid real formats that give the demo operator alerts at once, KEV first. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/index.js';
import { ensureDemoAccounts } from '../../src/demo/accounts.js';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { demoAdvisories, ensureDemoRanges, ensureDemoVuln } from '../../src/demo/vuln.js';
import { actorByUsername } from '../../src/demo/approval.js';
import { exposure, listRanges, parseDocument } from '../../src/vuln/index.js';
import { createFindingWriter } from '../../src/findings/index.js';
import { ipv4ToString, parseIpv4 } from '../../src/flow/index.js';
import { CryptoPan } from '../../src/selection/index.js';

test('the demo advisories pass their schemas', () => {
  const kinds = demoAdvisories().map((d) => parseDocument(d).kind);
  assert.deepEqual(kinds, ['advisory', 'advisory', 'advisory', 'kev']);
});

test('the demo operator sees its exposure at once: the known-exploited VPN flaw first, then the HMI; twice is the same', async () => {
  const store = await openStore({ data: 'memory://' });
  try {
    await ensureDemoAccounts(store.db);
    await ensureDemoVuln(store.db);
    await ensureDemoVuln(store.db);
    const op = await actorByUsername(store.db, 'operator');
    const e = await exposure(store.db, op);
    assert.equal(e.totals.total, 3);
    assert.equal(e.totals.knownExploited, 1);
    assert.deepEqual(e.alerts!.map((a) => [a.systemName, a.advisoryId, a.knownExploited]), [
      ['Remote access VPN', 'ACD-DEMO-2026-0002', true],
      ['Substation SCADA HMI', 'ACD-DEMO-2026-0001', false],
      ['Substation SCADA HMI', 'CVE-2026-990003', false],
    ]);
    assert.match(JSON.stringify(e.alerts![0]!.remediations), /9\.1\.5/);
  } finally {
    await store.close();
  }
});

test("the demo operator's network is registered (the DDoS target's /24) and the DDoS finding shows on its open alerts", async () => {
  const store = await openStore({ data: 'memory://' });
  try {
    await ensureDemoAccounts(store.db);
    await ensureDemoVuln(store.db);
    await ensureDemoRanges(store.db, '133.5.6.7');
    await ensureDemoRanges(store.db, '133.5.6.7');
    const op = await actorByUsername(store.db, 'operator');
    assert.deepEqual((await listRanges(store.db, op)).map((r) => r.cidr), ['133.5.6.0/24']);
    // the gate's key and the detectors' DDoS finding on the pseudonymised target
    const key = randomBytes(32);
    const now = Date.now();
    await sql`insert into pseudonym_keys (id, key_bytes, valid_from, valid_to) values ('demo-key', ${key}, ${new Date(now - 3_600_000)}, ${new Date(now + 3_600_000)})`.execute(store.db);
    const target = ipv4ToString(new CryptoPan(new Uint8Array(key), { cache: false }).encrypt4(parseIpv4('133.5.6.7')));
    const w = createFindingWriter(store.db);
    w.push({ type: 'ddos', key: `ddos|-|0/0|${target}`, external: null, port: 0, proto: 0, direction: 'inbound', domestic: [target], domesticCount: 1, firstSeen: now - 60_000, lastSeen: now, score: 0.97, subscores: {}, evidence: { target }, updates: 1 });
    await w.flush();
    const e = await exposure(store.db, op);
    assert.deepEqual(e.alerts!.map((a) => a.linkedFindings!.map((l) => [l.type, l.ranges, l.addresses])), [
      [['ddos', ['133.5.6.0/24'], 1]],
      [['ddos', ['133.5.6.0/24'], 1]],
      [['ddos', ['133.5.6.0/24'], 1]],
    ]);
  } finally {
    await store.close();
  }
});
