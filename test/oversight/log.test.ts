import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createMerkleLog } from '../../src/oversight/log.js';
import { MemoryNodeStore } from '../../src/oversight/node-store.js';
import { generateLogKey, importVerifier } from '../../src/oversight/keys.js';
import { openTreeHead, type SignedTreeHead } from '../../src/oversight/tree-head.js';
import { canonicalAuditEntry, entryLeafHash, type AuditEntry } from '../../src/oversight/canonical.js';
import { verifyConsistency, verifyInclusion } from '../../src/oversight/proofs.js';

const entry = (i: number): AuditEntry => ({
  who: null,
  what: 'auth.login_failed',
  when: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  on: { type: 'user', id: `u-${i}` },
  why: null,
  basis: null,
  details: {},
});

test('the log signs heads at its interval only when it grew, hands them to onHead, and counts', async () => {
  const key = generateLogKey('acd.test/audit');
  const registry = new Registry();
  const published: SignedTreeHead[] = [];
  const log = await createMerkleLog({ config: { headIntervalMs: 10 }, deps: { store: new MemoryNodeStore(), key, registry, onHead: (h) => void published.push(h) } });
  await log.append([entry(0), entry(1)]);
  log.start();
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(published.length, 1, 'one head for the one change, however many ticks');
  await log.appendCanonical([canonicalAuditEntry(entry(2))]);
  await new Promise((r) => setTimeout(r, 80));
  log.stop();
  assert.deepEqual(published.map((h) => h.treeSize), [2, 3]);
  const v = importVerifier(log.publicKey().vkey);
  const [h2, h3] = published.map((h) => openTreeHead(h.note, v)) as [SignedTreeHead, SignedTreeHead];
  assert.ok(h3.timestamp >= h2.timestamp);
  assert.ok(verifyConsistency(2, 3, h2.rootHash, h3.rootHash, await log.consistencyProof(2, 3)));
  assert.ok(verifyInclusion(entryLeafHash(entry(1)), 1, 3, await log.inclusionProof(1), h3.rootHash));
  const metrics = await registry.getMetricsAsJSON();
  const value = (name: string): number | undefined => metrics.find((m) => m.name === name)?.values[0]?.value;
  assert.equal(value('acd_audit_log_appended_total'), 3);
  assert.equal(value('acd_audit_log_heads_signed_total'), 2);
  assert.equal(value('acd_audit_log_size'), 3);
});

test('on-demand heads never go back in time, and invalid entries are refused before anything is appended', async () => {
  let clock = 5000;
  const log = await createMerkleLog({ config: { headIntervalMs: 0 }, deps: { store: new MemoryNodeStore(), key: generateLogKey('acd.test/audit'), now: () => clock } });
  const a = await log.signHead();
  clock = 1000; // the clock steps back
  const b = await log.signHead();
  assert.equal(a.treeSize, 0);
  assert.ok(b.timestamp >= a.timestamp);
  await assert.rejects(() => log.append([entry(0), { ...entry(1), when: 'yesterday' }]), { code: 'AUDIT_ENTRY_INVALID' });
  assert.equal(log.size, 0);
});
