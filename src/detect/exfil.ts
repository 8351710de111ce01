/**
 * Exfiltration (issue #21): a domestic host sending a large volume to a foreign address it had not
 * talked to before. Its own finding type: before, such an upload showed only by accident as an
 * outbound "DDoS", and only in one record order.
 *
 *   new destination  the (domestic, external) pair was first seen at most `newMaxAgeMs` (7 days)
 *                    before the volume crossed the threshold; a pair older than that (a backup
 *                    target, a sync service used for weeks) is not new
 *   volume           bytes of the pair's outbound records in a window of `windowMs` (24 h) reach
 *                    `minBytes` (1 GB); records under `minRecordBytes` are not counted (they are no
 *                    upload, and skipping them keeps the volume map small)
 *   score            0.5 at the threshold, + 0.1 per doubling, at most 0.9
 *
 * Bytes are what the record says: unidirectional exports (NetFlow, IPFIX, sFlow) count the domestic
 * host's sending only; bidirectional formats (Zeek's conn.log, Argus) count both ways, so a large
 * download from a new server reads as an upload too. The finding is single-host evidence and is
 * suspected until corroborated (tier.ts).
 *
 * Memory: pair ages in an open-addressed table (two 32-bit hashes, first and last seen in minutes;
 * 16 bytes a pair; growing from 64 KiB by doubling when a bucket overflows, up to `pairCapacity`
 * pairs, then the least recently seen of a 4-slot bucket replaced)
 * plus at most `capacity` volume entries (JS objects, only for pairs with records ≥ minRecordBytes).
 * Ages follow the pairs' hashes of the addresses, seeded by a constant (not the pseudonym key).
 */
import type { FlowRecord } from '../flow/index.js';
import type { DetectorStats, Finding, FindingSink } from './finding.js';
import { findingKey } from './finding.js';
import { dstWords, fmix32, OUTBOUND, srcWords, wordsToString } from './hash.js';
import type { Direction } from './hash.js';

export interface ExfilConfig {
  minBytes: number;
  minRecordBytes: number;
  windowMs: number;
  newMaxAgeMs: number;
  /** pairs whose first-seen time is kept (rounded up to a power of two, times 4 slots) */
  pairCapacity: number;
  /** pairs with a volume being summed */
  capacity: number;
}

export const DEFAULT_EXFIL_CONFIG: ExfilConfig = {
  minBytes: 1e9,
  minRecordBytes: 1e6,
  windowMs: 24 * 3600_000,
  newMaxAgeMs: 7 * 24 * 3600_000,
  pairCapacity: 1_000_000,
  capacity: 10_000,
};

const WAYS = 4;
/** buckets allocated at first (64 KiB); the table doubles when a bucket overflows, up to pairCapacity */
const FIRST_BUCKETS = 1024;

interface Volume {
  domestic: string;
  external: string;
  port: number;
  proto: number;
  pairFirst: number;
  first: number;
  last: number;
  bytes: number;
  records: number;
  emitted: boolean;
}

export class ExfilDetector {
  readonly config: ExfilConfig;
  /**
   * pair ages, a bucket of WAYS (4) pairs in 4 × WAYS words side by side (one 64-byte line: a lookup
   * reads one place, not four arrays): [hash 1 × 4][hash 2 × 4 (0: free)][first minute × 4][last minute × 4]
   */
  private pairs: Uint32Array;
  private readonly slots: number;
  private mask: number;
  /** the bucket count of the configured capacity: the table grows (doubling) up to it */
  private readonly maxBuckets: number;
  private readonly w = new Uint32Array(8);
  private readonly vols = new Map<string, Volume>();
  private readonly dirty = new Set<string>();
  private readonly sink: FindingSink;
  flows = 0;
  emitted = 0;
  evictions = 0;
  tracked = 0;

  constructor(config: Partial<ExfilConfig>, sink: FindingSink) {
    this.config = { ...DEFAULT_EXFIL_CONFIG, ...config };
    this.sink = sink;
    let buckets = 1;
    while (buckets * WAYS < this.config.pairCapacity) buckets *= 2;
    this.maxBuckets = buckets;
    this.slots = buckets * WAYS;
    const first = Math.min(buckets, FIRST_BUCKETS);
    this.mask = first - 1;
    this.pairs = new Uint32Array(first * WAYS * 4);
  }

  /**
   * Doubles the bucket array (up to the configured size): each bucket's pairs split between its two
   * successors by the next bit of their stored hash, in their way order, so no pair is lost and the
   * table holds what the full-size table would hold (a full-size table evicts only from a bucket of
   * more than WAYS pairs, and those pairs share every smaller bucket too: the smaller table grows there).
   */
  private grow(): void {
    const old = this.pairs;
    const oldBuckets = this.mask + 1;
    const buckets = oldBuckets * 2;
    const p = new Uint32Array(buckets * WAYS * 4);
    for (let ob = 0; ob < oldBuckets; ob++) {
      const base = ob * WAYS * 4;
      const fill = [0, 0];
      for (let i = 0; i < WAYS; i++) {
        if (old[base + WAYS + i] === 0) continue;
        const a = old[base + i] ?? 0;
        const half = (a & oldBuckets) === 0 ? 0 : 1;
        const nb = (ob + half * oldBuckets) * WAYS * 4;
        const j = fill[half]!++;
        p[nb + j] = a;
        p[nb + WAYS + j] = old[base + WAYS + i] ?? 0;
        p[nb + 2 * WAYS + j] = old[base + 2 * WAYS + i] ?? 0;
        p[nb + 3 * WAYS + j] = old[base + 3 * WAYS + i] ?? 0;
      }
    }
    this.pairs = p;
    this.mask = buckets - 1;
  }

  bytesPerKey(): number {
    return 16;
  }

  /** the pair's first-seen time in minutes (inserting it as seen now when new) */
  private age(now: number): number {
    // hashWords(w, 0, 8, seed) under the two seeds in one pass (a word's mix does not depend on the seed)
    const w = this.w;
    let h1 = 0x6578666c;
    let h2 = 0x2545f491;
    for (let i = 0; i < 8; i++) {
      let k = w[i] ?? 0;
      k = Math.imul(k, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h1 ^= k;
      h1 = (h1 << 13) | (h1 >>> 19);
      h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      h2 ^= k;
      h2 = (h2 << 13) | (h2 >>> 19);
      h2 = (Math.imul(h2, 5) + 0xe6546b64) | 0;
    }
    const a = fmix32(h1 ^ 8) >>> 0;
    const b = (fmix32(h2 ^ 8) | 1) >>> 0;
    const m = Math.max(1, Math.floor(now / 60_000));
    const p = this.pairs;
    // bucket words: H1 at +i, H2 at +WAYS+i, FIRST at +2·WAYS+i, LAST at +3·WAYS+i
    const base = (a & this.mask) * WAYS * 4;
    let victim = 0;
    for (let i = 0; i < WAYS; i++) {
      if (p[base + WAYS + i] === b && p[base + i] === a) {
        if (m > (p[base + 3 * WAYS + i] ?? 0)) p[base + 3 * WAYS + i] = m;
        if (m < (p[base + 2 * WAYS + i] ?? 0)) p[base + 2 * WAYS + i] = m;
        return p[base + 2 * WAYS + i] ?? m;
      }
      if (p[base + WAYS + i] === 0) { victim = i; break; }
      if ((p[base + 3 * WAYS + i] ?? 0) < (p[base + 3 * WAYS + victim] ?? 0)) victim = i;
    }
    if (p[base + WAYS + victim] !== 0) {
      // a full bucket: the table grows while under its configured size (nothing is evicted before)
      if (this.mask + 1 < this.maxBuckets) { this.grow(); return this.age(now); }
      this.evictions++;
    } else this.tracked++;
    p[base + victim] = a; p[base + WAYS + victim] = b; p[base + 2 * WAYS + victim] = m; p[base + 3 * WAYS + victim] = m;
    return m;
  }

  observe(rec: FlowRecord, direction: Direction): void {
    if (direction !== OUTBOUND) return;
    this.flows++;
    const w = this.w;
    srcWords(rec, w, 0);
    dstWords(rec, w, 4);
    const firstMin = this.age(rec.start);
    if (rec.bytes < this.config.minRecordBytes) return;
    const pairFirst = firstMin * 60_000;
    const domestic = wordsToString(rec.family, w, 0);
    const external = wordsToString(rec.family, w, 4);
    const key = `${domestic}|${external}`;
    let v = this.vols.get(key);
    if (v && rec.start - v.first > this.config.windowMs) { this.vols.delete(key); v = undefined; }
    if (!v) {
      if (rec.start - pairFirst > this.config.newMaxAgeMs) return; // an old destination
      if (this.vols.size >= this.config.capacity) this.evict();
      v = { domestic, external, port: rec.dstPort, proto: rec.proto, pairFirst, first: rec.start, last: rec.end, bytes: 0, records: 0, emitted: false };
      this.vols.set(key, v);
    }
    v.bytes += rec.bytes;
    v.records++;
    if (rec.start < v.first) v.first = rec.start;
    if (rec.end > v.last) v.last = rec.end;
    if (v.bytes >= this.config.minBytes) this.dirty.add(key);
  }

  /** drops the tenth of the volumes seen longest ago */
  private evict(): void {
    const all = [...this.vols.entries()].sort((x, y) => x[1].last - y[1].last);
    for (let i = 0; i < Math.max(1, Math.floor(all.length / 10)); i++) this.vols.delete(all[i]![0]);
  }

  flush(_now: number): void {
    for (const key of this.dirty) {
      const v = this.vols.get(key);
      if (!v) continue;
      const doublings = Math.log2(v.bytes / this.config.minBytes);
      const score = Math.round(Math.min(0.9, 0.5 + 0.1 * doublings) * 1000) / 1000;
      const f: Finding = {
        type: 'exfiltration',
        key: findingKey('exfiltration', v.external, 0, 0, v.domestic),
        external: v.external,
        port: v.port,
        proto: v.proto,
        direction: 'outbound',
        domestic: [v.domestic],
        domesticCount: 1,
        firstSeen: v.first,
        lastSeen: v.last,
        score,
        subscores: { volume: score },
        evidence: {
          bytes: v.bytes,
          records: v.records,
          windowHours: this.config.windowMs / 3600_000,
          pairFirstSeen: new Date(v.pairFirst).toISOString(),
          pairAgeHours: Math.round((v.first - v.pairFirst) / 360_000) / 10,
        },
        updates: 1,
      };
      v.emitted = true;
      this.emitted++;
      this.sink(f);
    }
    this.dirty.clear();
  }

  stats(): DetectorStats {
    return { tracked: this.tracked, capacity: this.slots, evictions: this.evictions, expired: 0, flows: this.flows, emitted: this.emitted, bytesPerKey: this.bytesPerKey() };
  }
}
