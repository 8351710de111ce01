import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MemoryNodeStore, type NodeStore, type StoredNode } from '../../src/oversight/node-store.js';
import { MerkleTree, frontierKeys } from '../../src/oversight/tree.js';
import { hashLeaf, merkleTreeHash, type NodeKey } from '../../src/oversight/merkle.js';

const h = (i: number): Buffer => createHash('sha256').update(String(i)).digest();

test('the memory store returns what was put, across chunk boundaries (70 000 nodes at one level)', () => {
  const s = new MemoryNodeStore();
  const n = 70_000;
  for (let i = 0; i < n; i += 1000) s.putNodes(Array.from({ length: 1000 }, (_, j) => ({ level: 0, index: i + j, hash: h(i + j) })));
  assert.equal(s.leafCount(), n);
  const probe = [0, 15, 16, 17, 32767, 32768, 32769, 65535, 65536, 69_999];
  assert.deepEqual(s.getNodes(probe.map((index) => ({ level: 0, index }))).map((x) => Buffer.from(x).toString('hex')), probe.map((i) => h(i).toString('hex')));
  assert.ok(s.bytes() >= n * 32 && s.bytes() <= 3 * 32768 * 32, `compact: ${s.bytes()} bytes`);
});

test('the memory store is append-only: a rewrite, a gap or a bad hash is refused and the batch writes nothing', () => {
  const s = new MemoryNodeStore();
  s.putNodes([{ level: 0, index: 0, hash: h(0) }, { level: 0, index: 1, hash: h(1) }, { level: 1, index: 0, hash: h(2) }]);
  const code = { code: 'AUDIT_NODE_APPEND_ONLY' };
  assert.throws(() => s.putNodes([{ level: 0, index: 2, hash: h(3) }, { level: 0, index: 1, hash: h(4) }]), code);
  assert.throws(() => s.putNodes([{ level: 1, index: 2, hash: h(3) }]), code);
  assert.throws(() => s.putNodes([{ level: 0, index: 2, hash: h(3).subarray(1) }]), { code: 'AUDIT_BAD_ARGUMENT' });
  assert.equal(s.leafCount(), 2, 'nothing of the refused batches was written');
  assert.deepEqual(Buffer.from(s.getNodes([{ level: 0, index: 1 }])[0]!), h(1));
  assert.throws(() => s.getNodes([{ level: 0, index: 2 }]), { code: 'AUDIT_NODE_MISSING' });
  assert.throws(() => s.getNodes([{ level: 5, index: 0 }]), { code: 'AUDIT_NODE_MISSING' });
  assert.throws(() => s.getNodes([{ level: 0, index: 0.5 }]), { code: 'AUDIT_NODE_MISSING' });
});

test('the tree stores each leaf and each completed subtree once, and nothing else', async () => {
  const s = new MemoryNodeStore();
  const t = await MerkleTree.open(s);
  const leaves = Array.from({ length: 13 }, (_, i) => hashLeaf(h(i)));
  await t.appendLeaves(leaves);
  // 13 leaves: 13 + 6 + 3 + 1 complete subtrees
  for (const [level, count] of [[0, 13], [1, 6], [2, 3], [3, 1]] as const) {
    assert.doesNotThrow(() => s.getNodes([{ level, index: count - 1 }]));
    assert.throws(() => s.getNodes([{ level, index: count }]), { code: 'AUDIT_NODE_MISSING' });
    for (let i = 0; i < count; i++) {
      const size = 2 ** level;
      assert.deepEqual(Buffer.from(s.getNodes([{ level, index: i }])[0]!), merkleTreeHash(leaves, i * size, (i + 1) * size), `node (${level}, ${i})`);
    }
  }
  assert.deepEqual(frontierKeys(13), [{ level: 0, index: 12 }, { level: 2, index: 2 }, { level: 3, index: 0 }]);
});

/** A store that answers with promises, as a SQL store does, and counts its round trips. */
class AsyncStore implements NodeStore {
  readonly inner = new MemoryNodeStore();
  reads = 0;
  failNextPut = false;
  async leafCount(): Promise<number> {
    return this.inner.leafCount();
  }
  async getNodes(keys: readonly NodeKey[]): Promise<Uint8Array[]> {
    this.reads++;
    await new Promise((r) => setImmediate(r));
    return this.inner.getNodes(keys);
  }
  async putNodes(nodes: readonly StoredNode[]): Promise<void> {
    await new Promise((r) => setImmediate(r));
    if (this.failNextPut) {
      this.failNextPut = false;
      throw new Error('connection lost');
    }
    this.inner.putNodes(nodes);
  }
}

test('an asynchronous store: reopen, concurrent appends, one read per proof, a failed write leaves the tree as it was', async () => {
  const leaves = Array.from({ length: 100 }, (_, i) => hashLeaf(h(i)));
  const s = new AsyncStore();
  const t = await MerkleTree.open(s);
  // concurrent batches are applied in call order
  await Promise.all([t.appendLeaves(leaves.slice(0, 30)), t.appendLeaves(leaves.slice(30, 31)), t.appendLeaves(leaves.slice(31, 60))]);
  assert.deepEqual(await t.root(), merkleTreeHash(leaves.slice(0, 60)));
  s.failNextPut = true;
  await assert.rejects(() => t.appendLeaves(leaves.slice(60, 70)), /connection lost/);
  assert.equal(t.size, 60);
  assert.deepEqual(await t.root(), merkleTreeHash(leaves.slice(0, 60)), 'a failed batch changes nothing');
  // reopen from the store: same tree, appends continue it
  const t2 = await MerkleTree.open(s);
  assert.equal(t2.size, 60);
  await t2.appendLeaves(leaves.slice(60));
  assert.deepEqual(await t2.root(), merkleTreeHash(leaves));
  s.reads = 0;
  await t2.inclusionProof(37, 99);
  await t2.consistencyProof(37, 99);
  await t2.root(77);
  assert.equal(s.reads, 3, 'one batched read per proof or past root');
});
