/**
 * Per-exporter decode statistics and their Prometheus view. The decoder counts in plain numbers on
 * its own objects (no label lookups in the hot path); the prom-client counters read them at scrape
 * time through `collect()`.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/** Why a datagram (or part of one) was dropped. Stable strings: they are metric label values. */
export const MALFORMED_REASONS = [
  /** shorter than its header, or a set / record runs past the end of the datagram */
  'truncated',
  /** the version field is not 5, 9 or 10 (garbage, or another protocol on the port) */
  'bad_version',
  /** a length field that does not add up: IPFIX message length, set length < 4 */
  'bad_length',
  /** a template with no fields, a zero-length or overflowing field, too many fields, bad scope */
  'bad_template',
  /** a reserved set / flowset id */
  'bad_set_id',
  /** a variable-length field that runs past its set */
  'bad_record',
  /** the decoder's template cache is full and this exporter has none to give up: the template is refused */
  'template_limit',
  /** (no longer happens: the least recently seen exporter is evicted instead; kept as a stable label) */
  'too_many_exporters',
  /** a flow record ending further ahead of the collector's clock than configured (maxFlowAheadMs): dropped */
  'time_future',
  /** a flow record ending further back than configured (maxFlowAgeMs, the retention): dropped */
  'time_past',
  /** an exception inside the decoder (a bug, or a sink that threw): counted, never thrown */
  'internal_error',
] as const;
export type MalformedReason = (typeof MALFORMED_REASONS)[number];

export interface ExporterStats {
  exporter: string;
  datagrams: number;
  /** flow data records handed to the sink */
  flows: number;
  packets: number;
  bytes: number;
  /** datagrams with at least one malformed part (a datagram counts once, under its first reason) */
  malformed: number;
  malformedByReason: Record<MalformedReason, number>;
  /** flow records dropped because their time lies outside the configured window (time_future, time_past) */
  flowsOutOfWindow: number;
  /** data sets whose template is not (yet) known: dropped */
  unknownTemplate: number;
  /**
   * lost as the exporter's sequence numbers tell: v5 counts flows, v9 export datagrams, IPFIX data
   * records (each per its own sequence semantics; see decoder.ts)
   */
  lost: number;
  /** sequence jumps too large (or backwards) to be loss: exporter restarts, reordering */
  sequenceResets: number;
  /** templates currently cached for this exporter */
  templates: number;
  /** templates dropped to make room (the exporter's least recently installed or refreshed) */
  templatesEvicted: number;
  /** options data records read (sampling, system init time) */
  optionsRecords: number;
  /** last sampling interval an exporter announced (options data, v5 header); 0 when none */
  samplingInterval: number;
}

export function newExporterStats(exporter: string): ExporterStats {
  const byReason = {} as Record<MalformedReason, number>;
  for (const r of MALFORMED_REASONS) byReason[r] = 0;
  return {
    exporter, datagrams: 0, flows: 0, packets: 0, bytes: 0, malformed: 0, malformedByReason: byReason, flowsOutOfWindow: 0,
    unknownTemplate: 0, lost: 0, sequenceResets: 0, templates: 0, templatesEvicted: 0, optionsRecords: 0, samplingInterval: 0,
  };
}

/**
 * Registers the acd_flow_* metrics on `registry`; `snapshot` is called at scrape time.
 * Counters are reset and re-filled from the decoder's totals on each scrape (they only ever grow there).
 */
export function registerDecoderMetrics(registry: Registry, snapshot: () => Iterable<ExporterStats>, evictions: () => number = () => 0): void {
  new Counter({
    name: 'acd_flow_exporters_evicted_total',
    help: 'exporters evicted from the decoder table (least recently seen first; configured exporters never) to make room for new ones',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(evictions());
    },
  });
  const simple: Array<[string, string, keyof ExporterStats]> = [
    ['acd_flow_datagrams_total', 'NetFlow/IPFIX datagrams received, per exporter', 'datagrams'],
    ['acd_flow_records_total', 'flow records decoded, per exporter', 'flows'],
    ['acd_flow_packets_total', 'packets in decoded flow records, per exporter', 'packets'],
    ['acd_flow_bytes_total', 'bytes in decoded flow records, per exporter', 'bytes'],
    ['acd_flow_unknown_template_total', 'data sets dropped because their template is not known, per exporter', 'unknownTemplate'],
    ['acd_flow_lost_total', 'flows (v5), datagrams (v9) or records (IPFIX) lost per the exporter sequence numbers', 'lost'],
    ['acd_flow_templates_evicted_total', 'templates evicted to stay within the template cache bounds, per exporter', 'templatesEvicted'],
    ['acd_flow_sequence_resets_total', 'sequence number jumps treated as exporter restarts (or beyond the loss bound), per exporter', 'sequenceResets'],
    ['acd_flow_out_of_window_total', 'flow records dropped because their time lies outside the configured window, per exporter', 'flowsOutOfWindow'],
  ];
  for (const [name, help, field] of simple) {
    new Counter({
      name, help, labelNames: ['exporter'], registers: [registry],
      collect() {
        this.reset();
        for (const s of snapshot()) this.inc({ exporter: s.exporter }, s[field] as number);
      },
    });
  }
  new Counter({
    name: 'acd_flow_malformed_total',
    help: 'datagrams dropped (whole or in part) as malformed, per exporter and reason',
    labelNames: ['exporter', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of snapshot()) {
        for (const r of MALFORMED_REASONS) {
          const v = s.malformedByReason[r];
          if (v > 0) this.inc({ exporter: s.exporter, reason: r }, v);
        }
      }
    },
  });
  new Gauge({
    name: 'acd_flow_templates',
    help: 'NetFlow v9 / IPFIX templates cached, per exporter',
    labelNames: ['exporter'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of snapshot()) this.set({ exporter: s.exporter }, s.templates);
    },
  });
}
