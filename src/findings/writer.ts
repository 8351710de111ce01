/**
 * Findings → the findings table, upserted by key: the latest state of each finding replaces the stored
 * one. Buffered like every writer of the live path (store/writer.ts): under a slow or failing store it
 * drops, counted, rather than push back; the bus worker flushes it inside its batch's transaction.
 */
import { sql, type Kysely } from 'kysely';
import { Counter } from 'prom-client';
import { timedWriter, withTables, type BufferedOptions, type Database, type Writer } from '../store/index.js';
import type { Finding } from '../detect/index.js';
import type { FindingTables } from './tables.js';
import { silentLogger } from '../shared/log.js';

/** A finding as a row of the findings table. */
const toRow = (f: Finding) => ({
  key: f.key,
  type: f.type,
  external: f.external,
  port: f.port,
  proto: f.proto,
  direction: f.direction,
  domestic: f.domestic,
  domestic_count: f.domesticCount,
  first_seen: new Date(f.firstSeen),
  last_seen: new Date(f.lastSeen),
  score: Math.min(1, Math.max(0, f.score)),
  subscores: JSON.stringify(f.subscores),
  evidence: JSON.stringify(f.evidence),
  updates: f.updates,
  updated_at: new Date(),
});

/** Rows per INSERT: 15 parameters each, well under PostgreSQL's 65 535 bind parameters per statement. */
export const ROWS_PER_INSERT = 2000;

/** Findings → findings, upserted by key: the latest state of each finding replaces the stored one. */
export function createFindingWriter(db: Kysely<Database>, opts: Partial<BufferedOptions> = {}): Writer<Finding> {
  const o: BufferedOptions = { flushMs: 2000, maxPending: 100_000, name: 'findings', ...opts };
  const logger = o.logger ?? silentLogger;
  const fdb = withTables<FindingTables>(db);
  let pending = new Map<string, Finding>();
  let droppedN = 0;
  const dropped = o.registry ? new Counter({ name: 'acd_findings_dropped_total', help: 'finding updates not written because the write buffer was full', registers: [o.registry] }) : null;
  const drop = (): void => { droppedN++; dropped?.inc(); };
  const flush = async (): Promise<number> => {
    if (pending.size === 0) return 0;
    const batch = [...pending.values()];
    pending = new Map();
    try {
      return await write(batch);
    } catch (e) {
      // put the batch back for the next attempt (a newer state of the same finding wins; within the bound)
      for (const f of batch) {
        if (pending.has(f.key)) continue;
        if (pending.size >= o.maxPending) drop();
        else pending.set(f.key, f);
      }
      throw e;
    }
  };
  const write = async (batch: Finding[]): Promise<number> => {
    const values = batch.map(toRow);
    // One statement per ROWS_PER_INSERT findings: a single INSERT of every pending finding passes
    // PostgreSQL's 65 535 bind parameters past ~4 300 findings (15 columns each) and the whole batch
    // would fail. A chunk that fails after earlier ones were written puts the whole batch back; the
    // upsert is idempotent (least/greatest/newest state), so writing those again changes nothing.
    for (let from = 0; from < values.length; from += ROWS_PER_INSERT) {
      await upsert(values.slice(from, from + ROWS_PER_INSERT));
    }
    return batch.length;
  };
  const upsert = async (values: ReturnType<typeof toRow>[]): Promise<void> => {
    await fdb
      .insertInto('findings')
      .values(values)
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => ({
          external: eb.ref('excluded.external'),
          domestic: eb.ref('excluded.domestic'),
          domestic_count: eb.ref('excluded.domestic_count'),
          first_seen: sql`least(findings.first_seen, excluded.first_seen)`,
          last_seen: sql`greatest(findings.last_seen, excluded.last_seen)`,
          score: eb.ref('excluded.score'),
          subscores: eb.ref('excluded.subscores'),
          evidence: eb.ref('excluded.evidence'),
          updates: sql`greatest(findings.updates, excluded.updates)`,
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  };
  return timedWriter<Finding>(o, logger, {
    push(f) {
      if (!pending.has(f.key) && pending.size >= o.maxPending) { drop(); return; }
      pending.set(f.key, f);
    },
    flush,
    pending: () => pending.size,
    dropped: () => droppedN,
  });
}
