/**
 * A detector worker: consumes its partitions from the bus, runs the detectors per partition (one
 * detector set per partition, so a partition's findings do not depend on which worker holds it or
 * which other partitions share the process), and writes selected flows and findings to the store
 * idempotently before it acknowledges a batch.
 *
 * Idempotence:
 * - Findings are upserted by their stable key (the same statement the in-process pipeline uses).
 * - Selected flows: each batch is named (producer, partition, seq); the name goes into bus_batches
 *   in the same transaction as the batch's selected flows, with ON CONFLICT DO NOTHING, and the flows
 *   are inserted only when the name was new. A replayed or re-published batch writes nothing twice.
 * - Detector state: a batch redelivered after a failed write (same process) is not observed again
 *   (the partition remembers the last bus sequence it observed and the write it owes); after a restart
 *   the partition is replayed from the start of the stream and the state rebuilt (see ./jetstream.ts).
 *
 * Flows not selected (the detector feed) update the detectors' machine-only state and are dropped
 * here, counted. As in the one-process pipeline, a feed flow reaches only the detectors its
 * approval's mask names; a selected flow reaches all.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { Counter, Gauge, type Registry } from 'prom-client';
import { DETECTOR_BIT, copySelectedFlow, createSelectedFlowWriter, type SelectedFlow } from '../selection/index.js';
import { INBOUND, OUTBOUND, PREFETCH_BATCH, configForShare, createDetectionStage, selectsTraffic, type DetectionStage, type DetectorsConfig, type Finding, type Indicator } from '../detect/index.js';
import type { AsnLookup } from '../detect/index.js';
import { createFindingWriter } from '../findings/index.js';
import { withTables, type Database } from '../store/index.js';
import { silentLogger, type Logger } from '../shared/log.js';
import type { Bus, BatchMeta, Subscription } from './bus.js';
import { decodeBatch } from './codec.js';
import type { BusTables } from './tables.js';

// every detector bit (DETECTOR_BIT): selected flows reach every detector, as in one process
const ALL = Object.values(DETECTOR_BIT).reduce((a, b) => a | b, 0);

/**
 * Forgets the names of batches written before `before`: a batch older than the stream's maximum age
 * can no longer be replayed, so its name guards nothing. Returns the rows deleted.
 */
export async function purgeBatchNames(db: Kysely<Database>, before: Date): Promise<number> {
  const r = await withTables<BusTables>(db).deleteFrom('bus_batches').where('written_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export interface WorkerConfig {
  /** a finding at or above this score about an external server is sent to the collectors as a
   *  detector-rule selection (the detection stage's selectScore, as in one process; default 0.7) */
  selectScore?: number;
  /** batch names are kept this long after their write (default 1 h: well beyond the stream's max age) */
  keepBatchNamesMs?: number;
  detectors?: DetectorsConfig;
  /** event-time period between detector flushes, per partition (default 60 s, as in one process) */
  flushEveryMs?: number;
  /** batches in flight per partition (JetStream max_ack_pending; default 16) */
  maxAckPending?: number;
}

export interface BusWorker {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** the latest state of every finding of this worker's partitions */
  findings(): Finding[];
  readonly stats: { batches: number; duplicates: number; selected: number; dropped: number };
  lag(): Promise<Map<number, number>>;
  /** starts consuming partition p with a fresh detector set (the bus replays the partition to rebuild it) */
  take(p: number): Promise<void>;
  /** stops consuming partition p after the batch in hand is written and acknowledged; forgets its state */
  release(p: number): Promise<void>;
  /** partitions consumed now */
  held(): number[];
  /** the indicator list for every partition's detectors, now and for partitions taken later (#21) */
  setIndicators(list: readonly Indicator[]): void;
}

interface PartitionState {
  /** the detection stage (detect/stage.ts), as the one-process pipeline's: batches, flush cadence, disable */
  stage: DetectionStage;
  /** the last bus sequence observed, and the write still owed for it when it failed */
  observedSeq: number;
  owed: { selected: SelectedFlow[]; findings: Finding[]; name: [string, number, number]; carriers: Map<string, string> } | null;
  batchFindings: Map<string, Finding>;
}

export function createBusWorker(opts: {
  bus: Bus;
  partitions: number[];
  db?: Kysely<Database>;
  config?: WorkerConfig;
  /**
   * `asn`: the scope's AS lookup, as the in-process pipeline gives its detectors: without it the
   * beacon detector's vendor demotion (detect/README.md) is off and a worker would report update
   * traffic one process does not.
   */
  deps?: { registry?: Registry; logger?: Logger; asn?: AsnLookup };
}): BusWorker {
  const { bus, partitions, db } = opts;
  const config = opts.config ?? {};
  const logger = opts.deps?.logger ?? silentLogger;
  const every = config.flushEveryMs ?? 60_000;
  const stats = { batches: 0, duplicates: 0, selected: 0, dropped: 0 };
  const states = new Map<number, PartitionState>();
  const subs = new Map<number, Subscription>();
  let purgeTimer: NodeJS.Timeout | null = null;
  // finding key → last seen sent: a confirmed finding is sent again (renewing its bounded selection) once it has moved on an hour
  const selectionsSent = new Map<string, number>();
  // the intel store's indicators (set by the CLI's refresher): every partition matches the same list
  let indicators: readonly Indicator[] = [];

  const newState = (p: number): void => {
    const st: PartitionState = {
      stage: null as unknown as DetectionStage,
      observedSeq: 0,
      owed: null,
      batchFindings: new Map(),
    };
    st.stage = createDetectionStage({
      // one partition sees 1/partitions of the traffic: tables sized to that share (detect/share.ts)
      config: { detectors: configForShare(config.detectors ?? {}, bus.partitions), flushEveryMs: every, ...(config.selectScore !== undefined ? { selectScore: config.selectScore } : {}) },
      // the selections are sent after the batch (sending is asynchronous): see handle
      deps: { onFinding: (f) => st.batchFindings.set(f.key, f), ...(opts.deps?.asn ? { asn: opts.deps.asn } : {}) },
    });
    if (indicators.length > 0) st.stage.detectors.setIndicators(indicators);
    states.set(p, st);
  };
  const lagOf = async (): Promise<Map<number, number>> => {
    const out = new Map<number, number>();
    for (const s of [...subs.values()]) for (const [p, n] of await s.lag()) out.set(p, n);
    return out;
  };

  const reg = opts.deps?.registry;
  const flowsC = reg ? new Counter({ name: 'acd_bus_worker_flows_total', help: 'flows a worker took from the bus, by result (selected: stored; dropped: detector feed, discarded after the detectors)', labelNames: ['result'], registers: [reg] }) : null;
  const batchesC = reg ? new Counter({ name: 'acd_bus_worker_batches_total', help: 'batches a worker processed and acknowledged', registers: [reg] }) : null;
  const dupC = reg ? new Counter({ name: 'acd_bus_worker_duplicate_batches_total', help: 'batches whose selected flows were already written (replay, re-publish)', registers: [reg] }) : null;
  if (reg) {
    new Gauge({
      name: 'acd_bus_lag_batches',
      help: 'batches published to a partition and not yet acknowledged by its worker',
      labelNames: ['partition'],
      registers: [reg],
      async collect() {
        this.reset();
        try {
          const lag = await lagOf();
          for (const [p, n] of lag) this.set({ partition: String(p) }, n);
        } catch (err) {
          // NATS did not answer in time (a loaded server): /metrics still answers, without the lag
          logger.warn({ err }, 'reading the bus lag failed');
        }
      },
    });
  }

  const write = async (owed: NonNullable<PartitionState['owed']>): Promise<boolean> => {
    if (!db) return true;
    const [producer, partition, seq] = owed.name;
    return db.transaction().execute(async (trx) => {
      const fresh = await withTables<BusTables>(trx)
        .insertInto('bus_batches')
        .values({ producer, partition, seq, flows: owed.selected.length })
        .onConflict((oc) => oc.columns(['producer', 'partition', 'seq']).doNothing())
        .returning(sql<number>`1`.as('one'))
        .execute();
      if (fresh.length > 0 && owed.selected.length > 0) {
        // the carrier the collector's gate resolved the exporter to travels in the batch
        const w = createSelectedFlowWriter(trx, { carrierOf: (e) => owed.carriers.get(e) ?? e, maxPending: Number.MAX_SAFE_INTEGER });
        for (const f of owed.selected) w.push(f);
        await w.flush();
      }
      if (owed.findings.length > 0) {
        const w = createFindingWriter(trx, { maxPending: Number.MAX_SAFE_INTEGER });
        for (const f of owed.findings) w.push(f);
        await w.flush();
      }
      return fresh.length > 0;
    });
  };

  const handle = async (batch: Uint8Array, meta: BatchMeta): Promise<void> => {
    const st = states.get(meta.partition);
    if (!st) throw new Error(`worker: batch for partition ${meta.partition}, which it does not hold`);
    if (meta.busSeq <= st.observedSeq && st.owed) {
      // redelivered after a failed write: the detectors have seen it; only the write is owed
    } else {
      const selected: SelectedFlow[] = [];
      const carriers = new Map<string, string>();
      let dropped = 0;
      st.batchFindings.clear();
      const stage = st.stage;
      // decodeBatch's ring of PREFETCH_BATCH flows keeps the stage's chunk intact until it is observed
      // (the stage holds at most PREFETCH_BATCH of the latest flows), so the stage need not copy them
      const h = decodeBatch(batch, (f) => {
        const dir = f.scope === 'foreign-domestic' ? INBOUND : OUTBOUND;
        if (f.selected) {
          selected.push(copySelectedFlow(f));
          if (carriers.get(f.exporter) !== f.carrier) carriers.set(f.exporter, f.carrier);
          stage.push(f, dir, ALL, true);
        } else {
          dropped++;
          stage.push(f, dir, f.detectors, true);
        }
      }, PREFETCH_BATCH);
      // before anything else decodes into the ring
      stage.drain();
      if (h.partition !== meta.partition) logger.warn({ header: h.partition, subject: meta.partition }, 'bus batch names another partition than its subject');
      if (h.flushAt !== null) stage.flush(Math.max(h.flushAt, stage.latest));
      st.observedSeq = meta.busSeq;
      // copies: the detectors keep updating their finding objects
      const findings = [...st.batchFindings.values()].map((f) => structuredClone(f));
      for (const f of findings) {
        // only confirmed findings select (issue #21); a selection is renewed at most hourly while the finding lives
        if (f.score < stage.selectScore || !f.external || !selectsTraffic(f)) continue;
        const sentAt = selectionsSent.get(f.key);
        if (sentAt !== undefined && f.lastSeen - sentAt < 3600_000) continue;
        if (selectionsSent.size >= 100_000) selectionsSent.clear();
        selectionsSent.set(f.key, f.lastSeen);
        await bus.publishSelection({ type: f.type, external: f.external, port: f.port, proto: f.proto, at: f.lastSeen });
      }
      st.owed = { selected, findings, name: [h.producer, h.partition, h.seq], carriers };
      stats.selected += selected.length;
      stats.dropped += dropped;
      flowsC?.inc({ result: 'selected' }, selected.length);
      flowsC?.inc({ result: 'dropped' }, dropped);
    }
    const fresh = await write(st.owed!);
    st.owed = null;
    stats.batches++;
    batchesC?.inc();
    if (!fresh) {
      stats.duplicates++;
      dupC?.inc();
    }
  };

  return {
    stats,
    async take(p) {
      if (subs.has(p)) return;
      if (!(Number.isInteger(p) && p >= 0 && p < bus.partitions)) throw new Error(`worker: partition ${p} out of 0-${bus.partitions - 1}`);
      newState(p);
      subs.set(p, await bus.subscribe([p], handle, { maxAckPending: config.maxAckPending ?? 16 }));
      logger.info({ partition: p }, 'partition taken');
    },
    async release(p) {
      const s = subs.get(p);
      if (!s) return;
      await s.stop();
      subs.delete(p);
      states.delete(p);
      logger.info({ partition: p }, 'partition released');
    },
    held: () => [...subs.keys()].sort((a, b) => a - b),
    setIndicators(list) {
      indicators = list;
      for (const [p, st] of states) {
        const r = st.stage.detectors.setIndicators(list);
        if (r.rejected.length > 0) logger.warn({ partition: p, rejected: r.rejected.length, first: r.rejected[0] }, 'indicators the detector cannot match were skipped');
      }
    },
    async start() {
      for (const p of partitions) {
        newState(p);
        subs.set(p, await bus.subscribe([p], handle, { maxAckPending: config.maxAckPending ?? 16 }));
      }
      if (db) {
        const keep = config.keepBatchNamesMs ?? 3_600_000;
        purgeTimer = setInterval(() => {
          purgeBatchNames(db, new Date(Date.now() - keep)).catch((err: unknown) => logger.warn({ err }, 'purging old batch names failed'));
        }, Math.min(keep, 600_000));
        purgeTimer.unref();
      }
      logger.info({ partitions, bus: bus.kind }, 'bus worker consuming');
    },
    async stop() {
      if (purgeTimer) clearInterval(purgeTimer);
      for (const [p, s] of [...subs]) {
        await s.stop();
        subs.delete(p);
      }
    },
    findings() {
      return [...states.values()].flatMap((s) => s.stage.detectors.findings.list());
    },
    lag: lagOf,
  };
}
