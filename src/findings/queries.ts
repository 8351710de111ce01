/**
 * Reading the findings table for the parts (intel's promotion, the dashboard's change feed): no audit
 * here, the caller's own action is audited (a promotion names the finding it promoted). A person's reads
 * go through ./read.ts, which audits them.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import { findingOfRow, type FindingTables, type StoredFinding } from './tables.js';

export interface FindingQuery {
  type?: string;
  minScore?: number;
  /** at most this many (default 100) */
  limit?: number;
}

// every part's view of the store is Database plus its own tables; the findings table is this part's
const fdb = <T extends Database>(db: Kysely<T>): Kysely<Database & FindingTables> => db as unknown as Kysely<Database & FindingTables>;

/** Findings, highest score first (then the latest seen first). */
export async function listFindings<T extends Database>(db: Kysely<T>, q: FindingQuery = {}): Promise<StoredFinding[]> {
  let s = fdb(db).selectFrom('findings').selectAll().orderBy('score', 'desc').orderBy('last_seen', 'desc').limit(q.limit ?? 100);
  if (q.type) s = s.where('type', '=', q.type);
  if (q.minScore !== undefined) s = s.where('score', '>=', q.minScore);
  return (await s.execute()).map(findingOfRow);
}

/** One finding as the table holds it (the state of its last update), or undefined. */
export async function getFinding<T extends Database>(db: Kysely<T>, key: string): Promise<StoredFinding | undefined> {
  const r = await fdb(db).selectFrom('findings').selectAll().where('key', '=', key).executeTakeFirst();
  return r ? findingOfRow(r) : undefined;
}

/** The findings about one external address (canonical text, as the detectors write it), newest first. */
export async function findingsAbout<T extends Database>(db: Kysely<T>, external: string, limit: number): Promise<StoredFinding[]> {
  return (await fdb(db).selectFrom('findings').selectAll().where('external', '=', external).orderBy('last_seen', 'desc').limit(limit).execute()).map(findingOfRow);
}

/** When a finding was last written (ms since the epoch; 0 when there is none): the dashboard's change version. */
export async function lastFindingUpdate<T extends Database>(db: Kysely<T>): Promise<string> {
  const r = await sql<{ v: string | null }>`select cast(extract(epoch from max(updated_at)) * 1000 as bigint) as v from findings`.execute(db);
  return String(r.rows[0]?.v ?? 0);
}

/**
 * Every finding in key order, a page at a time after `afterKey` (for a caller that must consider all of
 * them, e.g. vuln's links of findings to operators' registered ranges). `addressPrefixes`: only findings
 * with a domestic address, or an evidence `target`, whose text starts with one of these (a cheap filter the
 * caller then checks exactly).
 */
export async function findingsPage<T extends Database>(db: Kysely<T>, q: { afterKey?: string; limit: number; addressPrefixes?: readonly string[] }): Promise<StoredFinding[]> {
  let s = fdb(db).selectFrom('findings').selectAll().orderBy('key').limit(q.limit);
  if (q.afterKey !== undefined) s = s.where('key', '>', q.afterKey);
  if (q.addressPrefixes) {
    const patterns = q.addressPrefixes.map((p) => `${p.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    s = s.where(sql<boolean>`(exists (select 1 from unnest(domestic) as d(a) where d.a like any(${patterns}::text[])) or (evidence->>'target') like any(${patterns}::text[]))`);
  }
  return (await s.execute()).map(findingOfRow);
}

/** The findings last seen at or after `since` (ms since the epoch), newest first, at most `limit`. */
export async function findingsSince<T extends Database>(db: Kysely<T>, since: number, limit: number): Promise<StoredFinding[]> {
  return (await fdb(db).selectFrom('findings').selectAll().where('last_seen', '>=', new Date(since)).orderBy('last_seen', 'desc').limit(limit).execute()).map(findingOfRow);
}
