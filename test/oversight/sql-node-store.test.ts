import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { openStore } from '../../src/store/index.js';
import { SqlNodeStore, createMerkleNodesTable } from '../../src/oversight/sql-node-store.js';
import { MerkleTree } from '../../src/oversight/tree.js';
import { hashLeaf, merkleTreeHash } from '../../src/oversight/merkle.js';
import { verifyConsistency, verifyInclusion } from '../../src/oversight/proofs.js';

const leaf = (i: number): Buffer => hashLeaf(createHash('sha256').update(`row ${i}`).digest());

test('the Merkle tree on the SQL store (embedded PostgreSQL): proofs, reopen, and the table refuses changes', async () => {
  const store = await openStore({ data: 'memory://' });
  try {
    await createMerkleNodesTable(store.db);
    const nodes = new SqlNodeStore(store.db);
    const leaves = Array.from({ length: 300 }, (_, i) => leaf(i));
    const t = await MerkleTree.open(nodes);
    for (let i = 0; i < 250; i += 50) await t.appendLeaves(leaves.slice(i, i + 50));
    assert.equal(await nodes.leafCount(), 250);
    // reopened from the table alone
    const t2 = await MerkleTree.open(new SqlNodeStore(store.db));
    assert.equal(t2.size, 250);
    await t2.appendLeaves(leaves.slice(250));
    const root = merkleTreeHash(leaves);
    assert.deepEqual(await t2.root(), root);
    assert.deepEqual(await t2.root(123), merkleTreeHash(leaves.slice(0, 123)));
    for (const m of [0, 1, 127, 128, 255, 299]) assert.ok(verifyInclusion(leaves[m]!, m, 300, await t2.inclusionProof(m), root), `inclusion ${m}`);
    assert.ok(verifyConsistency(77, 300, merkleTreeHash(leaves.slice(0, 77)), root, await t2.consistencyProof(77, 300)));
    // 300 leaves, 150 + 75 + 37 + 18 + 9 + 4 + 2 + 1 inner nodes
    const count = await sql<{ n: number }>`select count(*)::int as n from audit_merkle_nodes`.execute(store.db);
    assert.equal(count.rows[0]?.n, 300 + 150 + 75 + 37 + 18 + 9 + 4 + 2 + 1);
    // a second writer (the stale first tree) cannot overwrite nodes
    await assert.rejects(() => t.appendLeaves([leaf(999)]), { code: 'AUDIT_NODE_APPEND_ONLY' });
    await assert.rejects(() => sql`update audit_merkle_nodes set hash = hash where level = 0 and idx = 5`.execute(store.db), /append-only/);
    await assert.rejects(() => sql`delete from audit_merkle_nodes where level = 0 and idx = 5`.execute(store.db), /append-only/);
    await assert.rejects(() => nodes.getNodes([{ level: 0, index: 300 }]), { code: 'AUDIT_NODE_MISSING' });
  } finally {
    await store.close();
  }
});
