import { sql, type Kysely } from 'kysely';

/**
 * Which carrier organisation each carrier (or link) id of the gate belongs to (#22): approvals and gate
 * counts name carrier ids, people belong to organisations; this registry joins the two so a carrier reads
 * the approvals covering its own links and its own counts only. An id belongs to one organisation.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table carrier_orgs (
      carrier_id text primary key,
      org_id text not null references organisations(id),
      assigned_by text not null,
      assigned_at timestamptz not null
    )`.execute(db);
  await sql`create index carrier_orgs_org on carrier_orgs(org_id)`.execute(db);
}
