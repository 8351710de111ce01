/**
 * createDetectors: every detector on every flow, findings upserted by key into one bounded store.
 * Event time drives everything: the detectors flush (score changed pairs, close windows, emit) each
 * time the flows' time passes another `flushEveryMs`, and on `flush(now)` at the end of a file.
 */
import type { FlowRecord } from '../flow/index.js';
import type { Registry } from '../shared/metrics.js';
import { BeaconDetector } from './beacon.js';
import type { AsnLookup, BeaconConfig } from './beacon.js';
import { DdosDetector } from './ddos.js';
import type { DdosConfig } from './ddos.js';
import { FanInDetector } from './fanin.js';
import type { FanInConfig } from './fanin.js';
import { FindingStore } from './finding.js';
import type { DetectorStats, Finding, FindingType } from './finding.js';
import type { Direction } from './hash.js';
import { IndicatorDetector } from './indicator.js';
import type { Indicator, IndicatorConfig } from './indicator.js';
import { LongConnDetector } from './longconn.js';
import type { LongConnConfig } from './longconn.js';
import { ScanDetector } from './scan.js';
import { PREFETCH_BATCH } from './table.js';
import type { ScanConfig } from './scan.js';
import { TierPolicy } from './tier.js';
import { ExfilDetector } from './exfil.js';
import type { ExfilConfig } from './exfil.js';
import { SlowScanDetector } from './slowscan.js';
import type { SlowScanConfig } from './slowscan.js';
import type { TierConfig } from './tier.js';
import { Counter, Gauge } from 'prom-client';

export interface DetectorsConfig {
  beacon?: Partial<BeaconConfig>;
  fanIn?: Partial<FanInConfig>;
  scan?: Partial<ScanConfig>;
  ddos?: Partial<DdosConfig>;
  indicator?: Partial<IndicatorConfig>;
  longConnection?: Partial<LongConnConfig>;
  /** event-time period between automatic flushes (default 60 s) */
  flushEveryMs?: number;
  /** findings held at most (default 20 000; each holds its evidence, a few hundred bytes to 2 kB) */
  findingCapacity?: number;
  /** turn a detector off */
  disable?: FindingType[];
  /** exfiltration to new destinations (exfil.ts) and slow / distributed / repeated-failure scans (slowscan.ts), issue #21 */
  exfiltration?: Partial<ExfilConfig>;
  /** false: the slow / distributed / repeated-failure views off (the scan rule's 5-minute views stay) */
  slowScan?: Partial<SlowScanConfig> | false;
  /** when a single-host finding is confirmed (tier.ts, issue #21) */
  tier?: Partial<TierConfig>;
}

export interface DetectorsDeps {
  /** told of each new or updated finding, after it is stored */
  onFinding?: (f: Finding) => void;
  metrics?: Registry;
  /** AS number lookup (selection's scope has one): needed only for beacon.allowAsns */
  asn?: AsnLookup;
}

/**
 * Bits of a per-flow detector mask, in selection's DETECTORS order (selection's DETECTOR_BIT; a test
 * checks they agree): the gate says which detector rules an approval names, and a detector outside
 * the mask keeps no state from that flow. Beacon state serves beacon, strobe and fan-in alike.
 */
export const DETECTOR_MASK: Readonly<Record<FindingType, number>> = {
  beacon: 1, 'fan-in': 2, scan: 4, ddos: 8, indicator: 16, 'long-connection': 32, strobe: 64, exfiltration: 128,
};
const BEACON_STATE = DETECTOR_MASK.beacon | DETECTOR_MASK['fan-in'] | DETECTOR_MASK.strobe;

export interface Detectors {
  /** one flow; `mask` (DETECTOR_MASK bits, default all) limits which detectors may keep state from it */
  observe(rec: FlowRecord, direction: Direction, mask?: number): void;
  /**
   * flows recs[0..n) with their directions (and masks), exactly as `observe` on each in order, but
   * faster: each chunk of PREFETCH_BATCH flows is first prefetched (read-only), so the tables' cache
   * misses overlap instead of coming one after another (table.ts)
   */
  observeBatch(recs: readonly FlowRecord[], directions: ArrayLike<number>, n: number, masks?: ArrayLike<number>): void;
  /**
   * Read-only: loads the table lines that observing recs[from..to) (at most PREFETCH_BATCH flows)
   * will look up, so the cache misses overlap; for a caller that observes the detectors one by one
   * itself (the bus worker). Changes no state and no result.
   */
  prefetch(recs: readonly FlowRecord[], directions: ArrayLike<number>, from: number, to: number): void;
  /**
   * Scores and emits everything pending as of event time `now` (ms; default the latest flow's).
   * An explicit flush is complete (every changed pair re-scored: end of a file, a report); the
   * automatic one every `flushEveryMs` re-scores a pair only at checkpoints of its connection count.
   */
  flush(now?: number, complete?: boolean): void;
  readonly findings: FindingStore;
  /** the tier rule (tier.ts) */
  readonly tiers: TierPolicy;
  /**
   * Replaces the indicator list (a refresh from the intel store): hits already made stay and keep
   * their indicator; flows from now on match the new list. Entries neither an address/prefix nor a
   * port are skipped and returned (the constructor throws on them instead).
   */
  setIndicators(list: readonly Indicator[]): { loaded: number; rejected: { id: string; reason: string }[] };
  stats(): Record<string, DetectorStats>;
  readonly beacon: BeaconDetector;
  readonly fanIn: FanInDetector;
  readonly scan: ScanDetector;
  readonly ddos: DdosDetector;
  readonly indicator: IndicatorDetector;
  readonly longConnection: LongConnDetector;
  readonly exfiltration: ExfilDetector;
  readonly slowScan: SlowScanDetector;
}

export function createDetectors({ config = {}, deps = {} }: { config?: DetectorsConfig; deps?: DetectorsDeps } = {}): Detectors {
  const findings = new FindingStore({ capacity: config.findingCapacity ?? 20_000 });
  let found: Counter<'type'> | undefined;
  if (deps.metrics) {
    found = new Counter({ name: 'acd_detect_findings_total', help: 'findings emitted by the detectors (new and updated), by type', labelNames: ['type'], registers: [deps.metrics] });
  }
  const tiers = new TierPolicy(config.tier ?? {}, findings);
  const sink = (f: Finding): void => {
    tiers.assign(f);
    const stored = findings.upsert(f);
    found?.inc({ type: f.type });
    deps.onFinding?.(stored);
    // corroboration: findings on the same external address this one promotes are told again
    for (const g of tiers.after(stored)) deps.onFinding?.(g);
  };
  const off = new Set(config.disable ?? []);
  const fanIn = new FanInDetector(config.fanIn ?? {}, sink);
  const beacon = new BeaconDetector(config.beacon ?? {}, sink, off.has('fan-in') ? undefined : (p) => fanIn.onScored(p), deps.asn, fanIn.config.memberScore);
  const scan = new ScanDetector(config.scan ?? {}, sink);
  const ddos = new DdosDetector(config.ddos ?? {}, sink);
  const indicator = new IndicatorDetector(config.indicator ?? {}, sink);
  const longConnection = new LongConnDetector(config.longConnection ?? {}, sink);
  const exfiltration = new ExfilDetector(config.exfiltration ?? {}, sink);
  const slowScan = new SlowScanDetector(config.slowScan || {}, sink);
  const useSlow = config.slowScan !== false && !off.has('scan');
  const useExfil = !off.has('exfiltration');
  const useBeacon = !off.has('beacon');
  const useScan = !off.has('scan');
  const useDdos = !off.has('ddos');
  let useInd = !off.has('indicator') && (config.indicator?.indicators?.length ?? 0) > 0;
  const useLong = !off.has('long-connection');
  const every = config.flushEveryMs ?? 60_000;
  let nextFlush = -1;
  let latest = 0;
  let flows = 0;

  const stats = (): Record<string, DetectorStats> => ({
    beacon: beacon.stats(), fanIn: fanIn.stats(), scan: scan.stats(), ddos: ddos.stats(), indicator: indicator.stats(), longConnection: longConnection.stats(),
    exfiltration: exfiltration.stats(), slowScan: slowScan.stats(),
  });

  if (deps.metrics) {
    new Counter({ name: 'acd_detect_flows_total', help: 'flows the detectors looked at', registers: [deps.metrics], collect() { this.reset(); this.inc(flows); } });
    new Gauge({
      name: 'acd_detect_tracked_keys', help: 'keys (pairs, servers, sources, destinations) each detector holds', labelNames: ['detector'], registers: [deps.metrics],
      collect() { for (const [d, s] of Object.entries(stats())) this.set({ detector: d }, s.tracked); },
    });
    new Gauge({
      name: 'acd_detect_evictions', help: 'keys each detector dropped to stay within its capacity', labelNames: ['detector'], registers: [deps.metrics],
      collect() { for (const [d, s] of Object.entries(stats())) this.set({ detector: d }, s.evictions); },
    });
  }

  const flush = (now: number = latest, complete = true): void => {
    if (useBeacon) beacon.flush(now, complete);
    fanIn.flush(now);
    if (useScan) scan.flush(now);
    if (useDdos) ddos.flush(now);
    if (useInd) indicator.flush(now);
    if (useLong) longConnection.flush(now);
    if (useExfil) exfiltration.flush(now);
    if (useSlow) slowScan.flush(now);
  };

  // the prefetches' sums, kept only so their loads cannot be optimised away
  let _prefetched = 0;
  const observe = (rec: FlowRecord, direction: Direction, mask = 255): void => {
    flows++;
    const t = rec.end > rec.start ? rec.end : rec.start;
    if (t > latest) latest = t;
    if (nextFlush < 0) nextFlush = t + every;
    if (rec.start < tiers.start) tiers.start = rec.start;
    if (useBeacon && (mask & BEACON_STATE) !== 0) beacon.observe(rec, direction);
    if (useScan && (mask & 4) !== 0) scan.observe(rec, direction);
    if (useDdos && (mask & 8) !== 0) ddos.observe(rec, direction);
    if (useInd && (mask & 16) !== 0) indicator.observe(rec, direction);
    if (useLong && (mask & 32) !== 0) longConnection.observe(rec, direction);
    if (useExfil && (mask & 128) !== 0) exfiltration.observe(rec, direction);
    if (useSlow && (mask & 4) !== 0) slowScan.observe(rec, direction);
    if (latest >= nextFlush) {
      flush(latest, false);
      nextFlush = latest + every;
    }
  };

  const prefetch = (recs: readonly FlowRecord[], directions: ArrayLike<number>, from: number, to: number): void => {
    if (useBeacon) _prefetched ^= beacon.prefetch(recs, directions, from, to);
    if (useScan) _prefetched ^= scan.prefetch(recs, from, to);
  };

  return {
    observe,
    observeBatch(recs, directions, n, masks) {
      for (let at = 0; at < n; at += PREFETCH_BATCH) {
        const end = Math.min(n, at + PREFETCH_BATCH);
        prefetch(recs, directions, at, end);
        for (let i = at; i < end; i++) observe(recs[i]!, directions[i] as Direction, masks ? masks[i] : 255);
      }
    },
    prefetch,
    flush,
    findings,
    tiers,
    setIndicators(list) {
      const r = indicator.setIndicators(list);
      useInd = !off.has('indicator') && r.loaded > 0;
      return r;
    },
    stats,
    beacon, fanIn, scan, ddos, indicator, longConnection, exfiltration, slowScan,
  };
}
