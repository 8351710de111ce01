/**
 * The node store on the SQL store (PGlite or PostgreSQL through Kysely): one row per complete subtree,
 *
 *   audit_merkle_nodes (level smallint, idx bigint, hash bytea, primary key (level, idx))
 *
 * append-only like audit_events (a trigger refuses UPDATE, DELETE and TRUNCATE; the primary key
 * refuses a second write of a node). Each NodeStore call is one statement: proofs read their ~50
 * nodes with one `join unnest(...)`, a batch of appends writes its ~2 rows per leaf with one
 * `insert … select from unnest(...)`. Hashes travel as hex text (portable across both drivers) and are
 * decoded by the database.
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
      level smallint not null check (level >= 0 and level < 64),
      idx bigint not null check (idx >= 0),
      hash bytea not null check (length(hash) = 32),
      primary key (level, idx))`.execute(db);
  await sql`create function ${fn}() returns trigger language plpgsql as $$
    begin
      raise exception '% is append-only: % refused', tg_table_name, tg_op;
    end $$`.execute(db);
  await sql`create trigger ${sql.id(`${table}_no_change`)} before update or delete on ${t}
    for each row execute function ${fn}()`.execute(db);
  await sql`create trigger ${sql.id(`${table}_no_truncate`)} before truncate on ${t}
    for each statement execute function ${fn}()`.execute(db);
}

const toBytes = (v: unknown): Uint8Array => {
  if (v instanceof Uint8Array) return v;
  // a driver that hands bytea back as '\x…' text
  if (typeof v === 'string' && v.startsWith('\\x')) return Buffer.from(v.slice(2), 'hex');
  throw auditError('AUDIT_NODE_MISSING', 'the node store returned a hash that is not bytea');
};

export class SqlNodeStore<DB> implements NodeStore {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly table = MERKLE_NODES_TABLE,
  ) {}

  async leafCount(): Promise<number> {
    const r = await sql<{ n: string | number }>`select coalesce(max(idx) + 1, 0) as n from ${sql.id(this.table)} where level = 0`.execute(this.db);
    return Number(r.rows[0]?.n ?? 0);
  }

  async getNodes(keys: readonly NodeKey[]): Promise<Uint8Array[]> {
    if (keys.length === 0) return [];
    const levels = keys.map((k) => k.level);
    const idxs = keys.map((k) => k.index);
    const r = await sql<{ level: number; idx: string | number; hash: unknown }>`
      select n.level, n.idx, n.hash from ${sql.id(this.table)} n
      join unnest(${levels}::smallint[], ${idxs}::bigint[]) as k(level, idx) on n.level = k.level and n.idx = k.idx`.execute(this.db);
    const found = new Map<string, Uint8Array>();
    for (const row of r.rows) found.set(`${row.level}:${Number(row.idx)}`, toBytes(row.hash));
    return keys.map((k) => {
      const h = found.get(`${k.level}:${k.index}`);
      if (!h) throw auditError('AUDIT_NODE_MISSING', `the node store has no node at level ${k.level}, index ${k.index}`);
      return h;
    });
  }

  async putNodes(nodes: readonly StoredNode[]): Promise<void> {
    if (nodes.length === 0) return;
    for (const n of nodes) {
      if (n.hash.length !== HASH_SIZE) throw auditError('AUDIT_BAD_ARGUMENT', `node (${n.level}, ${n.index}) has a ${n.hash.length}-byte hash`);
    }
    const levels = nodes.map((n) => n.level);
    const idxs = nodes.map((n) => n.index);
    const hashes = nodes.map((n) => Buffer.from(n.hash.buffer, n.hash.byteOffset, n.hash.byteLength).toString('hex'));
    try {
      await sql`insert into ${sql.id(this.table)} (level, idx, hash)
        select l, i, decode(h, 'hex') from unnest(${levels}::smallint[], ${idxs}::bigint[], ${hashes}::text[]) as t(l, i, h)`.execute(this.db);
    } catch (e) {
      const msg = (e as Error).message ?? '';
      if (/duplicate key|unique/i.test(msg)) {
        throw auditError('AUDIT_NODE_APPEND_ONLY', `a node of this batch (levels ${Math.min(...levels)}..${Math.max(...levels)}, from index ${idxs[0]}) is already stored: the node store only grows`);
      }
      throw e;
    }
  }
}
