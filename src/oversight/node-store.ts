/**
 * Where the tree's nodes live. A node is the hash of a complete subtree, addressed (level, index)
 * (see merkle.ts); it is written once, when its last leaf arrives, and never changes. The interface is
 * batch-shaped so that a SQL table implements it with one statement per call:
 *
 *   create table audit_merkle_nodes (level smallint, idx bigint, hash bytea not null,
 *                                    primary key (level, idx));
 *   getNodes: select level, idx, hash from audit_merkle_nodes
 *             where (level, idx) in (select * from unnest($1::smallint[], $2::bigint[]))
 *   putNodes: insert … select from unnest($1::smallint[], $2::bigint[], $3::bytea[])   (no upsert)
 *   leafCount: select coalesce(max(idx) + 1, 0) from audit_merkle_nodes where level = 0
 *
 * Methods may return a value or a promise, so the in-memory store costs no promise per call.
 */
import { HASH_SIZE, type NodeKey } from './merkle.js';
import { auditError } from './errors.js';

export interface StoredNode extends NodeKey {
  hash: Uint8Array;
}

export interface NodeStore {
  /** How many leaves (level-0 nodes) the store holds: the tree's size. */
  leafCount(): number | Promise<number>;
  /** The hashes of the given nodes, in the order asked. A node that is not there is an error (AUDIT_NODE_MISSING). */
  getNodes(keys: readonly NodeKey[]): Uint8Array[] | Promise<Uint8Array[]>;
  /**
   * Stores a batch: new leaves and every node they complete, all or nothing. Nodes arrive in append
   * order within each level; writing a node that exists, or leaving a gap, is an error (AUDIT_NODE_APPEND_ONLY).
   */
  putNodes(nodes: readonly StoredNode[]): void | Promise<void>;
}

/** nodes per chunk (1 MiB of hashes); chunk 0 of a level starts small and doubles up to this */
const CHUNK_BITS = 15;
const CHUNK_NODES = 1 << CHUNK_BITS;
const FIRST_CHUNK_NODES = 16;

/** One level's hashes, back to back in 1 MiB Uint8Array chunks: no object per node, nothing ever moves. */
class Level {
  readonly chunks: Uint8Array[] = [new Uint8Array(FIRST_CHUNK_NODES * HASH_SIZE)];
  count = 0;

  get(index: number): Uint8Array {
    const chunk = this.chunks[Math.floor(index / CHUNK_NODES)]!;
    const off = (index % CHUNK_NODES) * HASH_SIZE;
    return chunk.subarray(off, off + HASH_SIZE);
  }

  push(hash: Uint8Array): void {
    const c = Math.floor(this.count / CHUNK_NODES);
    const off = (this.count % CHUNK_NODES) * HASH_SIZE;
    let chunk = this.chunks[c];
    if (chunk === undefined) {
      chunk = new Uint8Array(CHUNK_NODES * HASH_SIZE);
      this.chunks.push(chunk);
    } else if (off >= chunk.length) {
      // only chunk 0 is ever short: grow it by doubling until it is a full chunk
      const grown = new Uint8Array(Math.min(chunk.length * 2, CHUNK_NODES * HASH_SIZE));
      grown.set(chunk);
      this.chunks[c] = grown;
      chunk = grown;
    }
    chunk.set(hash, off);
    this.count++;
  }

  bytes(): number {
    return this.chunks.reduce((s, c) => s + c.length, 0);
  }
}

/**
 * The in-memory node store: per level, the hashes in index order in typed-array chunks. About 64 bytes
 * per leaf in all (32 for the leaf, 32 for the inner nodes above it). Hashes returned by getNodes()
 * are views into the store's memory: read them, do not write them.
 */
export class MemoryNodeStore implements NodeStore {
  private readonly levels: Level[] = [];

  leafCount(): number {
    return this.levels[0]?.count ?? 0;
  }

  getNodes(keys: readonly NodeKey[]): Uint8Array[] {
    const out = new Array<Uint8Array>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const level = this.levels[k.level];
      if (level === undefined || !Number.isInteger(k.index) || !(k.index >= 0 && k.index < level.count)) {
        throw auditError('AUDIT_NODE_MISSING', `the node store has no node at level ${k.level}, index ${k.index}`);
      }
      out[i] = level.get(k.index);
    }
    return out;
  }

  putNodes(nodes: readonly StoredNode[]): void {
    // check the whole batch first, so a bad batch writes nothing
    const next = this.levels.map((l) => l.count);
    for (const n of nodes) {
      if (n.hash.length !== HASH_SIZE) throw auditError('AUDIT_BAD_ARGUMENT', `node (${n.level}, ${n.index}) has a ${n.hash.length}-byte hash`);
      const expected = next[n.level] ?? 0;
      if (n.index !== expected) {
        throw auditError(
          'AUDIT_NODE_APPEND_ONLY',
          `node (${n.level}, ${n.index}) cannot be written: level ${n.level} holds ${expected} nodes and only grows at its end`,
        );
      }
      next[n.level] = expected + 1;
    }
    for (const n of nodes) {
      while (this.levels.length <= n.level) this.levels.push(new Level());
      this.levels[n.level]!.push(n.hash);
    }
  }

  /** bytes held (allocated chunk memory), for benchmarks and metrics */
  bytes(): number {
    return this.levels.reduce((s, l) => s + l.bytes(), 0);
  }
}
