/** `acd demo`'s advisories: schema-valid real formats that give the demo operator alerts at once, KEV first. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/index.js';
import { ensureDemoAccounts } from '../../src/demo/accounts.js';
import { demoAdvisories, ensureDemoVuln } from '../../src/demo/vuln.js';
import { actorByUsername } from '../../src/demo/approval.js';
import { exposure, parseDocument } from '../../src/vuln/index.js';

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
