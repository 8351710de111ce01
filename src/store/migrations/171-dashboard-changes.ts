import { sql, type Kysely } from 'kysely';

/**
 * The dashboard (#22): GET /api/v1/changes reads the newest findings update (an index, not a scan of
 * findings), and the audit search filters by actor, target or action, newest first (an index each,
 * ordered by seq, so a page is a range read).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index findings_updated on findings(updated_at)`.execute(db);
  await sql`create index audit_events_actor on audit_events(actor_user_id, seq)`.execute(db);
  await sql`create index audit_events_target on audit_events(target_type, target_id, seq)`.execute(db);
  await sql`create index audit_events_action on audit_events(action, seq)`.execute(db);
}
