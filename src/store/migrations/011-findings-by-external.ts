import { sql, type Kysely } from 'kysely';

/**
 * An infrastructure page (GET /api/v1/infrastructure/:address) reads every finding about one
 * external address, newest first: without this index that is a scan of the whole findings table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index findings_external on findings(external, last_seen desc)`.execute(db);
}
