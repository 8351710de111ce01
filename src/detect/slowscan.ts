/**
 * Scans the 5-minute views of scan.ts cannot see (issue #21), on TCP probes only (a SYN that was not
 * answered or refused, or a connection of at most `probePackets` packets):
 *
 * - slow vertical: one initiator probing `verticalPorts` (30) distinct ports of one host within
 *   `verticalWindowMs` (24 h): 40 ports over 14 h, one every 20 min, stays under Zeek's 15 ports in
 *   5 minutes but not under a day's view;
 * - distributed: initiators of one /24 (IPv6: /48) that together probe `distributedHosts` (20)
 *   distinct domestic hosts from at least `distributedSources` (10) sources within
 *   `distributedWindowMs` (2 h): each source stays under every per-source threshold. Inbound only
 *   (a domestic side is a pseudonym, and its prefix says nothing);
 * - repeated failure: `repeatedFailures` (100) failed attempts (SYN not answered or refused) from one
 *   initiator to one port of one host within 24 h: a brute force, a worm, or a program retrying a
 *   dead server on a timer (outbound ones are single-host evidence: suspected, tier.ts).
 *
 * Findings are of type `scan` with `evidence.kind` naming the view. Memory: three tables capped at
 * `capacity` keys each (the tenth seen longest ago dropped when full), each key holding at most 256
 * ports / sources / hosts; probes are a small share of traffic, other flows cost one test.
 */
import type { FlowRecord } from '../flow/index.js';
import type { DetectorStats, Finding, FindingSink } from './finding.js';
import { findingKey } from './finding.js';
import { directionName, dstWords, hashWords, INBOUND, OUTBOUND, srcWords, wordsToString } from './hash.js';
import type { Direction } from './hash.js';
import { tcpOutcome } from './scan.js';

export interface SlowScanConfig {
  probePackets: number;
  verticalPorts: number;
  verticalWindowMs: number;
  distributedSources: number;
  distributedHosts: number;
  distributedWindowMs: number;
  repeatedFailures: number;
  repeatedWindowMs: number;
  capacity: number;
}

export const DEFAULT_SLOWSCAN_CONFIG: SlowScanConfig = {
  probePackets: 3,
  verticalPorts: 30,
  verticalWindowMs: 24 * 3600_000,
  distributedSources: 10,
  distributedHosts: 20,
  distributedWindowMs: 2 * 3600_000,
  repeatedFailures: 100,
  repeatedWindowMs: 24 * 3600_000,
  capacity: 50_000,
};

const SET_CAP = 256;

type Kind = 'slow-vertical' | 'distributed' | 'repeated-failure';
const KINDS: readonly Kind[] = ['slow-vertical', 'distributed', 'repeated-failure'];
const VERTICAL = 0;
const DISTRIBUTED = 1;
const REPEATED = 2;
/** key words per view: [family, initiator ×4, target ×4] (vertical), [family, net, net] (distributed), + port (repeated) */
const KEY_WORDS = [9, 3, 10] as const;
const FIRST_SLOTS = 256;

/**
 * One view's entries: keys of fixed width in a growing typed array, chained by their hash; slot
 * numbers never move (growth copies the arrays and rebuilds the chains), so the per-slot fields are
 * plain arrays indexed by slot. Replaces string-keyed maps: a probe builds no strings.
 */
class View {
  readonly words: number;
  keys: Uint32Array;
  private hashes: Int32Array;
  private next: Int32Array;
  private heads: Int32Array;
  private mask: number;
  private used: Uint8Array;
  private freeHead = -1;
  fresh = 0;
  size = 0;
  first: Float64Array;
  last: Float64Array;
  /** insertion order (a map's iteration order, the eviction tie-break) */
  seq: Float64Array;
  count: Int32Array;
  port: Int32Array;
  proto: Uint8Array;
  direction: Uint8Array;
  reported: Uint8Array;
  /** ports (vertical), sources (distributed) */
  a: (Set<number | string> | undefined)[] = [];
  /** hosts (distributed) */
  b: (Set<number | string> | undefined)[] = [];

  constructor(words: number, private readonly cap: number) {
    this.words = words;
    const n = Math.min(FIRST_SLOTS, cap);
    this.keys = new Uint32Array(n * words);
    this.hashes = new Int32Array(n);
    this.next = new Int32Array(n);
    this.used = new Uint8Array(n);
    this.first = new Float64Array(n);
    this.last = new Float64Array(n);
    this.seq = new Float64Array(n);
    this.count = new Int32Array(n);
    this.port = new Int32Array(n);
    this.proto = new Uint8Array(n);
    this.direction = new Uint8Array(n);
    this.reported = new Uint8Array(n);
    this.heads = new Int32Array(1);
    this.mask = 0;
    this.rebuild();
  }

  /** slot holding key[at..at+words), or -1 */
  find(key: Uint32Array, at: number, h: number): number {
    h |= 0;
    let s = this.heads[h & this.mask] ?? -1;
    const w = this.words;
    const keys = this.keys;
    while (s >= 0) {
      if (this.hashes[s] === h) {
        const b = s * w;
        let i = 0;
        while (i < w && keys[b + i] === key[at + i]) i++;
        if (i === w) return s;
      }
      s = this.next[s] ?? -1;
    }
    return -1;
  }

  /** inserts key[at..at+words) (absent; the caller keeps size under the cap) */
  insert(key: Uint32Array, at: number, h: number): number {
    h |= 0;
    let s: number;
    if (this.freeHead >= 0) { s = this.freeHead; this.freeHead = this.next[s] ?? -1; } else {
      if (this.fresh === this.used.length) this.grow();
      s = this.fresh++;
    }
    const w = this.words;
    for (let i = 0; i < w; i++) this.keys[s * w + i] = key[at + i] ?? 0;
    this.hashes[s] = h;
    this.next[s] = this.heads[h & this.mask] ?? -1;
    this.heads[h & this.mask] = s;
    this.used[s] = 1;
    this.size++;
    return s;
  }

  remove(s: number): void {
    if (!this.used[s]) return;
    const b = (this.hashes[s] ?? 0) & this.mask;
    let x = this.heads[b] ?? -1;
    let prev = -1;
    while (x >= 0 && x !== s) { prev = x; x = this.next[x] ?? -1; }
    if (prev < 0) this.heads[b] = this.next[s] ?? -1;
    else this.next[prev] = this.next[s] ?? -1;
    this.used[s] = 0;
    this.a[s] = undefined;
    this.b[s] = undefined;
    this.next[s] = this.freeHead;
    this.freeHead = s;
    this.size--;
  }

  isUsed(s: number): boolean {
    return this.used[s] === 1;
  }

  private grow(): void {
    const n = Math.min(this.cap, this.used.length * 2);
    const g = <T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(x: T, m: number): T => {
      const y = new (x.constructor as new (k: number) => T)(m);
      y.set(x);
      return y;
    };
    this.keys = g(this.keys, n * this.words);
    this.hashes = g(this.hashes, n);
    this.next = g(this.next, n);
    this.used = g(this.used, n);
    this.first = g(this.first, n);
    this.last = g(this.last, n);
    this.seq = g(this.seq, n);
    this.count = g(this.count, n);
    this.port = g(this.port, n);
    this.proto = g(this.proto, n);
    this.direction = g(this.direction, n);
    this.reported = g(this.reported, n);
    this.rebuild();
  }

  /** buckets: one per slot of the store, chains rebuilt (slots stay where they are) */
  private rebuild(): void {
    let b = 1;
    while (b < this.used.length) b <<= 1;
    this.heads = new Int32Array(b).fill(-1);
    this.mask = b - 1;
    for (let s = 0; s < this.fresh; s++) {
      if (!this.used[s]) continue;
      const k = (this.hashes[s] ?? 0) & this.mask;
      this.next[s] = this.heads[k] ?? -1;
      this.heads[k] = s;
    }
  }
}

const addr4 = new Uint32Array(4);

/** a distributed entry's members as text: v4 ones are held as their address word */
function addressList(set: Set<number | string>): string[] {
  const out: string[] = [];
  for (const x of set) {
    if (typeof x === 'string') out.push(x);
    else { addr4[3] = x; out.push(wordsToString(4, addr4, 0)); }
  }
  return out;
}

export class SlowScanDetector {
  readonly config: SlowScanConfig;
  private readonly views: View[];
  /** views and key words of the entries marked since the last flush, in the order first marked */
  private dirtyKinds: number[] = [];
  private dirtyKeys: Uint32Array[] = [];
  /** per view and slot: 1 when its key is in the dirty list */
  private readonly marked: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)];
  /** one scratch key per view: the address words of the flow in place */
  private readonly k = [new Uint32Array(9), new Uint32Array(3), new Uint32Array(10)];
  private seq = 0;
  private readonly sink: FindingSink;
  flows = 0;
  probes = 0;
  emitted = 0;
  evictions = 0;

  constructor(config: Partial<SlowScanConfig>, sink: FindingSink) {
    this.config = { ...DEFAULT_SLOWSCAN_CONFIG, ...config };
    this.sink = sink;
    this.views = KEY_WORDS.map((w) => new View(w, Math.max(1, this.config.capacity)));
  }

  observe(rec: FlowRecord, direction: Direction): void {
    this.flows++;
    if (rec.proto !== 6) return;
    const outcome = tcpOutcome(rec.tcpFlags);
    if (outcome === 0) return;
    const failed = outcome < 0;
    if (!failed && rec.packets > this.config.probePackets) return;
    this.probes++;
    const c = this.config;
    // slow vertical: [family, initiator, target]
    const kv = this.k[VERTICAL]!;
    kv[0] = rec.family;
    srcWords(rec, kv, 1);
    dstWords(rec, kv, 5);
    const hv = hashWords(kv, 0, 9);
    const v = this.entry(VERTICAL, kv, hv, rec, direction, c.verticalWindowMs);
    const view = this.views[VERTICAL]!;
    let ports = view.a[v];
    if (!ports) { ports = new Set(); view.a[v] = ports; }
    if (ports.size < SET_CAP) ports.add(rec.dstPort);
    if (ports.size >= c.verticalPorts) this.mark(VERTICAL, v);
    // repeated failures: [family, initiator, target, port]
    if (failed) {
      const kr = this.k[REPEATED]!;
      kr.set(kv, 0);
      kr[9] = rec.dstPort;
      const r = this.entry(REPEATED, kr, hashWords(kr, 0, 10), rec, direction, c.repeatedWindowMs);
      const rv = this.views[REPEATED]!;
      const n = (rv.count[r] ?? 0) + 1;
      rv.count[r] = n;
      if (n >= c.repeatedFailures) this.mark(REPEATED, r);
    }
    // distributed, inbound: sources grouped by /24 (/48)
    if (direction === INBOUND) {
      const kd = this.k[DISTRIBUTED]!;
      kd[0] = rec.family;
      if (rec.family === 4) { kd[1] = (kv[4]! >>> 8) << 8; kd[2] = 0; } else { kd[1] = kv[1]!; kd[2] = (kv[2]! >>> 16) << 16; }
      const d = this.entry(DISTRIBUTED, kd, hashWords(kd, 0, 3), rec, direction, c.distributedWindowMs);
      const dv = this.views[DISTRIBUTED]!;
      let src = dv.a[d];
      if (!src) { src = new Set(); dv.a[d] = src; }
      let hosts = dv.b[d];
      if (!hosts) { hosts = new Set(); dv.b[d] = hosts; }
      // v4: the address word itself; v6: its text (a set member only needs to be one per address)
      if (src.size < SET_CAP) src.add(rec.family === 4 ? kv[4]! : wordsToString(6, kv, 1));
      if (hosts.size < SET_CAP) hosts.add(rec.family === 4 ? kv[8]! : wordsToString(6, kv, 5));
      if (src.size >= c.distributedSources && hosts.size >= c.distributedHosts) this.mark(DISTRIBUTED, d);
    }
  }

  private entry(kind: number, key: Uint32Array, h: number, rec: FlowRecord, direction: Direction, windowMs: number): number {
    const m = this.views[kind]!;
    let e = m.find(key, 0, h);
    if (e >= 0 && rec.start - m.first[e]! > windowMs && !m.reported[e]) { m.remove(e); e = -1; }
    if (e < 0) {
      if (m.size >= this.config.capacity) this.evict(kind);
      e = m.insert(key, 0, h);
      m.first[e] = rec.start;
      m.last[e] = rec.end;
      m.seq[e] = this.seq++;
      m.count[e] = 0;
      m.port[e] = rec.dstPort;
      m.proto[e] = rec.proto;
      m.direction[e] = direction;
      m.reported[e] = 0;
      const mk = this.marked[kind]!;
      if (e < mk.length) mk[e] = 0;
    }
    if (rec.start < m.first[e]!) m.first[e] = rec.start;
    if (rec.end > m.last[e]!) m.last[e] = rec.end;
    return e;
  }

  private mark(kind: number, e: number): void {
    const m = this.views[kind]!;
    m.reported[e] = 1;
    let mk = this.marked[kind]!;
    if (e >= mk.length) {
      const g = new Uint8Array(Math.max(64, m.keys.length / m.words));
      g.set(mk);
      mk = g;
      this.marked[kind] = g;
    }
    if (mk[e]) return;
    mk[e] = 1;
    this.dirtyKinds.push(kind);
    this.dirtyKeys.push(m.keys.slice(e * m.words, (e + 1) * m.words));
  }

  /** drops the tenth of the view seen longest ago (last end, then first inserted) */
  private evict(kind: number): void {
    const m = this.views[kind]!;
    const all: number[] = [];
    for (let s = 0; s < m.fresh; s++) if (m.isUsed(s)) all.push(s);
    all.sort((x, y) => (m.last[x]! - m.last[y]!) || (m.seq[x]! - m.seq[y]!));
    for (let i = 0; i < Math.max(1, Math.floor(all.length / 10)); i++) { m.remove(all[i]!); this.evictions++; }
  }

  flush(_now: number): void {
    const kinds = this.dirtyKinds;
    const keys = this.dirtyKeys;
    this.dirtyKinds = [];
    this.dirtyKeys = [];
    for (const mk of this.marked) mk.fill(0);
    // a key marked, evicted and inserted again is listed twice: emitted once, where first marked
    const done: Set<number>[] = [new Set(), new Set(), new Set()];
    for (let i = 0; i < kinds.length; i++) {
      const kind = kinds[i]!;
      const key = keys[i]!;
      const m = this.views[kind]!;
      const e = m.find(key, 0, hashWords(key, 0, m.words));
      if (e < 0 || done[kind]!.has(e)) continue;
      done[kind]!.add(e);
      this.emit(kind, e);
    }
  }

  private emit(k: number, e: number): void {
    const c = this.config;
    const m = this.views[k]!;
    const kind = KINDS[k]!;
    const w = m.words;
    const key = m.keys.subarray(e * w, (e + 1) * w);
    const family = key[0]!;
    const inbound = m.direction[e] === INBOUND;
    const first = m.first[e]!;
    const last = m.last[e]!;
    let external: string | null;
    let domestic: string[];
    let score: number;
    let evidence: Record<string, unknown>;
    let port = 0;
    if (k === DISTRIBUTED) {
      const a = m.a[e] ?? new Set();
      const b = m.b[e] ?? new Set();
      const x = key[1]!;
      const network = family === 4
        ? `${(x >>> 24) & 255}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.0/24`
        : `${(x >>> 16).toString(16)}:${(x & 0xffff).toString(16)}:${(key[2]! >>> 16).toString(16)}::/48`;
      external = network.slice(0, network.indexOf('/'));
      domestic = addressList(b).sort().slice(0, 50);
      score = Math.min(0.9, 0.6 + 0.1 * Math.log2(a.size / c.distributedSources) + 0.1 * Math.log2(b.size / c.distributedHosts));
      evidence = { kind, network, sources: addressList(a).sort().slice(0, 50), sourceCount: a.size, hosts: b.size, windowHours: c.distributedWindowMs / 3600_000 };
    } else {
      const initiator = wordsToString(family, key, 1);
      const target = wordsToString(family, key, 5);
      external = inbound ? initiator : target;
      domestic = [inbound ? target : initiator];
      if (k === VERTICAL) {
        const a = m.a[e] ?? new Set();
        score = Math.min(0.9, 0.6 + 0.1 * Math.log2(a.size / c.verticalPorts));
        evidence = { kind, ports: a.size, portList: [...a].sort((x, y) => Number(x) - Number(y)).slice(0, 64), spanHours: Math.round((last - first) / 360_000) / 10 };
      } else {
        port = m.port[e]!;
        score = Math.min(0.9, 0.6 + 0.1 * Math.log2(m.count[e]! / c.repeatedFailures));
        evidence = { kind, failedAttempts: m.count[e]!, spanHours: Math.round((last - first) / 360_000) / 10 };
      }
    }
    const f: Finding = {
      type: 'scan',
      key: findingKey('scan', external, port, k === REPEATED ? m.proto[e]! : 0, `${kind}|${domestic[0] ?? ''}`),
      external,
      port,
      proto: k === REPEATED ? m.proto[e]! : 0,
      direction: directionName(k === DISTRIBUTED ? INBOUND : m.direction[e] === OUTBOUND ? OUTBOUND : INBOUND),
      domestic,
      domesticCount: k === DISTRIBUTED ? (m.b[e]?.size ?? 0) : 1,
      firstSeen: first,
      lastSeen: last,
      score: Math.round(score * 1000) / 1000,
      subscores: { [kind]: Math.round(score * 1000) / 1000 },
      evidence,
      updates: 1,
    };
    this.emitted++;
    this.sink(f);
  }

  stats(): DetectorStats {
    let n = 0;
    for (const m of this.views) n += m.size;
    return { tracked: n, capacity: 3 * this.config.capacity, evictions: this.evictions, expired: 0, flows: this.flows, emitted: this.emitted, bytesPerKey: 0 };
  }
}
