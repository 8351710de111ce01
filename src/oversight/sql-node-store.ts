/**
 * The node store on the SQL store (PGlite or PostgreSQL through Kysely), one row per leaf:
 *
 *   audit_merkle_nodes (idx bigint primary key, nodes bytea)
 *
 * Appending leaf i completes the leaf itself and one subtree per trailing 1-bit of i: (1, i>>1) when i
 * is odd, (2, i>>2) when i ends in 11, and so on. The row of leaf i holds exactly those hashes, level
 * by level: nodes = hash(0, i) ‖ hash(1, i>>1) ‖ … ‖ hash(t, i>>t), t = trailing ones of i. So node
 * (L, j) lives in row (j+1)·2^L − 1 at offset 32·L. One row per entry (like audit_events itself, and
 * half the rows and index entries of a (level, idx) table), every row written once and never changed:
 * the primary key refuses a second write, a trigger refuses UPDATE, DELETE and TRUNCATE.
 *
 * Each NodeStore call is one statement: a proof reads its ≤ 42 nodes (10 M entries) from as many rows with
 * `idx = any($1)`, a batch of appends is one `insert … select from unnest(...)`. Hashes travel as hex
 * text (portable across both drivers) and are decoded by the database.
 *
 * The integrator's migration (version block 50–59) calls createMerkleNodesTable(db).
 */
import { sql, type Kysely } from 'kysely';
import { HASH_SIZE, type NodeKey } from './merkle.js';
import type { NodeStore, StoredNode } from './node-store.js';
import { auditError } from './errors.js';

export const MERKLE_NODES_TABLE = 'audit_merkle_nodes';

export async function createMerkleNodesTable<DB>(db: Kysely<DB>, table = MERKLE_NODES_TABLE): Promise<void> {
  const t = sql.id(table);
  const fn = sql.id(`${table}_append_only`);
  await sql`create table ${t} (
      idx bigint primary key check (idx >= 0),
      nodes bytea not null check (length(nodes) >= 32 and length(nodes) % 32 = 0))`.execute(db);
  await sql`create function ${fn}() returns trigger language plpgsql as $$
    begin
      raise exception '% is append-only: % refused', tg_table_name, tg_op;
    end $$`.execute(db);
  await sql`create trigger ${sql.id(`${table}_no_change`)} before update or delete on ${t}
    for each row execute function ${fn}()`.execute(db);
  await sql`create trigger ${sql.id(`${table}_no_truncate`)} before truncate on ${t}
    for each statement execute function ${fn}()`.execute(db);
}

/** the leaf whose append completed node (level, index) */
export function completingLeaf(k: NodeKey): number {
  return (k.index + 1) * 2 ** k.level - 1;
}

/** how many nodes the append of leaf i completes: 1 + its trailing 1-bits */
export function nodesCompletedBy(i: number): number {
  let t = 1;
  for (let x = i; x % 2 === 1; x = (x - 1) / 2) t++;
  return t;
}

const toBytes = (v: unknown): Uint8Array => {
  if (v instanceof Uint8Array) return v;
  // a driver that hands bytea back as '\x…' text
  if (typeof v === 'string' && v.startsWith('\\x')) return Buffer.from(v.slice(2), 'hex');
  throw auditError('AUDIT_NODE_MISSING', 'the node store returned nodes that are not bytea');
};

/**
 * Nodes never change once written, so a cache of them can never be stale. The store keeps the nodes at
 * level ≥ `cacheFromLevel` (default 8: one node in 256 per level, ~2.5 MB at 10 M entries) in memory as
 * it writes or reads them; a proof then reads only its lower nodes from the database.
 *
 * Give it the Kysely instance, where each putNodes() commits on its own. Inside a transaction that may
 * roll back, the cache (and the MerkleTree's frontier) would outlive nodes that never committed: open a
 * new SqlNodeStore and MerkleTree after a rollback.
 */
export interface SqlNodeStoreOptions {
  table?: string;
  cacheFromLevel?: number;
}

export class SqlNodeStore<DB> implements NodeStore {
  private readonly table: string;
  private readonly cacheFromLevel: number;
  private readonly cache = new Map<string, Uint8Array>();

  constructor(
    private readonly db: Kysely<DB>,
    opts: SqlNodeStoreOptions | string = {},
  ) {
    const o = typeof opts === 'string' ? { table: opts } : opts;
    this.table = o.table ?? MERKLE_NODES_TABLE;
    this.cacheFromLevel = o.cacheFromLevel ?? 8;
  }

  /** nodes held in memory (for tests and metrics) */
  get cachedNodes(): number {
    return this.cache.size;
  }

  private remember(level: number, index: number, hash: Uint8Array): void {
    if (level >= this.cacheFromLevel) this.cache.set(`${level}:${index}`, Buffer.from(hash));
  }

  async leafCount(): Promise<number> {
    const r = await sql<{ n: string | number }>`select coalesce(max(idx) + 1, 0) as n from ${sql.id(this.table)}`.execute(this.db);
    return Number(r.rows[0]?.n ?? 0);
  }

  async getNodes(keys: readonly NodeKey[]): Promise<Uint8Array[]> {
    if (keys.length === 0) return [];
    const cached = keys.map((k) => this.cache.get(`${k.level}:${k.index}`));
    const rows = [...new Set(keys.filter((_, i) => cached[i] === undefined).map(completingLeaf))];
    const found = new Map<number, Uint8Array>();
    if (rows.length > 0) {
      const r = await sql<{ idx: string | number; nodes: unknown }>`
        select idx, nodes from ${sql.id(this.table)} where idx = any(${rows}::bigint[])`.execute(this.db);
      for (const row of r.rows) found.set(Number(row.idx), toBytes(row.nodes));
    }
    return keys.map((k, i) => {
      const hit = cached[i];
      if (hit) return hit;
      const nodes = found.get(completingLeaf(k));
      const off = k.level * HASH_SIZE;
      if (!nodes || nodes.length < off + HASH_SIZE) throw auditError('AUDIT_NODE_MISSING', `the node store has no node at level ${k.level}, index ${k.index}`);
      const h = nodes.subarray(off, off + HASH_SIZE);
      this.remember(k.level, k.index, h);
      return h;
    });
  }

  async putNodes(nodes: readonly StoredNode[]): Promise<void> {
    if (nodes.length === 0) return;
    // group into rows: each leaf followed by the nodes it completes, level by level
    const idxs: number[] = [];
    const blobs: string[] = [];
    let current: Buffer[] = [];
    let leaf = -1;
    const flush = (): void => {
      if (leaf < 0) return;
      if (current.length !== nodesCompletedBy(leaf)) {
        throw auditError('AUDIT_NODE_APPEND_ONLY', `leaf ${leaf} completes ${nodesCompletedBy(leaf)} nodes, the batch holds ${current.length} of them`);
      }
      idxs.push(leaf);
      blobs.push(Buffer.concat(current).toString('hex'));
    };
    for (const n of nodes) {
      if (n.hash.length !== HASH_SIZE) throw auditError('AUDIT_BAD_ARGUMENT', `node (${n.level}, ${n.index}) has a ${n.hash.length}-byte hash`);
      if (n.level === 0) {
        flush();
        leaf = n.index;
        current = [];
      } else if (leaf < 0 || completingLeaf(n) !== leaf || n.level !== current.length) {
        throw auditError('AUDIT_NODE_APPEND_ONLY', `node (${n.level}, ${n.index}) does not follow the leaf that completes it in the batch`);
      }
      current.push(Buffer.from(n.hash.buffer, n.hash.byteOffset, n.hash.byteLength));
    }
    flush();
    try {
      await sql`insert into ${sql.id(this.table)} (idx, nodes)
        select i, decode(h, 'hex') from unnest(${idxs}::bigint[], ${blobs}::text[]) as t(i, h)`.execute(this.db);
    } catch (e) {
      const msg = (e as Error).message ?? '';
      if (/duplicate key|unique/i.test(msg)) {
        throw auditError('AUDIT_NODE_APPEND_ONLY', `a leaf of this batch (${idxs[0]}..${idxs[idxs.length - 1]}) is already stored: the node store only grows`);
      }
      throw e;
    }
    for (const n of nodes) this.remember(n.level, n.index, n.hash);
  }
}
