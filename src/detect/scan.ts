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
import { KeyTable } from './table.js';

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
  readonly sources: KeyTable;
  readonly byPort: KeyTable;
  readonly byHost: KeyTable;
  // per source
  private readonly llr: Float64Array;
  private readonly sFirst: Float64Array;
  private readonly sLast: Float64Array;
  private readonly contacts: Uint32Array;
  private readonly fails: Uint32Array;
  private readonly succ: Uint32Array;
  private readonly bloom: Uint32Array;
  private readonly sFlags: Uint8Array;
  private readonly sDir: Uint8Array;
  private readonly maxHosts: Uint32Array;
  private readonly maxHostsPort: Uint32Array;
  private readonly maxPorts: Uint32Array;
  /** the host of maxPorts, and the last target seen (4 words each) */
  private readonly targets: Uint32Array;
  // per (source, port) and (source, host)
  private readonly pWin: Float64Array;
  private readonly pBm: Uint32Array;
  private readonly hWin: Float64Array;
  private readonly hBm: Uint32Array;
  private readonly w = new Uint32Array(8);
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

  constructor(config: Partial<ScanConfig>, sink: FindingSink) {
    const c = { ...DEFAULT_SCAN_CONFIG, ...config };
    this.config = c;
    this.sink = sink;
    this.lnFail = Math.log((1 - c.theta1) / (1 - c.theta0));
    this.lnSucc = Math.log(c.theta1 / c.theta0);
    this.upper = Math.log(c.beta / c.alpha);
    this.lower = Math.log((1 - c.beta) / (1 - c.alpha));
    const n = c.sourceCapacity;
    this.llr = new Float64Array(n);
    this.sFirst = new Float64Array(n);
    this.sLast = new Float64Array(n);
    this.contacts = new Uint32Array(n);
    this.fails = new Uint32Array(n);
    this.succ = new Uint32Array(n);
    this.bloom = new Uint32Array(n * BLOOM_WORDS);
    this.sFlags = new Uint8Array(n);
    this.sDir = new Uint8Array(n);
    this.maxHosts = new Uint32Array(n);
    this.maxHostsPort = new Uint32Array(n);
    this.maxPorts = new Uint32Array(n);
    this.targets = new Uint32Array(n * 8);
    this.sources = new KeyTable({ capacity: n, words: 5, utility: (s) => (this.sLast[s] ?? 0) + ((this.sFlags[s] ?? 0) & F_SCANNER ? 24 * 3600_000 : 0) + Math.max(0, this.llr[s] ?? 0) * 600_000, seed: 0x5ca1 });
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
      source: this.sources.bytesPerSlot() + 8 * 3 + 4 * 6 + BLOOM_WORDS * 4 + 2 + 32,
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
    if (s < 0) {
      s = t.insert(h);
      this.llr[s] = 0; this.sFirst[s] = now; this.contacts[s] = 0; this.fails[s] = 0; this.succ[s] = 0;
      for (let i = s * BLOOM_WORDS, e = i + BLOOM_WORDS; i < e; i++) this.bloom[i] = 0;
      this.sFlags[s] = 0; this.sDir[s] = dir; this.maxHosts[s] = 0; this.maxHostsPort[s] = 0; this.maxPorts[s] = 0;
      for (let i = s * 8, e = i + 8; i < e; i++) this.targets[i] = 0;
    }
    this.sLast[s] = now;
    return s;
  }

  /** TRW step on a first contact of source slot s with the destination hashed to dh */
  private walk(s: number, dh: number, outcome: number): void {
    const h1 = dh & 511;
    const h2 = fmix32(dh) & 511;
    const b = s * BLOOM_WORDS;
    const seen = ((this.bloom[b + (h1 >>> 5)] ?? 0) & (1 << (h1 & 31))) !== 0 && ((this.bloom[b + (h2 >>> 5)] ?? 0) & (1 << (h2 & 31))) !== 0;
    if (seen) return;
    this.bloom[b + (h1 >>> 5)] = (this.bloom[b + (h1 >>> 5)] ?? 0) | (1 << (h1 & 31));
    this.bloom[b + (h2 >>> 5)] = (this.bloom[b + (h2 >>> 5)] ?? 0) | (1 << (h2 & 31));
    this.contacts[s] = (this.contacts[s] ?? 0) + 1;
    if (outcome < 0) this.fails[s] = (this.fails[s] ?? 0) + 1;
    else this.succ[s] = (this.succ[s] ?? 0) + 1;
    const f = this.sFlags[s] ?? 0;
    if (f & F_SCANNER) { this.sFlags[s] = f | F_DIRTY; return; }
    const l = (this.llr[s] ?? 0) + (outcome < 0 ? this.lnFail : this.lnSucc);
    if (l >= this.upper) { this.llr[s] = l; this.sFlags[s] = f | F_SCANNER | F_DIRTY; }
    else if (l <= this.lower) this.llr[s] = 0;
    else this.llr[s] = l;
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
    { const tb = s * 8 + 4; this.targets[tb] = w[4] ?? 0; this.targets[tb + 1] = w[5] ?? 0; this.targets[tb + 2] = w[6] ?? 0; this.targets[tb + 3] = w[7] ?? 0; }
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
        if (n > (this.maxHosts[s] ?? 0)) {
          this.maxHosts[s] = n;
          this.maxHostsPort[s] = ((proto << 16) | port) >>> 0;
          if (n >= c.addressScanHosts) this.sFlags[s] = (this.sFlags[s] ?? 0) | F_ADDR | F_DIRTY;
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
        if (n > (this.maxPorts[s] ?? 0)) {
          this.maxPorts[s] = n;
          const tb = s * 8; this.targets[tb] = w[4] ?? 0; this.targets[tb + 1] = w[5] ?? 0; this.targets[tb + 2] = w[6] ?? 0; this.targets[tb + 3] = w[7] ?? 0;
          if (n >= c.portScanPorts) this.sFlags[s] = (this.sFlags[s] ?? 0) | F_PORT | F_DIRTY;
        }
      }
    }
  }

  /** emits a finding for every source that crossed a threshold or progressed since the last flush */
  flush(_now: number): void {
    const t = this.sources;
    const end = t.end();
    const c = this.config;
    for (let s = 0; s < end; s++) {
      if (!t.isUsed(s)) continue;
      const f = this.sFlags[s] ?? 0;
      if ((f & F_DIRTY) === 0) continue;
      this.sFlags[s] = f & ~F_DIRTY;
      if ((f & (F_SCANNER | F_ADDR | F_PORT)) === 0) continue;
      const family = (t.keys[s * 5] ?? 4) as number;
      const scanner = wordsToString(family, t.keys, s * 5 + 1);
      const dir = (this.sDir[s] ?? 0) as Direction;
      const trw = f & F_SCANNER ? 1 : Math.max(0, Math.min(1, (this.llr[s] ?? 0) / this.upper));
      const addr = Math.min(1, (this.maxHosts[s] ?? 0) / c.addressScanHosts);
      const port = Math.min(1, (this.maxPorts[s] ?? 0) / c.portScanPorts);
      const hpp = this.maxHostsPort[s] ?? 0;
      const lastTarget = wordsToString(family, this.targets, s * 8 + 4);
      const portTarget = (this.maxPorts[s] ?? 0) > 0 ? wordsToString(family, this.targets, s * 8) : null;
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
        domesticCount: inbound ? Math.max(this.maxHosts[s] ?? 0, domestic.length) : 1,
        firstSeen: this.sFirst[s] ?? 0,
        lastSeen: this.sLast[s] ?? 0,
        score: r3(Math.max(trw, addr, port)),
        subscores: { trw: r3(trw), addressScan: r3(addr), portScan: r3(port) },
        evidence: {
          scanner,
          firstContacts: this.contacts[s] ?? 0,
          failedFirstContacts: this.fails[s] ?? 0,
          successfulFirstContacts: this.succ[s] ?? 0,
          trwDecided: (f & F_SCANNER) !== 0,
          logLikelihoodRatio: r3(this.llr[s] ?? 0),
          trwThreshold: r3(this.upper),
          maxHostsOnOnePort: { hosts: this.maxHosts[s] ?? 0, port: hpp & 0xffff, proto: hpp >>> 16, threshold: c.addressScanHosts },
          maxPortsOnOneHost: { ports: this.maxPorts[s] ?? 0, host: portTarget, threshold: c.portScanPorts },
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
    return { llr: this.llr[s] ?? 0, scanner: ((this.sFlags[s] ?? 0) & F_SCANNER) !== 0, contacts: this.contacts[s] ?? 0 };
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
