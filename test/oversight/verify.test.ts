import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalAuditEntry, type AuditEntry } from '../../src/oversight/canonical.js';
import { exportPublicKey, generateLogKey } from '../../src/oversight/keys.js';
import { MemoryNodeStore } from '../../src/oversight/node-store.js';
import { createMerkleLog, type MerkleLog } from '../../src/oversight/log.js';
import { signTreeHead, type SignedTreeHead } from '../../src/oversight/tree-head.js';
import { merkleTreeHash, hashLeaf } from '../../src/oversight/merkle.js';
import { describeVerifyResult, parseLogExport, verifyLog, verifyLogExport, type VerifyLogInput, type VerifyLogResult } from '../../src/oversight/verify.js';

const ORIGIN = 'acd.test/audit';
const key = generateLogKey(ORIGIN);
const VKEY = exportPublicKey(key).vkey;

function entry(i: number): AuditEntry {
  return {
    who: { user: `u-${i % 5}`, org: 'org-1', roles: ['analyst'] },
    what: i % 3 ? 'flow.read' : 'approval.decide',
    when: new Date(Date.UTC(2026, 10, 25, 12, 0, i)).toISOString(),
    on: { type: 'approval', id: `appr-${i % 4}` },
    why: `case ${i}`,
    basis: `appr-${i % 4}`,
    details: { n: i },
  };
}

/** A log of 40 entries with signed heads at 10, 20, 30 and 40 entries, and its export. */
async function fixture(): Promise<{ log: MerkleLog; texts: string[]; heads: SignedTreeHead[]; input: VerifyLogInput }> {
  let t = 1_764_000_000_000;
  const log = await createMerkleLog({ config: { headIntervalMs: 0 }, deps: { store: new MemoryNodeStore(), key, now: () => (t += 1000) } });
  const texts: string[] = [];
  const heads: SignedTreeHead[] = [];
  for (let b = 0; b < 4; b++) {
    const batch = Array.from({ length: 10 }, (_, i) => entry(b * 10 + i));
    await log.append(batch);
    texts.push(...batch.map(canonicalAuditEntry));
    heads.push(await log.signHead());
  }
  const file = JSON.parse(JSON.stringify(await log.exportLog(texts, heads))) as unknown;
  return { log, texts, heads, input: { ...parseLogExport(file), publicKey: VKEY } };
}

function failsAt(r: VerifyLogResult, kind: string, index: number, code: string): void {
  assert.equal(r.ok, false, 'verification must fail');
  assert.deepEqual({ kind: r.firstFailure?.kind, index: r.firstFailure?.index, code: r.firstFailure?.code }, { kind, index, code }, r.firstFailure?.reason);
}

const withoutLeaves = (i: VerifyLogInput): VerifyLogInput => ({ ...i, leafHashes: undefined });

test('an intact export verifies end to end: all 40 entries under 4 signed heads', async () => {
  const { input, log } = await fixture();
  const r = await verifyLog(input);
  assert.equal(r.firstFailure, null);
  assert.deepEqual({ ok: r.ok, entries: r.entries, treeHeads: r.treeHeads, verifiedSize: r.verifiedSize, unsignedTail: r.unsignedTail }, { ok: true, entries: 40, treeHeads: 4, verifiedSize: 40, unsignedTail: 0 });
  assert.equal((await verifyLog(withoutLeaves(input))).ok, true, 'also without the recorded leaf hashes');
  assert.equal(describeVerifyResult(r), 'audit log verified: 40 entries, 4 signed tree heads, the first 40 entries vouched for');
  assert.equal((await verifyLog({ ...input, entries: input.entries.map((e) => JSON.parse(e as string) as AuditEntry) })).ok, true, 'entries as objects');
  assert.deepEqual(log.latestHead()?.rootHash, merkleTreeHash(input.entries.map((e) => hashLeaf(Buffer.from(e as string)))));
});

test('a changed entry fails at that entry (with leaf hashes) or at the first entry of its head (without)', async () => {
  const { input } = await fixture();
  const entries = [...input.entries];
  entries[13] = canonicalAuditEntry({ ...entry(13), why: 'nothing to see' });
  const r = await verifyLog({ ...input, entries });
  failsAt(r, 'entry', 13, 'AUDIT_ENTRY_MISMATCH');
  assert.match(describeVerifyResult(r), /^audit log FAILS at entry 13 \[AUDIT_ENTRY_MISMATCH\]: entry 13 does not hash/);
  failsAt(await verifyLog(withoutLeaves({ ...input, entries })), 'entry', 10, 'AUDIT_ENTRIES_DO_NOT_MATCH_HEAD');
});

test('a deleted entry fails at its position; a deleted last entry is reported missing', async () => {
  const { input } = await fixture();
  const entries = input.entries.filter((_, i) => i !== 17);
  failsAt(await verifyLog({ ...input, entries }), 'entry', 17, 'AUDIT_ENTRY_MISMATCH');
  failsAt(await verifyLog(withoutLeaves({ ...input, entries })), 'entry', 10, 'AUDIT_ENTRIES_DO_NOT_MATCH_HEAD');
  failsAt(await verifyLog({ ...input, entries: input.entries.slice(0, 39) }), 'entry', 39, 'AUDIT_ENTRY_MISSING');
  failsAt(await verifyLog(withoutLeaves({ ...input, entries: input.entries.slice(0, 35) })), 'entry', 30, 'AUDIT_ENTRY_MISSING');
});

test('two reordered entries fail at the first of them', async () => {
  const { input } = await fixture();
  const entries = [...input.entries];
  [entries[5], entries[8]] = [entries[8]!, entries[5]!];
  failsAt(await verifyLog({ ...input, entries }), 'entry', 5, 'AUDIT_ENTRY_MISMATCH');
  failsAt(await verifyLog(withoutLeaves({ ...input, entries })), 'entry', 0, 'AUDIT_ENTRIES_DO_NOT_MATCH_HEAD');
});

test('an inserted entry fails at its position', async () => {
  const { input } = await fixture();
  const entries = [...input.entries];
  entries.splice(22, 0, canonicalAuditEntry({ ...entry(99), why: 'backdated' }));
  failsAt(await verifyLog({ ...input, entries }), 'entry', 22, 'AUDIT_ENTRY_MISMATCH');
  failsAt(await verifyLog(withoutLeaves({ ...input, entries })), 'entry', 20, 'AUDIT_ENTRIES_DO_NOT_MATCH_HEAD');
});

test('an entry changed together with its recorded leaf hash: the heads still catch it, at the head', async () => {
  const { input } = await fixture();
  const entries = [...input.entries];
  const leafHashes = [...input.leafHashes!];
  entries[25] = canonicalAuditEntry({ ...entry(25), basis: null });
  leafHashes[25] = hashLeaf(Buffer.from(entries[25]));
  failsAt(await verifyLog({ ...input, entries, leafHashes }), 'entry', 20, 'AUDIT_ENTRIES_DO_NOT_MATCH_HEAD');
});

test('a re-serialised or malformed entry fails at that entry', async () => {
  const { input } = await fixture();
  const entries = [...input.entries];
  entries[31] = JSON.stringify(JSON.parse(entries[31] as string), null, 2);
  failsAt(await verifyLog({ ...input, entries }), 'entry', 31, 'AUDIT_ENTRY_NOT_CANONICAL');
  entries[31] = '{"what":"x"}';
  failsAt(await verifyLog(withoutLeaves({ ...input, entries })), 'entry', 31, 'AUDIT_ENTRY_INVALID');
});

test('forged tree heads fail at that head: an altered note, another key, a rewritten history under the real key', async () => {
  const { input, heads } = await fixture();
  const treeHeads = [...input.treeHeads];
  treeHeads[2] = treeHeads[2]!.replace('\n30\n', '\n29\n');
  failsAt(await verifyLog({ ...input, treeHeads }), 'tree-head', 2, 'AUDIT_HEAD_SIGNATURE');
  const forger = generateLogKey(ORIGIN);
  treeHeads[2] = signTreeHead({ treeSize: 30, rootHash: heads[2]!.rootHash, timestamp: heads[2]!.timestamp }, forger).note;
  failsAt(await verifyLog({ ...input, treeHeads }), 'tree-head', 2, 'AUDIT_HEAD_SIGNATURE');
  // the log's own key signs a head over a different history (a compromised or misbehaving log):
  // the log's consistency proof from head 1 no longer leads to it
  const rewritten = merkleTreeHash(Array.from({ length: 30 }, (_, i) => hashLeaf(Buffer.from(`other ${i}`))));
  treeHeads[2] = signTreeHead({ treeSize: 30, rootHash: rewritten, timestamp: heads[2]!.timestamp }, key).note;
  failsAt(await verifyLog({ ...input, treeHeads }), 'tree-head', 2, 'AUDIT_HEAD_INCONSISTENT');
  // heads out of order
  failsAt(await verifyLog({ ...input, treeHeads: [input.treeHeads[1]!, input.treeHeads[0]!], consistencyProofs: undefined }), 'tree-head', 1, 'AUDIT_HEAD_ORDER');
  // a verifier holding another key refuses the first head
  failsAt(await verifyLog({ ...input, publicKey: exportPublicKey(forger).vkey }), 'tree-head', 0, 'AUDIT_HEAD_SIGNATURE');
  failsAt(await verifyLog({ ...input, publicKey: 'garbage' }), 'key', 0, 'AUDIT_KEY_INVALID');
});

test('entries after the last head verify as an unsigned tail until the next head', async () => {
  const { log, texts, heads } = await fixture();
  const more = Array.from({ length: 5 }, (_, i) => entry(40 + i));
  await log.append(more);
  const all = [...texts, ...more.map(canonicalAuditEntry)];
  const file = await log.exportLog(all, heads);
  const r = await verifyLogExport(JSON.parse(JSON.stringify(file)), VKEY);
  assert.deepEqual({ ok: r.ok, verifiedSize: r.verifiedSize, unsignedTail: r.unsignedTail }, { ok: true, verifiedSize: 40, unsignedTail: 5 });
  // a tail entry that differs from the log's recorded leaf still fails
  all[42] = canonicalAuditEntry({ ...entry(42), why: 'edited' });
  failsAt(await verifyLogExport(await log.exportLog(all, heads), VKEY), 'entry', 42, 'AUDIT_ENTRY_MISMATCH');
  const next = await log.signHead();
  assert.equal((await verifyLogExport(await log.exportLog([...texts, ...more.map(canonicalAuditEntry)], [...heads, next]), VKEY)).verifiedSize, 45);
});

test('export files in another format are refused with AUDIT_EXPORT_INVALID', async () => {
  const { log, texts, heads } = await fixture();
  const file = await log.exportLog(texts, heads);
  for (const bad of [null, { ...file, format: 'x' }, { ...file, entries: [1] }, { ...file, leafHashes: ['abc'] }, { ...file, consistencyProofs: [null, ['zz']] }]) {
    assert.throws(() => parseLogExport(bad), { code: 'AUDIT_EXPORT_INVALID' });
  }
});

test('an entry appended behind the log\'s back, after its last leaf, is refused as unlogged', async () => {
  const { input } = await fixture();
  const extra = canonicalAuditEntry(entry(40));
  failsAt(await verifyLog({ ...input, entries: [...input.entries, extra] }), 'entry', 40, 'AUDIT_ENTRY_UNLOGGED');
  const r = await verifyLog(withoutLeaves({ ...input, entries: [...input.entries, extra] }));
  assert.deepEqual({ ok: r.ok, unsignedTail: r.unsignedTail }, { ok: true, unsignedTail: 1 }, 'without the log\'s leaves it can only be reported as not yet signed');
});

test('property: any single change, deletion, insertion or swap is named at its first position', async () => {
  const { input } = await fixture();
  const n = input.entries.length;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('change', 'delete', 'insert', 'swap'), fc.nat(n - 1), fc.integer({ min: 1, max: n - 1 }), async (op, j, d) => {
      const entries = [...input.entries];
      const k = (j + d) % n;
      if (op === 'change') entries[j] = canonicalAuditEntry({ ...entry(j), why: 'altered' });
      if (op === 'delete') entries.splice(j, 1);
      if (op === 'insert') entries.splice(j, 0, canonicalAuditEntry(entry(1000 + j)));
      if (op === 'swap') [entries[j], entries[k]] = [entries[k]!, entries[j]!];
      const first = op === 'swap' ? Math.min(j, k) : j;
      const r = await verifyLog({ ...input, entries });
      assert.equal(r.ok, false);
      assert.equal(r.firstFailure?.index, first, `${op} at ${j}${op === 'swap' ? `/${k}` : ''}: ${r.firstFailure?.reason}`);
      // without the recorded leaves: at the start of the first head's range that holds it
      const coarse = await verifyLog(withoutLeaves({ ...input, entries }));
      assert.equal(coarse.ok, false);
      assert.equal(coarse.firstFailure?.index, Math.floor(first / 10) * 10, coarse.firstFailure?.reason);
    }),
    { seed: 2024, numRuns: 60 },
  );
});
