/**
 * Writing what the pipeline keeps: selected flows (batched), findings (upserted by key), and the gate's
 * counts (added to their hour's row). Each writer buffers in memory and writes in one statement per
 * batch; a buffer is bounded so a stalled database cannot exhaust memory — what overflows is counted.
 *
 * Under a slow or failing store these writers DROP (counted: `dropped`, the *_dropped_total metrics),
 * they do not push back (#23): the path feeding them is a live UDP stream that cannot be slowed, so
 * back-pressure would only move the loss to the socket, where it is counted less precisely and takes
 * the detectors' input with it. A failed batch is kept for the next attempt within the same bound. A
 * timer writes at most one batch at a time (a tick while a write is still running is skipped, so a
 * stalled store queues no writes). The bus worker is the other case: it writes a batch before it
 * acknowledges it, so there a slow store applies back-pressure through the bus (JetStream's
 * max_ack_pending), which keeps the flows durably; nothing is dropped.
 */
import { sql, type Kysely } from 'kysely';
import { Counter, type Registry } from 'prom-client';
import { batchInsert, withTables, type Database } from '../store/index.js';
import type { SelectionTables } from '../selection/tables.js';
import type { CountRow, SelectedFlow } from '../selection/index.js';
import { METRICS } from '../selection/index.js';
import type { Finding } from '../detect/index.js';
import { ipv4ToString, ipv6ToString } from '../flow/index.js';
import type { FindingTables } from './tables.js';
import { silentLogger, type Logger } from '../shared/log.js';

export interface Writer<T> {
  push(item: T): void;
  flush(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
  readonly pending: number;
  /** items not written because the buffer was full (at push, or when a failed batch was put back) */
  readonly dropped: number;
}

interface BufferedOptions {
  flushMs: number;
  maxPending: number;
  name: string;
  registry?: Registry;
  logger?: Logger;
}

function periodic(flush: () => Promise<unknown>, ms: number, logger: Logger, name: string): { start(): void; stop(): void } {
  let timer: NodeJS.Timeout | null = null;
  let busy = false;
  return {
    start() {
      timer ??= setInterval(() => {
        // one write at a time: a tick during a slow write is skipped (no queue of writes builds up)
        if (busy) return;
        busy = true;
        flush()
          .catch((err: unknown) => logger.error({ err, writer: name }, 'write failed; will retry'))
          .finally(() => { busy = false; });
      }, ms);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}

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
  const timer = periodic(flush, o.flushMs, logger, o.name);
  return {
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
    start: () => timer.start(),
    async stop() {
      timer.stop();
      await flush();
    },
    get pending() {
      return rows.length;
    },
    get dropped() {
      return droppedN;
    },
  };
}

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
    const values = batch.map((f) => ({
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
    }));
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
    return batch.length;
  };
  const timer = periodic(flush, o.flushMs, logger, o.name);
  return {
    push(f) {
      if (!pending.has(f.key) && pending.size >= o.maxPending) { drop(); return; }
      pending.set(f.key, f);
    },
    flush,
    start: () => timer.start(),
    async stop() {
      timer.stop();
      await flush();
    },
    get pending() {
      return pending.size;
    },
    get dropped() {
      return droppedN;
    },
  };
}

/** Adds gate count rows to their hour's stored counts. */
export async function addGateCounts(db: Kysely<Database>, rows: CountRow[]): Promise<number> {
  const values: Array<{ hour: Date; carrier: string; category: string; approval_id: string; metric: string; count: number }> = [];
  for (const r of rows) {
    const hour = r.hour === 'unknown' ? new Date(0) : new Date(r.hour);
    for (const m of METRICS) {
      const n = r[m];
      if (n > 0) values.push({ hour, carrier: r.carrier, category: r.category, approval_id: r.approvalId ?? '', metric: m, count: n });
    }
  }
  if (values.length === 0) return 0;
  await withTables<SelectionTables>(db)
    .insertInto('gate_counts')
    .values(values)
    .onConflict((oc) =>
      oc.columns(['hour', 'carrier', 'category', 'approval_id', 'metric']).doUpdateSet({ count: sql`gate_counts.count + excluded.count` }),
    )
    .execute();
  return values.length;
}
