import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { openStore } from '../../src/store/index.js';
import { SqlNodeStore, completingLeaf, createMerkleNodesTable, nodesCompletedBy } from '../../src/oversight/sql-node-store.js';
import { MerkleTree } from '../../src/oversight/tree.js';
import { hashLeaf, merkleTreeHash } from '../../src/oversight/merkle.js';
import { verifyConsistency, verifyInclusion } from '../../src/oversight/proofs.js';

const leaf = (i: number): Buffer => hashLeaf(createHash('sha256').update(`row ${i}`).digest());

test('the Merkle tree on the SQL store (embedded PostgreSQL): proofs, reopen, and the table refuses changes', async () => {
  const store = await openStore({ data: 'memory://' });
  try {
    // migration 050 made the table; it starts empty
    const nodes = new SqlNodeStore(store.db);
    const leaves = Array.from({ length: 300 }, (_, i) => leaf(i));
    const t = await MerkleTree.open(nodes);
    for (let i = 0; i < 250; i += 50) await t.appendLeaves(leaves.slice(i, i + 50));
    assert.equal(await nodes.leafCount(), 250);
    assert.equal(nodes.cachedNodes, 0, 'no node of level >= 8 yet (250 leaves)');
    // reopened from the table alone, with a cache from level 2 to exercise it
    const cachedStore = new SqlNodeStore(store.db, { cacheFromLevel: 2 });
    const t2 = await MerkleTree.open(cachedStore);
    assert.equal(t2.size, 250);
    await t2.appendLeaves(leaves.slice(250));
    const root = merkleTreeHash(leaves);
    assert.deepEqual(await t2.root(), root);
    assert.deepEqual(await t2.root(123), merkleTreeHash(leaves.slice(0, 123)));
    for (const m of [0, 1, 127, 128, 255, 299]) assert.ok(verifyInclusion(leaves[m]!, m, 300, await t2.inclusionProof(m), root), `inclusion ${m}`);
    assert.ok(verifyConsistency(77, 300, merkleTreeHash(leaves.slice(0, 77)), root, await t2.consistencyProof(77, 300)));
    assert.ok(cachedStore.cachedNodes > 0, 'upper nodes are kept in memory');
    // the same proofs again, now partly from the cache, still verify
    for (const m of [0, 1, 127, 128, 255, 299]) assert.ok(verifyInclusion(leaves[m]!, m, 300, await t2.inclusionProof(m), root), `inclusion ${m} (cached)`);
    assert.deepEqual(await t2.root(123), merkleTreeHash(leaves.slice(0, 123)));
    // one row per leaf, holding 300 leaves and 150 + 75 + 37 + 18 + 9 + 4 + 2 + 1 inner nodes
    const count = await sql<{ n: number; bytes: number }>`select count(*)::int as n, sum(length(nodes))::int as bytes from audit_merkle_nodes`.execute(store.db);
    assert.deepEqual(count.rows[0], { n: 300, bytes: 32 * (300 + 150 + 75 + 37 + 18 + 9 + 4 + 2 + 1) });
    // a second writer (the stale first tree) cannot overwrite nodes
    await assert.rejects(() => t.appendLeaves([leaf(999)]), { code: 'AUDIT_NODE_APPEND_ONLY' });
    await assert.rejects(() => sql`update audit_merkle_nodes set nodes = nodes where idx = 5`.execute(store.db), /append-only/);
    await assert.rejects(() => sql`delete from audit_merkle_nodes where idx = 5`.execute(store.db), /append-only/);
    await assert.rejects(() => nodes.getNodes([{ level: 0, index: 300 }]), { code: 'AUDIT_NODE_MISSING' });
    // batches whose nodes do not follow their leaves are refused before anything is written
    await createMerkleNodesTable(store.db, 'other_nodes');
    const other = new SqlNodeStore(store.db, 'other_nodes');
    const h = leaf(1);
    await assert.rejects(async () => other.putNodes([{ level: 0, index: 1, hash: h }]), { code: 'AUDIT_NODE_APPEND_ONLY' }, 'leaf 1 completes (1, 0) too');
    await assert.rejects(async () => other.putNodes([{ level: 1, index: 0, hash: h }]), { code: 'AUDIT_NODE_APPEND_ONLY' }, 'a node without its leaf');
    await assert.rejects(async () => other.putNodes([{ level: 0, index: 0, hash: h.subarray(1) }]), { code: 'AUDIT_BAD_ARGUMENT' });
    assert.equal(await other.leafCount(), 0);
  } finally {
    await store.close();
  }
});

test('node (L, j) lives in the row of leaf (j+1)·2^L − 1, which completes 1 + trailing-ones nodes', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map(nodesCompletedBy), [1, 2, 1, 3, 1, 2, 1, 4]);
  assert.equal(completingLeaf({ level: 0, index: 9 }), 9);
  assert.equal(completingLeaf({ level: 1, index: 0 }), 1);
  assert.equal(completingLeaf({ level: 3, index: 1 }), 15);
  // every node appears in exactly one row, at its level's offset
  const seen = new Set<string>();
  for (let i = 0; i < 64; i++) for (let l = 0; l < nodesCompletedBy(i); l++) {
    const k = { level: l, index: Math.floor(i / 2 ** l) };
    assert.equal(completingLeaf(k), i);
    seen.add(`${k.level}:${k.index}`);
  }
  assert.equal(seen.size, 64 + 32 + 16 + 8 + 4 + 2 + 1);
});
