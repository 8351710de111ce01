/** The gate's tables (migrations 040, 041) as Kysely types. */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface ApprovalTable {
  id: string;
  category: string;
  carriers: string[];
  criteria: ColumnType<unknown[], string, string>;
  start_at: Timestamp;
  end_at: Timestamp;
  status: string;
  proposed_by: string;
  decided_by: string | null;
  decided_at: Timestamp | null;
  decision_reason: string | null;
  created_at: Timestamp;
  version: number;
}

export interface PseudonymKeyTable {
  id: string;
  key_bytes: Uint8Array;
  valid_from: Timestamp;
  valid_to: Timestamp;
  approval_id: string | null;
  created_at: Timestamp;
}

export interface SelectedFlowTable {
  seq: Generated<number>;
  approval_id: string;
  criterion_id: string;
  category: string;
  carrier: string;
  start_at: Timestamp;
  end_at: Timestamp;
  family: number;
  src: string;
  dst: string;
  src_pseudonym: boolean;
  dst_pseudonym: boolean;
  key_id: string | null;
  src_port: number;
  dst_port: number;
  proto: number;
  tcp_flags: number;
  packets: number;
  bytes: number;
  in_if: number;
  out_if: number;
  stored_at: Generated<Date>;
}

export interface GateCountTable {
  hour: Timestamp;
  carrier: string;
  category: string;
  approval_id: string;
  metric: string;
  count: number;
}

/** migration 041: requests to turn pseudonyms back into addresses (the addresses are never stored) */
export interface ReidentificationTable {
  id: string;
  pseudonyms: string[];
  key_id: string;
  approval_id: string | null;
  purpose_kind: string;
  purpose_ref: string;
  justification: string;
  status: string;
  requested_by: string;
  requested_org: string;
  decision_id: string | null;
  decided_by: string | null;
  decided_at: Timestamp | null;
  decision_reason: string | null;
  valid_until: Timestamp | null;
  resolved_by: string | null;
  resolved_at: Timestamp | null;
  created_at: Timestamp;
  version: number;
}

/** migration 177: the carrier organisation each carrier (link) id belongs to */
export interface CarrierOrgTable {
  carrier_id: string;
  org_id: string;
  assigned_by: string;
  assigned_at: Timestamp;
}

export interface SelectionTables {
  approvals: ApprovalTable;
  reidentification_requests: ReidentificationTable;
  pseudonym_keys: PseudonymKeyTable;
  selected_flows: SelectedFlowTable;
  gate_counts: GateCountTable;
  carrier_orgs: CarrierOrgTable;
}
