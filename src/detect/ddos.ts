/**
 * DDoS per destination address: packets/s, bits/s and flows/s over fixed event-time windows (5 s),
 * against FastNetMon's default ban thresholds (20 000 pps, 1 000 Mbit/s, 3 500 flows/s) and against
 * the destination's own learned baseline (an EWMA of its window rates, updated only by windows that
 * were not attacks): a rate `baselineFactor` times its usual level, and at least `baselineFloor` of
 * the fixed threshold, is an attack too once `warmupWindows` windows have been learned.
 *
 * A flow's packets and bytes are attributed to the window holding its end, scaled by
 * min(1, window / duration): a long flow adds its average rate, not its whole volume, to one window.
 * Prefilter: most destinations receive a trickle that can never be an attack. Each flow first adds
 * its share of the thresholds (packets/pps + bits/bps + 1/fps, per window second) to one cell of a
 * 65 536-cell counting filter keyed by the destination's hash, cleared every window; a destination
 * gets a table slot only once its cell reaches `trackFraction` (1 %) of the thresholds, and a cell that
 * holds no tracked destination needs no table lookup. A collision only adds load (an upper bound),
 * so no destination above the fraction is missed. A destination that was never tracked was below
 * the fraction: its baseline starts at that bound, warm, so a jump from under 1 % to over 10 % of the
 * thresholds in one window is a ≥ 10× rise and flagged as one.
 * Direction: inbound (domestic target) lists the target as domestic and names the source as the
 * external address only when one source sent it all (distinct sources by a 32-register HLL);
 * outbound (a domestic host floods an external target) names the target.
 */
import type { FlowRecord } from '../flow/index.js';
import type { DetectorStats, Finding, FindingSink } from './finding.js';
import { findingKey } from './finding.js';
import { directionName, dstWords, fmix32, hashWords, OUTBOUND, srcWords, wordsToString } from './hash.js';
import type { Direction } from './hash.js';
import { hllAdd, hllCount } from './hll.js';
import { KeyTable, SlotList } from './table.js';

/** rounds to 1/1000 (module level: a closure made per call costs, esp. under esbuild's keepNames) */
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

export interface DdosConfig {
  capacity: number;
  windowMs: number;
  pps: number;
  bps: number;
  fps: number;
  /** EWMA weight of a new window (default 0.1) */
  ewmaAlpha: number;
  baselineFactor: number;
  /** fraction of the fixed thresholds a baseline-triggered attack must reach (default 0.1) */
  baselineFloor: number;
  warmupWindows: number;
  /**
   * fraction of the fixed thresholds a destination must reach within a window, on a shared
   * 65 536-cell counting filter, before it gets per-destination state (default 0.01)
   */
  trackFraction: number;
}

export const DEFAULT_DDOS_CONFIG: DdosConfig = {
  capacity: 250_000,
  windowMs: 5000,
  pps: 20_000,
  bps: 1_000_000_000,
  fps: 3500,
  ewmaAlpha: 0.1,
  baselineFactor: 10,
  baselineFloor: 0.1,
  warmupWindows: 12,
  trackFraction: 0.01,
};

const FILTER_CELLS = 1 << 16;

const HLL_M = 32;

export class DdosDetector {
  readonly config: DdosConfig;
  readonly table: KeyTable;
  /** targets whose window went from empty to open (a first flow) since the last flush */
  private readonly open: SlotList;
  private readonly win: Float64Array;
  private readonly pk: Float64Array;
  private readonly by: Float64Array;
  private readonly fl: Float64Array;
  private readonly ePps: Float32Array;
  private readonly eBps: Float32Array;
  private readonly eFps: Float32Array;
  private readonly nWin: Uint32Array;
  private readonly peak: Float32Array; // pps, bps, fps
  private readonly aFirst: Float64Array;
  private readonly aLast: Float64Array;
  private readonly srcW: Uint32Array;
  private readonly hll: Uint8Array;
  private readonly dir: Uint8Array;
  private readonly w = new Uint32Array(8);
  private readonly sink: FindingSink;
  private readonly fLoad = new Float32Array(FILTER_CELLS);
  private readonly fTracked = new Uint8Array(FILTER_CELLS);
  private readonly cellOf: Uint16Array;
  private fWin = -Infinity;
  /** flows to destinations below the tracking fraction: counted only in the filter */
  filtered = 0;
  flows = 0;
  emitted = 0;
  /** slots the flushes looked at (the listed ones): what flushing costs */
  flushVisited = 0;

  constructor(config: Partial<DdosConfig>, sink: FindingSink) {
    this.config = { ...DEFAULT_DDOS_CONFIG, ...config };
    this.sink = sink;
    const n = this.config.capacity;
    this.win = new Float64Array(n);
    this.pk = new Float64Array(n);
    this.by = new Float64Array(n);
    this.fl = new Float64Array(n);
    this.ePps = new Float32Array(n);
    this.eBps = new Float32Array(n);
    this.eFps = new Float32Array(n);
    this.nWin = new Uint32Array(n);
    this.peak = new Float32Array(n * 3);
    this.aFirst = new Float64Array(n);
    this.aLast = new Float64Array(n);
    this.srcW = new Uint32Array(n * 4);
    this.hll = new Uint8Array(n * HLL_M);
    this.dir = new Uint8Array(n);
    this.cellOf = new Uint16Array(n);
    this.table = new KeyTable({
      capacity: n, words: 5, seed: 0xdd05,
      utility: (s) => (this.win[s] ?? 0) + Math.min(this.nWin[s] ?? 0, 720) * 5000 + ((this.aLast[s] ?? 0) > 0 ? 3600_000 : 0),
      onEvict: (s) => { const c = this.cellOf[s] ?? 0; const v = this.fTracked[c] ?? 0; if (v > 0 && v < 255) this.fTracked[c] = v - 1; },
    });
    this.open = new SlotList(n);
  }

  bytesPerKey(): number {
    return this.table.bytesPerSlot() + 8 * 6 + 4 * 3 + 4 + 12 + 16 + HLL_M + 1 + 2;
  }

  observe(rec: FlowRecord, direction: Direction): void {
    this.flows++;
    const c = this.config;
    const W = c.windowMs;
    const now = rec.end;
    const d = rec.end - rec.start;
    const scale = d > W ? W / d : 1;
    if (now >= this.fWin + W) { this.fLoad.fill(0); this.fWin = now - (now % W); }
    const w = this.w;
    dstWords(rec, w, 4);
    const cell = (rec.family === 4 ? fmix32(rec.dst4 ^ 0x7f4a7c15) : hashWords(w, 4, 4, 0x7f4a7c15)) & (FILTER_CELLS - 1);
    const sec = W / 1000;
    const load = (this.fLoad[cell] ?? 0) + (scale * (rec.packets / c.pps + (rec.bytes * 8) / c.bps) + 1 / c.fps) / sec;
    this.fLoad[cell] = load;
    if (load < c.trackFraction && (this.fTracked[cell] ?? 0) === 0) { this.filtered++; return; }
    srcWords(rec, w, 0);
    const t = this.table;
    const k = t.key;
    k[0] = rec.family; k[1] = w[4] ?? 0; k[2] = w[5] ?? 0; k[3] = w[6] ?? 0; k[4] = w[7] ?? 0;
    const h = t.hash();
    let s = t.find(h);
    if (s < 0) {
      if (load < c.trackFraction) { this.filtered++; return; }
      s = t.insert(h);
      this.cellOf[s] = cell;
      if ((this.fTracked[cell] ?? 0) < 255) this.fTracked[cell] = (this.fTracked[cell] ?? 0) + 1;
      this.win[s] = now - (now % W);
      this.pk[s] = 0; this.by[s] = 0; this.fl[s] = 0;
      // never tracked so far = below trackFraction of the thresholds: the baseline starts there, warm
      this.ePps[s] = c.pps * c.trackFraction; this.eBps[s] = c.bps * c.trackFraction; this.eFps[s] = c.fps * c.trackFraction; this.nWin[s] = c.warmupWindows;
      this.peak[s * 3] = 0; this.peak[s * 3 + 1] = 0; this.peak[s * 3 + 2] = 0;
      this.aFirst[s] = 0; this.aLast[s] = 0;
      for (let i = s * HLL_M, e = i + HLL_M; i < e; i++) this.hll[i] = 0;
      this.dir[s] = direction;
    } else if (now >= (this.win[s] ?? 0) + W) {
      this.close(s, now);
    }
    this.pk[s] = (this.pk[s] ?? 0) + rec.packets * scale;
    this.by[s] = (this.by[s] ?? 0) + rec.bytes * scale;
    const fl = this.fl[s] ?? 0;
    if (fl === 0) this.open.push(s);
    this.fl[s] = fl + 1;
    const sw = s * 4;
    this.srcW[sw] = w[0] ?? 0; this.srcW[sw + 1] = w[1] ?? 0; this.srcW[sw + 2] = w[2] ?? 0; this.srcW[sw + 3] = w[3] ?? 0;
    hllAdd(this.hll, s * HLL_M, HLL_M, hashWords(w, 0, 4));
  }

  /** closes slot s's window (now is past it): attack check, then baseline update; opens the window holding now */
  private close(s: number, now: number): void {
    const c = this.config;
    const W = c.windowMs;
    const sec = W / 1000;
    const pps = (this.pk[s] ?? 0) / sec;
    const bps = ((this.by[s] ?? 0) * 8) / sec;
    const fps = (this.fl[s] ?? 0) / sec;
    const ws = this.win[s] ?? 0;
    const fixed = Math.max(pps / c.pps, bps / c.bps, fps / c.fps);
    const warm = (this.nWin[s] ?? 0) >= c.warmupWindows;
    const eP = this.ePps[s] ?? 0;
    const eB = this.eBps[s] ?? 0;
    const eF = this.eFps[s] ?? 0;
    const ratio = Math.max(eP > 0 ? pps / eP : 0, eB > 0 ? bps / eB : 0, eF > 0 ? fps / eF : 0);
    const learned = warm && ratio >= c.baselineFactor && fixed >= c.baselineFloor;
    if (fixed >= 1 || learned) {
      this.emit(s, ws, ws + W, pps, bps, fps, fixed, warm ? ratio : 0, learned);
    } else {
      const a = c.ewmaAlpha;
      const n = this.nWin[s] ?? 0;
      // the first window seeds the baseline; empty windows since the last one decay it
      const missed = Math.max(0, Math.floor((now - ws) / W) - 1);
      const decay = Math.pow(1 - a, Math.min(missed, 1000));
      {
        this.ePps[s] = ((1 - a) * eP + a * pps) * decay;
        this.eBps[s] = ((1 - a) * eB + a * bps) * decay;
        this.eFps[s] = ((1 - a) * eF + a * fps) * decay;
      }
      this.nWin[s] = n + 1 + missed;
    }
    this.win[s] = now - (now % W);
    this.pk[s] = 0; this.by[s] = 0; this.fl[s] = 0;
    for (let i = s * HLL_M, e = i + HLL_M; i < e; i++) this.hll[i] = 0;
  }

  private emit(s: number, from: number, to: number, pps: number, bps: number, fps: number, fixed: number, ratio: number, learned: boolean): void {
    const c = this.config;
    const p = s * 3;
    this.peak[p] = Math.max(this.peak[p] ?? 0, pps);
    this.peak[p + 1] = Math.max(this.peak[p + 1] ?? 0, bps);
    this.peak[p + 2] = Math.max(this.peak[p + 2] ?? 0, fps);
    if (!(this.aFirst[s] ?? 0)) this.aFirst[s] = from;
    this.aLast[s] = to;
    const family = this.table.keys[s * 5] ?? 4;
    const target = wordsToString(family, this.table.keys, s * 5 + 1);
    const sources = Math.round(hllCount(this.hll, s * HLL_M, HLL_M));
    const oneSource = sources <= 1 ? wordsToString(family, this.srcW, s * 4) : null;
    const dir = (this.dir[s] ?? 0) as Direction;
    const outbound = dir === OUTBOUND;
    const external = outbound ? target : oneSource;
    const baselineScore = learned ? Math.min(1, 0.5 + 0.5 * (ratio / (4 * c.baselineFactor))) : 0;
    const f: Finding = {
      type: 'ddos',
      key: findingKey('ddos', outbound ? target : null, 0, 0, outbound ? undefined : target),
      external,
      port: 0,
      proto: 0,
      direction: directionName(dir),
      domestic: outbound ? [wordsToString(family, this.srcW, s * 4)] : [target],
      domesticCount: outbound ? sources : 1,
      firstSeen: this.aFirst[s] ?? from,
      lastSeen: to,
      score: r3(Math.max(Math.min(1, fixed), baselineScore)),
      subscores: { pps: r3(Math.min(1, pps / c.pps)), bps: r3(Math.min(1, bps / c.bps)), fps: r3(Math.min(1, fps / c.fps)), baseline: r3(baselineScore) },
      evidence: {
        target,
        window: { from, to, seconds: c.windowMs / 1000 },
        rates: { pps: Math.round(pps), bps: Math.round(bps), flowsPerSecond: Math.round(fps) },
        peak: { pps: Math.round(this.peak[p] ?? 0), bps: Math.round(this.peak[p + 1] ?? 0), flowsPerSecond: Math.round(this.peak[p + 2] ?? 0) },
        thresholds: { pps: c.pps, bps: c.bps, flowsPerSecond: c.fps },
        baseline: { pps: Math.round(this.ePps[s] ?? 0), bps: Math.round(this.eBps[s] ?? 0), flowsPerSecond: r3(this.eFps[s] ?? 0), windowsLearned: this.nWin[s] ?? 0, ratio: r3(ratio), factor: c.baselineFactor },
        distinctSources: sources,
      },
      updates: 1,
    };
    this.emitted++;
    this.sink(f);
  }

  /**
   * closes every window that ended before now (so a burst is reported even if its target goes quiet):
   * the targets listed when their window opened, in slot order as a sweep of the table would visit
   * them; a window still open stays listed, one already closed (by a later flow) or emptied is dropped
   */
  flush(now: number): void {
    const t = this.table;
    const W = this.config.windowMs;
    const list = this.open.drain();
    this.flushVisited += list.length;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (!t.isUsed(s) || (this.fl[s] ?? 0) === 0) continue;
      if (now >= (this.win[s] ?? 0) + W) this.close(s, now);
      else this.open.push(s);
    }
  }

  stats(): DetectorStats {
    return { tracked: this.table.size, capacity: this.table.capacity, evictions: this.table.evictions, expired: 0, flows: this.flows, emitted: this.emitted, bytesPerKey: Math.round(this.bytesPerKey()) };
  }
}
