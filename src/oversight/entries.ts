/** Reading the logged entries (audit_events joined with their leaves in audit_log_leaves), in leaf order. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import { auditEntryFromRow, type AuditEntry, type AuditRowLike } from './canonical.js';

export interface LoggedEntry {
  leafIndex: number;
  seq: number;
  entry: AuditEntry;
}

/** The entries logged after leaf `afterLeaf` (-1: from the first), at most `limit`, in leaf order. */
export async function listLoggedEntries(db: Kysely<Database>, afterLeaf: number, limit: number): Promise<LoggedEntry[]> {
  const rows = (
    await sql<AuditRowLike & { seq: number; leaf_index: number }>`
      select e.*, m.leaf_index from audit_log_leaves m join audit_events e on e.seq = m.seq
      where m.leaf_index > ${afterLeaf} order by m.leaf_index limit ${limit}`.execute(db)
  ).rows;
  return rows.map((r) => ({ leafIndex: Number(r.leaf_index), seq: Number(r.seq), entry: auditEntryFromRow(r) }));
}
