import { sql, type Kysely } from 'kysely';

// Organisations, people, tokens, sessions and the append-only audit table.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table organisations (
      id text primary key,
      name text not null unique,
      kind text not null check (kind in ('agency','ministry','operator','carrier','commission','partner','executor')),
      sector text,
      country text,
      created_at timestamptz not null default now(),
      check (kind <> 'operator' or sector is not null)
    )`.execute(db);
  await sql`
    create table users (
      id text primary key,
      org_id text not null references organisations(id),
      username text not null unique,
      display_name text not null,
      password_hash text,
      roles text[] not null,
      disabled boolean not null default false,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index users_org on users(org_id)`.execute(db);
  await sql`
    create table api_tokens (
      id text primary key,
      user_id text not null references users(id),
      name text not null,
      token_hash text not null unique,
      created_at timestamptz not null default now(),
      expires_at timestamptz,
      revoked_at timestamptz,
      last_used_at timestamptz
    )`.execute(db);
  await sql`
    create table sessions (
      id_hash text primary key,
      user_id text not null references users(id),
      csrf_hash text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null
    )`.execute(db);
  await sql`
    create table audit_events (
      seq bigserial primary key,
      at timestamptz not null,
      actor_user_id text,
      actor_org_id text,
      actor_roles text[] not null default '{}',
      action text not null,
      target_type text not null,
      target_id text,
      reason text,
      basis_id text,
      details jsonb not null default '{}'
    )`.execute(db);
  // Append-only: the database itself refuses to change or remove an audit row.
  await sql`
    create function audit_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_events is append-only: % refused', tg_op;
    end $$`.execute(db);
  await sql`
    create trigger audit_events_no_change before update or delete on audit_events
    for each row execute function audit_events_append_only()`.execute(db);
  await sql`
    create trigger audit_events_no_truncate before truncate on audit_events
    for each statement execute function audit_events_append_only()`.execute(db);
}
