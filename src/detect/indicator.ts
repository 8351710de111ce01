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

/**
 * A compiled, read-only indicator list (issue #21: 1 M indicators in bounded memory). The indicators'
 * texts live in two joined strings with offsets (ids, addresses), source and TLP as indexes into
 * small tables, confidence, port and protocol in typed arrays; the address/port lookups map to an
 * index. An `Indicator` object is made only for a hit. Several detector sets (a worker's partitions)
 * share one compiled list.
 */
export class IndicatorSet {
  readonly addrs = new AddressSet<number>();
  readonly ports = new Map<number, number>();
  readonly rejected: { id: string; reason: string }[] = [];
  private readonly idText: string;
  private readonly idAt: Uint32Array;
  private readonly addrText: string;
  private readonly addrAt: Uint32Array;
  private readonly sourceOf: Uint16Array;
  private readonly tlpOf: Uint16Array;
  private readonly strings: (string | null | undefined)[] = [undefined, null];
  private readonly conf: Float64Array;
  private readonly port: Int32Array;
  private readonly proto: Int16Array;
  readonly size: number;

  static compile(list: readonly Indicator[], strict = false): IndicatorSet {
    return new IndicatorSet(list, strict);
  }

  private constructor(list: readonly Indicator[], strict: boolean) {
    const n = list.length;
    const ids: string[] = [];
    const addrs: string[] = [];
    this.idAt = new Uint32Array(n + 1);
    this.addrAt = new Uint32Array(n + 1);
    this.sourceOf = new Uint16Array(n);
    this.tlpOf = new Uint16Array(n);
    this.conf = new Float64Array(n);
    this.port = new Int32Array(n);
    this.proto = new Int16Array(n);
    const interned = new Map<string, number>();
    // index 0: undefined, 1: null, then each distinct source/TLP text once (at most 65 534 of them)
    const intern = (v: string | null | undefined): number => {
      if (v === undefined) return 0;
      if (v === null) return 1;
      let i = interned.get(v);
      if (i === undefined) {
        if (this.strings.length >= 65535) throw new AcdError('DETECT_BAD_INDICATOR', 'more than 65 534 distinct indicator sources and TLP texts');
        i = this.strings.length; this.strings.push(v); interned.set(v, i);
      }
      return i;
    };
    let k = 0;
    let idLen = 0;
    let addrLen = 0;
    for (const ind of list) {
      try {
        if (ind.address !== undefined) this.addrs.add(ind.address, k, `indicator ${ind.id}`);
        else if (ind.port !== undefined && Number.isInteger(ind.port) && ind.port >= 0 && ind.port <= 65535) {
          this.ports.set(ind.proto === undefined ? ind.port | (1 << 24) : (ind.proto << 16) | ind.port, k);
        } else throw new AcdError('DETECT_BAD_INDICATOR', `indicator ${ind.id} has neither an address nor a port in 0-65535`);
      } catch (e) {
        if (strict) throw e;
        this.rejected.push({ id: ind.id, reason: (e as Error).message });
        continue;
      }
      ids.push(ind.id); idLen += ind.id.length; this.idAt[k + 1] = idLen;
      const a = ind.address ?? '';
      addrs.push(a); addrLen += a.length; this.addrAt[k + 1] = addrLen;
      this.sourceOf[k] = intern(ind.source);
      this.tlpOf[k] = intern(ind.tlp);
      this.conf[k] = ind.confidence ?? Number.NaN;
      this.port[k] = ind.port ?? -1;
      this.proto[k] = ind.proto ?? -1;
      k++;
    }
    this.size = k;
    this.idText = ids.join('');
    this.addrText = addrs.join('');
  }

  /** index of the address indicator covering w[at..] (family 4/6), or -1 */
  matchAddress(family: number, w: Uint32Array, at: number): number {
    return this.addrs.size > 0 ? (this.addrs.match(family, w, at) ?? -1) : -1;
  }

  /** index of the port indicator for (proto, port), or -1 */
  matchPort(proto: number, port: number): number {
    if (this.ports.size === 0) return -1;
    return this.ports.get((proto << 16) | port) ?? this.ports.get(port | (1 << 24)) ?? -1;
  }

  /** the indicator at index i, as given */
  get(i: number): Indicator {
    const a = this.addrText.slice(this.addrAt[i] ?? 0, this.addrAt[i + 1] ?? 0);
    const c = this.conf[i] ?? Number.NaN;
    const port = this.port[i] ?? -1;
    const proto = this.proto[i] ?? -1;
    const source = this.strings[this.sourceOf[i] ?? 0];
    const tlp = this.strings[this.tlpOf[i] ?? 0];
    return {
      id: this.idText.slice(this.idAt[i] ?? 0, this.idAt[i + 1] ?? 0),
      ...(a !== '' ? { address: a } : {}),
      ...(port >= 0 ? { port } : {}),
      ...(proto >= 0 ? { proto } : {}),
      ...(c === c ? { confidence: c } : {}),
      ...(source !== undefined && source !== null ? { source } : {}),
      ...(tlp !== undefined ? { tlp } : {}),
    };
  }

  /** bytes of the typed arrays and joined texts (the lookup maps come on top: see the bench) */
  bytes(): number {
    return this.idText.length + this.addrText.length + this.idAt.byteLength + this.addrAt.byteLength + this.sourceOf.byteLength + this.tlpOf.byteLength + this.conf.byteLength + this.port.byteLength + this.proto.byteLength;
  }
}

export class IndicatorDetector {
  readonly config: IndicatorConfig;
  private set: IndicatorSet;
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
    // a list given at construction (a file, a test) must be right: a bad entry throws
    this.set = IndicatorSet.compile(this.config.indicators, true);
  }

  /** the number of indicators matched now (addresses and prefixes, ports) */
  get size(): number {
    return this.set.size;
  }

  /**
   * Replaces the list (a refresh from the intel store): a compiled set (shared between detector
   * sets) or a list compiled here; swapped in whole, so a flow matches either the old list or the
   * new one. Hits already made stay. An entry the detector cannot match is skipped and returned, not
   * thrown: one bad indicator in a store of a million must not stop the others.
   */
  setIndicators(list: readonly Indicator[] | IndicatorSet): { loaded: number; rejected: { id: string; reason: string }[] } {
    const set = list instanceof IndicatorSet ? list : IndicatorSet.compile(list);
    this.set = set;
    return { loaded: set.size, rejected: set.rejected };
  }

  observe(rec: FlowRecord, direction: Direction): void {
    this.flows++;
    const out = direction === OUTBOUND;
    const extPort = out ? rec.dstPort : rec.srcPort;
    const set = this.set;
    let i = set.matchPort(rec.proto, extPort);
    const w = this.w;
    if (i < 0 && set.addrs.size > 0) {
      if (out) dstWords(rec, w, 4); else srcWords(rec, w, 4);
      i = set.matchAddress(rec.family, w, 4);
    }
    if (i < 0) return;
    if (out) { dstWords(rec, w, 4); srcWords(rec, w, 0); } else { srcWords(rec, w, 4); dstWords(rec, w, 0); }
    const external = wordsToString(rec.family, w, 4);
    const domestic = wordsToString(rec.family, w, 0);
    const ind = set.get(i);
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
