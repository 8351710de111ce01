/**
 * The Merkle tree on the embedded SQL store (PGlite): batched appends (the leaves and every completed
 * node, one INSERT per batch) against a baseline of inserting only the leaf hashes (one row per entry,
 * what any audit table with a hash column costs), and proofs read with one SELECT each.
 * ACD_BENCH_SQL_N sets the number of leaves (default 200 000).
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { measure, report } from '../lib.js';
import { openStore } from '../../src/store/index.js';
import { SqlNodeStore, createMerkleNodesTable } from '../../src/oversight/sql-node-store.js';
import { MerkleTree } from '../../src/oversight/tree.js';
import { hashLeaf } from '../../src/oversight/merkle.js';
import { verifyInclusion } from '../../src/oversight/proofs.js';

const N = Number(process.env.ACD_BENCH_SQL_N ?? 200_000);
const BATCH = 2000;
const leaves = Array.from({ length: N }, (_, i) => hashLeaf(createHash('sha256').update(String(i)).digest()));

const store = await openStore({ data: 'memory://' });
try {
  // its own table: migration 050 already made audit_merkle_nodes
  await createMerkleNodesTable(store.db, 'bench_merkle_nodes');
  await sql`create table leaves_only (idx bigint primary key, hash bytea not null)`.execute(store.db);
  const baseline = await measure(async () => {
    for (let i = 0; i < N; i += BATCH) {
      const part = leaves.slice(i, i + BATCH);
      await sql`insert into leaves_only select i, decode(h, 'hex') from unnest(${part.map((_, j) => i + j)}::bigint[], ${part.map((h) => h.toString('hex'))}::text[]) as t(i, h)`.execute(store.db);
    }
    return N;
  });
  const tree = await MerkleTree.open(new SqlNodeStore(store.db, 'bench_merkle_nodes'));
  const subject = await measure(async () => {
    for (let i = 0; i < N; i += BATCH) await tree.appendLeaves(leaves.slice(i, i + BATCH));
    return N;
  });
  report(`PGlite: tree append, batch ${BATCH}`, subject, baseline, 'leaves', 'leaf rows only');

  const root = await tree.root();
  const COUNT = 2000;
  const us: number[] = [];
  let ok = 0;
  const proofs = await measure(async () => {
    for (let i = 0; i < COUNT; i++) {
      const m = (i * 7919) % N;
      const t0 = process.hrtime.bigint();
      const p = await tree.inclusionProof(m);
      us.push(Number(process.hrtime.bigint() - t0) / 1000);
      if (verifyInclusion(leaves[m]!, m, N, p, root)) ok++;
    }
    return COUNT;
  });
  us.sort((a, b) => a - b);
  report(`PGlite: inclusion proof at ${N}`, proofs, null, 'proofs');
  console.log(`  p50 ${us[COUNT >> 1]!.toFixed(0)} µs, p99 ${us[Math.floor(COUNT * 0.99)]!.toFixed(0)} µs; ${ok}/${COUNT} verify`);
} finally {
  await store.close();
}
