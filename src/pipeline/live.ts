/**
 * The pipeline inside the server: the UDP collector (when configured) feeds the gate and detectors;
 * selected flows, findings and the gate's counts are written to the store; approvals and pseudonym keys
 * come from the store and are reloaded whenever a decision changes them.
 *
 * With `bus: 'jetstream'` the server is a collector only: the same gate (scope, approval per carrier,
 * pseudonymisation) runs here and its output is published to NATS JetStream, partitioned by the
 * external address (src/bus/); this process runs NO detectors and writes no selected flows or
 * findings — `acd worker` processes do. The gate's counts are still written here (the gate is here),
 * and the workers' detector-rule selections come back to this gate.
 */
import type { Kysely } from 'kysely';
import type { AcdConfig } from '../config/index.js';
import type { Database } from '../store/index.js';
import { createFlowDecoder, createUdpCollector, type FlowDecoder, type UdpCollector } from '../flow/index.js';
import { ApprovalSet, addGateCounts, listApprovals, loadPseudonymKeys, createRetentionJob, createPseudonymiser, createScope, createSelectedFlowWriter, METRICS, purgeSelectedFlows, type Metric, type Pseudonymiser, type Scope } from '../selection/index.js';
import type { Registry } from '../shared/metrics.js';
import { Gauge } from 'prom-client';
import { silentLogger, type Logger } from '../shared/log.js';
import { createPipeline, type Pipeline } from './pipeline.js';
import { createIndicatorRefresher, type IndicatorRefresher } from './indicators.js';
import type { CountRow } from '../selection/index.js';
import { createFindingWriter } from '../findings/index.js';
import type { Writer } from '../store/index.js';
import type { Finding } from '../detect/index.js';
import type { SelectedFlow } from '../selection/index.js';
import { createBusCollector, createJetStreamBus, type BusCollector, type JetStreamBus } from '../bus/index.js';
import { createDetectionStage } from '../detect/index.js';
import { AcdError } from '../shared/errors.js';
import { recordAudit } from '../oversight/index.js';
import { SYSTEM_ACTOR } from '../auth/index.js';

/**
 * bus=jetstream: UDP exporters cannot be slowed down, so beyond this many unacknowledged publishes
 * (about 100 kB each) a batch is dropped and counted (acd_bus_dropped_flows_total{reason="overload"})
 * rather than held: a slow or absent NATS costs counted flows, never the collector's memory.
 */
const BUS_MAX_INFLIGHT = 256;

export interface PipelineRates {
  /** per-second figures over the last `seconds` seconds, oldest first */
  seconds: number[];
  series: Record<Metric, number[]>;
}

export interface LivePipeline {
  readonly pipeline: Pipeline;
  readonly scope: Scope;
  readonly decoder: FlowDecoder;
  /** the collector's bound address, when one runs */
  collectorAddress(): { host: string; port: number } | null;
  /** bus=jetstream: where the gate's output goes and how much went (null: detectors run in this process) */
  bus(): { kind: 'jetstream'; stream: string; partitions: number; published: { batches: number; flows: number } } | null;
  /** re-reads approvals and keys from the store (call after every decision) */
  reloadApprovals(): Promise<void>;
  /** checks the intel store for changed indicators now (it also does every indicatorRefreshSeconds); true when it reloaded */
  reloadIndicators(): Promise<boolean>;
  totals(): Record<Metric, number>;
  rates(): PipelineRates;
  /** writes what is buffered now */
  flush(): Promise<void>;
  /** gate-count rows whose write failed, kept for the next write */
  unwrittenCounts(): number;
  /** runs the retention purge now (it also runs on its own timer); returns how many flows went */
  purgeNow(): Promise<number>;
  stop(): Promise<void>;
}

/** "ip:port" (or "[v6]:port") → the exporter's address, which the configuration maps to a carrier id. */
export function exporterAddress(exporter: string): string {
  if (exporter.startsWith('[')) return exporter.slice(1, exporter.indexOf(']'));
  const i = exporter.lastIndexOf(':');
  return i > 0 ? exporter.slice(0, i) : exporter;
}

export async function createLivePipeline(opts: {
  config: AcdConfig;
  db: Kysely<Database>;
  registry: Registry;
  logger?: Logger;
}): Promise<LivePipeline> {
  const { config, db, registry } = opts;
  const logger = opts.logger ?? silentLogger;
  const scope = createScope({ useCountryData: true, country: config.country, extraPrefixes: config.domestic, localIsDomestic: true });
  const carrierOf = (exporter: string): string => {
    const addr = exporterAddress(exporter);
    return config.exporterCarriers[addr] ?? config.exporterCarriers[exporter] ?? addr;
  };
  const approvals = new ApprovalSet({ asn: scope });
  const pseudonymiser: Pseudonymiser = createPseudonymiser();
  const selectedWriter: Writer<SelectedFlow> = createSelectedFlowWriter(db, { carrierOf, registry, logger });
  const findingWriter: Writer<Finding> = createFindingWriter(db, { logger, registry });
  let bus: JetStreamBus | null = null;
  let busCollector: BusCollector | null = null;
  let pipeline: Pipeline;
  if (config.bus === 'jetstream') {
    try {
      bus = await createJetStreamBus({ servers: config.nats, partitions: config.busPartitions, prefix: config.busPrefix }, { logger });
    } catch (e) {
      throw new AcdError('BUS_CONNECT', `bus=jetstream: cannot use NATS JetStream at ${config.nats}: ${(e as Error).message}`);
    }
    const bc = createBusCollector({ scope, approvals, pseudonymiser, bus, config: { gate: { carrierOf }, publisher: { dropAboveInflight: BUS_MAX_INFLIGHT } }, deps: { registry, logger } });
    busCollector = bc;
    // the detectors run in the workers: this set stays empty (the pipeline stats show 0 findings here)
    const idle = createDetectionStage();
    let flushedAt = -1;
    pipeline = {
      gate: bc.gate,
      detectors: idle.detectors,
      stage: idle,
      sink: bc.sink,
      flush: () => {
        // partial batches out, and a flush marker so each partition's detectors score what is pending
        // (only when traffic came since the last marker: a quiet collector sends nothing)
        if (bc.latest === flushedAt) return;
        flushedAt = bc.latest;
        bc.flush({ end: true }).catch((err: unknown) => logger.error({ err }, 'bus flush failed'));
      },
      get selections() {
        return bc.selections;
      },
    };
  } else {
    pipeline = createPipeline({
      scope,
      approvals,
      pseudonymiser,
      config: { gate: { carrierOf } },
      deps: { registry, logger, onSelected: (f) => selectedWriter.push(f), onFinding: (f) => findingWriter.push(f) },
    });
  }
  const selectionListener = busCollector ? await busCollector.listen() : null;

  const reloadApprovals = async (): Promise<void> => {
    const stored = await listApprovals(db);
    const known = new Set(approvals.list().map((a) => a.id));
    for (const a of stored) {
      const { proposedBy: _p, decidedBy: _d, decidedAt: _da, decisionReason: _r, version: _v, ...approval } = a;
      known.delete(a.id);
      try {
        approvals.put(approval);
      } catch (err) {
        // a stored approval the gate cannot compile gives no ground to select: skipped, and said so
        logger.error({ approval: a.id, code: (err as { code?: string }).code, message: (err as Error).message }, 'approval skipped by the gate');
        approvals.remove(a.id);
        pipeline.gate.forgetApproval(a.id);
        continue;
      }
      if (a.status !== 'approved') pipeline.gate.forgetApproval(a.id);
    }
    for (const gone of known) {
      approvals.remove(gone);
      pipeline.gate.forgetApproval(gone);
    }
    const have = new Set(pseudonymiser.keys().map((k) => k.id));
    for (const k of await loadPseudonymKeys(db)) if (!have.has(k.id)) pseudonymiser.addKey(k);
  };
  await reloadApprovals();

  // #20: configured exporters are never evicted from the decoder's table; flows dated outside
  // [now - flowMaxAgeDays, now + flowMaxAheadSeconds] are counted as malformed and never reach the gate
  const configured = (exporter: string): boolean => Object.hasOwn(config.exporterCarriers, exporterAddress(exporter)) || Object.hasOwn(config.exporterCarriers, exporter);
  const decoder = createFlowDecoder({
    registry,
    pinned: configured,
    limits: { maxFlowAheadMs: config.flowMaxAheadSeconds * 1000, maxFlowAgeMs: (config.flowMaxAgeDays ?? config.retentionDays) * 86_400_000 },
  });
  let collector: UdpCollector | null = null;
  if (config.collector) {
    const c = createUdpCollector({ listen: config.collector, decoder, sink: pipeline.sink, logger });
    collector = c;
    await c.start();
    logger.info({ collector: c.address() }, 'flow collector listening');
    // what the kernel dropped before ACD saw it (receive buffer full): counted, never silent (#23)
    new Gauge({
      name: 'acd_collector_kernel_drops', help: 'datagrams the kernel dropped on the collector socket because its receive buffer was full (raise net.core.rmem_max: README, Deployment)', registers: [registry],
      collect() { const d = c.kernelDrops(); if (d !== null) this.set(d); },
    });
  }

  // per-second rates for the dashboard: a ring of the last 120 seconds of totals
  const WINDOW = 120;
  const ring: Array<{ t: number; totals: Record<Metric, number> }> = [];
  const sample = setInterval(() => {
    ring.push({ t: Date.now(), totals: { ...pipeline.gate.totals() } });
    if (ring.length > WINDOW + 1) ring.shift();
  }, 1000);
  sample.unref();

  // the detectors flush on event time; when traffic pauses, a wall-clock tick still scores what is pending
  const tick = setInterval(() => pipeline.flush(), 5000);
  tick.unref();
  // the gate's counts: a write that fails is kept and retried with the next, never dropped (#20)
  let unwritten: CountRow[] = [];
  let writing: Promise<void> = Promise.resolve();
  const writeCounts = (): Promise<void> => {
    writing = writing.then(async () => {
      const rows = unwritten.concat(pipeline.gate.takeCounts());
      unwritten = [];
      if (rows.length === 0) return;
      try {
        await addGateCounts(db, rows);
      } catch (err) {
        // one row the store refuses must not hold back the others: each alone, the failing ones kept
        for (const row of rows) {
          try {
            await addGateCounts(db, [row]);
          } catch {
            unwritten.push(row);
          }
        }
        logger.error({ err, kept: unwritten.length }, 'writing gate counts failed; kept for the next write');
      }
    });
    return writing;
  };
  const counts = setInterval(() => void writeCounts(), 30_000);
  counts.unref();
  selectedWriter.start();
  findingWriter.start();

  // retention: selected flows older than the configured period are purged by a job of its own, audited
  const retention = createRetentionJob({
    config: { retentionDays: config.retentionDays },
    deps: {
      purge: (cutoff) => purgeSelectedFlows(db, cutoff),
      audit: (rec) => recordAudit(db, { actor: SYSTEM_ACTOR, action: 'retention.purge', target: { type: 'selected_flows' }, reason: `retention ${config.retentionDays} days`, details: { ...rec } }),
      registry,
      logger,
    },
  });
  retention.start();

  // #21: the detectors in this process match the intel store's indicators, reloaded on change
  // (with bus=jetstream the workers run the detectors and load them themselves)
  let indicators: IndicatorRefresher | null = null;
  if (!busCollector) {
    indicators = createIndicatorRefresher({
      db,
      intervalMs: config.indicatorRefreshSeconds * 1000,
      registry,
      logger,
      apply: (list) => {
        const r = pipeline.detectors.setIndicators(list);
        if (r.rejected.length > 0) logger.warn({ rejected: r.rejected.length, first: r.rejected[0] }, 'indicators the detector cannot match were skipped');
      },
    });
    await indicators.start();
  }

  return {
    pipeline,
    scope,
    decoder,
    collectorAddress: () => (collector ? collector.address() : null),
    bus: () => (bus && busCollector ? { kind: 'jetstream', stream: bus.stream, partitions: bus.partitions, published: { ...busCollector.publisher.published } } : null),
    reloadApprovals,
    totals: () => pipeline.gate.totals(),
    rates() {
      const seconds: number[] = [];
      const series = Object.fromEntries(METRICS.map((m) => [m, [] as number[]])) as Record<Metric, number[]>;
      for (let i = 1; i < ring.length; i++) {
        const a = ring[i - 1]!;
        const b = ring[i]!;
        const dt = (b.t - a.t) / 1000 || 1;
        seconds.push(Math.round(b.t / 1000));
        for (const m of METRICS) series[m].push(Math.round((b.totals[m] - a.totals[m]) / dt));
      }
      return { seconds, series };
    },
    purgeNow: async () => (await retention.runOnce()).purged,
    async flush() {
      if (busCollector) await busCollector.flush({ end: true });
      else pipeline.flush();
      await selectedWriter.flush();
      await findingWriter.flush();
      await writeCounts();
    },
    unwrittenCounts: () => unwritten.length,
    reloadIndicators: () => (indicators ? indicators.check() : Promise.resolve(false)),
    async stop() {
      indicators?.stop();
      clearInterval(sample);
      clearInterval(tick);
      clearInterval(counts);
      retention.stop();
      if (collector) await collector.stop();
      if (busCollector) await busCollector.flush({ end: true }).catch((err: unknown) => logger.error({ err }, 'bus flush at stop failed'));
      else pipeline.flush();
      await selectedWriter.stop();
      await findingWriter.stop();
      await writeCounts();
      await selectionListener?.stop();
      await bus?.close();
    },
  };
}
