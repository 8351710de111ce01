import { sql, type Kysely } from 'kysely';

/**
 * The lawful gate's tables. Only mechanical information: there is no column that can hold content.
 * Addresses in selected_flows are text: domestic ones are Crypto-PAn pseudonyms (flagged), foreign ones
 * as they are. Pseudonym keys live in their own table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table approvals (
      id text primary key,
      category text not null check (category in ('foreign-domestic','transit')),
      carriers text[] not null,
      criteria jsonb not null,
      start_at timestamptz not null,
      end_at timestamptz not null check (end_at > start_at),
      status text not null check (status in ('proposed','approved','rejected','ended')),
      proposed_by text not null,
      decided_by text,
      decided_at timestamptz,
      decision_reason text,
      created_at timestamptz not null default now(),
      version integer not null default 1
    )`.execute(db);
  await sql`
    create table pseudonym_keys (
      id text primary key,
      key_bytes bytea not null check (octet_length(key_bytes) = 32),
      valid_from timestamptz not null,
      valid_to timestamptz not null check (valid_to > valid_from),
      approval_id text references approvals(id),
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table selected_flows (
      seq bigserial primary key,
      approval_id text not null references approvals(id),
      criterion_id text not null,
      category text not null,
      carrier text not null,
      start_at timestamptz not null,
      end_at timestamptz not null,
      family smallint not null check (family in (4, 6)),
      src inet not null,
      dst inet not null,
      src_pseudonym boolean not null,
      dst_pseudonym boolean not null,
      key_id text,
      src_port integer not null,
      dst_port integer not null,
      proto smallint not null,
      tcp_flags smallint not null,
      packets bigint not null,
      bytes bigint not null,
      in_if integer not null,
      out_if integer not null,
      stored_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index selected_flows_approval on selected_flows(approval_id, end_at)`.execute(db);
  await sql`create index selected_flows_end on selected_flows(end_at)`.execute(db);
  await sql`
    create table gate_counts (
      hour timestamptz not null,
      carrier text not null,
      category text not null,
      approval_id text not null default '',
      metric text not null,
      count bigint not null,
      primary key (hour, carrier, category, approval_id, metric)
    )`.execute(db);
}
