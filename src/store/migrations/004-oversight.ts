import { sql, type Kysely } from 'kysely';

// The Merkle audit log: tree nodes, the audit row ↔ leaf mapping, signed tree heads. Append-only.
// The node table's SQL is written out here as it was released (it was once created by live oversight code;
// a released migration must not change when that code does).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table audit_merkle_nodes (
      idx bigint primary key check (idx >= 0),
      nodes bytea not null check (length(nodes) >= 32 and length(nodes) % 32 = 0))`.execute(db);
  await sql`create function audit_merkle_nodes_append_only() returns trigger language plpgsql as $$
    begin
      raise exception '% is append-only: % refused', tg_table_name, tg_op;
    end $$`.execute(db);
  await sql`create trigger audit_merkle_nodes_no_change before update or delete on audit_merkle_nodes
    for each row execute function audit_merkle_nodes_append_only()`.execute(db);
  await sql`create trigger audit_merkle_nodes_no_truncate before truncate on audit_merkle_nodes
    for each statement execute function audit_merkle_nodes_append_only()`.execute(db);
  await sql`
    create table audit_log_leaves (
      seq bigint primary key,
      leaf_index bigint not null unique check (leaf_index >= 0)
    )`.execute(db);
  await sql`
    create table audit_log_heads (
      id bigserial primary key,
      tree_size bigint not null check (tree_size >= 0),
      timestamp_ms bigint not null,
      note text not null,
      signed_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index audit_log_heads_size on audit_log_heads(tree_size)`.execute(db);
  await sql`
    create function audit_log_append_only() returns trigger language plpgsql as $$
    begin
      raise exception '% is append-only: % refused', tg_table_name, tg_op;
    end $$`.execute(db);
  for (const t of ['audit_log_leaves', 'audit_log_heads']) {
    await sql`create trigger ${sql.id(`${t}_no_change`)} before update or delete on ${sql.id(t)}
      for each row execute function audit_log_append_only()`.execute(db);
    await sql`create trigger ${sql.id(`${t}_no_truncate`)} before truncate on ${sql.id(t)}
      for each statement execute function audit_log_append_only()`.execute(db);
  }
}
