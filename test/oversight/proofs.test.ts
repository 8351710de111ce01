import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { hashLeaf, hashChildren, merkleTreeHash, EMPTY_ROOT } from '../../src/oversight/merkle.js';
import { MemoryNodeStore } from '../../src/oversight/node-store.js';
import { MerkleTree } from '../../src/oversight/tree.js';
import { verifyConsistency, verifyInclusion } from '../../src/oversight/proofs.js';
import { naivePath, naiveSubproof } from './reference.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Buffer => Buffer.from(s, 'hex');
const leaf = (i: number): Buffer => hashLeaf(createHash('sha256').update(`entry ${i}`).digest());

async function treeOf(leaves: readonly Uint8Array[], batch = 7): Promise<MerkleTree> {
  const t = await MerkleTree.open(new MemoryNodeStore());
  for (let i = 0; i < leaves.length; i += batch) await t.appendLeaves(leaves.slice(i, i + batch));
  return t;
}

const N = 64;
const LEAVES = Array.from({ length: N }, (_, i) => leaf(i));

test('stored roots equal the RFC definition of MTH for every size 0..64', async () => {
  const t = await treeOf(LEAVES);
  for (let n = 0; n <= N; n++) assert.equal(hex(await t.root(n)), hex(merkleTreeHash(LEAVES.slice(0, n))), `size ${n}`);
});

test('inclusion proofs equal PATH(m, D[n]) of §2.1.3.1 and verify by §2.1.3.2, for every m < n <= 64', async () => {
  const t = await treeOf(LEAVES);
  for (let n = 1; n <= N; n++) {
    const root = merkleTreeHash(LEAVES.slice(0, n));
    for (let m = 0; m < n; m++) {
      const proof = await t.inclusionProof(m, n);
      assert.deepEqual(proof.map(hex), naivePath(m, LEAVES.slice(0, n)).map(hex), `PATH(${m}, D[${n}])`);
      assert.ok(verifyInclusion(LEAVES[m]!, m, n, proof, root), `verify ${m} in ${n}`);
      // the same proof for another leaf, index or size fails
      if (n > 1) assert.ok(!verifyInclusion(LEAVES[(m + 1) % n]!, m, n, proof, root), `wrong leaf ${m}/${n}`);
      assert.ok(!verifyInclusion(LEAVES[m]!, m, n + 1, proof, merkleTreeHash(LEAVES.slice(0, n + 1))), `wrong size ${m}/${n}`);
    }
  }
});

test('consistency proofs equal SUBPROOF(m, D[n], true) of §2.1.4.1 and verify by §2.1.4.2, for every m <= n <= 64', async () => {
  const t = await treeOf(LEAVES);
  for (let n = 0; n <= N; n++) {
    const rn = merkleTreeHash(LEAVES.slice(0, n));
    for (let m = 0; m <= n; m++) {
      const rm = merkleTreeHash(LEAVES.slice(0, m));
      const proof = await t.consistencyProof(m, n);
      const expected = m === 0 || m === n ? [] : naiveSubproof(m, LEAVES.slice(0, n), true);
      assert.deepEqual(proof.map(hex), expected.map(hex), `PROOF(${m}, D[${n}])`);
      assert.ok(verifyConsistency(m, n, rm, rn, proof), `verify ${m} -> ${n}`);
      if (m > 0 && m < n) {
        // an old root from another history does not verify
        const other = merkleTreeHash([...LEAVES.slice(0, m - 1), leaf(1000)]);
        assert.ok(!verifyConsistency(m, n, other, rn, proof), `forked first root ${m} -> ${n}`);
        assert.ok(!verifyConsistency(m, n, rm, merkleTreeHash(LEAVES.slice(0, n - 1)), proof), `wrong second root ${m} -> ${n}`);
      }
    }
  }
});

test('mangled proofs are rejected: a flipped bit, a dropped or an added hash, swapped hashes', async () => {
  const t = await treeOf(LEAVES);
  for (let n = 2; n <= N; n += 3) {
    const rn = merkleTreeHash(LEAVES.slice(0, n));
    for (let m = 0; m < n; m++) {
      const p = await t.inclusionProof(m, n);
      for (let j = 0; j < p.length; j++) {
        const bad = p.map((h) => Buffer.from(h));
        bad[j]![j % 32]! ^= 1;
        assert.ok(!verifyInclusion(LEAVES[m]!, m, n, bad, rn), `flipped ${j} of inclusion ${m}/${n}`);
      }
      assert.ok(!verifyInclusion(LEAVES[m]!, m, n, p.slice(0, -1), rn), `short inclusion ${m}/${n}`);
      assert.ok(!verifyInclusion(LEAVES[m]!, m, n, [...p, Buffer.alloc(32)], rn), `long inclusion ${m}/${n}`);
      if (p.length >= 2 && !p[0]!.equals(p[1]!)) assert.ok(!verifyInclusion(LEAVES[m]!, m, n, [p[1]!, p[0]!, ...p.slice(2)], rn));
      if (m === 0) continue;
      const rm = merkleTreeHash(LEAVES.slice(0, m));
      const c = await t.consistencyProof(m, n);
      for (let j = 0; j < c.length; j++) {
        const bad = c.map((h) => Buffer.from(h));
        bad[j]![31 - (j % 32)]! ^= 0x80;
        assert.ok(!verifyConsistency(m, n, rm, rn, bad), `flipped ${j} of consistency ${m}->${n}`);
      }
      assert.ok(!verifyConsistency(m, n, rm, rn, c.slice(0, -1)), `short consistency ${m}->${n}`);
      assert.ok(!verifyConsistency(m, n, rm, rn, [...c, Buffer.alloc(32)]), `long consistency ${m}->${n}`);
    }
  }
});

test('bad arguments: verifiers answer false, generators throw AUDIT_BAD_ARGUMENT', async () => {
  const t = await treeOf(LEAVES.slice(0, 8));
  const r8 = await t.root();
  const p = await t.inclusionProof(5);
  assert.ok(verifyInclusion(LEAVES[5]!, 5, 8, p, r8));
  assert.ok(!verifyInclusion(LEAVES[5]!, 8, 8, p, r8), 'index = size');
  assert.ok(!verifyInclusion(LEAVES[5]!, -1, 8, p, r8), 'negative index');
  assert.ok(!verifyInclusion(LEAVES[5]!.subarray(0, 31), 5, 8, p, r8), 'short leaf hash');
  assert.ok(!verifyInclusion(LEAVES[5]!, 5, 8, p, r8.subarray(0, 31)), 'short root');
  assert.ok(!verifyConsistency(8, 6, r8, r8, [r8]), 'first > second');
  assert.ok(!verifyConsistency(4, 4, r8, await t.root(4), []), 'same size, different roots');
  assert.ok(verifyConsistency(4, 4, r8, r8, []), 'same size, same root, empty proof');
  assert.ok(!verifyConsistency(4, 4, r8, r8, [r8]), 'same size with a non-empty proof');
  assert.ok(verifyConsistency(0, 8, EMPTY_ROOT, r8, []), 'empty tree is a prefix of every tree');
  assert.ok(!verifyConsistency(0, 8, EMPTY_ROOT, r8, [r8]), 'from the empty tree with a proof');
  assert.ok(!verifyConsistency(3, 8, await t.root(3), r8, []), 'RFC step 1: an empty path fails');
  const code = { code: 'AUDIT_BAD_ARGUMENT' };
  await assert.rejects(async () => t.inclusionProof(8), code);
  await assert.rejects(async () => t.inclusionProof(0, 9), code);
  await assert.rejects(async () => t.consistencyProof(5, 3), code);
  await assert.rejects(async () => t.root(9), code);
  await assert.rejects(() => t.appendLeaves([Buffer.alloc(31)]), code);
  assert.equal(t.size, 8, 'a rejected batch appends nothing');
});

// Google's certificate-transparency test vectors (merkle_tree_test.cc; also in transparency-dev/merkle):
// eight entries, the roots of every prefix, two inclusion and two consistency proofs.
const CT_ENTRIES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(unhex);
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

test('Certificate Transparency reference vectors: roots, inclusion and consistency proofs', async () => {
  const t = await treeOf(CT_ENTRIES.map(hashLeaf), 3);
  assert.equal(hex(await t.root(0)), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  for (let n = 1; n <= 8; n++) assert.equal(hex(await t.root(n)), CT_ROOTS[n - 1], `root of size ${n}`);
  assert.deepEqual((await t.inclusionProof(0, 8)).map(hex), [
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ]);
  assert.deepEqual((await t.inclusionProof(5, 8)).map(hex), [
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  ]);
  assert.deepEqual((await t.consistencyProof(2, 8)).map(hex), [
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ]);
  assert.deepEqual((await t.consistencyProof(6, 8)).map(hex), [
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  ]);
});

test('RFC 9162 §2.1.5: the example tree of seven leaves, its inclusion and consistency proofs', async () => {
  const d = Array.from({ length: 7 }, (_, i) => Buffer.from(`d${i}`));
  // the figure's nodes, computed by hand from §2.1.1
  const [a, b, c, dd, e, f, j] = d.map(hashLeaf) as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
  const g = hashChildren(a, b);
  const h = hashChildren(c, dd);
  const i = hashChildren(e, f);
  const k = hashChildren(g, h);
  const l = hashChildren(i, j);
  const root = hashChildren(k, l);
  const hash0 = hashChildren(g, c); // the tree of d0..d2
  const hash1 = k; // d0..d3
  const hash2 = hashChildren(k, i); // d0..d5
  const t = await treeOf([a, b, c, dd, e, f, j], 2);
  assert.equal(hex(await t.root()), hex(root));
  assert.equal(hex(await t.root(3)), hex(hash0));
  assert.equal(hex(await t.root(4)), hex(hash1));
  assert.equal(hex(await t.root(6)), hex(hash2));
  // "The inclusion proof for d0 is [b, h, l]. … for d3 is [c, g, l]. … for d4 is [f, j, k]. … for d6 is [i, k]."
  assert.deepEqual((await t.inclusionProof(0)).map(hex), [b, h, l].map(hex));
  assert.deepEqual((await t.inclusionProof(3)).map(hex), [c, g, l].map(hex));
  assert.deepEqual((await t.inclusionProof(4)).map(hex), [f, j, k].map(hex));
  assert.deepEqual((await t.inclusionProof(6)).map(hex), [i, k].map(hex));
  // "The consistency proof between hash0 and hash is PROOF(3, D[7]) = [c, d, g, l]" (d is the leaf hash of d3),
  // "between hash1 and hash is PROOF(4, D[7]) = [l]", "between hash2 and hash is PROOF(6, D[7]) = [i, j, k]"
  assert.deepEqual((await t.consistencyProof(3)).map(hex), [c, dd, g, l].map(hex));
  assert.deepEqual((await t.consistencyProof(4)).map(hex), [l].map(hex));
  assert.deepEqual((await t.consistencyProof(6)).map(hex), [i, j, k].map(hex));
  assert.ok(verifyConsistency(3, 7, hash0, root, [c, dd, g, l]));
  assert.ok(verifyConsistency(4, 7, hash1, root, [l]));
  assert.ok(verifyConsistency(6, 7, hash2, root, [i, j, k]));
  for (const [m, p] of [[0, [b, h, l]], [3, [c, g, l]], [4, [f, j, k]], [6, [i, k]]] as const) {
    assert.ok(verifyInclusion([a, b, c, dd, e, f, j][m]!, m, 7, p, root), `d${m}`);
  }
});

test('property: for random trees and batchings, every proof generated verifies and equals the reference', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 1, max: 50 }),
      fc.nat(),
      fc.nat(),
      async (n, batch, a, b) => {
        const leaves = Array.from({ length: n }, (_, i) => leaf(i * 7 + 3));
        const t = await treeOf(leaves, batch);
        const size = 1 + (a % n);
        const m = b % size;
        const root = merkleTreeHash(leaves.slice(0, size));
        assert.equal(hex(await t.root(size)), hex(root));
        const p = await t.inclusionProof(m, size);
        assert.ok(verifyInclusion(leaves[m]!, m, size, p, root));
        assert.deepEqual(p.map(hex), naivePath(m, leaves.slice(0, size)).map(hex));
        const first = 1 + (b % size);
        const c = await t.consistencyProof(first, size);
        assert.ok(verifyConsistency(first, size, merkleTreeHash(leaves.slice(0, first)), root, c));
        if (first < size) assert.deepEqual(c.map(hex), naiveSubproof(first, leaves.slice(0, size), true).map(hex));
      },
    ),
    { seed: 9162, numRuns: 150 },
  );
});

test('property: a random proof never verifies for a random claim (no false positives)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1000 }),
      fc.nat(),
      fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 12 }),
      (n, m, path) => {
        const leafHash = leaf(m);
        const root = merkleTreeHash([leafHash]);
        // a one-leaf tree only verifies with an empty path and the leaf as root
        if (n === 1 && m % n === 0 && path.length === 0) return;
        assert.ok(!verifyInclusion(leafHash, m % n, n, path, root));
      },
    ),
    { seed: 6962, numRuns: 300 },
  );
});

test('property: a random consistency path never links two roots of different histories', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 500 }),
      fc.integer({ min: 1, max: 500 }),
      fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 12 }),
      (a, b, path) => {
        const [m, n] = a < b ? [a, b] : [b, a + 1];
        const first = merkleTreeHash(Array.from({ length: Math.min(m, 8) }, (_, i) => leaf(i)));
        const second = merkleTreeHash(Array.from({ length: Math.min(n, 9) }, (_, i) => leaf(i + 100)));
        assert.ok(!verifyConsistency(m, n, first, second, path));
      },
    ),
    { seed: 6962, numRuns: 300 },
  );
});
