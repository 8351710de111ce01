/**
 * Inclusion and consistency proofs, RFC 9162 §2.1.3 and §2.1.4.
 *
 * Generation follows the RFC's recursive definitions, but over *ranges* of leaves instead of hashes:
 * PATH and SUBPROOF name the subtrees whose MTH the proof carries; each such range is a handful of
 * complete subtrees (merkle.ts), read from the node store in one batch. A proof at 10 M entries is
 * then 24 ranges made of at most 30 stored nodes (a consistency proof: at most ~42), read in one batch,
 * and a few hashes to fold the one incomplete range: nothing is recomputed from the leaves.
 *
 * Verification is the RFC's algorithm step by step, over hashes only.
 */
import { completeSubtrees, foldSubtrees, hashChildren, isPowerOfTwo, largestPowerOfTwoBelow, HASH_SIZE, type NodeKey } from './merkle.js';
import { auditError } from './errors.js';

/** leaves [start, end) */
export type LeafRange = readonly [start: number, end: number];

/** What proof generation reads: the node store, or anything else that can hand out complete subtrees. */
export interface NodeReader {
  getNodes(keys: readonly NodeKey[]): Uint8Array[] | Promise<Uint8Array[]>;
}

function checkSize(what: string, v: number, min: number, max: number): void {
  if (!Number.isSafeInteger(v) || v < min || v > max) throw auditError('AUDIT_BAD_ARGUMENT', `${what} ${v} is outside [${min}, ${max}]`);
}

// RFC 9162 §2.1.3.1: PATH(m, D[n]), as the ranges whose MTH make up the path, leaf end first
export function inclusionPathRanges(m: number, n: number): LeafRange[] {
  checkSize('tree size', n, 1, Number.MAX_SAFE_INTEGER);
  checkSize('leaf index', m, 0, n - 1);
  const out: LeafRange[] = [];
  path(m, 0, n, out);
  return out;
}

function path(m: number, start: number, end: number, out: LeafRange[]): void {
  const n = end - start;
  if (n === 1) return; // PATH(0, {d(0)}) = {}
  const k = largestPowerOfTwoBelow(n);
  if (m < k) {
    path(m, start, start + k, out); // PATH(m, D[0:k]) : MTH(D[k:n])
    out.push([start + k, end]);
  } else {
    path(m - k, start + k, end, out); // PATH(m - k, D[k:n]) : MTH(D[0:k])
    out.push([start, start + k]);
  }
}

// RFC 9162 §2.1.4.1: PROOF(m, D[n]) = SUBPROOF(m, D[n], true), as ranges, for 0 < m < n
export function consistencyProofRanges(m: number, n: number): LeafRange[] {
  checkSize('second tree size', n, 1, Number.MAX_SAFE_INTEGER);
  checkSize('first tree size', m, 1, n - 1);
  const out: LeafRange[] = [];
  subproof(m, 0, n, true, out);
  return out;
}

function subproof(m: number, start: number, end: number, b: boolean, out: LeafRange[]): void {
  const n = end - start;
  if (m === n) {
    if (!b) out.push([start, end]); // SUBPROOF(m, D[m], false) = {MTH(D[m])}; with true, {}
    return;
  }
  const k = largestPowerOfTwoBelow(n);
  if (m <= k) {
    subproof(m, start, start + k, b, out); // SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
    out.push([start + k, end]);
  } else {
    subproof(m - k, start + k, end, false, out); // SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
    out.push([start, start + k]);
  }
}

/** MTH of each range, reading all the complete subtrees they need in one batch. */
export async function rangeHashes(reader: NodeReader, ranges: readonly LeafRange[]): Promise<Buffer[]> {
  const keys: NodeKey[] = [];
  const bounds: number[] = [0];
  for (const [s, e] of ranges) {
    completeSubtrees(s, e, keys);
    bounds.push(keys.length);
  }
  const hashes = keys.length === 0 ? [] : await reader.getNodes(keys);
  if (hashes.length !== keys.length) throw auditError('AUDIT_NODE_MISSING', `asked the node store for ${keys.length} nodes, got ${hashes.length}`);
  const out: Buffer[] = [];
  for (let i = 0; i < ranges.length; i++) out.push(foldSubtrees(hashes, bounds[i]!, bounds[i + 1]!));
  return out;
}

// RFC 9162 §2.1.3.1: the inclusion proof of leaf m in the tree of size n
export function generateInclusionProof(reader: NodeReader, m: number, n: number): Promise<Buffer[]> {
  return rangeHashes(reader, inclusionPathRanges(m, n));
}

// RFC 9162 §2.1.4.1: the consistency proof between sizes m and n (empty when m is 0 or m = n)
export function generateConsistencyProof(reader: NodeReader, m: number, n: number): Promise<Buffer[]> {
  checkSize('second tree size', n, 0, Number.MAX_SAFE_INTEGER);
  checkSize('first tree size', m, 0, n);
  if (m === 0 || m === n) return Promise.resolve([]);
  return rangeHashes(reader, consistencyProofRanges(m, n));
}

const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(a, b) === 0;
const half = (x: number): number => Math.floor(x / 2);
const lsb = (x: number): boolean => x % 2 === 1;

function wellFormed(hashes: readonly Uint8Array[]): boolean {
  return Array.isArray(hashes) && hashes.every((h) => h instanceof Uint8Array && h.length === HASH_SIZE);
}

// RFC 9162 §2.1.3.2: verify that `leafHash` is leaf `leafIndex` of the tree of `treeSize` with `rootHash`
export function verifyInclusion(
  leafHash: Uint8Array,
  leafIndex: number,
  treeSize: number,
  inclusionPath: readonly Uint8Array[],
  rootHash: Uint8Array,
): boolean {
  if (!wellFormed([leafHash, rootHash]) || !wellFormed(inclusionPath)) return false;
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize) || leafIndex < 0) return false;
  // 1. If leaf_index is greater than or equal to tree_size, fail.
  if (leafIndex >= treeSize) return false;
  // 2. Set fn to leaf_index and sn to tree_size - 1.
  let fn = leafIndex;
  let sn = treeSize - 1;
  // 3. Set r to hash.
  let r: Uint8Array = leafHash;
  // 4. For each value p in the inclusion_path array:
  for (const p of inclusionPath) {
    // a. If sn is 0, then stop the iteration and fail the proof verification.
    if (sn === 0) return false;
    // b. If LSB(fn) is set, or if fn is equal to sn, then:
    if (lsb(fn) || fn === sn) {
      // i. Set r to HASH(0x01 || p || r).
      r = hashChildren(p, r);
      // ii. If LSB(fn) is not set, then right-shift both fn and sn equally until either LSB(fn) is set or fn is 0.
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      // Otherwise: i. Set r to HASH(0x01 || r || p).
      r = hashChildren(r, p);
    }
    // c. Finally, right-shift both fn and sn one time.
    fn = half(fn);
    sn = half(sn);
  }
  // 5. If sn is equal to 0 and r and the root_hash are equal, the inclusion is proven.
  return sn === 0 && equal(r, rootHash);
}

// RFC 9162 §2.1.4.2: verify that the tree (second, secondHash) extends the tree (first, firstHash)
export function verifyConsistency(
  first: number,
  second: number,
  firstHash: Uint8Array,
  secondHash: Uint8Array,
  consistencyPath: readonly Uint8Array[],
): boolean {
  if (!wellFormed([firstHash, secondHash]) || !wellFormed(consistencyPath)) return false;
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || second < first) return false;
  // Outside the RFC's 0 < first < second: the empty tree is a prefix of every tree, and a tree is
  // consistent with itself; both with an empty proof (as in transparency-dev/merkle).
  if (first === 0) return consistencyPath.length === 0;
  if (first === second) return consistencyPath.length === 0 && equal(firstHash, secondHash);
  // 1. If consistency_path is an empty array, stop and fail the proof verification.
  if (consistencyPath.length === 0) return false;
  // 2. If first is an exact power of 2, then prepend first_hash to the consistency_path array.
  const path = isPowerOfTwo(first) ? [firstHash, ...consistencyPath] : consistencyPath;
  // 3. Set fn to first - 1 and sn to second - 1.
  let fn = first - 1;
  let sn = second - 1;
  // 4. If LSB(fn) is set, then right-shift both fn and sn equally until LSB(fn) is not set.
  while (lsb(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // 5. Set both fr and sr to the first value in the consistency_path array.
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  // 6. For each subsequent value c in the consistency_path array:
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    // a. If sn is 0, then stop the iteration and fail the proof verification.
    if (sn === 0) return false;
    // b. If LSB(fn) is set, or if fn is equal to sn, then:
    if (lsb(fn) || fn === sn) {
      // i. Set fr to HASH(0x01 || c || fr). ii. Set sr to HASH(0x01 || c || sr).
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      // iii. If LSB(fn) is not set, then right-shift both fn and sn equally until either LSB(fn) is set or fn is 0.
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      // Otherwise: i. Set sr to HASH(0x01 || sr || c).
      sr = hashChildren(sr, c);
    }
    // c. Finally, right-shift both fn and sn one time.
    fn = half(fn);
    sn = half(sn);
  }
  // 7. Verify that fr equals first_hash, sr equals second_hash, and sn is 0.
  return equal(fr, firstHash) && equal(sr, secondHash) && sn === 0;
}

/** Throwing forms, for callers that want a coded error rather than a boolean. */
export function assertInclusion(...args: Parameters<typeof verifyInclusion>): void {
  if (!verifyInclusion(...args)) {
    throw auditError('AUDIT_PROOF_INVALID', `inclusion proof for leaf ${args[1]} in tree size ${args[2]} does not verify`);
  }
}

export function assertConsistency(...args: Parameters<typeof verifyConsistency>): void {
  if (!verifyConsistency(...args)) {
    throw auditError('AUDIT_PROOF_INVALID', `consistency proof from tree size ${args[0]} to ${args[1]} does not verify`);
  }
}
