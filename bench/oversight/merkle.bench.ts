/**
 * The Merkle audit log's costs.
 *  1. append throughput in memory, batched, including RFC 8785 canonical JSON and the leaf hash,
 *     against a baseline of canonical JSON + one plain SHA-256 per entry (no tree);
 *  2. a tree of 10 M leaves built in memory (ACD_BENCH_MERKLE_N to change), then
 *  3. inclusion proofs at 10 M from stored nodes, against recomputing the proof from the leaves in a
 *     tree of 65 536 (the baseline: what not storing nodes costs, at a size 150× smaller);
 *  4. consistency proofs and roots at past sizes, likewise.
 * Proof latencies are printed as p50 / p99 / max; the target is an inclusion proof < 1 ms at 10 M.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { measure, report, heapMiB } from '../lib.js';
import { canonicalAuditEntry, canonicalJson, type AuditEntry } from '../../src/oversight/canonical.js';
import { hashLeaf, merkleTreeHash } from '../../src/oversight/merkle.js';
import { MemoryNodeStore } from '../../src/oversight/node-store.js';
import { MerkleTree } from '../../src/oversight/tree.js';
import { consistencyProofRanges, inclusionPathRanges, verifyConsistency, verifyInclusion } from '../../src/oversight/proofs.js';

const BIG = Number(process.env.ACD_BENCH_MERKLE_N ?? 10_000_000);
const SMALL = 1 << 16;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

// a deterministic pseudo-random sequence, so runs compare
let seed = 0x9162;
const rnd = (n: number): number => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return Math.floor(((seed >>> 8) / 2 ** 24) * n);
};

function entry(i: number): AuditEntry {
  return {
    who: { user: `u-${i % 97}`, org: `org-${i % 13}`, roles: ['analyst'] },
    what: i % 5 ? 'flow.read' : 'approval.decide',
    when: new Date(1_764_000_000_000 + i).toISOString(),
    on: { type: 'approval', id: `appr-${i % 31}` },
    why: `inspection of case ${i}`,
    basis: `appr-${i % 31}`,
    details: { flows: i % 1000 },
  };
}

function percentiles(us: number[]): string {
  us.sort((a, b) => a - b);
  const p = (q: number): string => us[Math.min(us.length - 1, Math.floor(q * us.length))]!.toFixed(1);
  return `p50 ${p(0.5)} µs, p99 ${p(0.99)} µs, max ${us[us.length - 1]!.toFixed(1)} µs`;
}

/** Times each call (wall clock) and the whole loop's CPU time: on a shared machine the wall-clock tail
 * is mostly time spent descheduled, which the CPU figure leaves out. */
async function timeEach(count: number, fn: (i: number) => Promise<unknown>): Promise<{ m: { ops: number; ms: number }; us: number[]; cpuUs: number }> {
  const us: number[] = [];
  const cpu0 = process.cpuUsage();
  const m = await measure(async () => {
    for (let i = 0; i < count; i++) {
      const t0 = process.hrtime.bigint();
      await fn(i);
      us.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    return count;
  });
  const cpu = process.cpuUsage(cpu0);
  return { m, us, cpuUs: (cpu.user + cpu.system) / count };
}

// 1. append throughput
{
  const N = 200_000;
  const BATCH = 1000;
  const entries = Array.from({ length: N }, (_, i) => entry(i));
  const baseline = await measure(() => {
    for (const e of entries) createHash('sha256').update(canonicalJson(e)).digest();
    return N;
  });
  const tree = await MerkleTree.open(new MemoryNodeStore());
  const subject = await measure(async () => {
    for (let i = 0; i < N; i += BATCH) {
      await tree.appendLeaves(entries.slice(i, i + BATCH).map((e) => hashLeaf(Buffer.from(canonicalAuditEntry(e), 'utf8'))));
    }
    return N;
  });
  report('append: validate+JCS+leaf hash+tree, batch 1000', subject, baseline, 'entries', 'JCS+SHA-256 alone');
  const leaves = entries.map((e) => hashLeaf(Buffer.from(canonicalJson(e))));
  const t2 = await MerkleTree.open(new MemoryNodeStore());
  const treeOnly = await measure(async () => {
    for (let i = 0; i < N; i += BATCH) await t2.appendLeaves(leaves.slice(i, i + BATCH));
    return N;
  });
  report('append: tree only (leaf hashes given)', treeOnly, baseline, 'entries', 'JCS+SHA-256 alone');
}
gc();

// 2. the big tree
const store = new MemoryNodeStore();
const big = await MerkleTree.open(store);
{
  const BATCH = 65_536;
  const buf = new Uint8Array(BATCH * 32);
  const built = await measure(async () => {
    for (let n = 0; n < BIG; n += BATCH) {
      const k = Math.min(BATCH, BIG - n);
      randomFillSync(buf, 0, k * 32);
      const batch = new Array<Uint8Array>(k);
      for (let j = 0; j < k; j++) batch[j] = buf.subarray(j * 32, j * 32 + 32);
      await big.appendLeaves(batch);
    }
    return BIG;
  });
  gc();
  report(`build: ${BIG} leaf hashes appended`, built, null, 'leaves');
  console.log(`  node store ${(store.bytes() / 1048576).toFixed(0)} MiB (${(store.bytes() / BIG).toFixed(1)} B/leaf), JS heap ${heapMiB().toFixed(0)} MiB`);
}

// the baseline tree: 65 536 leaves in an array, every proof recomputed from them
const smallLeaves = Array.from({ length: SMALL }, (_, i) => hashLeaf(Buffer.from(String(i))));
const recompute = (ranges: readonly (readonly [number, number])[]): Buffer[] => ranges.map(([s, e]) => merkleTreeHash(smallLeaves, s, e));

// 3. inclusion proofs
{
  const root = await big.root();
  const COUNT = 20_000;
  const idx = Array.from({ length: COUNT }, () => rnd(BIG));
  await timeEach(2000, (i) => big.inclusionProof(idx[i]!)); // warm-up
  const stored = await timeEach(COUNT, (i) => big.inclusionProof(idx[i]!));
  const naiveCount = 20;
  const naive = await timeEach(naiveCount, async () => recompute(inclusionPathRanges(rnd(SMALL), SMALL)));
  report(`inclusion proof at ${BIG} (stored nodes)`, stored.m, naive.m, 'proofs', `recomputed at ${SMALL}`);
  console.log(`  stored at ${BIG}: ${percentiles(stored.us)}, CPU ${stored.cpuUs.toFixed(1)} µs/proof; recomputed at ${SMALL}: ${percentiles(naive.us)}`);
  let ok = 0;
  for (let i = 0; i < 200; i++) {
    const m = idx[i]!;
    const [leaf] = store.getNodes([{ level: 0, index: m }]);
    if (verifyInclusion(leaf!, m, BIG, await big.inclusionProof(m), root)) ok++;
  }
  console.log(`  ${ok}/200 sampled proofs verify (RFC 9162 §2.1.3.2)`);
  const verifyM = await measure(async () => {
    const p = await big.inclusionProof(idx[0]!);
    const [leaf] = store.getNodes([{ level: 0, index: idx[0]! }]);
    for (let i = 0; i < 20_000; i++) verifyInclusion(leaf!, idx[0]!, BIG, p, root);
    return 20_000;
  });
  report('inclusion proof verification (client side)', verifyM, null, 'proofs');
}

// 4. consistency proofs and past roots
{
  const COUNT = 20_000;
  const pairs = Array.from({ length: COUNT }, () => {
    const n = 1 + rnd(BIG);
    return [1 + rnd(n), n] as const;
  });
  const stored = await timeEach(COUNT, (i) => big.consistencyProof(pairs[i]![0], pairs[i]![1]));
  const naive = await timeEach(20, async () => {
    const n = 2 + rnd(SMALL - 1);
    return recompute(consistencyProofRanges(1 + rnd(n - 1), n));
  });
  report(`consistency proof at <= ${BIG} (stored nodes)`, stored.m, naive.m, 'proofs', `recomputed at <= ${SMALL}`);
  console.log(`  stored: ${percentiles(stored.us)}, CPU ${stored.cpuUs.toFixed(1)} µs/proof; recomputed: ${percentiles(naive.us)}`);
  let ok = 0;
  for (let i = 0; i < 100; i++) {
    const [m, n] = pairs[i]!;
    if (verifyConsistency(m, n, await big.root(m), await big.root(n), await big.consistencyProof(m, n))) ok++;
  }
  console.log(`  ${ok}/100 sampled proofs verify (RFC 9162 §2.1.4.2)`);
  const roots = await timeEach(COUNT, (i) => big.root(pairs[i]![0]));
  console.log(`  root at a past size: ${percentiles(roots.us)}, CPU ${roots.cpuUs.toFixed(1)} µs/root`);
}
