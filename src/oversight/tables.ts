/**
 * Oversight's tables (migration 050): the Merkle tree's nodes (sql-node-store.ts), which audit row is
 * which leaf, and the signed tree heads. All three only grow: triggers refuse UPDATE, DELETE, TRUNCATE.
 */
import type { Generated } from 'kysely';

export interface AuditLogLeafTable {
  /** audit_events.seq */
  seq: number;
  /** the leaf's position in the Merkle log (not seq: sequences skip and rows commit out of order) */
  leaf_index: number;
}

export interface AuditLogHeadTable {
  id: Generated<number>;
  tree_size: number;
  /** the checkpoint's timestamp, ms since the epoch */
  timestamp_ms: number;
  /** the whole signed note */
  note: string;
  signed_at: Generated<Date>;
}

/** migration 131: heads as the witness cosigned them (the log's note plus the witness's signature line) */
export interface AuditLogCosignedTable {
  id: Generated<number>;
  tree_size: number;
  note: string;
  cosigned_at: Generated<Date>;
}

export interface OversightTables {
  audit_log_leaves: AuditLogLeafTable;
  audit_log_heads: AuditLogHeadTable;
  audit_log_cosigned: AuditLogCosignedTable;
}
