/**
 * Merkle Tree Hash after RFC 9162 §2.1.1 (Certificate Transparency 2.0), and the addressing of the
 * tree's complete subtrees that lets a store keep them.
 *
 * A tree of n leaves is "left-balanced": MTH(D[n]) splits at k, the largest power of two smaller than
 * n. Every subtree that arises from that recursion and whose size is a power of two is *complete* and
 * starts at a multiple of its size, so it has an address (level, index): level L covers 2^L leaves,
 * index i covers leaves [i·2^L, (i+1)·2^L). Level 0 holds the leaf hashes. A complete subtree never
 * changes once its last leaf is appended, which is what makes storing it sound.
 */
import * as crypto from 'node:crypto';
import { auditError } from './errors.js';

export const HASH_SIZE = 32;

/** (level, index) of a complete subtree: leaves [index·2^level, (index+1)·2^level). */
export interface NodeKey {
  level: number;
  index: number;
}

/**
 * SHA-256 of one buffer. crypto.hash (Node ≥ 20.12) makes no Hash object: ~35 % less CPU per node
 * hash once its garbage is counted (bench/oversight/merkle.bench.ts builds 10 M leaves with it);
 * createHash where it is missing.
 */
const sha256: (data: Uint8Array) => Buffer = (() => {
  const oneShot = (crypto as { hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Buffer }).hash;
  if (typeof oneShot === 'function') {
    try {
      const probe = oneShot('sha256', new Uint8Array(0), 'buffer');
      if (Buffer.isBuffer(probe) && probe.length === HASH_SIZE) return (data) => oneShot('sha256', data, 'buffer');
    } catch {
      // an older crypto.hash without 'buffer' output: fall through
    }
  }
  return (data) => crypto.createHash('sha256').update(data).digest();
})();

/** 0x01 ‖ left ‖ right, reused: one hash call per node, no concatenation */
const nodeScratch = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeScratch[0] = 0x01;

export function assertHash(h: Uint8Array, what: string): void {
  if (h.length !== HASH_SIZE) throw auditError('AUDIT_BAD_ARGUMENT', `${what} is ${h.length} bytes, a SHA-256 hash is ${HASH_SIZE}`);
}

// RFC 9162 §2.1.1: MTH({}) = HASH(), the hash of an empty string
export const EMPTY_ROOT: Buffer = sha256(new Uint8Array(0));

// RFC 9162 §2.1.1: MTH({d(0)}) = HASH(0x00 || d(0))
export function hashLeaf(entry: Uint8Array): Buffer {
  const data = Buffer.allocUnsafe(1 + entry.length);
  data[0] = 0x00;
  data.set(entry, 1);
  return sha256(data);
}

// RFC 9162 §2.1.1: MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  assertHash(left, 'left child');
  assertHash(right, 'right child');
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_SIZE);
  return sha256(nodeScratch);
}

// RFC 9162 §2.1.1: k, the largest power of two smaller than n (n > 1)
export function largestPowerOfTwoBelow(n: number): number {
  if (!Number.isSafeInteger(n) || n < 2) throw auditError('AUDIT_BAD_ARGUMENT', `no power of two splits a tree of size ${n}`);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  return n >= 1 && Number.isSafeInteger(n) && 2 ** Math.round(Math.log2(n)) === n;
}

// RFC 9162 §2.1.1: MTH(D[n]) straight from the definition, over leaf hashes (the reference the stored
// tree is tested against; O(n) hashes, so only for small trees and for verifiers)
export function merkleTreeHash(leafHashes: readonly Uint8Array[], start = 0, end = leafHashes.length): Buffer {
  const n = end - start;
  if (n === 0) return Buffer.from(EMPTY_ROOT);
  if (n === 1) {
    const h = leafHashes[start]!;
    assertHash(h, `leaf hash ${start}`);
    return Buffer.from(h);
  }
  const k = largestPowerOfTwoBelow(n);
  return hashChildren(merkleTreeHash(leafHashes, start, start + k), merkleTreeHash(leafHashes, start + k, end));
}

/**
 * The complete subtrees whose hashes make MTH(D[start:end]), largest (leftmost) first. The range must be
 * one the RFC's recursion produces (every part aligned to its size); MTH of the range is then
 * HASH(0x01 ‖ c0 ‖ HASH(0x01 ‖ c1 ‖ … cLast)), see foldSubtrees().
 */
export function completeSubtrees(start: number, end: number, out: NodeKey[] = []): NodeKey[] {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end <= start) {
    throw auditError('AUDIT_BAD_ARGUMENT', `range [${start}, ${end}) is not a non-empty range of leaves`);
  }
  let s = start;
  while (s < end) {
    const size = end - s;
    const part = isPowerOfTwo(size) ? size : largestPowerOfTwoBelow(size);
    if (s % part !== 0) throw auditError('AUDIT_BAD_ARGUMENT', `range [${start}, ${end}) is not aligned to the tree's subtrees at ${s}`);
    out.push({ level: Math.round(Math.log2(part)), index: s / part });
    s += part;
  }
  return out;
}

/** MTH of a range from its complete subtrees' hashes (in completeSubtrees() order): a right fold. */
export function foldSubtrees(hashes: readonly Uint8Array[], from = 0, to = hashes.length): Buffer {
  if (to <= from) throw auditError('AUDIT_BAD_ARGUMENT', 'no subtree hashes to fold');
  let h: Uint8Array = hashes[to - 1]!;
  assertHash(h, 'subtree hash');
  for (let i = to - 2; i >= from; i--) h = hashChildren(hashes[i]!, h);
  return Buffer.from(h);
}
