import { sql, type Kysely } from 'kysely';

// Vulnerability exposure (issue #25): advisories and their versions, the KEV catalogue, alerts per
// registered system and advisory, match history, systems' matched versions, daily exposure, reminders.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table vuln_advisories (
      id text primary key,
      version text not null,
      format text not null check (format in ('csaf','cve')),
      title text not null,
      publisher text not null,
      severity text not null,
      cvss double precision,
      cves jsonb not null,
      released_at text not null,
      tlp text,
      rules jsonb not null,
      notes jsonb not null,
      imported_by text not null,
      imported_at timestamptz not null
    )`.execute(db);
  await sql`
    create table vuln_advisory_versions (
      advisory_id text not null references vuln_advisories(id),
      version text not null,
      document jsonb not null,
      imported_by text not null,
      imported_at timestamptz not null,
      primary key (advisory_id, version)
    )`.execute(db);
  await sql`
    create table vuln_kev (
      cve_id text primary key,
      vendor_project text not null,
      product text not null,
      name text not null,
      date_added text not null,
      due_date text not null,
      required_action text not null,
      ransomware text not null,
      catalog_version text not null,
      updated_at timestamptz not null
    )`.execute(db);
  await sql`
    create table vuln_alerts (
      id text primary key,
      org_id text not null references organisations(id),
      sector text not null,
      system_id text not null references systems(id),
      system_version integer not null,
      advisory_id text not null references vuln_advisories(id),
      advisory_version text not null,
      match_status text not null check (match_status in ('affected','fixed','not_affected','unmatched')),
      cves jsonb not null,
      products jsonb not null,
      remediations jsonb not null,
      severity text not null,
      known_exploited boolean not null,
      state text not null check (state in ('new','acknowledged','mitigated','not_affected')),
      state_reason text,
      state_by text,
      state_at timestamptz,
      first_seen timestamptz not null,
      updated_at timestamptz not null,
      closed_at timestamptz,
      unique (system_id, advisory_id),
      check (state <> 'not_affected' or state_reason is not null)
    )`.execute(db);
  await sql`create index vuln_alerts_org on vuln_alerts(org_id) where closed_at is null`.execute(db);
  await sql`create index vuln_alerts_sector on vuln_alerts(sector) where closed_at is null`.execute(db);
  await sql`create index vuln_alerts_advisory on vuln_alerts(advisory_id)`.execute(db);
  await sql`
    create table vuln_match_history (
      id bigserial primary key,
      alert_id text not null references vuln_alerts(id),
      at timestamptz not null,
      advisory_version text not null,
      system_version integer not null,
      match_status text not null
    )`.execute(db);
  await sql`create index vuln_match_history_alert on vuln_match_history(alert_id, id)`.execute(db);
  await sql`
    create table vuln_system_state (
      system_id text primary key references systems(id),
      version integer not null,
      matched_at timestamptz not null
    )`.execute(db);
  await sql`
    create table vuln_exposure_daily (
      day text not null,
      org_id text not null references organisations(id),
      sector text not null,
      critical integer not null,
      high integer not null,
      medium integer not null,
      low integer not null,
      other integer not null,
      known_exploited integer not null,
      primary key (day, org_id)
    )`.execute(db);
  await sql`create index vuln_exposure_daily_sector on vuln_exposure_daily(sector, day)`.execute(db);
  await sql`
    create table vuln_reminders (
      id bigserial primary key,
      alert_id text not null references vuln_alerts(id),
      channel text not null,
      sent_at timestamptz not null,
      outcome text not null
    )`.execute(db);
  await sql`create index vuln_reminders_alert on vuln_reminders(alert_id, channel)`.execute(db);
}
