/**
 * The collector's side of the bus: the lawful gate runs here, BEFORE the bus, and only its output
 * (selected flows and the detector feed: in scope, under an approval in force, domestic addresses
 * already pseudonymised) is batched per partition and published. Out-of-scope and unapproved flows
 * never leave the collector; they are counted by its gate.
 *
 *   FlowRecord ─► gate ─► selected / feed ─► partitionOf(external address) ─► batch ─► bus
 *
 * `flush({ flushAt })` publishes every partial batch; with `flushAt` it also sends each partition a
 * flush marker (the end of an input, or a quiet period), after which its detectors score what is pending.
 * Back-pressure: publishes are tracked; `ready()` resolves when fewer than `maxInflight` are unacknowledged
 * by the bus, so a source that can wait (a file import, a benchmark) keeps memory bounded.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Counter, type Registry } from 'prom-client';
import type { FlowRecord, FlowSink } from '../flow/index.js';
import { createGate, type ApprovalSet, type DetectorName, type Gate, type GateConfig, type GateOutput, type Pseudonymiser, type Scope } from '../selection/index.js';
import { BatchEncoder } from './codec.js';
import type { Bus, SelectionMessage } from './bus.js';
import type { FindingType } from '../detect/index.js';

const DETECTOR_OF: Record<FindingType, DetectorName> = {
  beacon: 'beacon',
  strobe: 'strobe',
  'fan-in': 'fan-in',
  scan: 'scan',
  ddos: 'ddos',
  indicator: 'indicator',
  'long-connection': 'long-connection',
  exfiltration: 'exfiltration',
};
import { partitionOf } from './partition.js';
import { silentLogger, type Logger } from '../shared/log.js';

export interface PublisherConfig {
  /** flows per batch (default 1 000: ~100 kB messages) */
  batchSize?: number;
  /** unacknowledged publishes before ready() waits (default 64) */
  maxInflight?: number;
  /**
   * For a source that cannot wait (UDP from exporters): unacknowledged publishes beyond which a new
   * batch is dropped and counted instead of queued, so a slow or absent NATS cannot grow the
   * collector's memory without bound. Unset (files, benchmarks): never drop; the caller awaits ready().
   */
  dropAboveInflight?: number;
  /** names this collector in batch ids; unique per process by default (host-pid-random) */
  producer?: string;
  /** exporter → carrier or link id (the gate's own map): each flow's batch record carries it, so a
   *  worker stores the carrier the gate selected under without a map of its own (default: the exporter) */
  carrierOf?: (exporter: string) => string | null;
}

export interface BusPublisher {
  /** the gate's output sinks */
  readonly out: GateOutput;
  readonly producer: string;
  flush(opts?: { flushAt?: number }): Promise<void>;
  ready(): Promise<void>;
  readonly published: { batches: number; flows: number };
  /** batches and flows dropped because the bus was too slow (dropAboveInflight) or refused them */
  readonly dropped: { batches: number; flows: number; overload: number; failed: number };
  /** the first publish error, if any (publishes are retried by the caller re-sending its input) */
  readonly error: Error | null;
}

export function createBusPublisher(opts: { bus: Bus; config?: PublisherConfig; deps?: { registry?: Registry; logger?: Logger } }): BusPublisher {
  const { bus } = opts;
  const config = opts.config ?? {};
  const logger = opts.deps?.logger ?? silentLogger;
  const batchSize = config.batchSize ?? 1000;
  const maxInflight = config.maxInflight ?? 64;
  const producer = config.producer ?? `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const n = bus.partitions;
  const encoders = Array.from({ length: n }, () => new BatchEncoder(batchSize));
  const seqs = new Float64Array(n);
  const inflight = new Set<Promise<void>>();
  const published = { batches: 0, flows: 0 };
  const dropped = { batches: 0, flows: 0, overload: 0, failed: 0 };
  const dropAbove = config.dropAboveInflight ?? Infinity;
  let error: Error | null = null;
  const carrierOf = config.carrierOf ?? ((e: string) => e);
  // one lookup per exporter change (flows arrive in runs of one exporter's datagrams)
  let lastExporter = '';
  let lastCarrier = '';
  const carrier = (exporter: string): string => {
    if (exporter !== lastExporter) {
      lastCarrier = carrierOf(exporter) ?? exporter;
      lastExporter = exporter;
    }
    return lastCarrier;
  };
  const reg = opts.deps?.registry;
  const flowsC = reg ? new Counter({ name: 'acd_bus_published_flows_total', help: 'gate output flows published to the bus', registers: [reg] }) : null;
  const batchesC = reg ? new Counter({ name: 'acd_bus_published_batches_total', help: 'batches published to the bus', registers: [reg] }) : null;
  const droppedC = reg
    ? new Counter({ name: 'acd_bus_dropped_flows_total', help: 'gate output flows lost before the bus: overload (too many unacknowledged publishes) or failed (the bus refused them)', labelNames: ['reason'], registers: [reg] })
    : null;
  const drop = (count: number, reason: 'overload' | 'failed'): void => {
    dropped.batches++;
    dropped.flows += count;
    dropped[reason] += count;
    droppedC?.inc({ reason }, count);
  };

  const send = (p: number, flushAt: number | null): void => {
    const enc = encoders[p]!;
    const count = enc.count;
    const seq = ++seqs[p]!;
    const msg = enc.take({ partition: p, seq, producer, flushAt });
    if (inflight.size >= dropAbove && flushAt === null) {
      // the sequence number stays spent, so batch names (producer, partition, seq) remain unique
      drop(count, 'overload');
      return;
    }
    const pr = bus
      .publish(p, msg, `${producer}/${p}/${seq}`)
      .then(() => {
        published.batches++;
        published.flows += count;
        batchesC?.inc();
        flowsC?.inc(count);
      })
      .catch((e: unknown) => {
        error ??= e as Error;
        drop(count, 'failed');
        logger.error({ err: e, partition: p, seq }, 'bus publish failed');
      })
      .finally(() => inflight.delete(pr));
    inflight.add(pr);
  };

  const add = (f: Parameters<GateOutput['selected']>[0] | Parameters<GateOutput['feed']>[0], selected: boolean): void => {
    const p = partitionOf(f, n);
    if (encoders[p]!.add(f, selected, carrier(f.exporter))) send(p, null);
  };

  return {
    out: { selected: (f) => add(f, true), feed: (f) => add(f, false) },
    producer,
    published,
    dropped,
    get error() {
      return error;
    },
    async ready() {
      while (inflight.size >= maxInflight) await Promise.race(inflight);
    },
    async flush(o = {}) {
      for (let p = 0; p < n; p++) {
        if (encoders[p]!.count > 0 || o.flushAt !== undefined) send(p, o.flushAt ?? null);
      }
      while (inflight.size > 0) await Promise.all([...inflight]);
    },
  };
}

export interface BusCollector {
  readonly gate: Gate;
  /** selections made by detector rules (from the workers) so far */
  readonly selections: number;
  /** listen for the workers' detector-rule selections (call once; stop before closing the bus) */
  listen(): Promise<{ stop(): Promise<void> }>;
  readonly publisher: BusPublisher;
  /** the sink a decoder or importer feeds */
  readonly sink: FlowSink;
  /** the latest flow end time seen (event time) */
  readonly latest: number;
  /** publishes partial batches; `end` also sends the flush marker at the latest event time */
  flush(opts?: { end?: boolean }): Promise<void>;
}

/** A collector's gate wired to a bus publisher. */
export function createBusCollector(opts: {
  scope: Scope;
  approvals: ApprovalSet;
  pseudonymiser: Pseudonymiser;
  bus: Bus;
  /** selectHoldMs: how long (event time) a worker's selection lasts after its finding's last seen unless renewed (default 24 h) */
  config?: { gate?: GateConfig; publisher?: PublisherConfig; selectHoldMs?: number };
  deps?: { registry?: Registry; logger?: Logger };
}): BusCollector {
  const deps = opts.deps ?? {};
  const gate = createGate({
    scope: opts.scope,
    approvals: opts.approvals,
    pseudonymiser: opts.pseudonymiser,
    ...(opts.config?.gate ? { config: opts.config.gate } : {}),
    deps,
  });
  // the batches carry the carrier the gate resolved each exporter to (the gate's map, unless the publisher is given one)
  const gateCarrierOf = opts.config?.gate?.carrierOf;
  const publisherConfig: PublisherConfig = { ...(gateCarrierOf ? { carrierOf: gateCarrierOf } : {}), ...opts.config?.publisher };
  const publisher = createBusPublisher({ bus: opts.bus, config: publisherConfig, deps });
  let latest = 0;
  let selections = 0;
  const logger = deps.logger ?? silentLogger;
  const out = publisher.out;
  // the same rule as the one-process pipeline: the server is selected under the detector criterion
  // of every approval in force (at the finding's last seen) that names the detector
  const select = (m: SelectionMessage): void => {
    const detector = DETECTOR_OF[m.type];
    if (!detector) return;
    for (const a of opts.approvals.list()) {
      if (a.status !== 'approved') continue;
      const compiled = opts.approvals.get(a.id);
      if (!compiled || m.at < compiled.start || m.at >= compiled.end) continue;
      const criterionId = gate.criterionFor(a.id, detector);
      if (!criterionId) continue;
      try {
        gate.selectKey('server', { address: m.external, pseudonym: false, port: m.port, proto: m.proto }, a.id, criterionId, m.at + (opts.config?.selectHoldMs ?? 24 * 3600_000));
        selections++;
      } catch (e) {
        logger.warn({ approval: a.id, detector, code: (e as { code?: string }).code }, 'detector selection refused');
      }
    }
  };
  return {
    gate,
    publisher,
    get selections() {
      return selections;
    },
    listen: () => opts.bus.onSelection(select),
    sink: (rec: FlowRecord) => {
      const t = rec.end > rec.start ? rec.end : rec.start;
      if (t > latest) latest = t;
      gate.process(rec, out);
    },
    get latest() {
      return latest;
    },
    flush: (o = {}) => publisher.flush(o.end ? { flushAt: latest } : {}),
  };
}
