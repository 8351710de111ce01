import { sql, type Kysely } from 'kysely';

/**
 * Operators' registered address ranges (#25): the networks an operator declares as its own, for the whole
 * organisation or one registered system, so that detector findings whose domestic (victim or target)
 * address lies in one can be linked to the operator's open vulnerability alerts. One range per row, kept
 * canonical (network address, family, prefix length); `first_hex`/`last_hex` are the first and last
 * address as 32 hexadecimal digits (IPv4 mapped into ::ffff:0:0/96) so overlaps are a range comparison in
 * either engine.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table operator_ranges (
      id text primary key,
      org_id text not null references organisations(id),
      system_id text references systems(id),
      cidr text not null,
      family smallint not null check (family in (4, 6)),
      prefix_length smallint not null check (prefix_length between 0 and 128),
      first_hex text not null check (length(first_hex) = 32),
      last_hex text not null check (length(last_hex) = 32),
      label text not null default '',
      version integer not null default 1,
      created_by text not null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`.execute(db);
  await sql`create index operator_ranges_org on operator_ranges(org_id)`.execute(db);
  await sql`create index operator_ranges_span on operator_ranges(first_hex, last_hex)`.execute(db);
}
