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
 * Findings are of type `scan` with `evidence.kind` naming the view. Memory: three maps capped at
 * `capacity` keys each (the tenth seen longest ago dropped when full), each key holding at most 256
 * ports / sources / hosts; probes are a small share of traffic, other flows cost one test.
 */
import type { FlowRecord } from '../flow/index.js';
import type { DetectorStats, Finding, FindingSink } from './finding.js';
import { findingKey } from './finding.js';
import { directionName, dstWords, INBOUND, OUTBOUND, srcWords, wordsToString } from './hash.js';
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

interface Entry {
  first: number;
  last: number;
  /** ports (vertical), sources (distributed) */
  a: Set<string | number>;
  /** hosts (distributed) */
  b: Set<string>;
  count: number;
  initiator: string;
  target: string;
  port: number;
  proto: number;
  direction: Direction;
  reported: boolean;
}

type Kind = 'slow-vertical' | 'distributed' | 'repeated-failure';

export class SlowScanDetector {
  readonly config: SlowScanConfig;
  private readonly maps: Record<Kind, Map<string, Entry>> = { 'slow-vertical': new Map(), distributed: new Map(), 'repeated-failure': new Map() };
  private readonly dirty = new Map<string, [Kind, string]>();
  private readonly w = new Uint32Array(8);
  private readonly sink: FindingSink;
  flows = 0;
  probes = 0;
  emitted = 0;
  evictions = 0;

  constructor(config: Partial<SlowScanConfig>, sink: FindingSink) {
    this.config = { ...DEFAULT_SLOWSCAN_CONFIG, ...config };
    this.sink = sink;
  }

  observe(rec: FlowRecord, direction: Direction): void {
    this.flows++;
    if (rec.proto !== 6) return;
    const outcome = tcpOutcome(rec.tcpFlags);
    if (outcome === 0) return;
    const failed = outcome < 0;
    if (!failed && rec.packets > this.config.probePackets) return;
    this.probes++;
    const w = this.w;
    srcWords(rec, w, 0);
    dstWords(rec, w, 4);
    const initiator = wordsToString(rec.family, w, 0);
    const target = wordsToString(rec.family, w, 4);
    const c = this.config;
    // slow vertical
    const v = this.entry('slow-vertical', `${initiator}|${target}`, rec, direction, initiator, target, c.verticalWindowMs);
    if (v.a.size < SET_CAP) v.a.add(rec.dstPort);
    if (v.a.size >= c.verticalPorts) this.mark('slow-vertical', `${initiator}|${target}`, v);
    // repeated failures
    if (failed) {
      const k = `${initiator}|${target}|${rec.dstPort}`;
      const r = this.entry('repeated-failure', k, rec, direction, initiator, target, c.repeatedWindowMs);
      r.count++;
      if (r.count >= c.repeatedFailures) this.mark('repeated-failure', k, r);
    }
    // distributed, inbound: sources grouped by /24 (/48)
    if (direction === INBOUND) {
      let net: string;
      if (rec.family === 4) net = `${(w[3]! >>> 24) & 255}.${(w[3]! >>> 16) & 255}.${(w[3]! >>> 8) & 255}.0/24`;
      else net = `${(w[0]! >>> 16).toString(16)}:${(w[0]! & 0xffff).toString(16)}:${(w[1]! >>> 16).toString(16)}::/48`;
      const d = this.entry('distributed', net, rec, direction, net, '', c.distributedWindowMs);
      if (d.a.size < SET_CAP) d.a.add(initiator);
      if (d.b.size < SET_CAP) d.b.add(target);
      if (d.a.size >= c.distributedSources && d.b.size >= c.distributedHosts) this.mark('distributed', net, d);
    }
  }

  private entry(kind: Kind, key: string, rec: FlowRecord, direction: Direction, initiator: string, target: string, windowMs: number): Entry {
    const m = this.maps[kind];
    let e = m.get(key);
    if (e && rec.start - e.first > windowMs && !e.reported) { m.delete(key); e = undefined; }
    if (!e) {
      if (m.size >= this.config.capacity) this.evict(m);
      e = { first: rec.start, last: rec.end, a: new Set(), b: new Set(), count: 0, initiator, target, port: rec.dstPort, proto: rec.proto, direction, reported: false };
      m.set(key, e);
    }
    if (rec.start < e.first) e.first = rec.start;
    if (rec.end > e.last) e.last = rec.end;
    return e;
  }

  private mark(kind: Kind, key: string, e: Entry): void {
    e.reported = true;
    this.dirty.set(`${kind}|${key}`, [kind, key]);
  }

  private evict(m: Map<string, Entry>): void {
    const all = [...m.entries()].sort((x, y) => x[1].last - y[1].last);
    for (let i = 0; i < Math.max(1, Math.floor(all.length / 10)); i++) { m.delete(all[i]![0]); this.evictions++; }
  }

  flush(_now: number): void {
    for (const [kind, key] of this.dirty.values()) {
      const e = this.maps[kind].get(key);
      if (!e) continue;
      this.emit(kind, e);
    }
    this.dirty.clear();
  }

  private emit(kind: Kind, e: Entry): void {
    const c = this.config;
    const inbound = e.direction === INBOUND;
    let external: string | null;
    let domestic: string[];
    let score: number;
    let evidence: Record<string, unknown>;
    let port = 0;
    if (kind === 'distributed') {
      external = e.initiator.slice(0, e.initiator.indexOf('/'));
      domestic = [...e.b].sort().slice(0, 50);
      score = Math.min(0.9, 0.6 + 0.1 * Math.log2(e.a.size / c.distributedSources) + 0.1 * Math.log2(e.b.size / c.distributedHosts));
      evidence = { kind, network: e.initiator, sources: [...e.a].sort().slice(0, 50), sourceCount: e.a.size, hosts: e.b.size, windowHours: c.distributedWindowMs / 3600_000 };
    } else {
      external = inbound ? e.initiator : e.target;
      domestic = [inbound ? e.target : e.initiator];
      if (kind === 'slow-vertical') {
        score = Math.min(0.9, 0.6 + 0.1 * Math.log2(e.a.size / c.verticalPorts));
        evidence = { kind, ports: e.a.size, portList: [...e.a].sort((x, y) => Number(x) - Number(y)).slice(0, 64), spanHours: Math.round((e.last - e.first) / 360_000) / 10 };
      } else {
        port = e.port;
        score = Math.min(0.9, 0.6 + 0.1 * Math.log2(e.count / c.repeatedFailures));
        evidence = { kind, failedAttempts: e.count, spanHours: Math.round((e.last - e.first) / 360_000) / 10 };
      }
    }
    const f: Finding = {
      type: 'scan',
      key: findingKey('scan', external, port, kind === 'repeated-failure' ? e.proto : 0, `${kind}|${domestic[0] ?? ''}`),
      external,
      port,
      proto: kind === 'repeated-failure' ? e.proto : 0,
      direction: directionName(kind === 'distributed' ? INBOUND : e.direction === OUTBOUND ? OUTBOUND : INBOUND),
      domestic,
      domesticCount: kind === 'distributed' ? e.b.size : 1,
      firstSeen: e.first,
      lastSeen: e.last,
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
    for (const m of Object.values(this.maps)) n += m.size;
    return { tracked: n, capacity: 3 * this.config.capacity, evictions: this.evictions, expired: 0, flows: this.flows, emitted: this.emitted, bytesPerKey: 0 };
  }
}
