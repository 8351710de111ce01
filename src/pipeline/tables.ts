/** The findings table (migration 060) as a Kysely type. */
import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface FindingTable {
  key: string;
  type: string;
  external: string | null;
  port: number;
  proto: number;
  direction: string;
  domestic: string[];
  domestic_count: number;
  first_seen: Timestamp;
  last_seen: Timestamp;
  score: number;
  subscores: ColumnType<Record<string, number>, string, string>;
  evidence: ColumnType<Record<string, unknown>, string, string>;
  updates: number;
  updated_at: Timestamp;
}

export interface FindingTables {
  findings: FindingTable;
}
