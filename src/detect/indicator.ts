/**
 * Indicator hits: a flow whose external side touches an indicator (an address, a prefix, or a port
 * with an optional protocol) from a feed or an analyst's list, given at construction. One finding
 * per (indicator, external address), updated as more flows hit it; at most `capacity` are tracked
 * (the longest unseen dropped first). Only the external side is matched: the domestic side is a
 * pseudonym by the time the detectors see it.
 */
import type { FlowRecord } from '../flow/index.js';
import { AcdError } from '../shared/errors.js';
import { AddressSet } from './addrset.js';
import type { DetectorStats, Finding, FindingSink } from './finding.js';
import { findingKey } from './finding.js';
import { directionName, dstWords, OUTBOUND, srcWords, wordsToString } from './hash.js';
import type { Direction } from './hash.js';

export interface Indicator {
  /** the indicator's id in its feed (a STIX id, a list entry...) */
  id: string;
  /** an address or CIDR prefix; or */
  address?: string;
  /** a port on the external side, with an optional protocol (any when absent) */
  port?: number;
  proto?: number;
  /** how much to trust it, [0, 1] (default 1): the finding's score */
  confidence?: number;
  /** where it came from (a STIX created_by_ref, a feed, a file): named in the finding */
  source?: string;
  /** its TLP level; the finding inherits it (evidence.indicator.tlp, and `tlp`) */
  tlp?: string | null;
}

export interface IndicatorConfig {
  indicators: Indicator[];
  capacity: number;
  /** domestic addresses listed per hit */
  listDomestic: number;
}

export const DEFAULT_INDICATOR_CONFIG: IndicatorConfig = { indicators: [], capacity: 100_000, listDomestic: 50 };

interface Hit {
  ind: Indicator;
  external: string;
  port: number;
  proto: number;
  direction: Direction;
  first: number;
  last: number;
  flows: number;
  bytes: number;
  packets: number;
  domestic: Set<string>;
  domesticOverflow: number;
}

export class IndicatorDetector {
  readonly config: IndicatorConfig;
  private addrs = new AddressSet<Indicator>();
  private ports = new Map<number, Indicator>();
  private readonly hits = new Map<string, Hit>();
  private readonly dirty = new Set<string>();
  private readonly w = new Uint32Array(8);
  private readonly sink: FindingSink;
  flows = 0;
  emitted = 0;
  evictions = 0;

  constructor(config: Partial<IndicatorConfig>, sink: FindingSink) {
    this.config = { ...DEFAULT_INDICATOR_CONFIG, ...config };
    this.sink = sink;
    for (const ind of this.config.indicators) IndicatorDetector.put(this.addrs, this.ports, ind);
  }

  private static put(addrs: AddressSet<Indicator>, ports: Map<number, Indicator>, ind: Indicator): void {
    if (ind.address !== undefined) addrs.add(ind.address, ind, `indicator ${ind.id}`);
    else if (ind.port !== undefined && Number.isInteger(ind.port) && ind.port >= 0 && ind.port <= 65535) {
      ports.set(ind.proto === undefined ? ind.port | (1 << 24) : (ind.proto << 16) | ind.port, ind);
    } else throw new AcdError('DETECT_BAD_INDICATOR', `indicator ${ind.id} has neither an address nor a port in 0-65535`);
  }

  /** the number of indicators matched now (addresses and prefixes, ports) */
  get size(): number {
    return this.addrs.size + this.ports.size;
  }

  /**
   * Replaces the list (a refresh from the intel store): the new sets are built aside and swapped in
   * whole, so a flow matches either the old list or the new one. Hits already made stay. An entry the
   * detector cannot match is skipped and returned, not thrown: one bad indicator in a store of a
   * million must not stop the others.
   */
  setIndicators(list: readonly Indicator[]): { loaded: number; rejected: { id: string; reason: string }[] } {
    const addrs = new AddressSet<Indicator>();
    const ports = new Map<number, Indicator>();
    const rejected: { id: string; reason: string }[] = [];
    for (const ind of list) {
      try { IndicatorDetector.put(addrs, ports, ind); } catch (e) { rejected.push({ id: ind.id, reason: (e as Error).message }); }
    }
    this.addrs = addrs;
    this.ports = ports;
    return { loaded: addrs.size + ports.size, rejected };
  }

  observe(rec: FlowRecord, direction: Direction): void {
    this.flows++;
    const out = direction === OUTBOUND;
    const extPort = out ? rec.dstPort : rec.srcPort;
    let ind: Indicator | undefined;
    if (this.ports.size > 0) ind = this.ports.get((rec.proto << 16) | extPort) ?? this.ports.get(extPort | (1 << 24));
    const w = this.w;
    if (ind === undefined && this.addrs.size > 0) {
      if (out) dstWords(rec, w, 4); else srcWords(rec, w, 4);
      ind = this.addrs.match(rec.family, w, 4);
    }
    if (ind === undefined) return;
    if (out) { dstWords(rec, w, 4); srcWords(rec, w, 0); } else { srcWords(rec, w, 4); dstWords(rec, w, 0); }
    const external = wordsToString(rec.family, w, 4);
    const domestic = wordsToString(rec.family, w, 0);
    const key = findingKey('indicator', external, extPort, rec.proto, ind.id);
    let h = this.hits.get(key);
    if (!h) {
      if (this.hits.size >= this.config.capacity) this.evict();
      h = { ind, external, port: extPort, proto: rec.proto, direction, first: rec.start, last: rec.end, flows: 0, bytes: 0, packets: 0, domestic: new Set(), domesticOverflow: 0 };
      this.hits.set(key, h);
    }
    h.flows++;
    h.bytes += rec.bytes;
    h.packets += rec.packets;
    h.first = Math.min(h.first, rec.start);
    h.last = Math.max(h.last, rec.end);
    if (h.domestic.has(domestic)) { /* known */ } else if (h.domestic.size < this.config.listDomestic) h.domestic.add(domestic);
    else h.domesticOverflow++;
    this.dirty.add(key);
  }

  /** drops the tenth of the hits unseen longest: amortised O(1) per insert */
  private evict(): void {
    const all = [...this.hits.entries()].sort((x, y) => x[1].last - y[1].last);
    const n = Math.max(1, Math.floor(all.length / 10));
    for (let i = 0; i < n; i++) { const k = all[i]![0]; this.hits.delete(k); this.dirty.delete(k); this.evictions++; }
  }

  flush(_now: number): void {
    for (const key of this.dirty) {
      const h = this.hits.get(key);
      if (!h) continue;
      const conf = h.ind.confidence ?? 1;
      const f: Finding = {
        type: 'indicator',
        key,
        external: h.external,
        port: h.port,
        proto: h.proto,
        direction: directionName(h.direction),
        domestic: [...h.domestic],
        domesticCount: h.domestic.size + h.domesticOverflow,
        firstSeen: h.first,
        lastSeen: h.last,
        score: Math.max(0, Math.min(1, conf)),
        subscores: { confidence: Math.max(0, Math.min(1, conf)) },
        evidence: {
          indicator: { id: h.ind.id, address: h.ind.address ?? null, port: h.ind.port ?? null, proto: h.ind.proto ?? null, ...(h.ind.source !== undefined ? { source: h.ind.source } : {}), ...(h.ind.tlp !== undefined ? { tlp: h.ind.tlp } : {}) },
          flows: h.flows,
          bytes: h.bytes,
          packets: h.packets,
        },
        updates: 1,
        ...(h.ind.tlp ? { tlp: h.ind.tlp } : {}),
      };
      this.emitted++;
      this.sink(f);
    }
    this.dirty.clear();
  }

  stats(): DetectorStats {
    return { tracked: this.hits.size, capacity: this.config.capacity, evictions: this.evictions, expired: 0, flows: this.flows, emitted: this.emitted, bytesPerKey: 0 };
  }
}
