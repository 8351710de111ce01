/**
 * RFC 9162 §2.1 written out literally over arrays of leaf hashes, recursion and all: the reference the
 * stored tree and its proofs are compared against. Deliberately shares nothing with src/ but the two
 * hash functions.
 */
import { hashChildren, merkleTreeHash } from '../../src/oversight/merkle.js';

export { merkleTreeHash as naiveMth };

function k(n: number): number {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
}

// RFC 9162 §2.1.3.1: PATH(m, D[n])
export function naivePath(m: number, d: readonly Uint8Array[]): Buffer[] {
  const n = d.length;
  if (n === 1) return [];
  const s = k(n);
  if (m < s) return [...naivePath(m, d.slice(0, s)), merkleTreeHash(d.slice(s))];
  return [...naivePath(m - s, d.slice(s)), merkleTreeHash(d.slice(0, s))];
}

// RFC 9162 §2.1.4.1: SUBPROOF(m, D[n], b)
export function naiveSubproof(m: number, d: readonly Uint8Array[], b: boolean): Buffer[] {
  const n = d.length;
  if (m === n) return b ? [] : [merkleTreeHash(d)];
  const s = k(n);
  if (m <= s) return [...naiveSubproof(m, d.slice(0, s), b), merkleTreeHash(d.slice(s))];
  return [...naiveSubproof(m - s, d.slice(s), false), merkleTreeHash(d.slice(0, s))];
}

export { hashChildren };
