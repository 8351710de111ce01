import { sql, type Kysely } from 'kysely';

/**
 * Re-identification requests: turning pseudonyms back into addresses. An agency lead asks (pseudonyms,
 * the key, what it is for, why); a commission member decides; the requester's organisation resolves an
 * approved request once, within its validity. The addresses are never stored: only the pseudonyms.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table reidentification_requests (
      id text primary key,
      pseudonyms text[] not null check (cardinality(pseudonyms) between 1 and 100),
      key_id text not null,
      approval_id text,
      purpose_kind text not null check (purpose_kind in ('finding','operation','selected_flows')),
      purpose_ref text not null,
      justification text not null,
      status text not null check (status in ('proposed','approved','rejected','resolved')),
      requested_by text not null,
      requested_org text not null,
      decision_id text unique,
      decided_by text,
      decided_at timestamptz,
      decision_reason text,
      valid_until timestamptz,
      resolved_by text,
      resolved_at timestamptz,
      created_at timestamptz not null default now(),
      version integer not null default 1,
      check ((status = 'proposed') = (decided_by is null)),
      check (status <> 'approved' or (valid_until is not null and decision_id is not null)),
      check ((status = 'resolved') = (resolved_at is not null))
    )`.execute(db);
  await sql`create index reidentification_requests_status on reidentification_requests(status, created_at)`.execute(db);
}
