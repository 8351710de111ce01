/**
 * Indicator criteria compiled for the hot path. A criterion matches a flow when either end matches:
 *   address / prefix: IPv4: one sorted table of disjoint ranges, each holding the criterion of the
 *                     longest prefix covering it (a /16 index + binary search, as for the scope);
 *                     IPv6: one Map per distinct prefix length, keyed by the masked address
 *   asn:              the AS number of either end (the ASN table loads only when such a criterion exists)
 *   port:             either port equal (when given) and the protocol equal (when given)
 * `match` returns the index of the first matching criterion (in the approval's order of kinds above,
 * longest prefix first) or -1. Detector criteria never match here: they select keys (see keys.ts).
 */
import type { FlowRecord } from '../flow/index.js';
import { bytesToWords, mask32, parsePrefix } from './cidr.js';
import { RangeSet4 } from './ranges.js';
import { DETECTOR_BIT, type Criterion } from './approvals.js';

export interface AsnLookup {
  asn4(a: number): number;
  asn6(b: Uint8Array): number;
}

export interface CompiledCriteria {
  /** true when some criterion can match a flow by itself (all but detector rules) */
  readonly hasIndicators: boolean;
  /** OR of DETECTOR_BIT of the detector rules named */
  readonly detectorMask: number;
  /** criterion index of each detector rule */
  readonly detectorCriterion: ReadonlyMap<string, number>;
  match(rec: FlowRecord): number;
}

export function compileCriteria(criteria: readonly Criterion[], asn: AsnLookup | null): CompiledCriteria {
  const v4: PrefixValue4[] = [];
  const v6 = new Map<number, Map<string, number>>();
  const asns = new Map<number, number>();
  const ports: { port: number; proto: number; idx: number }[] = [];
  const detectorCriterion = new Map<string, number>();
  let detectorMask = 0;
  criteria.forEach((c, idx) => {
    if (c.kind === 'address' || c.kind === 'prefix') {
      const p = parsePrefix(c.kind === 'address' ? c.address : c.prefix);
      if (!p) return; // parseApproval has rejected it already
      if (p.family === 4) {
        v4.push({ first: p.first, last: p.last, length: p.length, idx });
      } else {
        let m = v6.get(p.length);
        if (!m) v6.set(p.length, (m = new Map()));
        const key = key6(p.first, p.length);
        if (!m.has(key)) m.set(key, idx);
      }
    } else if (c.kind === 'asn') {
      if (!asns.has(c.asn)) asns.set(c.asn, idx);
    } else if (c.kind === 'port') {
      ports.push({ port: c.port ?? -1, proto: c.proto ?? -1, idx });
    } else {
      detectorMask |= DETECTOR_BIT[c.detector];
      if (!detectorCriterion.has(c.detector)) detectorCriterion.set(c.detector, idx);
    }
  });
  const map4 = prefixMap4(v4);
  const ranges4 = map4.ranges;
  const val4 = map4.values;
  const has4 = ranges4.size > 0;
  // longest prefixes first
  const v6lens = [...v6.keys()].sort((a, b) => b - a);
  const v6maps = v6lens.map((l) => v6.get(l)!);
  const words = new Uint32Array(4);
  const useAsn = asns.size > 0 && asn !== null;
  const portN = ports.length;

  const matchAddr4 = (a: number): number => {
    const i = ranges4.find(a);
    return i < 0 ? -1 : val4[i]!;
  };
  const matchAddr6 = (b: Uint8Array): number => {
    bytesToWords(b, words);
    for (let i = 0; i < v6maps.length; i++) {
      const hit = v6maps[i]!.get(key6(words, v6lens[i]!));
      if (hit !== undefined) return hit;
    }
    return -1;
  };

  return {
    hasIndicators: v4.length + v6.size + asns.size + ports.length > 0,
    detectorMask,
    detectorCriterion,
    match(rec) {
      let hit: number | undefined;
      if (rec.family === 4) {
        if (has4) {
          const s = matchAddr4(rec.src4);
          if (s >= 0) return s;
          const d = matchAddr4(rec.dst4);
          if (d >= 0) return d;
        }
        if (useAsn) {
          hit = asns.get(asn.asn4(rec.src4)) ?? asns.get(asn.asn4(rec.dst4));
          if (hit !== undefined) return hit;
        }
      } else {
        if (v6maps.length > 0) {
          const s = matchAddr6(rec.src6);
          if (s >= 0) return s;
          const d = matchAddr6(rec.dst6);
          if (d >= 0) return d;
        }
        if (useAsn) {
          hit = asns.get(asn.asn6(rec.src6)) ?? asns.get(asn.asn6(rec.dst6));
          if (hit !== undefined) return hit;
        }
      }
      for (let i = 0; i < portN; i++) {
        const p = ports[i]!;
        if ((p.proto < 0 || p.proto === rec.proto) && (p.port < 0 || p.port === rec.srcPort || p.port === rec.dstPort)) return p.idx;
      }
      return -1;
    },
  };
}

/** The masked first `len` bits of a 4-word address as a string key. */
function key6(w: Uint32Array, len: number): string {
  let s = '';
  for (let i = 0; i < 4 && i * 32 < len; i++) s += `${(((w[i] ?? 0) & mask32(len - i * 32)) >>> 0).toString(16)}.`;
  return s;
}

interface PrefixValue4 {
  first: number;
  last: number;
  length: number;
  idx: number;
}

/**
 * Turns CIDR prefixes (each nested in another or disjoint, as prefixes are) into disjoint ranges, each
 * carrying the criterion of the longest prefix that covers it: a sweep with a stack of open prefixes.
 */
export function prefixMap4(prefixes: readonly PrefixValue4[]): { ranges: RangeSet4; values: Int32Array } {
  const sorted = prefixes.slice().sort((a, b) => a.first - b.first || a.length - b.length || a.idx - b.idx);
  const starts: number[] = [];
  const ends: number[] = [];
  const vals: number[] = [];
  const emit = (s: number, e: number, v: number): void => {
    const n = starts.length;
    if (n > 0 && vals[n - 1] === v && ends[n - 1]! + 1 === s) ends[n - 1] = e;
    else {
      starts.push(s);
      ends.push(e);
      vals.push(v);
    }
  };
  const stack: PrefixValue4[] = [];
  let cursor = 0;
  /** emits the covered points in [cursor, x) */
  const until = (x: number): void => {
    while (stack.length > 0 && cursor < x) {
      const top = stack[stack.length - 1]!;
      if (top.last < x) {
        if (cursor <= top.last) emit(cursor, top.last, top.idx);
        cursor = Math.max(cursor, top.last + 1);
        stack.pop();
      } else {
        emit(cursor, x - 1, top.idx);
        cursor = x;
      }
    }
    if (stack.length === 0) cursor = Math.max(cursor, x);
  };
  let prev: PrefixValue4 | null = null;
  for (const p of sorted) {
    if (prev && prev.first === p.first && prev.length === p.length) continue; // the same prefix twice: the first criterion wins
    prev = p;
    until(p.first);
    cursor = p.first;
    stack.push(p);
  }
  until(4294967296);
  return { ranges: new RangeSet4(Uint32Array.from(starts), Uint32Array.from(ends)), values: Int32Array.from(vals) };
}
