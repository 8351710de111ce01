/**
 * The flow decoder: one entry point for NetFlow v5, v9 and IPFIX datagrams, dispatched on the version
 * field, with per-exporter templates, sequence tracking and statistics.
 *
 * Bad input never throws out of decode(): a datagram that is truncated, does not add up or is garbage
 * is counted per exporter and reason and dropped (records before the fault in a v9/IPFIX datagram
 * have been delivered: they were whole), and the next datagram decodes normally.
 */
import type { Registry } from 'prom-client';
import type { FlowSink } from '../record.js';
import { registerDecoderMetrics, type ExporterStats, type MalformedReason } from './stats.js';
import { DEFAULT_LIMITS, DecoderCore, ExporterState, type DecoderLimits } from './state.js';
import { decodeV5 } from './v5.js';
import { decodeV9 } from './v9.js';
import { decodeIpfix } from './ipfix.js';

/** The outcome of one decode() call. The same object is reused: read it before the next call. */
export interface DecodeResult {
  /** the version field (5, 9, 10), or what was there when it is none of them; -1 if too short */
  version: number;
  /** flow records delivered to the sink */
  flows: number;
  /** data sets skipped because their template is not known */
  unknownTemplate: number;
  /** template records read (new, changed or refreshed) */
  templates: number;
  /** the first malformed reason met, or null */
  error: MalformedReason | null;
}

export interface FlowDecoder {
  /** Decodes one datagram from `exporter` (the collector's "ip:port"), calling `sink` per flow record. */
  decode(buf: Uint8Array, exporter: string, sink: FlowSink): DecodeResult;
  /** Statistics of one exporter (live object: do not modify), or undefined. */
  stats(exporter: string): ExporterStats | undefined;
  /** Statistics of every exporter (and '_evicted': the totals of exporters evicted from the table). */
  allStats(): ExporterStats[];
  /** The sampling interval an exporter announced for (domain, sampler id), or 0. */
  samplingInterval(exporter: string, domain: number, samplerId?: number): number;
  /** Templates cached in the whole decoder. */
  templateCount(): number;
  /** Exporters evicted from the table to make room (least recently seen first, configured never). */
  exportersEvicted(): number;
  readonly limits: Readonly<DecoderLimits>;
}

export interface FlowDecoderOptions {
  /** prom-client registry to put the acd_flow_* counters on */
  registry?: Registry;
  limits?: Partial<DecoderLimits>;
  /**
   * Configured exporters (the collector's "ip:port"): never evicted from the exporter table, and
   * admitted beyond maxExporters. Asked once per new exporter.
   */
  pinned?: (exporter: string) => boolean;
  /** the clock (ms) for the flow-time window and exporter idleness; Date.now by default */
  clock?: () => number;
}

export function createFlowDecoder(opts: FlowDecoderOptions = {}): FlowDecoder {
  const limits: DecoderLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const core = new DecoderCore(limits);
  const result: DecodeResult = { version: -1, flows: 0, unknownTemplate: 0, templates: 0, error: null };
  let lastId = '';
  let last: ExporterState | null = null;
  const pinned = opts.pinned ?? (() => false);
  const clock = opts.clock ?? Date.now;
  const windowed = Number.isFinite(limits.maxFlowAheadMs) || Number.isFinite(limits.maxFlowAgeMs);

  // The exporter table is kept in order of last datagram (a returning exporter moves to the end), so
  // when it is full the first unpinned exporter is the least recently seen: it is evicted, and spoofed
  // sources can only ever push out each other and idle exporters, never fill the table for good.
  function exporterState(id: string): ExporterState {
    if (id === lastId && last) return last;
    let ex = core.exporters.get(id);
    if (ex) {
      core.exporters.delete(id);
      core.exporters.set(id, ex);
    } else {
      ex = new ExporterState(id);
      ex.pinned = pinned(id);
      if (!ex.pinned && core.exporters.size >= limits.maxExporters) {
        for (const victim of core.exporters.values()) {
          if (victim.pinned) continue;
          core.evictExporter(victim);
          if (victim === last) { last = null; lastId = ''; }
          break;
        }
      }
      core.exporters.set(id, ex);
    }
    lastId = id;
    last = ex;
    return ex;
  }

  // The flow-time window (live collection only): a record ending too far ahead of the clock or too far
  // back is counted per exporter (time_future / time_past) and never reaches the sink (the gate, the counts).
  let inner: FlowSink = () => {};
  let windowEx: ExporterState = core.evicted;
  let dropped = 0;
  let droppedPackets = 0;
  let droppedBytes = 0;
  const windowSink: FlowSink = (r) => {
    const now = core.now;
    const reason = r.end > now + limits.maxFlowAheadMs || r.start > now + limits.maxFlowAheadMs ? 'time_future' : r.end < now - limits.maxFlowAgeMs ? 'time_past' : null;
    if (reason === null) { inner(r); return; }
    core.fail(reason);
    dropped++;
    droppedPackets += r.packets;
    droppedBytes += r.bytes;
    windowEx.stats.flowsOutOfWindow++;
  };

  function decodeInner(b: Uint8Array, ex: ExporterState, sink: FlowSink): number {
    const len = b.length;
    if (len < 2) { core.fail('truncated'); return 0; }
    const version = (b[0]! << 8) | b[1]!;
    result.version = version;
    switch (version) {
      case 5: return decodeV5(core, b, len, ex, sink);
      case 9: return decodeV9(core, b, len, ex, sink);
      case 10: return decodeIpfix(core, b, len, ex, sink);
      default: core.fail('bad_version'); return 0;
    }
  }

  function decode(buf: Uint8Array, exporter: string, sink: FlowSink): DecodeResult {
    core.now = clock();
    const ex = exporterState(exporter);
    ex.lastSeen = core.now;
    const st = ex.stats;
    const ctx = core.ctx;
    core.error = null;
    core.unknownSets = 0;
    core.templatesSeen = 0;
    ctx.flows = 0;
    ctx.packets = 0;
    ctx.bytes = 0;
    core.rec.exporter = exporter;
    result.version = -1;
    if (windowed) {
      inner = sink;
      windowEx = ex;
      dropped = droppedPackets = droppedBytes = 0;
    }
    try {
      decodeInner(buf, ex, windowed ? windowSink : sink);
    } catch (err) {
      // a decoder bug, not bad input: bad input is checked before it is read. Counted, never thrown.
      // (a sink that throws lands here too; its error is the sink's to report)
      core.fail('internal_error');
      if (process.env.ACD_DECODE_DEBUG) console.error(err);
    }
    if (windowed && dropped > 0) {
      ctx.flows -= dropped;
      ctx.packets -= droppedPackets;
      ctx.bytes -= droppedBytes;
    }
    st.datagrams++;
    st.flows += ctx.flows;
    st.packets += ctx.packets;
    st.bytes += ctx.bytes;
    if (core.error !== null) {
      st.malformed++;
      st.malformedByReason[core.error]++;
    }
    result.flows = ctx.flows;
    result.unknownTemplate = core.unknownSets;
    result.templates = core.templatesSeen;
    result.error = core.error;
    return result;
  }

  const decoder: FlowDecoder = {
    decode,
    limits,
    stats: (id) => (id === '_evicted' ? core.evicted.stats : core.exporters.get(id)?.stats),
    allStats() {
      const out = [...core.exporters.values()].map((e) => e.stats);
      if (core.exportersEvicted > 0) out.push(core.evicted.stats);
      return out;
    },
    samplingInterval(id, domain, samplerId = -1) {
      const ex = core.exporters.get(id);
      if (!ex) return 0;
      return ex.sampling.get(domain * 4294967296 + (samplerId < 0 ? 4294967295 : samplerId >>> 0)) ?? 0;
    },
    templateCount: () => core.templatesTotal,
    exportersEvicted: () => core.exportersEvicted,
  };
  if (opts.registry) registerDecoderMetrics(opts.registry, () => decoder.allStats(), () => core.exportersEvicted);
  return decoder;
}
