import { sql, type Kysely } from 'kysely';

/**
 * Issue #20: login throttling that survives a restart and cannot lock the owner out, and accounts an
 * administrator can manage.
 * - login_throttle: failed logins per key (account+address, address, account), with the time until
 *   which the key is held back (progressive delay / exponential back-off).
 * - login_devices: browsers a person has logged in from (a cookie's SHA-256): a correct password from
 *   one of them passes a lock on the account alone.
 * - users.password_reset_required: an administrator forced a new password (login answers 403 until set).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table login_throttle (
      key text primary key,
      failures integer not null,
      last_failure_at timestamptz not null,
      blocked_until timestamptz
    )`.execute(db);
  await sql`create index login_throttle_last on login_throttle(last_failure_at)`.execute(db);
  await sql`
    create table login_devices (
      device_hash text primary key,
      user_id text not null references users(id),
      created_at timestamptz not null default now(),
      last_login_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index login_devices_user on login_devices(user_id)`.execute(db);
  await sql`alter table users add column password_reset_required boolean not null default false`.execute(db);
}
