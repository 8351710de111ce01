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
  /** Statistics of every exporter (and '_overflow' when the exporter bound was hit). */
  allStats(): ExporterStats[];
  /** The sampling interval an exporter announced for (domain, sampler id), or 0. */
  samplingInterval(exporter: string, domain: number, samplerId?: number): number;
  /** Templates cached in the whole decoder. */
  templateCount(): number;
  readonly limits: Readonly<DecoderLimits>;
}

export interface FlowDecoderOptions {
  /** prom-client registry to put the acd_flow_* counters on */
  registry?: Registry;
  limits?: Partial<DecoderLimits>;
}

export function createFlowDecoder(opts: FlowDecoderOptions = {}): FlowDecoder {
  const limits: DecoderLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const core = new DecoderCore(limits);
  const result: DecodeResult = { version: -1, flows: 0, unknownTemplate: 0, templates: 0, error: null };
  let lastId = '';
  let last: ExporterState | null = null;

  function exporterState(id: string): ExporterState {
    if (id === lastId && last) return last;
    let ex = core.exporters.get(id);
    if (!ex) {
      if (core.exporters.size >= limits.maxExporters) return core.overflow;
      ex = new ExporterState(id);
      core.exporters.set(id, ex);
    }
    lastId = id;
    last = ex;
    return ex;
  }

  function decodeInner(b: Uint8Array, ex: ExporterState, sink: FlowSink): number {
    const len = b.length;
    if (len < 2) { core.fail('truncated'); return 0; }
    const version = (b[0]! << 8) | b[1]!;
    result.version = version;
    if (ex === core.overflow) { core.fail('too_many_exporters'); return 0; }
    switch (version) {
      case 5: return decodeV5(core, b, len, ex, sink);
      case 9: return decodeV9(core, b, len, ex, sink);
      case 10: return decodeIpfix(core, b, len, ex, sink);
      default: core.fail('bad_version'); return 0;
    }
  }

  function decode(buf: Uint8Array, exporter: string, sink: FlowSink): DecodeResult {
    const ex = exporterState(exporter);
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
    try {
      decodeInner(buf, ex, sink);
    } catch (err) {
      // a decoder bug, not bad input: bad input is checked before it is read. Counted, never thrown.
      // (a sink that throws lands here too; its error is the sink's to report)
      core.fail('internal_error');
      if (process.env.ACD_DECODE_DEBUG) console.error(err);
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
    stats: (id) => (id === '_overflow' ? core.overflow.stats : core.exporters.get(id)?.stats),
    allStats() {
      const out = [...core.exporters.values()].map((e) => e.stats);
      if (core.overflow.stats.datagrams > 0) out.push(core.overflow.stats);
      return out;
    },
    samplingInterval(id, domain, samplerId = -1) {
      const ex = core.exporters.get(id);
      if (!ex) return 0;
      return ex.sampling.get(domain * 4294967296 + (samplerId < 0 ? 4294967295 : samplerId >>> 0)) ?? 0;
    },
    templateCount: () => core.templatesTotal,
  };
  if (opts.registry) registerDecoderMetrics(opts.registry, () => decoder.allStats());
  return decoder;
}
