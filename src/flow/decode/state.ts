/**
 * What the decoder remembers per exporter: statistics, templates, sequence numbers, sampling and
 * system-init times. Every map here is bounded (see DecoderLimits), because every key comes from
 * packet bytes an attacker can choose.
 */
import { MutableFlowRecord, type FlowSink } from '../record.js';
import { newExporterStats, type ExporterStats, type MalformedReason } from './stats.js';
import { TemplateScratch, type Template } from './template.js';
import { OptionsOut, RecordCtx } from './records.js';

export interface DecoderLimits {
  /** exporters tracked (configured ones besides); a new one beyond evicts the least recently seen */
  maxExporters: number;
  /** templates cached per exporter (v9 and IPFIX, all domains together) */
  maxTemplatesPerExporter: number;
  /** templates cached in the whole decoder */
  maxTemplatesTotal: number;
  /** fields in one template (a v9/IPFIX field count is 16 bits: bound it well below) */
  maxFieldsPerTemplate: number;
  /** observation domains / source ids / v5 engines tracked per exporter for sequence numbers */
  maxDomainsPerExporter: number;
  /** a forward sequence jump larger than this is an exporter restart, not loss */
  maxSequenceGap: number;
  /**
   * loss per sequence domain is believed up to this many times what the domain delivered: beyond it a
   * gap counts as a reset, so a sender choosing sequence numbers cannot make "lost" as large as it likes
   */
  maxLostPerDelivered: number;
  /** an exporter whose last datagram is older than this is idle: its templates are given up first */
  idleExporterMs: number;
  /** flows ending more than this after the decoder's clock are dropped as time_future (Infinity: no bound) */
  maxFlowAheadMs: number;
  /** flows ending more than this before the decoder's clock are dropped as time_past (Infinity: no bound) */
  maxFlowAgeMs: number;
}

export const DEFAULT_LIMITS: DecoderLimits = {
  maxExporters: 4096,
  maxTemplatesPerExporter: 512,
  maxTemplatesTotal: 16384,
  maxFieldsPerTemplate: 256,
  maxDomainsPerExporter: 256,
  maxSequenceGap: 1_000_000,
  maxLostPerDelivered: 16,
  idleExporterMs: 300_000,
  maxFlowAheadMs: Infinity,
  maxFlowAgeMs: Infinity,
};

export interface SeqState {
  /** the sequence number the last message carried */
  prev: number;
  /** the sequence number the next message should carry (RFC semantics) */
  next: number;
  /** false when the last message could not be fully counted (IPFIX set with an unknown template) */
  known: boolean;
  /**
   * IPFIX only: the exporter numbers messages with the records sent *including* this message's flow
   * records (softflowd 1.1 does), not before it as RFC 7011 §3.1 says. Learnt from the numbers.
   */
  inclusive: boolean;
  /** a gap that the inclusive numbering would explain, counted as lost until a second one confirms it */
  suspectGap: number;
  /** what this domain's messages moved the counter by (its own units), and what was counted lost of it */
  delivered: number;
  lost: number;
}

export class ExporterState {
  readonly stats: ExporterStats;
  readonly templates = new Map<number, Template>();
  /** key: version·2^32 + domain (v5: engine type·256 + engine id) */
  readonly seq = new Map<number, SeqState>();
  /** key: domain·2^32 + sampler id (-1 → 2^32-1) → sampling interval */
  readonly sampling = new Map<number, number>();
  /** IPFIX observation domain → systemInitTimeMilliseconds, for flowStart/EndSysUpTime */
  readonly sysInit = new Map<number, number>();
  /** the decoder's clock (ms) at this exporter's last datagram */
  lastSeen = 0;
  /** a configured exporter: never evicted from the table */
  pinned = false;
  constructor(readonly id: string) {
    this.stats = newExporterStats(id);
  }
}

/** Shared by the v5, v9 and IPFIX decoders within one createFlowDecoder(). */
export class DecoderCore {
  readonly exporters = new Map<string, ExporterState>();
  /** the totals of exporters evicted from the table, so that counters never go down */
  readonly evicted = new ExporterState('_evicted');
  /** exporters evicted to make room for new ones */
  exportersEvicted = 0;
  /** the decoder's clock at the current datagram */
  now = 0;
  templatesTotal = 0;
  readonly rec = new MutableFlowRecord();
  readonly ctx: RecordCtx;
  readonly scratch: TemplateScratch;
  readonly opts = new OptionsOut();
  /** the first malformed reason met in the current datagram */
  error: MalformedReason | null = null;
  unknownSets = 0;
  templatesSeen = 0;
  sink: FlowSink = () => {};
  constructor(readonly limits: DecoderLimits) {
    this.ctx = new RecordCtx();
    this.scratch = new TemplateScratch(limits.maxFieldsPerTemplate);
  }

  fail(reason: MalformedReason): void {
    if (this.error === null) this.error = reason;
  }

  /**
   * Installs a new or changed template within the bounds. An exporter at its own cap loses its least
   * recently installed/refreshed template (a router that renumbers its templates keeps working; a
   * flood from one exporter only ever evicts that exporter's templates). When the decoder-wide cap
   * is reached, an exporter that has templates evicts its own; one that has none is refused
   * (template_limit).
   */
  putTemplate(ex: ExporterState, t: Template): boolean {
    const old = ex.templates.get(t.key);
    if (old) ex.templates.delete(t.key);
    else {
      if (ex.templates.size < this.limits.maxTemplatesPerExporter && this.templatesTotal >= this.limits.maxTemplatesTotal && this.evictIdleTemplate(ex)) {
        // room made by an idle exporter: counts as a new template here
      } else if (ex.templates.size >= this.limits.maxTemplatesPerExporter || this.templatesTotal >= this.limits.maxTemplatesTotal) {
        const oldest = ex.templates.keys().next();
        if (oldest.done) {
          this.fail('template_limit');
          return false;
        }
        ex.templates.delete(oldest.value);
        ex.stats.templatesEvicted++;
      } else this.templatesTotal++;
    }
    ex.templates.set(t.key, t);
    ex.stats.templates = ex.templates.size;
    return true;
  }

  /**
   * At the decoder-wide template cap: the least recently seen exporter that is idle (no datagram for
   * idleExporterMs) and not `ex` gives up its oldest template. The exporter table is in order of last
   * datagram (see decoder.ts), so the first one found is the idlest.
   */
  evictIdleTemplate(ex: ExporterState): boolean {
    for (const other of this.exporters.values()) {
      if (this.now - other.lastSeen <= this.limits.idleExporterMs) return false; // the rest are more recent
      if (other === ex || other.templates.size === 0) continue;
      const oldest = other.templates.keys().next();
      if (oldest.done) continue;
      other.templates.delete(oldest.value);
      other.stats.templates = other.templates.size;
      other.stats.templatesEvicted++;
      return true;
    }
    return false;
  }

  /** Removes an exporter from the table (its templates free, its totals kept under '_evicted'). */
  evictExporter(victim: ExporterState): void {
    this.exporters.delete(victim.id);
    this.templatesTotal -= victim.templates.size;
    const a = this.evicted.stats;
    const b = victim.stats;
    a.datagrams += b.datagrams; a.flows += b.flows; a.packets += b.packets; a.bytes += b.bytes;
    a.malformed += b.malformed; a.unknownTemplate += b.unknownTemplate; a.lost += b.lost;
    a.sequenceResets += b.sequenceResets; a.templatesEvicted += b.templatesEvicted + b.templates; a.optionsRecords += b.optionsRecords;
    a.flowsOutOfWindow += b.flowsOutOfWindow;
    for (const r of Object.keys(b.malformedByReason) as MalformedReason[]) a.malformedByReason[r] += b.malformedByReason[r];
    this.exportersEvicted++;
  }

  /** A refresh with identical bytes: nothing to compile, the template becomes the most recent. */
  touchTemplate(ex: ExporterState, t: Template): void {
    ex.templates.delete(t.key);
    ex.templates.set(t.key, t);
  }

  dropTemplate(ex: ExporterState, key: number): void {
    if (ex.templates.delete(key)) this.templatesTotal--;
    ex.stats.templates = ex.templates.size;
  }

  /**
   * Checks a message's sequence number against the expected one and counts the gap as lost.
   * `seq` is what this message carries, `advance` how much it moves the counter (v5: its flows, v9:
   * 1, IPFIX: its data records), `countable` false when `advance` is not exactly known. `flowsHere`
   * (IPFIX): this message's flow records, to recognise exporters that count them in its own number.
   */
  sequence(ex: ExporterState, key: number, seq: number, advance: number, countable: boolean, flowsHere = -1): void {
    let s = ex.seq.get(key);
    if (!s) {
      if (ex.seq.size >= this.limits.maxDomainsPerExporter) return;
      // an exporter's first message numbered with its own flow records: inclusive numbering
      s = { prev: seq, next: 0, known: false, inclusive: flowsHere > 0 && seq === flowsHere, suspectGap: -1, delivered: 0, lost: 0 };
      ex.seq.set(key, s);
    } else if (s.known) {
      let gap = (seq - s.next) >>> 0;
      if (flowsHere >= 0 && gap !== 0) {
        const incl = (seq - s.prev - flowsHere) >>> 0;
        if (s.inclusive) gap = incl;
        else if (incl === 0) {
          if (s.suspectGap >= 0) {
            // the second gap the inclusive numbering explains: it is that, and the first was no loss
            s.inclusive = true;
            ex.stats.lost -= s.suspectGap;
            s.lost -= s.suspectGap;
            gap = 0;
          } else s.suspectGap = gap <= this.limits.maxSequenceGap ? gap : 0;
        } else s.suspectGap = -1;
      }
      if (gap !== 0) {
        // believed loss: a gap within the bound, and no more in all than maxLostPerDelivered times what
        // arrived (a sender numbering its messages at will would otherwise count millions "lost")
        if (gap <= this.limits.maxSequenceGap && s.lost + gap <= this.limits.maxLostPerDelivered * (s.delivered + advance)) {
          ex.stats.lost += gap;
          s.lost += gap;
        } else ex.stats.sequenceResets++;
      }
    }
    s.delivered += advance;
    s.prev = seq;
    s.next = (seq + advance) >>> 0;
    s.known = countable;
  }

  setSampling(ex: ExporterState, domain: number, samplerId: number, interval: number): void {
    const key = domain * 4294967296 + (samplerId < 0 ? 4294967295 : samplerId >>> 0);
    if (ex.sampling.has(key) || ex.sampling.size < this.limits.maxDomainsPerExporter) ex.sampling.set(key, interval);
    ex.stats.samplingInterval = interval;
  }
}
