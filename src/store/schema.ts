/**
 * The tables of ACD as Kysely types. One schema for both engines; migrations in ./migrations/ create it.
 * Timestamps are timestamptz (Date in code); ids are text (UUIDs made by the application).
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface SchemaVersionTable {
  version: number;
  name: string;
  applied_at: Timestamp;
}

export interface OrganisationTable {
  id: string;
  name: string;
  kind: string;
  sector: string | null;
  country: string | null;
  created_at: Timestamp;
}

export interface UserTable {
  id: string;
  org_id: string;
  username: string;
  display_name: string;
  password_hash: string | null;
  roles: string[];
  disabled: boolean;
  created_at: Timestamp;
  /** issue #20 (migration 101): an administrator forced a new password */
  password_reset_required: Generated<boolean>;
}

export interface ApiTokenTable {
  id: string;
  user_id: string;
  name: string;
  /** SHA-256 of the token (tokens are 256-bit random: a slow hash adds nothing) */
  token_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  last_used_at: Timestamp | null;
}

export interface SessionTable {
  /** SHA-256 of the session cookie's value */
  id_hash: string;
  user_id: string;
  /** SHA-256 of the CSRF token bound to this session */
  csrf_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface AuditEventTable {
  seq: Generated<number>;
  at: Timestamp;
  actor_user_id: string | null;
  actor_org_id: string | null;
  actor_roles: string[];
  action: string;
  target_type: string;
  target_id: string | null;
  reason: string | null;
  basis_id: string | null;
  details: ColumnType<Record<string, unknown>, string, string>;
}

export interface Database {
  acd_schema_version: SchemaVersionTable;
  organisations: OrganisationTable;
  users: UserTable;
  api_tokens: ApiTokenTable;
  sessions: SessionTable;
  audit_events: AuditEventTable;
}

export type Organisation = Selectable<OrganisationTable>;
export type User = Selectable<UserTable>;
export type NewUser = Insertable<UserTable>;
export type AuditEvent = Selectable<AuditEventTable>;
