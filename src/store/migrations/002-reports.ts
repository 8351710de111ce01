import { sql, type Kysely } from 'kysely';

// Reports: sectors' ministries, registered systems (versioned), incident reports and their stages,
// acknowledgements, questions and answers, guidance (versioned), attachments, deadline rules, reminders.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table sector_ministries (
      sector text not null,
      org_id text not null references organisations(id),
      created_at timestamptz not null default now(),
      primary key (sector, org_id)
    )`.execute(db);
  await sql`create index sector_ministries_org on sector_ministries(org_id)`.execute(db);
  await sql`
    create table systems (
      id text primary key,
      org_id text not null references organisations(id),
      version integer not null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`.execute(db);
  await sql`create index systems_org on systems(org_id)`.execute(db);
  await sql`
    create table system_versions (
      system_id text not null references systems(id),
      version integer not null,
      name text not null,
      function text not null,
      products jsonb not null,
      network_location text not null,
      carrier_links jsonb not null,
      change_note text,
      changed_by text not null,
      changed_at timestamptz not null,
      primary key (system_id, version)
    )`.execute(db);
  await sql`
    create table reports (
      id text primary key,
      org_id text not null references organisations(id),
      sector text not null,
      kind text not null check (kind in ('incident','precursor')),
      stage text not null check (stage in ('initial','update','final')),
      version integer not null,
      title text not null,
      detected_at timestamptz not null,
      content jsonb not null,
      severity text,
      assignee_user_id text,
      created_by text not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      early_warning_at timestamptz not null,
      notification_at timestamptz,
      final_at timestamptz
    )`.execute(db);
  await sql`create index reports_org on reports(org_id, created_at)`.execute(db);
  await sql`create index reports_sector on reports(sector, created_at)`.execute(db);
  await sql`create index reports_open on reports(detected_at) where final_at is null`.execute(db);
  await sql`
    create table report_submissions (
      report_id text not null references reports(id),
      seq integer not null,
      stage text not null,
      version integer not null,
      content jsonb not null,
      submitted_by text not null,
      submitted_at timestamptz not null,
      primary key (report_id, seq)
    )`.execute(db);
  await sql`
    create table report_acks (
      report_id text not null references reports(id),
      org_id text not null,
      user_id text not null,
      acknowledged_at timestamptz not null,
      primary key (report_id, org_id)
    )`.execute(db);
  await sql`
    create table report_messages (
      id text primary key,
      report_id text not null references reports(id),
      kind text not null check (kind in ('question','answer','note')),
      reply_to text references report_messages(id),
      body text not null,
      author_user_id text not null,
      author_org_id text not null,
      created_at timestamptz not null
    )`.execute(db);
  await sql`create index report_messages_report on report_messages(report_id, created_at)`.execute(db);
  await sql`
    create table guidance (
      id text not null,
      report_id text not null references reports(id),
      version integer not null,
      kind text not null check (kind in ('damage_control','prevention')),
      title text not null,
      body text not null,
      author_user_id text not null,
      author_org_id text not null,
      created_at timestamptz not null,
      primary key (id, version)
    )`.execute(db);
  await sql`create index guidance_report on guidance(report_id)`.execute(db);
  await sql`
    create table report_attachments (
      id text primary key,
      report_id text not null references reports(id),
      filename text not null,
      media_type text not null,
      size integer not null,
      sha256 text not null,
      content bytea not null,
      uploaded_by text not null,
      uploaded_at timestamptz not null
    )`.execute(db);
  await sql`create index report_attachments_report on report_attachments(report_id)`.execute(db);
  await sql`
    create table deadline_rules (
      sector text not null,
      kind text not null,
      milestone text not null check (milestone in ('early_warning','notification','final')),
      hours integer not null default 0,
      months integer not null default 0,
      updated_by text not null,
      updated_at timestamptz not null,
      primary key (sector, kind, milestone)
    )`.execute(db);
  await sql`
    create table report_reminders (
      id bigserial primary key,
      report_id text not null references reports(id),
      milestone text not null,
      state text not null,
      channel text not null,
      sent_at timestamptz not null,
      outcome text not null
    )`.execute(db);
  await sql`create index report_reminders_report on report_reminders(report_id, milestone, state)`.execute(db);
}
