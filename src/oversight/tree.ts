/**
 * The append-only Merkle tree over a NodeStore. Appending a leaf stores it and every complete subtree it
 * finishes (on average one more node per leaf), so roots at any past size, inclusion proofs and
 * consistency proofs read O(log n) stored nodes and hash O(log n) times, whatever the size.
 *
 * The tree keeps its "frontier" in memory: for every set bit L of the size n, the complete subtree
 * (L, n/2^L − 1) still waiting for a right sibling. Those are exactly the subtrees whose fold is the
 * current root, and the left siblings an append needs, so appends read nothing from the store.
 */
import { completeSubtrees, foldSubtrees, hashChildren, assertHash, EMPTY_ROOT, type NodeKey } from './merkle.js';
import type { NodeStore, StoredNode } from './node-store.js';
import { generateConsistencyProof, generateInclusionProof } from './proofs.js';
import { auditError } from './errors.js';

/** The frontier nodes of a tree of size n, lowest level first. */
export function frontierKeys(n: number): NodeKey[] {
  const keys: NodeKey[] = [];
  let x = n;
  for (let level = 0; x > 0; level++, x = Math.floor(x / 2)) {
    if (x % 2 === 1) keys.push({ level, index: x - 1 });
  }
  return keys;
}

export class MerkleTree {
  private n: number;
  /** frontier[L]: hash of (L, ⌊n/2^L⌋ − 1) when bit L of n is set */
  private frontier: (Uint8Array | undefined)[];
  /** appends run one after another; proofs and roots need no lock (stored nodes never change) */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly store: NodeStore,
    n: number,
    frontier: (Uint8Array | undefined)[],
  ) {
    this.n = n;
    this.frontier = frontier;
  }

  /** Opens the tree a store holds (empty or not), reading only its frontier. */
  static async open(store: NodeStore): Promise<MerkleTree> {
    const n = await store.leafCount();
    const keys = frontierKeys(n);
    const hashes = keys.length ? await store.getNodes(keys) : [];
    const frontier: (Uint8Array | undefined)[] = [];
    keys.forEach((k, i) => (frontier[k.level] = Buffer.from(hashes[i]!)));
    return new MerkleTree(store, n, frontier);
  }

  /** the number of leaves */
  get size(): number {
    return this.n;
  }

  /**
   * Appends leaf hashes (RFC 9162 §2.1.1 leaf hashes, 32 bytes each) as one batch: one putNodes() with
   * the leaves and every node they complete. Returns the index of the first new leaf and the new size.
   * The hashes are read when the batch's turn comes: do not reuse their buffers before the promise settles.
   */
  appendLeaves(leafHashes: readonly Uint8Array[]): Promise<{ first: number; size: number }> {
    const run = this.queue.then(() => this.appendNow(leafHashes));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async appendNow(leafHashes: readonly Uint8Array[]): Promise<{ first: number; size: number }> {
    const first = this.n;
    if (leafHashes.length === 0) return { first, size: first };
    const frontier = this.frontier.slice();
    const nodes: StoredNode[] = [];
    let n = first;
    for (const leaf of leafHashes) {
      assertHash(leaf, `leaf hash ${n}`);
      let h: Uint8Array = leaf;
      let level = 0;
      let index = n;
      nodes.push({ level, index, hash: h });
      // an odd index is a right child: its left sibling waits on the frontier
      while (index % 2 === 1) {
        h = hashChildren(frontier[level]!, h);
        frontier[level] = undefined;
        level++;
        index = (index - 1) / 2;
        nodes.push({ level, index, hash: h });
      }
      // a leaf waiting on the frontier is copied: the caller may reuse its buffer
      frontier[level] = level === 0 ? Buffer.from(h) : h;
      n++;
    }
    await this.store.putNodes(nodes);
    // only once stored: a failed write leaves the tree as it was
    this.frontier = frontier;
    this.n = n;
    return { first, size: n };
  }

  private checkSize(size: number, what = 'tree size'): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.n) {
      throw auditError('AUDIT_BAD_ARGUMENT', `${what} ${size} is outside the log's sizes 0..${this.n}`);
    }
  }

  // RFC 9162 §2.1.1: MTH(D[size]) for any size up to the current one
  async root(size: number = this.n): Promise<Buffer> {
    this.checkSize(size);
    if (size === 0) return Buffer.from(EMPTY_ROOT);
    if (size === this.n) {
      const hashes: Uint8Array[] = [];
      for (let level = this.frontier.length - 1; level >= 0; level--) {
        const h = this.frontier[level];
        if (h) hashes.push(h);
      }
      return foldSubtrees(hashes);
    }
    const keys = completeSubtrees(0, size);
    return foldSubtrees(await this.store.getNodes(keys));
  }

  // RFC 9162 §2.1.3.1: the inclusion proof of leaf `index` in the tree of `size`
  inclusionProof(index: number, size: number = this.n): Promise<Buffer[]> {
    this.checkSize(size);
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw auditError('AUDIT_BAD_ARGUMENT', `leaf index ${index} is not in a tree of size ${size}`);
    }
    return generateInclusionProof(this.store, index, size);
  }

  // RFC 9162 §2.1.4.1: the consistency proof from tree size `first` to `second`
  consistencyProof(first: number, second: number = this.n): Promise<Buffer[]> {
    this.checkSize(second, 'second tree size');
    this.checkSize(first, 'first tree size');
    if (first > second) throw auditError('AUDIT_BAD_ARGUMENT', `first tree size ${first} is larger than second tree size ${second}`);
    return generateConsistencyProof(this.store, first, second);
  }

  /** Leaf hashes [start, end), copied out (for exports and the verifier's localisation), read 8192 at a time. */
  async leafHashes(start: number, end: number): Promise<Buffer[]> {
    this.checkSize(end, 'end');
    if (!Number.isSafeInteger(start) || start < 0 || start > end) throw auditError('AUDIT_BAD_ARGUMENT', `start ${start} is outside 0..${end}`);
    const out: Buffer[] = [];
    for (let from = start; from < end; from += 8192) {
      const keys: NodeKey[] = [];
      for (let i = from; i < Math.min(end, from + 8192); i++) keys.push({ level: 0, index: i });
      for (const h of await this.store.getNodes(keys)) out.push(Buffer.from(h));
    }
    return out;
  }
}
