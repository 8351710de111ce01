import { sql, type Kysely } from 'kysely';

/** Findings, upserted by their stable key: a finding seen again is updated, never duplicated. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table findings (
      key text primary key,
      type text not null,
      external text,
      port integer not null,
      proto smallint not null,
      direction text not null,
      domestic text[] not null,
      domestic_count integer not null,
      first_seen timestamptz not null,
      last_seen timestamptz not null,
      score double precision not null check (score >= 0 and score <= 1),
      subscores jsonb not null,
      evidence jsonb not null,
      updates integer not null,
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index findings_score on findings(score desc, last_seen desc)`.execute(db);
}
