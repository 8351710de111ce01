import { sql, type Kysely } from 'kysely';

/**
 * Issue #20: Idempotency-Key on creating POSTs. The first answer to (person, key) is kept, with a hash
 * of the method, route and body, so a client that retries after a cut connection gets that answer
 * instead of a second resource; the same key with another request is refused.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table idempotency_keys (
      user_id text not null,
      key text not null,
      request_hash text not null,
      status integer,
      content_type text,
      body text,
      created_at timestamptz not null default now(),
      primary key (user_id, key)
    )`.execute(db);
  await sql`create index idempotency_keys_created on idempotency_keys(created_at)`.execute(db);
}
