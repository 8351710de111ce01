import { sql, type Kysely } from 'kysely';

/**
 * Batches written by bus workers, named (producer, partition, seq): a replayed or re-published batch
 * finds its name here and writes its selected flows no second time. Only names and counts, no flow.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table bus_batches (
      producer text not null,
      partition integer not null,
      seq bigint not null,
      flows integer not null,
      written_at timestamptz not null default now(),
      primary key (producer, partition, seq)
    )`.execute(db);
  await sql`create index bus_batches_written on bus_batches(written_at)`.execute(db);
}
