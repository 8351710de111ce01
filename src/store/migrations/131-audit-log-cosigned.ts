import { sql, type Kysely } from 'kysely';

// Issue #19: tree heads as the witness cosigned them (the log's signed note plus the witness's
// cosignature line), append-only like the other audit log tables (audit_log_append_only() of 050).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table audit_log_cosigned (
      id bigserial primary key,
      tree_size bigint not null check (tree_size >= 0),
      note text not null,
      cosigned_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index audit_log_cosigned_size on audit_log_cosigned(tree_size)`.execute(db);
  await sql`create trigger audit_log_cosigned_no_change before update or delete on audit_log_cosigned
    for each row execute function audit_log_append_only()`.execute(db);
  await sql`create trigger audit_log_cosigned_no_truncate before truncate on audit_log_cosigned
    for each statement execute function audit_log_append_only()`.execute(db);
}
