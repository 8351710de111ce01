/**
 * Selected flows and the gate's counts in the store (tables of migration 020 and its successors): the
 * buffered writer of selected flows, the hourly gate counts, the commission's read of the flows selected
 * under an approval, and the retention purge. See store/writer.ts for how the buffered writers drop
 * (counted) rather than push back.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import { Counter } from 'prom-client';
import { batchInsert, timedWriter, withTables, type BufferedOptions, type Database, type Writer } from '../store/index.js';
import type { SelectedFlowTable, SelectionTables } from './tables.js';
import type { SelectedFlow } from './flows.js';
import { METRICS, type CountRow } from './counters.js';
import { ipv4ToString, ipv6ToString } from '../flow/index.js';
import { silentLogger } from '../shared/log.js';

const SELECTED_COLUMNS = [
  { name: 'approval_id', type: 'text' },
  { name: 'criterion_id', type: 'text' },
  { name: 'category', type: 'text' },
  { name: 'carrier', type: 'text' },
  { name: 'start_at', type: 'timestamptz' },
  { name: 'end_at', type: 'timestamptz' },
  { name: 'family', type: 'smallint' },
  { name: 'src', type: 'inet' },
  { name: 'dst', type: 'inet' },
  { name: 'src_pseudonym', type: 'boolean' },
  { name: 'dst_pseudonym', type: 'boolean' },
  { name: 'key_id', type: 'text' },
  { name: 'src_port', type: 'integer' },
  { name: 'dst_port', type: 'integer' },
  { name: 'proto', type: 'smallint' },
  { name: 'tcp_flags', type: 'smallint' },
  { name: 'packets', type: 'bigint' },
  { name: 'bytes', type: 'bigint' },
  { name: 'in_if', type: 'integer' },
  { name: 'out_if', type: 'integer' },
];

/** Selected flows → selected_flows, copied at push (the gate reuses its object). */
export function createSelectedFlowWriter(db: Kysely<Database>, opts: Partial<BufferedOptions> & { carrierOf: (exporter: string) => string }): Writer<SelectedFlow> {
  const o: BufferedOptions = { flushMs: 1000, maxPending: 200_000, name: 'selected-flows', ...opts };
  const logger = o.logger ?? silentLogger;
  let rows: unknown[][] = [];
  let droppedN = 0;
  const dropped = o.registry ? new Counter({ name: 'acd_selected_flows_dropped_total', help: 'selected flows not written because the write buffer was full', registers: [o.registry] }) : null;
  const written = o.registry ? new Counter({ name: 'acd_selected_flows_written_total', help: 'selected flows written to the store', registers: [o.registry] }) : null;
  const flush = async (): Promise<number> => {
    if (rows.length === 0) return 0;
    const batch = rows;
    rows = [];
    try {
      const n = await batchInsert(db, 'selected_flows', SELECTED_COLUMNS, batch);
      written?.inc(n);
      return n;
    } catch (e) {
      // keep the batch for the next attempt (within the bound; what does not fit is counted)
      const kept = batch.concat(rows);
      if (kept.length > o.maxPending) {
        droppedN += kept.length - o.maxPending;
        dropped?.inc(kept.length - o.maxPending);
      }
      rows = kept.length > o.maxPending ? kept.slice(0, o.maxPending) : kept;
      throw e;
    }
  };
  return timedWriter<SelectedFlow>(o, logger, {
    push(f) {
      if (rows.length >= o.maxPending) {
        droppedN++;
        dropped?.inc();
        return;
      }
      rows.push([
        f.approvalId, f.criterionId, f.category, opts.carrierOf(f.exporter), new Date(f.start), new Date(f.end), f.family,
        f.family === 4 ? ipv4ToString(f.src4) : ipv6ToString(f.src6),
        f.family === 4 ? ipv4ToString(f.dst4) : ipv6ToString(f.dst6),
        f.srcPseudonym, f.dstPseudonym, f.pseudonymKeyId, f.srcPort, f.dstPort, f.proto, f.tcpFlags, f.packets, f.bytes, f.inIf, f.outIf,
      ]);
    },
    flush,
    pending: () => rows.length,
    dropped: () => droppedN,
  });
}

/** Adds gate count rows to their hour's stored counts. */
export async function addGateCounts(db: Kysely<Database>, rows: CountRow[]): Promise<number> {
  const values: CountValue[] = [];
  for (const r of rows) {
    const hour = r.hour === 'unknown' ? new Date(0) : new Date(r.hour);
    for (const m of METRICS) {
      const n = r[m];
      if (n > 0) values.push({ hour, carrier: r.carrier, category: r.category, approval_id: r.approvalId ?? '', metric: m, count: n });
    }
  }
  if (values.length === 0) return 0;
  // 6 parameters a row: one statement per COUNT_ROWS_PER_INSERT rows keeps each under PostgreSQL's 65 535
  // bind parameters (a long offline import has hours × carriers × categories × metrics rows at once)
  // Counts add up, so a retry after a partial write would count twice: several statements run in one
  // transaction (the caller's, if it is one), all or nothing.
  const all = async (t: Kysely<Database>): Promise<void> => {
    for (let from = 0; from < values.length; from += COUNT_ROWS_PER_INSERT) await addCounts(t, values.slice(from, from + COUNT_ROWS_PER_INSERT));
  };
  if (values.length <= COUNT_ROWS_PER_INSERT || db.isTransaction) await all(db);
  else await db.transaction().execute(all);
  return values.length;
}

/** Gate-count rows per INSERT (6 parameters each). */
export const COUNT_ROWS_PER_INSERT = 5000;

type CountValue = { hour: Date; carrier: string; category: string; approval_id: string; metric: string; count: number };

async function addCounts(db: Kysely<Database>, values: CountValue[]): Promise<void> {
  await withTables<SelectionTables>(db)
    .insertInto('gate_counts')
    .values(values)
    .onConflict((oc) =>
      oc.columns(['hour', 'carrier', 'category', 'approval_id', 'metric']).doUpdateSet({ count: sql`gate_counts.count + excluded.count` }),
    )
    .execute();
}

/** A selected flow as the commission's inspection shows it (times as ISO text; domestic addresses are pseudonyms). */
export type StoredSelectedFlow = Omit<Selectable<SelectedFlowTable>, 'start_at' | 'end_at' | 'stored_at'> & { start_at: string; end_at: string; stored_at: string };

/** The flows selected under an approval, in the order they were stored (after `afterSeq`, at most `limit`). */
export async function readSelectedFlows(db: Kysely<Database>, approvalId: string, page: { afterSeq?: number; limit?: number } = {}): Promise<StoredSelectedFlow[]> {
  const rows = await withTables<SelectionTables>(db)
    .selectFrom('selected_flows')
    .selectAll()
    .where('approval_id', '=', approvalId)
    .where('seq', '>', page.afterSeq ?? 0)
    .orderBy('seq')
    .limit(page.limit ?? 100)
    .execute();
  return rows.map((r) => ({ ...r, start_at: new Date(r.start_at).toISOString(), end_at: new Date(r.end_at).toISOString(), stored_at: new Date(r.stored_at).toISOString() }));
}

/** Retention: deletes every selected flow that ended before `cutoff` (ms since the epoch); returns how many went. */
export async function purgeSelectedFlows(db: Kysely<Database>, cutoff: number): Promise<number> {
  const r = await withTables<SelectionTables>(db).deleteFrom('selected_flows').where('end_at', '<', new Date(cutoff)).executeTakeFirst();
  return Number(r.numDeletedRows);
}
