import { sql, type Kysely } from 'kysely';

/**
 * Intel: keep the planner's statistics of intel_objects close to its growth. A TAXII page is a keyset
 * scan of (collection_id, date_added_us) cut at limit + 1; with statistics that miss a burst of new
 * objects (a bulk import, a new collection) PostgreSQL estimates a handful of rows after the cursor and
 * may choose a bitmap scan plus a sort of every later object of the collection (measured: 76 ms for a
 * page of 100 in a fresh, never analysed 10 000-object collection, against 1 ms once analysed). The default analyze
 * threshold (10 % of the table) lets a 1 M-version table take 100 000 new rows before it is analysed
 * again; this one re-analyses after 1 % or 2 000 rows. (PGlite has no autovacuum: the setting is inert there.)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table intel_objects set (autovacuum_analyze_scale_factor = 0.01, autovacuum_analyze_threshold = 2000)`.execute(db);
}
