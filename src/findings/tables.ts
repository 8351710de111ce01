/** The findings table (migration 060; the findings part owns it) as a Kysely type. */
import type { ColumnType, Selectable } from 'kysely';
import type { Finding, FindingType } from '../detect/index.js';

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

export type FindingRow = Selectable<FindingTable>;

/** A stored finding: the detectors' Finding (times in ms since the epoch), with when it was last written. */
export type StoredFinding = Finding & { updatedAt: string };

/** A stored finding as the detectors' Finding (times in ms since the epoch), with when it was last written. */
export function findingOfRow(r: FindingRow): StoredFinding {
  return {
    type: r.type as FindingType,
    key: r.key,
    external: r.external,
    port: r.port,
    proto: r.proto,
    direction: r.direction === 'inbound' ? 'inbound' : 'outbound',
    domestic: r.domestic,
    domesticCount: r.domestic_count,
    firstSeen: new Date(r.first_seen).getTime(),
    lastSeen: new Date(r.last_seen).getTime(),
    score: r.score,
    subscores: r.subscores,
    evidence: r.evidence,
    updates: r.updates,
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}
