/**
 * The tables of the vuln part (migration 161): advisories (the current version and every version
 * imported), the KEV catalogue, alerts (one per registered system and advisory, with the advisory and
 * system versions the match came from), the history of each alert's match, the systems' matched
 * versions, daily exposure per operator (the ministry's chart) and the reminders sent.
 */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface VulnAdvisoryTable {
  id: string;
  version: string;
  format: string;
  title: string;
  publisher: string;
  severity: string;
  cvss: number | null;
  cves: Json<string[]>;
  released_at: string;
  tlp: string | null;
  rules: Json<unknown[]>;
  notes: Json<string[]>;
  imported_by: string;
  imported_at: Timestamp;
}

export interface VulnAdvisoryVersionTable {
  advisory_id: string;
  version: string;
  document: Json<unknown>;
  imported_by: string;
  imported_at: Timestamp;
}

export interface VulnKevTable {
  cve_id: string;
  vendor_project: string;
  product: string;
  name: string;
  date_added: string;
  due_date: string;
  required_action: string;
  ransomware: string;
  catalog_version: string;
  updated_at: Timestamp;
}

export interface VulnAlertTable {
  id: string;
  org_id: string;
  sector: string;
  system_id: string;
  system_version: number;
  advisory_id: string;
  advisory_version: string;
  /** affected, fixed, not_affected (the advisory says so), unmatched (no rule covers the system any more) */
  match_status: string;
  cves: Json<string[]>;
  products: Json<unknown[]>;
  remediations: Json<unknown[]>;
  severity: string;
  known_exploited: boolean;
  /** new, acknowledged, mitigated, not_affected (set by the operator) */
  state: string;
  state_reason: string | null;
  state_by: string | null;
  state_at: Timestamp | null;
  first_seen: Timestamp;
  updated_at: Timestamp;
  closed_at: Timestamp | null;
}

export interface VulnMatchHistoryTable {
  id: Generated<number>;
  alert_id: string;
  at: Timestamp;
  advisory_version: string;
  system_version: number;
  match_status: string;
}

export interface VulnSystemStateTable {
  system_id: string;
  version: number;
  matched_at: Timestamp;
}

export interface VulnExposureDailyTable {
  day: string;
  org_id: string;
  sector: string;
  critical: number;
  high: number;
  medium: number;
  low: number;
  other: number;
  known_exploited: number;
}

export interface VulnReminderTable {
  id: Generated<number>;
  alert_id: string;
  channel: string;
  sent_at: Timestamp;
  outcome: string;
}

/** Operators' registered address ranges (migration 181). */
export interface OperatorRangeTable {
  id: string;
  org_id: string;
  system_id: string | null;
  cidr: string;
  family: number;
  prefix_length: number;
  first_hex: string;
  last_hex: string;
  label: string;
  version: number;
  created_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface VulnTables {
  operator_ranges: OperatorRangeTable;
  vuln_advisories: VulnAdvisoryTable;
  vuln_advisory_versions: VulnAdvisoryVersionTable;
  vuln_kev: VulnKevTable;
  vuln_alerts: VulnAlertTable;
  vuln_match_history: VulnMatchHistoryTable;
  vuln_system_state: VulnSystemStateTable;
  vuln_exposure_daily: VulnExposureDailyTable;
  vuln_reminders: VulnReminderTable;
}
