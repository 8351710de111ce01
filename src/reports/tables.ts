/**
 * The tables of the reports part (migration 010): sectors' ministries, registered systems with their
 * history, reports with every stage submission, acknowledgements, messages, guidance, attachments,
 * deadline rules and the reminders sent.
 */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface SectorMinistryTable {
  sector: string;
  org_id: string;
  created_at: Timestamp;
}

export interface SystemTable {
  id: string;
  org_id: string;
  /** the version of the row in system_versions that is current */
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ProductRef {
  vendor?: string;
  product: string;
  version?: string;
  /** CPE 2.3 formatted string, where known */
  cpe?: string;
}

export interface CarrierLink {
  /** the carrier organisation, where it is registered in ACD */
  carrierOrgId?: string;
  /** the carrier's name and the circuit or service, as the operator knows it */
  carrier: string;
  circuit?: string;
}

export interface SystemVersionTable {
  system_id: string;
  version: number;
  name: string;
  function: string;
  products: Json<ProductRef[]>;
  network_location: string;
  carrier_links: Json<CarrierLink[]>;
  change_note: string | null;
  changed_by: string;
  changed_at: Timestamp;
}

export interface ReportTable {
  id: string;
  org_id: string;
  sector: string;
  kind: string;
  /** the stage of the latest submission: initial, update or final */
  stage: string;
  /** optimistic version: every change adds one; a change names the version it was based on */
  version: number;
  title: string;
  detected_at: Timestamp;
  /** the latest submission's structured content (see ReportContent) */
  content: Json<Record<string, unknown>>;
  severity: string | null;
  assignee_user_id: string | null;
  created_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** when the milestones were met: the initial submission, the first update or final, the final */
  early_warning_at: Timestamp;
  notification_at: Timestamp | null;
  final_at: Timestamp | null;
}

export interface ReportSubmissionTable {
  report_id: string;
  seq: number;
  stage: string;
  /** the report's version this submission produced */
  version: number;
  content: Json<Record<string, unknown>>;
  submitted_by: string;
  submitted_at: Timestamp;
}

export interface ReportAckTable {
  report_id: string;
  org_id: string;
  user_id: string;
  acknowledged_at: Timestamp;
}

export interface ReportMessageTable {
  id: string;
  report_id: string;
  kind: string;
  reply_to: string | null;
  body: string;
  author_user_id: string;
  author_org_id: string;
  created_at: Timestamp;
}

export interface GuidanceTable {
  id: string;
  report_id: string;
  version: number;
  kind: string;
  title: string;
  body: string;
  author_user_id: string;
  author_org_id: string;
  created_at: Timestamp;
}

export interface ReportAttachmentTable {
  id: string;
  report_id: string;
  filename: string;
  media_type: string;
  size: number;
  sha256: string;
  content: Buffer;
  uploaded_by: string;
  uploaded_at: Timestamp;
}

export interface DeadlineRuleTable {
  /** '*' for every sector */
  sector: string;
  /** '*' for every kind */
  kind: string;
  milestone: string;
  hours: number;
  months: number;
  updated_by: string;
  updated_at: Timestamp;
}

export interface ReportReminderTable {
  id: Generated<number>;
  report_id: string;
  milestone: string;
  /** 'due_soon' or 'overdue' */
  state: string;
  channel: string;
  sent_at: Timestamp;
  outcome: string;
}

export interface ReportsTables {
  sector_ministries: SectorMinistryTable;
  systems: SystemTable;
  system_versions: SystemVersionTable;
  reports: ReportTable;
  report_submissions: ReportSubmissionTable;
  report_acks: ReportAckTable;
  report_messages: ReportMessageTable;
  guidance: GuidanceTable;
  report_attachments: ReportAttachmentTable;
  deadline_rules: DeadlineRuleTable;
  report_reminders: ReportReminderTable;
}
