/**
 * Beacon (C2) and strobe detection per (domestic host, external server, port, protocol), streaming
 * in event time with a fixed-size state per pair (≈ 200 bytes, see `bytesPerKey`).
 *
 * Scoring starts from RITA's (activecm/rita v5; the exact original is in rita.ts) and changes what
 * is weak on a live, bounded stream:
 *  - ts: RITA's Bowley skew + 2 × MAD/median of the intervals, over a reservoir of 10 sampled intervals
 *    instead of every timestamp. MAD is relative to the median, so jitter proportional to the
 *    period (Cobalt Strike's "jitter 20 %") costs a little, not everything.
 *  - ds: RITA's Bowley + MAD of the sizes, over a reservoir of 8 sampled sizes, counted in the score
 *    times the timing's regularity, max(ts, mode): constant sizes say a program sends, not that it
 *    sends on a timer (subscores.ds is the sizes' regularity itself).
 *  - mode: share of intervals in the two busiest adjacent octave bins of the interval histogram
 *    (over every interval, not a sample), shrunk towards 0.5 by 4 pseudo-intervals. A regular or
 *    jittered beacon puts ~all intervals there, Poisson traffic about half; the long gaps of
 *    sleep-then-burst malware are a few intervals outside the mode and cost little. It carries
 *    the largest weight: Bowley skew is 0 for any symmetric spread, and RITA's histogram CV
 *    measures a constant rate, which busy Poisson traffic has too.
 *  - hist: RITA's max(1 − CV, bimodal fit) of connections per time bin, but over the pair's own
 *    span (16 bins that double in width as the span grows, each at least one median interval
 *    wide), not 24 bins of the whole dataset: short captures and late-starting pairs are scored.
 *  - dur: max(coverage of the observation window, periods seen / 12). RITA's duration is 0 until
 *    6 hourly bins hold connections; counting periods instead scores a 5-minute beacon in a
 *    1-hour capture as persistent as an hourly beacon over 12 hours.
 *  - conf: min(1, sampled intervals / 10): few connections can look regular by chance, so the score
 *    is multiplied by 0.75 + 0.25·conf.
 *  - prevalence: the score is multiplied by max(0, 1 − (share − p0) / (1 − p0)) once share > p0
 *    (default 0.2), share = domestic hosts talking to the server / all domestic hosts seen, applied
 *    once at least `prevalenceMinPopulation` domestic hosts have been seen.
 *  - run: the longest run of consecutive intervals each within ±5 % of the one before (run.ts),
 *    scored by its chance bound under Poisson timing (0.8 at 10⁻⁴ per pair): a short un-jittered
 *    loop, such as a RAT reconnecting every 21 s once its server stops answering, is too few
 *    connections for the other subscores. The pair's score is max(weighted score × conf, run),
 *    then discounted for prevalence.
 *  - allowlist: configured prefixes, AS numbers (with an ASN lookup given) and port/protocol pairs
 *    (default: NTP, 123/udp) are not scored.
 * Strobes (≥ `strobeRate` connections/s sustained over `strobeMinSpanMs`) are reported as 'strobe',
 * not 'beacon': RITA's own treatment, and a strobe's regularity says nothing.
 *
 * Only outbound flows are tracked (a domestic host calling out); flows from a well-known source port
 * to a high port are taken as replies of a domestic service and skipped. A TCP record from the same
 * domestic port as the pair's last one that starts within 5 s of its end (kept in whole seconds,
 * rounded up: 5-6 s) is the same connection (a
 * NetFlow active-timeout cut, a retried connect), not a new one: its bytes are added, it makes no
 * interval.
 */
import type { FlowRecord } from '../flow/index.js';
import { AcdError } from '../shared/errors.js';
import { AddressSet } from './addrset.js';
import type { DetectorStats, Finding, FindingSink } from './finding.js';
import { findingKey } from './finding.js';
import { dstWords, hashWords, OUTBOUND, Rng, srcWords, wordsToString } from './hash.js';
import type { Direction } from './hash.js';
import { Prevalence } from './prevalence.js';
import { bimodalFit, bowley, cvScore, madScore, medianSorted } from './stats.js';
import { RUN_MIN_SECONDS, RUN_STEP_CHANCES, RUN_TOL_CODE, RUN_TOLERANCE, resolutionClass, runCode, runEvidence, runScore } from './run.js';
import { PREFETCH_BATCH, SET_TABLE_FIRST_RECORDS, SetTable, SlotList } from './table.js';
import { VENDOR_FLAG } from './tier.js';

/** rounds to 1/1000 (module level: a closure made per call costs, esp. under esbuild's keepNames) */
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

export interface BeaconConfig {
  /** pairs tracked at most (default 1 000 000) */
  capacity: number;
  /** external addresses tracked for prevalence (default capacity / 4) */
  prevalenceCapacity: number;
  /** connections needed before a pair is scored (RITA: 4) */
  minConnections: number;
  /** score at which a beacon finding is emitted (default 0.8: above the 99th percentile of synthetic Poisson traffic at every connection count 4-200, see test/detect/beacon.test.ts) */
  threshold: number;
  /** subscore weights (sum 1) */
  weights: { ts: number; ds: number; mode: number; hist: number; dur: number };
  /** periods seen for a full duration subscore (default 12) */
  durIdealPeriods: number;
  /** connections per second that make a strobe (default 1) */
  strobeRate: number;
  /** how long the rate must hold (default 5 min) */
  strobeMinSpanMs: number;
  /**
   * a pair unseen this long is dropped at flush (default 100 h: twice the longest beacon period
   * supported, MAX_BEACON_PERIOD_MS = 48 h, plus 4 h, so a 48 h beacon that misses one beat is kept)
   */
  idleTimeoutMs: number;
  /** external prefixes never tracked (known benign periodic services) */
  allowPrefixes: string[];
  /**
   * external AS numbers whose pairs are never scored (a vendor's update and telemetry network),
   * looked up through the `asn` given to the detector; empty by default: a cloud provider's AS also
   * hosts C2, so which networks to trust is the operator's call
   */
  allowAsns: number[];
  /**
   * AS numbers of update and telemetry vendors (default: VENDOR_UPDATE_ASNS, used when the detectors
   * are given an ASN lookup): their pairs are tracked and scored, but a single pair's regularity
   * there makes no beacon finding (an OS or security client calling home on a timer is the normal
   * case); they still count toward fan-in (many hosts beaconing to one vendor-network server that is
   * not prevalent) and strobes. Empty: vendor networks are scored as any other.
   */
  vendorAsns: number[];
  /** port/protocol never tracked (default [{port: 123, proto: 17}], NTP) */
  allowPorts: { port: number; proto: number }[];
  /** share of domestic hosts above which the score is discounted (default 0.2) */
  prevalenceShare: number;
  /** domestic hosts needed before prevalence is applied (default 50) */
  prevalenceMinPopulation: number;
  /** width of the first time-histogram bin (default 60 s) */
  histBaseMs: number;
}

/**
 * The default `vendorAsns`: the AS numbers the vendors themselves originate their update and
 * telemetry services from (as registered with the RIRs; names from their whois/PeeringDB records):
 * OS vendors (Microsoft, Apple, Google) and endpoint clients that call home on timers (ESET's
 * update and MQTT push servers, Dropbox's sync notifications). Chosen by the criterion "the vendor's
 * own network, originating its update/telemetry endpoints", not by a capture; CDNs (Akamai,
 * Cloudflare, Fastly) are left out on purpose: they front anyone's content, C2 included. Microsoft's
 * and Google's ASes also host their cloud customers (Azure is AS8075), which is why these networks
 * are demoted (no single-pair beacon finding; fan-in and strobes still apply), not skipped: skipping
 * is `allowAsns`, the operator's own choice.
 */
export const VENDOR_UPDATE_ASNS: Readonly<Record<number, string>> = {
  8075: 'Microsoft',
  714: 'Apple',
  6185: 'Apple',
  15169: 'Google',
  50881: 'ESET',
  19679: 'Dropbox',
};

/**
 * The longest beacon period the detector is built to find (issue #21: periods up to 48 h over 10
 * days). What depends on it: the idle timeout (2 × this + 4 h), and nothing else needs to change:
 * the interval histogram's last octave bin (≥ 2^13 s, 2.3 h) holds every such interval, the time
 * histogram's bins double up to 2^40 × 60 s, the interval log codes (u16, 1/1024 octave of ms) reach
 * 2^64 ms, and the record is the same 192 bytes.
 */
export const MAX_BEACON_PERIOD_MS = 48 * 3600_000;

export const DEFAULT_BEACON_CONFIG: BeaconConfig = {
  capacity: 1_000_000,
  prevalenceCapacity: 250_000,
  minConnections: 4,
  threshold: 0.8,
  weights: { ts: 0.25, ds: 0.15, mode: 0.35, hist: 0.1, dur: 0.15 },
  durIdealPeriods: 12,
  strobeRate: 1,
  strobeMinSpanMs: 5 * 60_000,
  idleTimeoutMs: 2 * MAX_BEACON_PERIOD_MS + 4 * 3600_000,
  allowPrefixes: [],
  allowAsns: [],
  vendorAsns: Object.keys(VENDOR_UPDATE_ASNS).map(Number),
  allowPorts: [{ port: 123, proto: 17 }],
  prevalenceShare: 0.2,
  prevalenceMinPopulation: 50,
  histBaseMs: 60_000,
};

/** What the beacon detector tells the fan-in detector about each scored pair. */
export interface BeaconScored {
  external: string;
  port: number;
  proto: number;
  domestic: string;
  score: number;
  tsScore: number;
  connections: number;
  medianInterval: number;
  firstSeen: number;
  lastSeen: number;
  /** share of domestic hosts that talk to this server */
  prevalence: number;
  /** the discount the beacon score took for it (1: none; applied only once enough hosts are seen) */
  prevalenceFactor: number;
  /** the external is in a vendor/cloud AS (vendorAsns) */
  vendor?: boolean;
  /** distinct domestic hosts seen in all, when the prevalence rule applies (≥ prevalenceMinPopulation) */
  population?: number;
}

const IV_RES = 10;
const SZ_RES = 8;
const IV_BINS = 15;
const T_BINS = 16;
/*
 * Per-pair record, STRIDE = 192 bytes = 3 cache lines, the pair's key inside it (a lookup reads the
 * set's tag line, then this record, which the flow updates anyway): 0 key 9×u32 · 36 count u32 ·
 * 40 last f64 · 48 first f64 · 56 bytes f32 · 60 flags u8 · 61 time-bin exponent u8 · 64 ivMin log
 * code u16 · 66 last record's end, s after last, u16 · 68 last connection's domestic TCP port + 1
 * u16 · 70 ivMax log code u16 · 72 interval histogram 15×u16 · 102 time histogram 16×u8 · 120 interval reservoir
 * 10×f32 · 160 size reservoir 8×f32 · 62 last interval's run code u16 · 118 current run u8 · 119
 * longest run u8 (run.ts). A flow of a pair past its reservoirs' fill touches the first
 * two lines only.
 */
const STRIDE = 192;
const F64S = STRIDE / 8;
const F32S = STRIDE / 4;
const U16S = STRIDE / 2;
const U8S = STRIDE;
const U32S = STRIDE / 4;
const KEY = 0;
const CNT = 9;
const LAST = 5;
const FIRST = 6;
const BYTES = 14;
const FLG = 60;
const TEXP = 61;
/**
 * u16 indexes: the shortest and longest intervals as log codes (ivCode; 0 none), the end of the
 * pair's last record in whole seconds after LAST, and the last connection's domestic TCP port + 1
 * (0: none)
 */
const IVMINC = 32;
const ENDOFF = 33;
const LPORT = 34;
const IVMAXC = 35;
/** a record from the same domestic TCP port starting within this of the last record's end continues its connection */
const CONTINUE_GAP_MS = 5000;
const IVH = 36;
const TH = 102;
const IVR = 30;
const SZR = 40;
/** the regular run (run.ts): last interval's code (u16 index), current and longest run in steps (u8) */
const RUNC = 31;
const RUN = 118;
const RUNB = 119;
/** changed at a checkpoint: scored at the next flush */
const POW2 = Float64Array.from({ length: 64 }, (_, i) => 2 ** i);
const F_DIRTY = 1;
/** changed since last scored: scored by a full flush (end of a file, or the caller's request) */
const F_CHANGED = 16;
/** event time ahead of the idle cut a full expiry sweep lists pairs for (see expire) */
const IDLE_LOOKAHEAD_MS = 3600_000;
const F_BEACON = 2;
const F_STROBE = 4;
/** allowlisted (prefix or AS): counted, never scored */
const F_ALLOWED = 8;
/** in a vendor AS (vendorAsns): scored, told to fan-in, no beacon finding of its own */
const F_VENDOR = 32;
/** bits 6-7: the pair's timestamp resolution class (run.ts's resolutionClass; the finest seen) */
const RES_SHIFT = 6;

/** AS number of an address (0 when unknown): the shape of selection's lookup, given, not imported */
export interface AsnLookup {
  asn4(a: number): number;
  asn6(b: Uint8Array): number;
}
const KEY_WORDS = 9;

/** sorts a[0..n) ascending in place (n ≤ 10: insertion sort, no subarray view allocated) and returns a */
function sortPrefix(a: Float64Array, n: number): Float64Array {
  for (let i = 1; i < n; i++) {
    const v = a[i] ?? 0;
    let j = i - 1;
    while (j >= 0 && (a[j] ?? 0) > v) { a[j + 1] = a[j] ?? 0; j--; }
    a[j + 1] = v;
  }
  return a;
}

/** an interval (s) as a u16 log code, 1/1024 octave of milliseconds (0.07 %); 0 is none */
function ivCode(sec: number): number {
  if (!(sec > 0)) return 0;
  const c = 1 + Math.round(Math.log2(1 + sec * 1000) * 1024);
  return c > 65535 ? 65535 : c;
}
function ivFromCode(c: number): number {
  return c > 0 ? (2 ** ((c - 1) / 1024) - 1) / 1000 : 0;
}
/** a record's end in whole seconds (rounded up) after `from` (ms), as a u16 (0 when it ends before) */
function endOffset(end: number, from: number): number {
  const x = Math.ceil((end - from) / 1000);
  return x > 0 ? (x < 65535 ? x : 65535) : 0;
}

/** the octave bin of an interval in seconds: 0 is < 1 s, i is [2^(i-1), 2^i) s, 14 is ≥ 2^13 s (2.3 h) */
export function intervalBin(sec: number): number {
  if (sec < 1) return 0;
  const b = 32 - Math.clz32(sec >= 4294967295 ? 4294967295 : Math.floor(sec));
  return b > IV_BINS - 1 ? IV_BINS - 1 : b;
}

export function intervalBinLabel(b: number): string {
  if (b === 0) return '<1s';
  if (b === IV_BINS - 1) return `>=${2 ** (b - 1)}s`;
  return `${2 ** (b - 1)}-${2 ** b}s`;
}

export class BeaconDetector {
  readonly config: BeaconConfig;
  readonly table: SetTable;
  readonly prevalence: Prevalence;
  /** one record of STRIDE bytes per pair (see the layout above), read through four views */
  private f64: Float64Array;
  private f32: Float32Array;
  private u32: Uint32Array;
  private u16: Uint16Array;
  private u8: Uint8Array;
  private readonly w = new Uint32Array(8);
  /** prefetch's scratch: a key, and the batch's pair and server hashes */
  private readonly pfKey = new Uint32Array(KEY_WORDS);
  private readonly pfPair = new Uint32Array(PREFETCH_BATCH);
  private readonly pfServer = new Uint32Array(PREFETCH_BATCH);
  private readonly rng = new Rng(0xbeac0);
  private readonly allow: AddressSet;
  private readonly allowPort = new Set<number>();
  private readonly allowAsn: Set<number>;
  private readonly vendorAsn: Set<number>;
  /** scored pairs in a vendor AS that would have been beacon findings */
  vendorDemoted = 0;
  private readonly asn: AsnLookup | null;
  private readonly sink: FindingSink;
  private readonly onScored: ((s: BeaconScored) => void) | undefined;
  private readonly sortIv = new Float64Array(IV_RES);
  private readonly sortSz = new Float64Array(SZ_RES);
  private readonly scratch = new Float64Array(Math.max(IV_RES, SZ_RES));
  private readonly merged = new Float64Array(T_BINS);
  /** bowley's and madScore's results, reused (score allocates nothing on the per-checkpoint path) */
  private readonly tsB = { skew: 0, score: 0 };
  private readonly tsM = { median: 0, mad: 0, score: 0 };
  private readonly dsB = { skew: 0, score: 0 };
  private readonly dsM = { median: 0, mad: 0, score: 0 };
  /** the weights are all non-negative: a partial score bounds the full one (see score) */
  private readonly boundable: boolean;
  /** the lowest (rounded) score evaluate acts on: below it a non-strobe pair is neither reported nor told to fan-in */
  private readonly pruneBelow: number;
  /** score()'s result without evidence, reused: scoring at checkpoints allocates nothing */
  private readonly quick = { score: 0, strobe: false, rate: 0, prevalence: 0, medianInterval: 0, subscores: { ts: 0, ds: 0, mode: 0, hist: 0, dur: 0, confidence: 0, run: 0, prevalence: 0 } as Record<string, number>, evidence: {} as Record<string, unknown> };
  private windowStart = Infinity;
  /** event time the eviction utilities count from (the first flow's, less a day) */
  private utilityBase = NaN;
  /** distinct domestic hosts, counted once per flush (4096 registers are not read per pair) */
  private population = 0;
  flows = 0;
  skipped = 0;
  /** records of a connection already counted (same domestic TCP port as the pair's last record) */
  continued = 0;
  expired = 0;
  emitted = 0;
  /** slots the flushes looked at (listed ones, and the whole table at an expiry sweep): what flushing costs */
  flushVisited = 0;

  /** pairs scoring below this are not reported to onScored (the fan-in detector's member score) */
  private readonly onScoredMin: number;
  /** slots whose F_DIRTY went from clear to set since the last flush (the automatic flush's work) */
  private readonly dirtyList: SlotList;
  /** slots whose F_CHANGED went from clear to set since the last complete flush */
  private readonly changedList: SlotList;
  /**
   * slots that may go idle before `idleHorizon`: every used slot whose last connection is older than
   * idleHorizon is listed (see expire)
   */
  private readonly idleList: SlotList;
  private idleHorizon = NaN;

  constructor(config: Partial<BeaconConfig>, sink: FindingSink, onScored?: (s: BeaconScored) => void, asn?: AsnLookup, onScoredMin = 0) {
    const c: BeaconConfig = { ...DEFAULT_BEACON_CONFIG, ...config };
    if (config.capacity !== undefined && config.prevalenceCapacity === undefined) c.prevalenceCapacity = Math.max(1024, Math.ceil(c.capacity / 4));
    this.config = c;
    const n = c.capacity;
    // the records grow with the pairs held, up to the capacity (SetTable hands them out densely)
    const buf = new ArrayBuffer(Math.min(SetTable.slotsFor(n), SET_TABLE_FIRST_RECORDS) * STRIDE);
    this.f64 = new Float64Array(buf);
    this.f32 = new Float32Array(buf);
    this.u32 = new Uint32Array(buf);
    this.u16 = new Uint16Array(buf);
    this.u8 = new Uint8Array(buf);
    this.table = new SetTable({
      capacity: n,
      words: KEY_WORDS,
      store: this.u32,
      stride: U32S,
      keyAt: KEY,
      grow: (records) => {
        const b = new ArrayBuffer(records * STRIDE);
        new Uint8Array(b).set(this.u8);
        this.f64 = new Float64Array(b);
        this.f32 = new Float32Array(b);
        this.u32 = new Uint32Array(b);
        this.u16 = new Uint16Array(b);
        this.u8 = new Uint8Array(b);
        return this.u32;
      },
    });
    this.dirtyList = new SlotList(this.table.capacity, this.table);
    this.changedList = new SlotList(this.table.capacity, this.table);
    this.idleList = new SlotList(this.table.capacity);
    this.prevalence = new Prevalence(c.prevalenceCapacity);
    this.allow = new AddressSet();
    for (const p of c.allowPrefixes) this.allow.add(p, true, 'beacon allowPrefixes');
    for (const p of c.allowPorts) this.allowPort.add((p.proto << 16) | p.port);
    this.allowAsn = new Set(c.allowAsns);
    this.asn = asn ?? null;
    if (this.allowAsn.size > 0 && !this.asn) throw new AcdError('DETECT_NO_ASN', 'beacon allowAsns is set but the detectors were given no ASN lookup (deps.asn)');
    if (config.vendorAsns !== undefined && config.vendorAsns.length > 0 && !this.asn) throw new AcdError('DETECT_NO_ASN', 'beacon vendorAsns is set but the detectors were given no ASN lookup (deps.asn)');
    // the default vendor list needs a lookup: without one it is inactive (every network scored alike)
    this.vendorAsn = new Set(this.asn ? c.vendorAsns : []);
    this.sink = sink;
    this.onScored = onScored;
    this.onScoredMin = onScoredMin;
    const W = c.weights;
    this.boundable = W.ts >= 0 && W.ds >= 0 && W.mode >= 0 && W.hist >= 0 && W.dur >= 0;
    this.pruneBelow = onScored ? Math.min(c.threshold, onScoredMin) : c.threshold;
  }

  /** bytes of state per tracked pair: the table's key and chain plus the per-pair arrays */
  /** enough domestic hosts seen for shares of them to mean something (the prevalence rule's minimum) */
  private populationKnown(): boolean {
    return (this.population || this.prevalence.population()) >= this.config.prevalenceMinPopulation;
  }

  bytesPerKey(): number {
    return this.table.bytesPerSlot() + STRIDE;
  }

  /** raises the end kept for slot s's last record (ENDOFF, whole seconds after `last`) to `end` */
  private extendEnd(s: number, end: number, last: number): void {
    const eo = endOffset(end, last);
    if (eo > (this.u16[s * U16S + ENDOFF] ?? 0)) this.u16[s * U16S + ENDOFF] = eo;
  }

  /**
   * Keeps slot s's eviction utility current (least useful first: pairs below the scoring minimum,
   * then the longest unseen; reported pairs last): the last connection's time in 1/16 s since the
   * first flow seen (less a day), + 6 h once scorable, + 24 h once reported (32 bits: 8 years).
   */
  private touch(s: number): void {
    const fl = this.u8[s * U8S + FLG] ?? 0;
    const u = Math.floor(((this.f64[s * F64S + LAST] ?? 0) - this.utilityBase) / 62.5) + ((this.u32[s * U32S + CNT] ?? 0) >= this.config.minConnections ? 6 * 3600 * 16 : 0) + (fl & (F_BEACON | F_STROBE) ? 24 * 3600 * 16 : 0);
    this.table.setUtility(s, u > 0 ? (u >= 4294967295 ? 4294967295 : u) : 0);
  }

  /**
   * Read-only prefetch of flows recs[from..to) (up to PREFETCH_BATCH) about to be observed (createDetectors'
   * observeBatch): their pairs' and their servers' (prevalence) set lines, loaded
   * back to back so the misses overlap (table.ts). Changes nothing: observe gives the same results
   * with or without it.
   */
  prefetch(recs: readonly FlowRecord[], dirs: ArrayLike<number>, from: number, to: number): number {
    const w = this.w;
    const k = this.pfKey;
    const ph = this.pfPair;
    const vh = this.pfServer;
    let m = 0;
    for (let i = from; i < to && m < PREFETCH_BATCH; i++) {
      if (dirs[i] !== OUTBOUND) continue;
      const rec = recs[i]!;
      const proto = rec.proto;
      if ((proto === 6 || proto === 17) && rec.srcPort < 1024 && rec.dstPort >= 1024) continue;
      srcWords(rec, w, 0);
      dstWords(rec, w, 4);
      // the same keys and hashes as observe's and prevalence's lookups
      k[0] = ((rec.family << 24) | (proto << 16) | rec.dstPort) >>> 0;
      for (let j = 0; j < 8; j++) k[j + 1] = w[j] ?? 0;
      ph[m] = hashWords(k, 0, KEY_WORDS);
      k[0] = rec.family; k[1] = w[4] ?? 0; k[2] = w[5] ?? 0; k[3] = w[6] ?? 0; k[4] = w[7] ?? 0;
      vh[m] = hashWords(k, 0, 5);
      m++;
    }
    const p = this.prevalence.table;
    return this.table.prefetchSets(ph, m) ^ p.prefetchSets(vh, m);
  }

  observe(rec: FlowRecord, direction: Direction): void {
    this.flows++;
    if (direction !== OUTBOUND) return;
    const proto = rec.proto;
    const extPort = rec.dstPort;
    if ((proto === 6 || proto === 17) && rec.srcPort < 1024 && extPort >= 1024) { this.skipped++; return; }
    if (this.allowPort.size > 0 && this.allowPort.has((proto << 16) | extPort)) { this.skipped++; return; }
    const w = this.w;
    srcWords(rec, w, 0);
    dstWords(rec, w, 4);
    const ts = rec.start;
    if (ts < this.windowStart) this.windowStart = ts;
    if (this.utilityBase !== this.utilityBase) { this.utilityBase = ts - 86_400_000; this.idleHorizon = ts; }

    const t = this.table;
    const k = t.key;
    k[0] = ((rec.family << 24) | (proto << 16) | extPort) >>> 0;
    k[1] = w[0] ?? 0; k[2] = w[1] ?? 0; k[3] = w[2] ?? 0; k[4] = w[3] ?? 0;
    k[5] = w[4] ?? 0; k[6] = w[5] ?? 0; k[7] = w[6] ?? 0; k[8] = w[7] ?? 0;
    const h = t.hash();
    let s = t.find(h);
    if (s >= 0 && ((this.u8[s * U8S + FLG] ?? 0) & F_ALLOWED) !== 0) { this.skipped++; this.f64[s * F64S + LAST] = ts; if (ts < this.idleHorizon) this.idleList.push(s); this.touch(s); return; }
    if (s < 0) {
      // prevalence counts distinct domestic hosts per server: a new pair is the only news for it
      this.prevalence.observe(rec.family, w, 4, hashWords(w, 0, 4, 0x1b873593), ts);
      // allowlists are looked up once per pair, not per flow: the pair is kept, flagged, never scored
      let allowed = this.allow.size > 0 && this.allow.match(rec.family, w, 4) !== undefined;
      let vendor = false;
      if (!allowed && (this.allowAsn.size > 0 || this.vendorAsn.size > 0) && this.asn) {
        const as = rec.family === 4 ? this.asn.asn4(rec.dst4) : this.asn.asn6(rec.dst6);
        allowed = this.allowAsn.has(as);
        vendor = this.vendorAsn.has(as);
      }
      s = t.insert(h);
      // a pair older than the expiry horizon (an out-of-order flow) is listed for expiry (see expire)
      if (ts < this.idleHorizon) this.idleList.push(s);
      if (allowed) { this.u8[s * U8S + FLG] = F_ALLOWED; this.f64[s * F64S + LAST] = ts; this.u32[s * U32S + CNT] = 0; this.touch(s); this.skipped++; return; }
      this.u32[s * U32S + CNT] = 1;
      this.f64[s * F64S + FIRST] = ts;
      this.f64[s * F64S + LAST] = ts;
      this.f32[s * F32S + BYTES] = rec.bytes;
      this.u16[s * U16S + IVMINC] = 0;
      this.u16[s * U16S + IVMAXC] = 0;
      this.u16[s * U16S + LPORT] = proto === 6 ? rec.srcPort + 1 : 0;
      this.u16[s * U16S + ENDOFF] = endOffset(rec.end, ts);
      // small ranges: a loop is cheaper than TypedArray.fill's call
      for (let i = s * U16S + IVH, e = i + IV_BINS; i < e; i++) this.u16[i] = 0;
      for (let i = s * U8S + TH, e = i + T_BINS; i < e; i++) this.u8[i] = 0;
      // an out-of-order flow offers no interval: its reservoir place must read 0 (skipped), not an evicted pair's
      for (let i = s * F32S + IVR, e = i + IV_RES; i < e; i++) this.f32[i] = 0;
      this.u8[(s * U8S + TH)] = 1;
      this.u8[s * U8S + TEXP] = 0;
      this.u8[s * U8S + FLG] = (vendor ? F_VENDOR : 0) | (resolutionClass(ts) << RES_SHIFT);
      this.u16[s * U16S + RUNC] = 0; this.u8[s * U8S + RUN] = 0; this.u8[s * U8S + RUNB] = 0;
      this.f32[(s * F32S + SZR)] = rec.bytes;
      this.touch(s);
      return;
    }
    // a record continuing the connection already counted (same domestic TCP port as the last one,
    // starting within CONTINUE_GAP_MS of its end): a NetFlow exporter's active-timeout cut of one
    // long connection, or a retried connect, not a new connection (the cuts' regular spacing would
    // read as a perfect beacon); only its bytes count. Records after a longer silence (an inactive
    // timeout: heartbeats on one persistent connection) still count as connections.
    const last = this.f64[s * F64S + LAST] ?? ts;
    if (proto === 6) {
      const lp = rec.srcPort + 1;
      if ((this.u16[s * U16S + LPORT] ?? 0) === lp && ts <= last + (this.u16[s * U16S + ENDOFF] ?? 0) * 1000 + CONTINUE_GAP_MS) {
        this.f32[s * F32S + BYTES] = (this.f32[s * F32S + BYTES] ?? 0) + rec.bytes;
        this.extendEnd(s, rec.end, last);
        this.continued++;
        this.touch(s);
        return;
      }
      this.u16[s * U16S + LPORT] = lp;
    } else this.u16[s * U16S + LPORT] = 0;
    const c = (this.u32[s * U32S + CNT] ?? 0) + 1;
    this.u32[s * U32S + CNT] = c;
    this.f32[s * F32S + BYTES] = (this.f32[s * F32S + BYTES] ?? 0) + rec.bytes;
    // sizes: reservoir over all connections (Algorithm R)
    if (c <= SZ_RES) this.f32[(s * F32S + SZR) + c - 1] = rec.bytes;
    else { const j = this.rng.int(c); if (j < SZ_RES) this.f32[(s * F32S + SZR) + j] = rec.bytes; }
    // an out-of-order record offers no interval and leaves LAST; it may still end after the last record
    if (ts < last) this.extendEnd(s, rec.end, last);
    else {
      const iv = (ts - last) / 1000;
      this.f64[s * F64S + LAST] = ts;
      // the end of the pair's last record, after LAST (for the continuation rule above)
      this.u16[s * U16S + ENDOFF] = endOffset(rec.end, ts);
      const n = c - 1; // intervals offered so far
      if (n <= IV_RES) this.f32[(s * F32S + IVR) + n - 1] = iv;
      else { const j = this.rng.int(n); if (j < IV_RES) this.f32[(s * F32S + IVR) + j] = iv; }
      const hb = (s * U16S + IVH) + intervalBin(iv);
      if ((this.u16[hb] ?? 0) < 65535) this.u16[hb] = (this.u16[hb] ?? 0) + 1;
      const ivc = ivCode(iv);
      if (ivc > 0 && (ivc < (this.u16[s * U16S + IVMINC] ?? 0) || this.u16[s * U16S + IVMINC] === 0)) this.u16[s * U16S + IVMINC] = ivc;
      if (ivc > (this.u16[s * U16S + IVMAXC] ?? 0)) this.u16[s * U16S + IVMAXC] = ivc;
      // regular run: this interval within ±5 % of the last (both ≥ the resolution's minimum) extends it, else ends it
      let fl = this.u8[s * U8S + FLG] ?? 0;
      const rc = resolutionClass(ts);
      if (rc > (fl >>> RES_SHIFT)) { fl = (fl & ((1 << RES_SHIFT) - 1)) | (rc << RES_SHIFT); this.u8[s * U8S + FLG] = fl; }
      const res = fl >>> RES_SHIFT;
      const code = runCode(iv, RUN_MIN_SECONDS[res]);
      const pc = this.u16[s * U16S + RUNC] ?? 0;
      this.u16[s * U16S + RUNC] = code;
      const d = code - pc;
      if (code > 0 && pc > 0 && d <= RUN_TOL_CODE && d >= -RUN_TOL_CODE) {
        const run = (this.u8[s * U8S + RUN] ?? 0) + 1;
        if (run < 256) {
          this.u8[s * U8S + RUN] = run;
          if (run > (this.u8[s * U8S + RUNB] ?? 0)) {
            this.u8[s * U8S + RUNB] = run;
            // past the every-connection checkpoints, a run reaching the threshold is scored at the next flush
            if (c > 16 && runScore(run, n, res) >= this.config.threshold) {
              const f0 = this.u8[s * U8S + FLG] ?? 0;
              if ((f0 & F_DIRTY) === 0) { this.u8[s * U8S + FLG] = f0 | F_DIRTY; this.dirtyList.push(s); }
            }
          }
        }
      } else this.u8[s * U8S + RUN] = 0;
    }
    // time histogram over the pair's span: 16 bins, doubling in width when the span outgrows them
    let e = this.u8[s * U8S + TEXP] ?? 0;
    const first = this.f64[s * F64S + FIRST] ?? ts;
    let bin = Math.floor((ts - first) / (this.config.histBaseMs * POW2[e]!));
    if (bin < 0) bin = 0;
    while (bin >= T_BINS && e < 40) {
      const base = (s * U8S + TH);
      for (let i = 0; i < T_BINS / 2; i++) this.u8[base + i] = Math.min(255, (this.u8[base + 2 * i] ?? 0) + (this.u8[base + 2 * i + 1] ?? 0));
      for (let i = base + T_BINS / 2; i < base + T_BINS; i++) this.u8[i] = 0;
      e++;
      bin = Math.floor((ts - first) / (this.config.histBaseMs * POW2[e]!));
    }
    this.u8[s * U8S + TEXP] = e;
    const tb = (s * U8S + TH) + (bin >= T_BINS ? T_BINS - 1 : bin);
    if ((this.u8[tb] ?? 0) < 255) this.u8[tb] = (this.u8[tb] ?? 0) + 1;
    // re-scored at checkpoints: every connection up to 16, every 16th up to 256, then every 256th
    if (c >= this.config.minConnections) {
      const f0 = this.u8[s * U8S + FLG] ?? 0;
      const fl = c < 16 || ((c & 15) === 0 && (c < 256 || (c & 255) === 0)) ? f0 | F_CHANGED | F_DIRTY : f0 | F_CHANGED;
      this.u8[s * U8S + FLG] = fl;
      // listed when a flag goes from clear to set: the flushes visit these lists, not the table
      if ((f0 & F_CHANGED) === 0) this.changedList.push(s);
      if ((fl & ~f0 & F_DIRTY) !== 0) this.dirtyList.push(s);
    }
    this.touch(s);
  }

  /**
   * Scores the pairs that reached a checkpoint since the last flush (`all`: every pair that changed
   * since it was last scored), emits findings, drops idle pairs.
   */
  flush(now: number, all = false): void {
    const mask = all ? F_DIRTY | F_CHANGED : F_DIRTY;
    const t = this.table;
    this.population = this.prevalence.population();
    // the pairs flagged since the last flush (complete: since the last complete one), in slot order
    // as the sweep of the whole table this replaces visited them; a listed slot whose flag is clear
    // (already scored, evicted, expired) is skipped
    let list: Int32Array;
    if (all) {
      const d = this.dirtyList.drain();
      for (let i = 0; i < d.length; i++) this.changedList.push(d[i]!);
      list = this.changedList.drain();
    } else list = this.dirtyList.drain();
    this.flushVisited += list.length;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (!t.isUsed(s)) continue;
      const fl = this.u8[s * U8S + FLG] ?? 0;
      if ((fl & mask) !== 0) {
        this.u8[s * U8S + FLG] = fl & ~(F_DIRTY | F_CHANGED);
        this.evaluate(s, now);
      }
    }
    this.expire(now);
  }

  /**
   * Drops the pairs unseen for more than idleTimeoutMs as of `now`, without sweeping the table at
   * each flush: every used slot whose last connection is older than `idleHorizon` is on idleList, so
   * while now − idleTimeoutMs ≤ idleHorizon only that list is walked. Past it, one sweep of the table
   * expires what is idle and lists the pairs that go idle within the next IDLE_LOOKAHEAD_MS (one
   * sweep per hour of event time, none at all in a capture shorter than the timeout). A pair's last
   * connection only moves later, except for an out-of-order first flow or an allowlisted pair's
   * (listed when they fall below the horizon). Same pairs expire at the same flushes as the sweep
   * at every flush did.
   */
  private expire(now: number): void {
    const t = this.table;
    const idle = this.config.idleTimeoutMs;
    if (!(now - this.idleHorizon > idle)) {
      if (this.idleList.length === 0) return;
      const list = this.idleList.drain();
      this.flushVisited += list.length;
      for (let i = 0; i < list.length; i++) {
        const s = list[i]!;
        if (!t.isUsed(s)) continue;
        const last = this.f64[s * F64S + LAST] ?? 0;
        if (now - last > idle) { t.remove(s); this.expired++; }
        else if (last < this.idleHorizon) this.idleList.push(s);
      }
      return;
    }
    this.idleList.clear();
    const horizon = now - idle + IDLE_LOOKAHEAD_MS;
    const end = t.end();
    this.flushVisited += end;
    for (let s = 0; s < end; s++) {
      if (!t.isUsed(s)) continue;
      const last = this.f64[s * F64S + LAST] ?? 0;
      if (now - last > idle) { t.remove(s); this.expired++; }
      else if (last < horizon) this.idleList.push(s);
    }
    this.idleHorizon = horizon;
  }

  /**
   * The score of one pair and its parts, or null when it is not scorable yet. `pruneBelow` (the
   * per-checkpoint path, without evidence): null as soon as the score, rounded, is sure to fall below
   * it and the pair is no strobe. The subscores are each at most 1 and the weights non-negative, so
   * the score with the parts not yet computed taken as 1 (and no prevalence discount) bounds it from
   * above (floating-point sums and products are monotone): the cheap parts are computed first and
   * the sizes' statistics, the time histogram and the prevalence lookup (two more cache misses) only
   * for the pairs still in reach of the cut.
   */
  score(s: number, now: number, withEvidence = true, pruneBelow = -Infinity): { score: number; subscores: Record<string, number>; evidence: Record<string, unknown>; strobe: boolean; rate: number; prevalence: number; medianInterval: number } | null {
    const c = this.u32[s * U32S + CNT] ?? 0;
    if (c < this.config.minConnections) return null;
    const nIv = Math.min(c - 1, IV_RES);
    let nz = 0;
    for (let i = 0; i < nIv; i++) {
      const v = this.f32[(s * F32S + IVR) + i] ?? 0;
      if (v > 0) this.sortIv[nz++] = v;
    }
    if (nz < 3) return null;
    const iv = sortPrefix(this.sortIv, nz);
    const tsB = bowley(iv, nz, 10, this.tsB);
    const tsM = madScore(iv, nz, this.scratch, 1, this.tsM);
    // MAD carries twice the weight of skew: a symmetric spread of any width has no skew
    const ts = (tsB.score + 2 * tsM.score) / 3;

    // interval mode: the two busiest adjacent octave bins
    const hb = (s * U16S + IVH);
    let total = 0;
    let best = 0;
    for (let i = 0; i < IV_BINS; i++) {
      const v = this.u16[hb + i] ?? 0;
      total += v;
      const pair = v + (i + 1 < IV_BINS ? (this.u16[hb + i + 1] ?? 0) : 0);
      if (pair > best) best = pair;
    }
    // shrunk towards 0.5 (what Poisson traffic scores) by 4 pseudo-intervals: 3 intervals in one bin prove little
    const mode = (best + 2) / (total + 4);

    const first = this.f64[s * F64S + FIRST] ?? 0;
    const last = this.f64[s * F64S + LAST] ?? 0;
    const span = last - first;
    const median = tsM.median;
    const window = Math.max(1, now - Math.min(this.windowStart, first));
    const coverage = Math.min(1, span / window);
    const periods = median > 0 ? span / 1000 / median : 0;
    const dur = Math.max(coverage, Math.min(1, periods / this.config.durIdealPeriods));
    const conf = Math.min(1, nz / 10);
    const rate = span > 0 ? (c - 1) / (span / 1000) : 0;
    const strobe = rate >= this.config.strobeRate && span >= this.config.strobeMinSpanMs;
    const W = this.config.weights;
    const cf = 0.75 + 0.25 * conf;
    const nRun = this.u8[s * U8S + RUNB] ?? 0;
    const res = (this.u8[s * U8S + FLG] ?? 0) >>> RES_SHIFT;
    const run = runScore(nRun, c - 1, res);
    const prune = !withEvidence && !strobe && pruneBelow > 0 && this.boundable && r3(run) < pruneBelow;
    if (prune && r3(Math.max(0, Math.min(1, (W.ts * ts + W.ds * 1 + W.mode * mode + W.hist * 1 + W.dur * dur) * cf))) < pruneBelow) return null;

    const nSz = Math.min(c, SZ_RES);
    for (let i = 0; i < nSz; i++) this.sortSz[i] = this.f32[(s * F32S + SZR) + i] ?? 0;
    const sz = sortPrefix(this.sortSz, nSz);
    const dsB = bowley(sz, nSz, 10, this.dsB);
    const dsM = madScore(sz, nSz, this.scratch, 0, this.dsM);
    const ds = (dsB.score + dsM.score) / 2;
    // sizes count as far as the timing is regular: constant sizes say a program sends, not that it
    // sends on a timer (with the size subscore in full, Poisson timing with constant sizes reached
    // the threshold in 1.5-1.9 % of pairs of 12-20 connections; now ≤ 0.7 %, test/detect/beacon.test.ts)
    const dsT = ds * (ts > mode ? ts : mode);
    if (prune && r3(Math.max(0, Math.min(1, (W.ts * ts + W.ds * dsT + W.mode * mode + W.hist * 1 + W.dur * dur) * cf))) < pruneBelow) return null;

    // time histogram over the pair's span, bins merged to at least one median interval
    const width = this.config.histBaseMs * 2 ** (this.u8[s * U8S + TEXP] ?? 0);
    let f = 1;
    while (f * width < median * 1000 && f < T_BINS) f *= 2;
    const usedBins = Math.min(T_BINS, Math.floor(span / width) + 1);
    const nb = Math.ceil(usedBins / f);
    this.merged.fill(0);
    for (let i = 0; i < usedBins; i++) this.merged[Math.floor(i / f)] = (this.merged[Math.floor(i / f)] ?? 0) + (this.u8[(s * U8S + TH) + i] ?? 0);
    // the last bin is partial unless the span ends on its edge: leave it out when there are enough
    const nbScored = nb >= 5 ? nb - 1 : nb;
    let hist = 0;
    if (nbScored >= 4) hist = Math.max(cvScore(this.merged, 0, nbScored), bimodalFit(this.merged, 0, nbScored, 0.05, 1, 8).score);

    const raw = W.ts * ts + W.ds * dsT + W.mode * mode + W.hist * hist + W.dur * dur;
    if (prune && r3(Math.max(0, Math.min(1, raw * cf))) < pruneBelow) return null;

    // prevalence: the share of all domestic hosts that talk to this server
    const k = this.u32;
    const kb = s * U32S + KEY;
    this.w[4] = k[kb + 5] ?? 0; this.w[5] = k[kb + 6] ?? 0; this.w[6] = k[kb + 7] ?? 0; this.w[7] = k[kb + 8] ?? 0;
    const family = (k[kb] ?? 0) >>> 24;
    const pop = this.population || this.prevalence.population();
    const hosts = this.prevalence.hosts(family, this.w, 4);
    const share = pop > 0 ? Math.min(1, hosts / pop) : 0;
    const p0 = this.config.prevalenceShare;
    const prevFactor = pop >= this.config.prevalenceMinPopulation && share > p0 ? Math.max(0, 1 - (share - p0) / (1 - p0)) : 1;
    const score = Math.max(0, Math.min(1, (raw * cf > run ? raw * cf : run) * prevFactor));
    if (!withEvidence) {
      // the per-checkpoint path: one result object reused (read at once by evaluate, never kept)
      const q = this.quick;
      const qs = q.subscores;
      q.score = r3(score); q.strobe = strobe; q.rate = rate; q.prevalence = share; q.medianInterval = median;
      qs.ts = r3(ts); qs.ds = r3(ds); qs.mode = r3(mode); qs.hist = r3(hist); qs.dur = r3(dur); qs.confidence = r3(conf); qs.run = r3(run); qs.prevalence = r3(prevFactor);
      return q;
    }
    const subscores = { ts: r3(ts), ds: r3(ds), mode: r3(mode), hist: r3(hist), dur: r3(dur), confidence: r3(conf), run: r3(run), prevalence: r3(prevFactor) };
    const ivHistogram: { bin: string; count: number }[] = [];
    for (let i = 0; i < IV_BINS; i++) {
      const v = this.u16[hb + i] ?? 0;
      if (v > 0) ivHistogram.push({ bin: intervalBinLabel(i), count: v });
    }
    const timeHistogram: number[] = [];
    for (let i = 0; i < usedBins; i++) timeHistogram.push(this.u8[(s * U8S + TH) + i] ?? 0);
    return {
      score: r3(score),
      strobe,
      rate,
      prevalence: share,
      medianInterval: median,
      subscores,
      evidence: {
        connections: c,
        spanSeconds: Math.round(span / 1000),
        connectionsPerSecond: r3(rate),
        intervalSeconds: { median: r3(median), mad: r3(tsM.mad), bowleySkew: r3(tsB.skew), min: r3(ivFromCode(this.u16[s * U16S + IVMINC] ?? 0)), max: r3(ivFromCode(this.u16[s * U16S + IVMAXC] ?? 0)), sampled: nz },
        intervalHistogram: ivHistogram,
        bytes: { total: Math.round(this.f32[s * F32S + BYTES] ?? 0), median: r3(medianSorted(sz, 0, nSz)), mad: r3(dsM.mad), bowleySkew: r3(dsB.skew), sampled: nSz },
        timeHistogram: { binSeconds: width / 1000, counts: timeHistogram },
        prevalence: { domesticHosts: Math.round(hosts), population: Math.round(pop), share: r3(share) },
        regularRun: { intervals: nRun > 0 ? nRun + 1 : 0, tolerance: RUN_TOLERANCE, chanceBound: nRun > 0 ? Number((10 ** -runEvidence(nRun, c - 1, res)).toPrecision(2)) : 1, stepChance: r3(RUN_STEP_CHANCES[res] ?? 0), minSeconds: RUN_MIN_SECONDS[res] ?? 1 },
      },
    };
  }

  private evaluate(s: number, now: number): void {
    // scored without evidence first: most pairs emit nothing, and evidence is objects and strings
    let r = this.score(s, now, false, this.pruneBelow);
    if (!r) return;
    const fast = r.rate >= this.config.strobeRate;
    const emit = r.strobe || (!fast && r.score >= this.config.threshold);
    const tell = this.onScored !== undefined && !r.strobe && r.score >= this.onScoredMin;
    if (!emit && !tell) return;
    if (emit) r = this.score(s, now, true) ?? r;
    const k = this.u32;
    const base = s * U32S + KEY;
    const meta = k[base] ?? 0;
    const family = meta >>> 24;
    const proto = (meta >>> 16) & 255;
    const port = meta & 0xffff;
    const external = wordsToString(family, k, base + 5);
    const domestic = wordsToString(family, k, base + 1);
    const first = this.f64[s * F64S + FIRST] ?? 0;
    const last = this.f64[s * F64S + LAST] ?? 0;
    if (this.onScored && tell) {
      this.onScored({ external, port, proto, domestic, score: r.score, tsScore: r.subscores.ts ?? 0, connections: this.u32[s * U32S + CNT] ?? 0, medianInterval: r.medianInterval, firstSeen: first, lastSeen: last, prevalence: r.prevalence, prevalenceFactor: r.subscores.prevalence ?? 1, vendor: ((this.u8[s * U8S + FLG] ?? 0) & F_VENDOR) !== 0, ...(this.populationKnown() ? { population: this.population || this.prevalence.population() } : {}) });
    }
    let type: 'beacon' | 'strobe' | null = null;
    if (r.strobe) type = 'strobe';
    else if (fast) return; // a strobe in the making: its regularity is no beacon's
    else if (r.score >= this.config.threshold) type = 'beacon';
    // a vendor/cloud network's pair is reported, flagged, never confirmed alone (tier.ts); unless other domestic hosts reach it too (an update service)
    const vendor = ((this.u8[s * U8S + FLG] ?? 0) & F_VENDOR) !== 0;
    if (vendor && type === 'beacon') { this.vendorDemoted++; if (r.prevalence * (this.population || this.prevalence.population()) > 1.5) return; }
    if (!type) return;
    this.u8[s * U8S + FLG] = (this.u8[s * U8S + FLG] ?? 0) | (type === 'strobe' ? F_STROBE : F_BEACON);
    this.touch(s);
    let score = r.score;
    const subscores = r.subscores;
    if (type === 'strobe') {
      // a strobe's certainty is how long and how fast it held, not its regularity
      const rate = r.rate / this.config.strobeRate;
      const held = (last - first) / this.config.strobeMinSpanMs;
      score = Math.round(Math.min(1, 0.5 + 0.25 * Math.min(1, rate / 4) + 0.25 * Math.min(1, held / 12)) * 1000) / 1000;
      subscores.rate = Math.round(Math.min(1, rate / 4) * 1000) / 1000;
      subscores.held = Math.round(Math.min(1, held / 12) * 1000) / 1000;
    }
    const f: Finding = {
      type,
      key: findingKey(type, external, port, proto, domestic),
      external,
      port,
      proto,
      direction: 'outbound',
      domestic: [domestic],
      domesticCount: 1,
      firstSeen: first,
      lastSeen: last,
      score,
      subscores,
      evidence: r.evidence,
      updates: 1,
      ...(vendor ? { flags: [VENDOR_FLAG] } : {}),
    };
    this.emitted++;
    this.sink(f);
  }

  /** every scorable pair and its score as of `now`, highest first (evaluation, tools; allocates) */
  pairScores(now: number): { domestic: string; external: string; port: number; proto: number; score: number; strobe: boolean; connections: number }[] {
    const out: { domestic: string; external: string; port: number; proto: number; score: number; strobe: boolean; connections: number }[] = [];
    this.population = this.prevalence.population();
    const t = this.table;
    const k = this.u32;
    // in table position order (set by set), as before records were handed out densely (table.ts)
    for (let p = 0; p < t.positions(); p++) {
      const s = t.slotAt(p);
      if (s < 0) continue;
      const r = this.score(s, now);
      if (!r) continue;
      const kb = s * U32S + KEY;
      const meta = k[kb] ?? 0;
      const family = meta >>> 24;
      out.push({ domestic: wordsToString(family, k, kb + 1), external: wordsToString(family, k, kb + 5), port: meta & 0xffff, proto: (meta >>> 16) & 255, score: r.score, strobe: r.strobe, connections: this.u32[s * U32S + CNT] ?? 0 });
    }
    return out.sort((a, b) => b.score - a.score);
  }

  /** slot of a pair by its key words (tests, tools): -1 when untracked */
  slotOf(rec: FlowRecord): number {
    const w = this.w;
    srcWords(rec, w, 0);
    dstWords(rec, w, 4);
    const k = this.table.key;
    k[0] = ((rec.family << 24) | (rec.proto << 16) | rec.dstPort) >>> 0;
    for (let i = 0; i < 8; i++) k[i + 1] = w[i] ?? 0;
    return this.table.find(this.table.hash());
  }

  stats(): DetectorStats {
    return {
      tracked: this.table.size,
      capacity: this.table.capacity,
      evictions: this.table.evictions,
      expired: this.expired,
      flows: this.flows,
      emitted: this.emitted,
      bytesPerKey: Math.round(this.bytesPerKey()),
    };
  }
}
