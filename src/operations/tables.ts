/**
 * The tables of the operations part (migration 030). Findings, reports and intelligence are linked by
 * their key or id as text, without foreign keys into those parts' tables.
 */
import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface OperationTargets {
  /** the attacker's server addresses (v4 or v6, text) */
  addresses: string[];
  /** the attacker's domains (lower case, ASCII/punycode) */
  domains: string[];
}

export interface OperationTable {
  id: string;
  title: string;
  state: string;
  serious: boolean;
  emergency: boolean;
  abroad: boolean;
  country: string | null;
  targets: Json<OperationTargets>;
  org_id: string;
  created_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  notify_deadline: Timestamp | null;
  notified_at: Timestamp | null;
  after_action: string | null;
}

export interface OperationLinkTable {
  operation_id: string;
  kind: string;
  ref: string;
  note: string | null;
  added_by: string;
  added_at: Timestamp;
}

export interface OperationTransitionTable {
  operation_id: string;
  seq: number;
  action: string;
  from_state: string;
  to_state: string;
  actor_user_id: string;
  actor_org_id: string;
  at: Timestamp;
  reason: string | null;
}

export interface OperationDecisionTable {
  id: string;
  operation_id: string;
  kind: string;
  decided_by: string;
  org_id: string;
  decided_at: Timestamp;
  conditions: string | null;
  expires_at: Timestamp | null;
  reason: string | null;
}

export interface OperationConsultationTable {
  id: string;
  operation_id: string;
  kind: string;
  body: string;
  outcome: string;
  reference: string | null;
  consulted_at: Timestamp;
  recorded_by: string;
  recorded_at: Timestamp;
}

export interface OperationMeasureTable {
  id: string;
  operation_id: string;
  kind: string;
  target: string;
  params: Json<Record<string, unknown>>;
  state: string;
  decision_id: string | null;
  created_by: string;
  created_at: Timestamp;
  applied_at: Timestamp | null;
  applied_by: string | null;
  verified_at: Timestamp | null;
  verified_ok: boolean | null;
  lifted_at: Timestamp | null;
  lifted_by: string | null;
  lift_reason: string | null;
  failure: string | null;
}

export interface OperationNoticeTable {
  id: string;
  operation_id: string;
  measure_id: string | null;
  kind: string;
  recipient: string;
  channel: string;
  sent_at: Timestamp;
  reference: string | null;
  message_file: string | null;
  recorded_by: string;
  recorded_at: Timestamp;
}

export interface OperationsTables {
  operations: OperationTable;
  operation_links: OperationLinkTable;
  operation_transitions: OperationTransitionTable;
  operation_decisions: OperationDecisionTable;
  operation_consultations: OperationConsultationTable;
  operation_measures: OperationMeasureTable;
  operation_notices: OperationNoticeTable;
}
