/**
 * Scan detection, inbound and outbound, two ways at once:
 *  - Threshold Random Walk (Jung, Paxson, Berger, Balakrishnan 2004) per connection initiator over
 *    its first contacts with each destination: a failed first contact multiplies the likelihood
 *    ratio by (1 − θ1)/(1 − θ0) = 4, a successful one by θ1/θ0 = 1/4 (θ0 0.8, θ1 0.2); the source is a
 *    scanner when the ratio reaches β/α = 99 (α 0.01, β 0.99), and its walk restarts when the ratio
 *    falls to (1 − β)/(1 − α) ≈ 0.0101 (decided benign; a later scan is still caught).
 *  - Zeek's scan.zeek thresholds on failed attempts in 5-minute epochs: ≥ 25 distinct hosts on one
 *    port (address scan) or ≥ 15 distinct ports on one host (port scan); distinct counts by linear
 *    counting over a 512-bit bitmap per (source, port) and per (source, host).
 *
 * Success and failure (FlowRecord has the cumulative OR of one direction's TCP flags):
 *  - TCP: an attempt when SYN is set; success when ACK is set too (the initiator completed the
 *    handshake), failure when not (SYN alone: no answer or refused; SYN+RST: a half-open probe).
 *    Flows without SYN (mid-connection exports, replies) are not attempts.
 *  - UDP: no handshake to see in one direction, so UDP never moves the walk; a flow of ≤ 2 packets
 *    counts as a failed attempt for the Zeek thresholds (a probe), longer ones are not attempts.
 *  - ICMP: an echo request (type 8, 128 for v6) is a failed attempt for the address-scan threshold
 *    (a ping sweep) under port 0; a destination-unreachable (type 3, 1 for v6) sent by T to S is a
 *    failed first contact of S with T for the walk. The type is the high byte of dstPort (NetFlow)
 *    when dstPort ≥ 256, else srcPort (Zeek's conn.log puts the type in the originator port).
 */
import type { FlowRecord } from '../flow/index.js';
import type { DetectorStats, Finding, FindingSink } from './finding.js';
import { findingKey } from './finding.js';
import { directionName, dstWords, fmix32, hashWords, OUTBOUND, srcWords, wordsToString } from './hash.js';
import type { Direction } from './hash.js';
import { KeyTable, PREFETCH_BATCH, SetTable, SlotList } from './table.js';

/** rounds to 1/1000 (module level: a closure made per call costs, esp. under esbuild's keepNames) */
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

export interface ScanConfig {
  /** initiators tracked by the walk */
  sourceCapacity: number;
  /** (source, port) and (source, host) counters each */
  thresholdCapacity: number;
  theta0: number;
  theta1: number;
  alpha: number;
  beta: number;
  /** Zeek: 25 hosts on one port */
  addressScanHosts: number;
  /** Zeek: 15 ports on one host */
  portScanPorts: number;
  /** Zeek: 5 min epochs */
  windowMs: number;
}

export const DEFAULT_SCAN_CONFIG: ScanConfig = {
  sourceCapacity: 250_000,
  thresholdCapacity: 250_000,
  theta0: 0.8,
  theta1: 0.2,
  alpha: 0.01,
  beta: 0.99,
  addressScanHosts: 25,
  portScanPorts: 15,
  windowMs: 5 * 60_000,
};

const BLOOM_WORDS = 16; // 512 bits of first contacts per source
const BM_WORDS = 16; // 512-bit linear-counting bitmap
const OK_MASK = (1 << 20) - 1;
const F_SCANNER = 1;
const F_DIRTY = 2;
const F_ADDR = 4;
const F_PORT = 8;

/*
 * Per-source record, SRC_STRIDE = 192 bytes (3 cache lines), the key inside it: 0 key 5×u32 (family,
 * address) · 20 first contacts u32 · 24 log-likelihood ratio f64 · 32 last f64 · 40 first f64 ·
 * 48 failed u32 · 52 successful u32 · 56 flags u8 · 57 direction u8 · 64 first-contact Bloom filter
 * 16×u32 · 128 max hosts on a port u32 · 132 that port u32 · 136 max ports on a host u32 · 140 that
 * host 4×u32 · 156 last target 4×u32 · 172 spare. A walk step touches the first two lines.
 */
const SRC_STRIDE = 192;
const S32 = SRC_STRIDE / 4;
const S64 = SRC_STRIDE / 8;
const CONTACTS = 5;
const LLR = 3;
const SLAST = 4;
const SFIRST = 5;
const FAILS = 12;
const SUCC = 13;
const SFLAGS = 56;
const SDIR = 57;
const BLOOM = 16;
const MAXHOSTS = 32;
const MAXHOSTSPORT = 33;
const MAXPORTS = 34;
const PORTTARGET = 35;
const LASTTARGET = 39;

const TCP_SYN = 0x02;
const TCP_ACK = 0x10;

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** linear counting estimate of distinct items set in a 512-bit bitmap */
function linearCount(bm: Uint32Array, at: number): number {
  let set = 0;
  for (let i = 0; i < BM_WORDS; i++) set += popcount(bm[at + i] ?? 0);
  const m = BM_WORDS * 32;
  const zero = m - set;
  if (zero === 0) return m * Math.log(m); // saturated: a floor, not an estimate
  return Math.round(-m * Math.log(zero / m));
}

/** 1 success, -1 failure, 0 neutral (not an attempt, or says nothing to the walk) */
export function tcpOutcome(flags: number): number {
  if ((flags & TCP_SYN) === 0) return 0;
  return (flags & TCP_ACK) !== 0 ? 1 : -1;
}

export class ScanDetector {
  readonly config: ScanConfig;
  readonly sources: SetTable;
  /** sources whose F_DIRTY went from clear to set since the last flush */
  private readonly dirty: SlotList;
  readonly byPort: KeyTable;
  readonly byHost: KeyTable;
  /** one record of SRC_STRIDE bytes per source (layout above), through three views */
  private readonly su32: Uint32Array;
  private readonly sf64: Float64Array;
  private readonly su8: Uint8Array;
  /** event time the eviction utilities count from (the first flow's, less a day) */
  private utilityBase = NaN;
  // per (source, port) and (source, host)
  private readonly pWin: Float64Array;
  private readonly pBm: Uint32Array;
  private readonly hWin: Float64Array;
  private readonly hBm: Uint32Array;
  private readonly w = new Uint32Array(8);
  /** prefetch's scratch: the batch's success-cache hashes (0: not a success) and flow indexes, the sources' hashes */
  private readonly pfPair = new Uint32Array(PREFETCH_BATCH);
  private readonly pfAt = new Int32Array(PREFETCH_BATCH);
  private readonly pfSource = new Uint32Array(PREFETCH_BATCH);
  /** tags of (source, destination) pairs whose contact succeeded: 4 MiB, direct-mapped */
  private readonly okPairs = new Uint32Array(OK_MASK + 1);
  /** successful flows of known pairs that took the fast path */
  fastPath = 0;
  private readonly lnFail: number;
  private readonly lnSucc: number;
  private readonly upper: number;
  private readonly lower: number;
  private readonly sink: FindingSink;
  flows = 0;
  emitted = 0;
  /** slots the flushes looked at (the listed ones): what flushing costs */
  flushVisited = 0;

  constructor(config: Partial<ScanConfig>, sink: FindingSink) {
    const c = { ...DEFAULT_SCAN_CONFIG, ...config };
    this.config = c;
    this.sink = sink;
    this.lnFail = Math.log((1 - c.theta1) / (1 - c.theta0));
    this.lnSucc = Math.log(c.theta1 / c.theta0);
    this.upper = Math.log(c.beta / c.alpha);
    this.lower = Math.log((1 - c.beta) / (1 - c.alpha));
    const buf = new ArrayBuffer(SetTable.slotsFor(c.sourceCapacity) * SRC_STRIDE);
    this.su32 = new Uint32Array(buf);
    this.sf64 = new Float64Array(buf);
    this.su8 = new Uint8Array(buf);
    this.sources = new SetTable({ capacity: c.sourceCapacity, words: 5, store: this.su32, stride: S32, keyAt: 0 });
    this.dirty = new SlotList(this.sources.capacity, this.sources);
    const m = c.thresholdCapacity;
    this.pWin = new Float64Array(m);
    this.pBm = new Uint32Array(m * BM_WORDS);
    this.hWin = new Float64Array(m);
    this.hBm = new Uint32Array(m * BM_WORDS);
    this.byPort = new KeyTable({ capacity: m, words: 6, utility: (s) => this.pWin[s] ?? 0, seed: 0x5ca2 });
    this.byHost = new KeyTable({ capacity: m, words: 9, utility: (s) => this.hWin[s] ?? 0, seed: 0x5ca3 });
  }

  bytesPerKey(): { source: number; byPort: number; byHost: number } {
    return {
      source: this.sources.bytesPerSlot() + SRC_STRIDE,
      byPort: this.byPort.bytesPerSlot() + 8 + BM_WORDS * 4,
      byHost: this.byHost.bytesPerSlot() + 8 + BM_WORDS * 4,
    };
  }

  private sourceSlot(family: number, at: number, now: number, dir: number): number {
    const t = this.sources;
    const k = t.key;
    const w = this.w;
    k[0] = family; k[1] = w[at] ?? 0; k[2] = w[at + 1] ?? 0; k[3] = w[at + 2] ?? 0; k[4] = w[at + 3] ?? 0;
    const h = t.hash();
    let s = t.find(h);
    const u32 = this.su32;
    if (s < 0) {
      s = t.insert(h);
      const b = s * S32;
      this.sf64[s * S64 + LLR] = 0; this.sf64[s * S64 + SFIRST] = now;
      u32[b + CONTACTS] = 0; u32[b + FAILS] = 0; u32[b + SUCC] = 0;
      for (let i = b + BLOOM, e = i + BLOOM_WORDS; i < e; i++) u32[i] = 0;
      this.su8[s * SRC_STRIDE + SFLAGS] = 0; this.su8[s * SRC_STRIDE + SDIR] = dir;
      u32[b + MAXHOSTS] = 0; u32[b + MAXHOSTSPORT] = 0; u32[b + MAXPORTS] = 0;
      for (let i = b + PORTTARGET, e = i + 8; i < e; i++) u32[i] = 0;
    }
    this.sf64[s * S64 + SLAST] = now;
    if (this.utilityBase !== this.utilityBase) this.utilityBase = now - 86_400_000;
    this.touch(s);
    return s;
  }

  /**
   * Keeps source s's eviction utility current (lowest walk and oldest first; decided scanners last):
   * last seen in 1/16 s since the first flow (less a day), + 10 min per unit of positive walk, + 24 h
   * once a scanner.
   */
  private touch(s: number): void {
    const llr = this.sf64[s * S64 + LLR] ?? 0;
    const u = Math.floor(((this.sf64[s * S64 + SLAST] ?? 0) - this.utilityBase) / 62.5) + ((this.su8[s * SRC_STRIDE + SFLAGS] ?? 0) & F_SCANNER ? 24 * 3600 * 16 : 0) + Math.floor((llr > 0 ? llr : 0) * 600 * 16);
    this.sources.setUtility(s, u > 0 ? (u >= 4294967295 ? 4294967295 : u) : 0);
  }

  /** TRW step on a first contact of source slot s with the destination hashed to dh */
  private walk(s: number, dh: number, outcome: number): void {
    const h1 = dh & 511;
    const h2 = fmix32(dh) & 511;
    const u32 = this.su32;
    const b = s * S32 + BLOOM;
    const seen = ((u32[b + (h1 >>> 5)] ?? 0) & (1 << (h1 & 31))) !== 0 && ((u32[b + (h2 >>> 5)] ?? 0) & (1 << (h2 & 31))) !== 0;
    if (seen) return;
    u32[b + (h1 >>> 5)] = (u32[b + (h1 >>> 5)] ?? 0) | (1 << (h1 & 31));
    u32[b + (h2 >>> 5)] = (u32[b + (h2 >>> 5)] ?? 0) | (1 << (h2 & 31));
    const r = s * S32;
    u32[r + CONTACTS] = (u32[r + CONTACTS] ?? 0) + 1;
    if (outcome < 0) u32[r + FAILS] = (u32[r + FAILS] ?? 0) + 1;
    else u32[r + SUCC] = (u32[r + SUCC] ?? 0) + 1;
    const fi = s * SRC_STRIDE + SFLAGS;
    const f = this.su8[fi] ?? 0;
    if (f & F_SCANNER) { this.su8[fi] = f | F_DIRTY; if ((f & F_DIRTY) === 0) this.dirty.push(s); return; }
    const li = s * S64 + LLR;
    const l = (this.sf64[li] ?? 0) + (outcome < 0 ? this.lnFail : this.lnSucc);
    if (l >= this.upper) { this.sf64[li] = l; this.su8[fi] = f | F_SCANNER | F_DIRTY; if ((f & F_DIRTY) === 0) this.dirty.push(s); }
    else if (l <= this.lower) this.sf64[li] = 0;
    else this.sf64[li] = l;
    this.touch(s);
  }

  /**
   * Read-only prefetch of flows recs[from..to) (up to PREFETCH_BATCH) about to be observed (createDetectors'
   * observeBatch): the success cache's entries, then, for the flows that will miss it, their
   * sources' set lines, each kind loaded back to back so the misses overlap (table.ts).
   * Changes nothing: observe gives the same results with or without it.
   */
  prefetch(recs: readonly FlowRecord[], from: number, to: number): number {
    const w = this.w;
    const ok = this.okPairs;
    const pair = this.pfPair;
    const at = this.pfAt;
    let m = 0;
    for (let i = from; i < to && m < PREFETCH_BATCH; i++) {
      const rec = recs[i]!;
      const proto = rec.proto;
      // the attempts observe looks up (ICMP, rare, is left to observe)
      const attempt = proto === 6 ? tcpOutcome(rec.tcpFlags) : proto === 17 && rec.packets <= 2 ? -1 : 0;
      if (attempt === 0) continue;
      srcWords(rec, w, 0);
      dstWords(rec, w, 4);
      pair[m] = attempt > 0 ? (hashWords(w, 0, 8, 0x3c6ef372) | 1) >>> 0 : 0;
      at[m++] = i;
    }
    let acc = 0;
    for (let i = 0; i < m; i++) { const p = pair[i] ?? 0; if (p !== 0) acc ^= ok[p & OK_MASK] ?? 0; }
    const k = this.sources.key;
    const sh = this.pfSource;
    let q = 0;
    for (let i = 0; i < m; i++) {
      const p = pair[i] ?? 0;
      if (p !== 0 && ok[p & OK_MASK] === p) continue; // the fast path: no source lookup
      const rec = recs[at[i] ?? 0]!;
      srcWords(rec, w, 0);
      k[0] = rec.family; k[1] = w[0] ?? 0; k[2] = w[1] ?? 0; k[3] = w[2] ?? 0; k[4] = w[3] ?? 0;
      sh[q++] = this.sources.hash();
    }
    return acc ^ this.sources.prefetchSets(sh, q);
  }

  observe(rec: FlowRecord, direction: Direction): void {
    this.flows++;
    const proto = rec.proto;
    const w = this.w;
    const now = rec.start;
    let attempt = 0; // -1 failed attempt, 1 successful, 0 none
    let walkOutcome = 0;
    let port = rec.dstPort;
    if (proto === 6) {
      attempt = tcpOutcome(rec.tcpFlags);
      walkOutcome = attempt;
    } else if (proto === 17) {
      if (rec.packets <= 2) attempt = -1;
    } else if (proto === 1 || proto === 58) {
      const type = rec.dstPort >= 256 ? rec.dstPort >>> 8 : rec.srcPort;
      port = 0;
      if ((proto === 1 && type === 8) || (proto === 58 && type === 128)) attempt = -1;
      else if ((proto === 1 && type === 3) || (proto === 58 && type === 1)) {
        // T (src) tells S (dst) it could not be reached: a failed first contact of S with T
        srcWords(rec, w, 4);
        dstWords(rec, w, 0);
        const s = this.sourceSlot(rec.family, 0, now, direction === OUTBOUND ? 1 : 0);
        this.walk(s, hashWords(w, 4, 4), -1);
        return;
      } else return;
    } else return;
    if (attempt === 0) return;
    srcWords(rec, w, 0);
    dstWords(rec, w, 4);
    // fast path: a successful contact of a (source, destination) seen succeeding before changes
    // nothing (the walk counts first contacts, the thresholds count failures); a direct-mapped cache
    // of such pairs spares the source lookup. A cache miss only means the full path below.
    let ph = 0;
    if (attempt > 0) {
      ph = (hashWords(w, 0, 8, 0x3c6ef372) | 1) >>> 0;
      if (this.okPairs[ph & OK_MASK] === ph) { this.fastPath++; return; }
    }
    const s = this.sourceSlot(rec.family, 0, now, direction);
    const dh = hashWords(w, 4, 4);
    if (walkOutcome !== 0) this.walk(s, dh, walkOutcome);
    { const tb = s * S32 + LASTTARGET; const u32 = this.su32; u32[tb] = w[4] ?? 0; u32[tb + 1] = w[5] ?? 0; u32[tb + 2] = w[6] ?? 0; u32[tb + 3] = w[7] ?? 0; }
    if (attempt > 0) { this.okPairs[ph & OK_MASK] = ph; return; }
    const c = this.config;
    // Zeek address scan: distinct hosts on one port per epoch
    {
      const t = this.byPort;
      const k = t.key;
      k[0] = rec.family; k[1] = w[0] ?? 0; k[2] = w[1] ?? 0; k[3] = w[2] ?? 0; k[4] = w[3] ?? 0; k[5] = ((proto << 16) | port) >>> 0;
      const h = t.hash();
      let p = t.find(h);
      if (p < 0 || now - (this.pWin[p] ?? 0) >= c.windowMs) {
        if (p < 0) p = t.insert(h);
        this.pWin[p] = now;
        for (let i = p * BM_WORDS, e = i + BM_WORDS; i < e; i++) this.pBm[i] = 0;
      }
      const bit = dh & 511;
      const idx = p * BM_WORDS + (bit >>> 5);
      const old = this.pBm[idx] ?? 0;
      if ((old & (1 << (bit & 31))) === 0) {
        this.pBm[idx] = old | (1 << (bit & 31));
        const n = linearCount(this.pBm, p * BM_WORDS);
        if (n > (this.su32[s * S32 + MAXHOSTS] ?? 0)) {
          this.su32[s * S32 + MAXHOSTS] = n;
          this.su32[s * S32 + MAXHOSTSPORT] = ((proto << 16) | port) >>> 0;
          if (n >= c.addressScanHosts) this.markDirty(s, F_ADDR);
        }
      }
    }
    // Zeek port scan: distinct ports on one host per epoch
    {
      const t = this.byHost;
      const k = t.key;
      k[0] = rec.family;
      for (let i = 0; i < 8; i++) k[i + 1] = w[i] ?? 0;
      const h = t.hash();
      let p = t.find(h);
      if (p < 0 || now - (this.hWin[p] ?? 0) >= c.windowMs) {
        if (p < 0) p = t.insert(h);
        this.hWin[p] = now;
        for (let i = p * BM_WORDS, e = i + BM_WORDS; i < e; i++) this.hBm[i] = 0;
      }
      const bit = fmix32(((proto << 16) | port) ^ 0x9e3779b9) & 511;
      const idx = p * BM_WORDS + (bit >>> 5);
      const old = this.hBm[idx] ?? 0;
      if ((old & (1 << (bit & 31))) === 0) {
        this.hBm[idx] = old | (1 << (bit & 31));
        const n = linearCount(this.hBm, p * BM_WORDS);
        if (n > (this.su32[s * S32 + MAXPORTS] ?? 0)) {
          this.su32[s * S32 + MAXPORTS] = n;
          const tb = s * S32 + PORTTARGET; const u32 = this.su32; u32[tb] = w[4] ?? 0; u32[tb + 1] = w[5] ?? 0; u32[tb + 2] = w[6] ?? 0; u32[tb + 3] = w[7] ?? 0;
          if (n >= c.portScanPorts) this.markDirty(s, F_PORT);
        }
      }
    }
  }

  /** sets flag bits and F_DIRTY on source s, listing it for the next flush when F_DIRTY was clear */
  private markDirty(s: number, bits: number): void {
    const fi = s * SRC_STRIDE + SFLAGS;
    const f = this.su8[fi] ?? 0;
    this.su8[fi] = f | bits | F_DIRTY;
    if ((f & F_DIRTY) === 0) this.dirty.push(s);
  }

  /**
   * emits a finding for every source that crossed a threshold or progressed since the last flush:
   * the sources listed when their F_DIRTY was set (in slot order, as a sweep of the table would), not
   * a sweep of the table
   */
  flush(_now: number): void {
    const t = this.sources;
    const c = this.config;
    const u32 = this.su32;
    const list = this.dirty.drain();
    this.flushVisited += list.length;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (!t.isUsed(s)) continue;
      const fi = s * SRC_STRIDE + SFLAGS;
      const f = this.su8[fi] ?? 0;
      if ((f & F_DIRTY) === 0) continue;
      this.su8[fi] = f & ~F_DIRTY;
      if ((f & (F_SCANNER | F_ADDR | F_PORT)) === 0) continue;
      const r = s * S32;
      const family = (u32[r] ?? 4) as number;
      const scanner = wordsToString(family, u32, r + 1);
      const dir = (this.su8[s * SRC_STRIDE + SDIR] ?? 0) as Direction;
      const llr = this.sf64[s * S64 + LLR] ?? 0;
      const maxHosts = u32[r + MAXHOSTS] ?? 0;
      const maxPorts = u32[r + MAXPORTS] ?? 0;
      const trw = f & F_SCANNER ? 1 : Math.max(0, Math.min(1, llr / this.upper));
      const addr = Math.min(1, maxHosts / c.addressScanHosts);
      const port = Math.min(1, maxPorts / c.portScanPorts);
      const hpp = u32[r + MAXHOSTSPORT] ?? 0;
      const lastTarget = wordsToString(family, u32, r + LASTTARGET);
      const portTarget = maxPorts > 0 ? wordsToString(family, u32, r + PORTTARGET) : null;
      const inbound = dir !== OUTBOUND;
      const external = inbound ? scanner : null;
      const domestic = inbound ? [...new Set([lastTarget, ...(portTarget ? [portTarget] : [])])] : [scanner];
      const finding: Finding = {
        type: 'scan',
        key: findingKey('scan', external, 0, 0, inbound ? undefined : scanner),
        external,
        port: addr >= 1 ? hpp & 0xffff : 0,
        proto: addr >= 1 ? hpp >>> 16 : 0,
        direction: directionName(dir),
        domestic,
        domesticCount: inbound ? Math.max(maxHosts, domestic.length) : 1,
        firstSeen: this.sf64[s * S64 + SFIRST] ?? 0,
        lastSeen: this.sf64[s * S64 + SLAST] ?? 0,
        score: r3(Math.max(trw, addr, port)),
        subscores: { trw: r3(trw), addressScan: r3(addr), portScan: r3(port) },
        evidence: {
          scanner,
          firstContacts: u32[r + CONTACTS] ?? 0,
          failedFirstContacts: u32[r + FAILS] ?? 0,
          successfulFirstContacts: u32[r + SUCC] ?? 0,
          trwDecided: (f & F_SCANNER) !== 0,
          logLikelihoodRatio: r3(llr),
          trwThreshold: r3(this.upper),
          maxHostsOnOnePort: { hosts: maxHosts, port: hpp & 0xffff, proto: hpp >>> 16, threshold: c.addressScanHosts },
          maxPortsOnOneHost: { ports: maxPorts, host: portTarget, threshold: c.portScanPorts },
          lastTarget,
          windowSeconds: c.windowMs / 1000,
        },
        updates: 1,
      };
      this.emitted++;
      this.sink(finding);
    }
  }

  /** the walk's state of one source address (tests, tools) */
  sourceState(family: number, words: Uint32Array): { llr: number; scanner: boolean; contacts: number } | null {
    const t = this.sources;
    const k = t.key;
    k[0] = family; k.set(words, 1);
    const s = t.find(t.hash());
    if (s < 0) return null;
    return { llr: this.sf64[s * S64 + LLR] ?? 0, scanner: ((this.su8[s * SRC_STRIDE + SFLAGS] ?? 0) & F_SCANNER) !== 0, contacts: this.su32[s * S32 + CONTACTS] ?? 0 };
  }

  stats(): DetectorStats {
    const b = this.bytesPerKey();
    return {
      tracked: this.sources.size + this.byPort.size + this.byHost.size,
      capacity: this.sources.capacity + this.byPort.capacity + this.byHost.capacity,
      evictions: this.sources.evictions + this.byPort.evictions + this.byHost.evictions,
      expired: 0,
      flows: this.flows,
      emitted: this.emitted,
      bytesPerKey: Math.round(Math.max(b.source, b.byPort, b.byHost)),
    };
  }
}
