/**
 * Long connections: one connection (5-tuple) lasting over 1, 4, 8 or 12 hours. A record that covers
 * it whole (Zeek, Argus) is enough; NetFlow/IPFIX exporters cut a long connection into records at
 * their active timeout, so records of the same 5-tuple are stitched while each starts within
 * `gapMs` of the previous one's end. Only records of at least `minRecordMs` are tracked (a long
 * connection's records last about the active timeout), in a capped table (oldest end evicted).
 * A finding per (domestic host, external address, external port, protocol), updated at each tier.
 */
import type { FlowRecord } from '../flow/index.js';
import type { DetectorStats, Finding, FindingSink } from './finding.js';
import { findingKey } from './finding.js';
import { directionName, dstWords, OUTBOUND, srcWords, wordsToString } from './hash.js';
import type { Direction } from './hash.js';
import { KeyTable } from './table.js';

export interface LongConnConfig {
  capacity: number;
  /** tiers in hours (default 1, 4, 8, 12) */
  tiersHours: number[];
  gapMs: number;
  minRecordMs: number;
}

export const DEFAULT_LONGCONN_CONFIG: LongConnConfig = { capacity: 100_000, tiersHours: [1, 4, 8, 12], gapMs: 10 * 60_000, minRecordMs: 30_000 };

export class LongConnDetector {
  readonly config: LongConnConfig;
  readonly table: KeyTable;
  private readonly start: Float64Array;
  private readonly end: Float64Array;
  private readonly bytes: Float64Array;
  private readonly records: Uint32Array;
  private readonly tier: Uint8Array;
  private readonly dir: Uint8Array;
  private readonly w = new Uint32Array(8);
  private readonly tiersMs: number[];
  private readonly sink: FindingSink;
  flows = 0;
  emitted = 0;

  constructor(config: Partial<LongConnConfig>, sink: FindingSink) {
    this.config = { ...DEFAULT_LONGCONN_CONFIG, ...config };
    this.tiersMs = [...this.config.tiersHours].sort((a, b) => a - b).map((h) => h * 3600_000);
    this.sink = sink;
    const n = this.config.capacity;
    this.start = new Float64Array(n);
    this.end = new Float64Array(n);
    this.bytes = new Float64Array(n);
    this.records = new Uint32Array(n);
    this.tier = new Uint8Array(n);
    this.dir = new Uint8Array(n);
    this.table = new KeyTable({ capacity: n, words: 11, utility: (s) => this.end[s] ?? 0, seed: 0x1c0 });
  }

  observe(rec: FlowRecord, direction: Direction): void {
    this.flows++;
    if (rec.end - rec.start < this.config.minRecordMs) return;
    const w = this.w;
    const out = direction === OUTBOUND;
    // key by (domestic, external, domestic port, external port, proto) so both directions' records stitch together
    if (out) { srcWords(rec, w, 0); dstWords(rec, w, 4); } else { dstWords(rec, w, 0); srcWords(rec, w, 4); }
    const t = this.table;
    const k = t.key;
    for (let i = 0; i < 8; i++) k[i] = w[i] ?? 0;
    const domPort = out ? rec.srcPort : rec.dstPort;
    const extPort = out ? rec.dstPort : rec.srcPort;
    k[8] = ((domPort << 16) | extPort) >>> 0;
    k[9] = rec.proto;
    k[10] = rec.family;
    const h = t.hash();
    let s = t.find(h);
    if (s < 0 || rec.start > (this.end[s] ?? 0) + this.config.gapMs) {
      if (s < 0) s = t.insert(h);
      this.start[s] = rec.start; this.end[s] = rec.end; this.bytes[s] = 0; this.records[s] = 0; this.tier[s] = 0; this.dir[s] = direction;
    }
    if (rec.start < (this.start[s] ?? 0)) this.start[s] = rec.start;
    if (rec.end > (this.end[s] ?? 0)) this.end[s] = rec.end;
    this.bytes[s] = (this.bytes[s] ?? 0) + rec.bytes;
    this.records[s] = (this.records[s] ?? 0) + 1;
    const dur = (this.end[s] ?? 0) - (this.start[s] ?? 0);
    let tier = 0;
    while (tier < this.tiersMs.length && dur >= (this.tiersMs[tier] ?? Infinity)) tier++;
    if (tier > (this.tier[s] ?? 0)) {
      this.tier[s] = tier;
      this.emit(s, rec.family, domPort, extPort, rec.proto, dur);
    }
  }

  private emit(s: number, family: number, domPort: number, extPort: number, proto: number, dur: number): void {
    const k = this.table.keys;
    const domestic = wordsToString(family, k, s * 11);
    const external = wordsToString(family, k, s * 11 + 4);
    const tier = this.tier[s] ?? 1;
    const hours = this.config.tiersHours[tier - 1] ?? 0;
    const score = Math.round((0.4 + (0.6 * (tier - 1)) / Math.max(1, this.tiersMs.length - 1)) * 1000) / 1000;
    const f: Finding = {
      type: 'long-connection',
      key: findingKey('long-connection', external, extPort, proto, domestic),
      external,
      port: extPort,
      proto,
      direction: directionName((this.dir[s] ?? 0) as Direction),
      domestic: [domestic],
      domesticCount: 1,
      firstSeen: this.start[s] ?? 0,
      lastSeen: this.end[s] ?? 0,
      score,
      subscores: { tier: score },
      evidence: { durationSeconds: Math.round(dur / 1000), overHours: hours, tiersHours: this.config.tiersHours, records: this.records[s] ?? 0, bytes: this.bytes[s] ?? 0, domesticPort: domPort },
      updates: 1,
    };
    this.emitted++;
    this.sink(f);
  }

  flush(_now: number): void { /* findings are emitted as tiers are crossed */ }

  stats(): DetectorStats {
    return { tracked: this.table.size, capacity: this.table.capacity, evictions: this.table.evictions, expired: 0, flows: this.flows, emitted: this.emitted, bytesPerKey: Math.round(this.table.bytesPerSlot() + 8 * 3 + 4 + 2) };
  }
}
