import { sql, type Kysely } from 'kysely';

// Operations: neutralisation operations, their links to findings/reports/intelligence (by key or id, no
// foreign keys to those parts' tables), every transition, the commission's decisions, consultations,
// measures and notices.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table operations (
      id text primary key,
      title text not null,
      state text not null,
      serious boolean not null,
      emergency boolean not null default false,
      abroad boolean not null,
      country text,
      targets jsonb not null,
      org_id text not null,
      created_by text not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      notify_deadline timestamptz,
      notified_at timestamptz,
      after_action text
    )`.execute(db);
  await sql`create index operations_state on operations(state)`.execute(db);
  await sql`
    create table operation_links (
      operation_id text not null references operations(id),
      kind text not null check (kind in ('finding','report','intel')),
      ref text not null,
      note text,
      added_by text not null,
      added_at timestamptz not null,
      primary key (operation_id, kind, ref)
    )`.execute(db);
  await sql`
    create table operation_transitions (
      operation_id text not null references operations(id),
      seq integer not null,
      action text not null,
      from_state text not null,
      to_state text not null,
      actor_user_id text not null,
      actor_org_id text not null,
      at timestamptz not null,
      reason text,
      primary key (operation_id, seq)
    )`.execute(db);
  await sql`
    create table operation_decisions (
      id text primary key,
      operation_id text not null references operations(id),
      kind text not null check (kind in ('approve','reject','emergency','ratify','order_lift')),
      decided_by text not null,
      org_id text not null,
      decided_at timestamptz not null,
      conditions text,
      expires_at timestamptz,
      reason text
    )`.execute(db);
  await sql`create index operation_decisions_op on operation_decisions(operation_id, decided_at)`.execute(db);
  await sql`
    create table operation_consultations (
      id text primary key,
      operation_id text not null references operations(id),
      kind text not null check (kind in ('foreign_ministry','security_council')),
      body text not null,
      outcome text not null,
      reference text,
      consulted_at timestamptz not null,
      recorded_by text not null,
      recorded_at timestamptz not null
    )`.execute(db);
  await sql`create index operation_consultations_op on operation_consultations(operation_id)`.execute(db);
  await sql`
    create table operation_measures (
      id text primary key,
      operation_id text not null references operations(id),
      kind text not null check (kind in ('rpz','bgp_blackhole','flowspec','blocklist','takedown')),
      target text not null,
      params jsonb not null,
      state text not null check (state in ('planned','applied','lifted','failed')),
      decision_id text,
      created_by text not null,
      created_at timestamptz not null,
      applied_at timestamptz,
      applied_by text,
      verified_at timestamptz,
      verified_ok boolean,
      lifted_at timestamptz,
      lifted_by text,
      lift_reason text,
      failure text
    )`.execute(db);
  await sql`create index operation_measures_op on operation_measures(operation_id)`.execute(db);
  await sql`create index operation_measures_applied on operation_measures(kind) where state = 'applied'`.execute(db);
  await sql`
    create table operation_notices (
      id text primary key,
      operation_id text not null references operations(id),
      measure_id text,
      kind text not null check (kind in ('takedown','foreign_state')),
      recipient text not null,
      channel text not null,
      sent_at timestamptz not null,
      reference text,
      message_file text,
      recorded_by text not null,
      recorded_at timestamptz not null
    )`.execute(db);
  await sql`create index operation_notices_op on operation_notices(operation_id)`.execute(db);
}
