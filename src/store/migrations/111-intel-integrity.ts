import { sql, type Kysely } from 'kysely';

/**
 * Intel integrity (issue #17):
 *  - `shadow_org`: a version a partner posted of an object it may not read and did not create is kept
 *    for that partner's organisation alone (so the answer does not reveal that the id exists); such a
 *    copy has its own place in the version key, so it never collides with the version it shadows;
 *  - `intel_secrets`: the secret salt of ACD's deterministic SDO ids (generated once, never served).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table intel_objects add column shadow_org text`.execute(db);
  await sql`create unique index intel_objects_version on intel_objects(collection_id, stix_id, version_us, (coalesce(shadow_org, '')))`.execute(db);
  await sql`alter table intel_objects drop constraint intel_objects_collection_id_stix_id_version_us_key`.execute(db);
  await sql`create table intel_secrets (name text primary key, value text not null, created_at timestamptz not null default now())`.execute(db);
}
