/**
 * Indicator criteria compiled for the hot path. A criterion matches a flow when either end matches:
 *   address / prefix: one Map per distinct prefix length, keyed by the masked address, longest first
 *   asn:              the AS number of either end (the ASN table loads only when such a criterion exists)
 *   port:             either port equal (when given) and the protocol equal (when given)
 * `match` returns the index of the first matching criterion (in the approval's order of kinds above,
 * longest prefix first) or -1. Detector criteria never match here: they select keys (see keys.ts).
 */
import type { FlowRecord } from '../flow/index.js';
import { bytesToWords, mask32, parsePrefix } from './cidr.js';
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
  const v4 = new Map<number, Map<number, number>>();
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
        let m = v4.get(p.length);
        if (!m) v4.set(p.length, (m = new Map()));
        if (!m.has(p.first)) m.set(p.first, idx);
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
  // longest prefixes first
  const v4lens = [...v4.keys()].sort((a, b) => b - a);
  const v4masks = v4lens.map(mask32);
  const v4maps = v4lens.map((l) => v4.get(l)!);
  const v6lens = [...v6.keys()].sort((a, b) => b - a);
  const v6maps = v6lens.map((l) => v6.get(l)!);
  const words = new Uint32Array(4);
  const useAsn = asns.size > 0 && asn !== null;
  const portN = ports.length;

  const matchAddr4 = (a: number): number => {
    for (let i = 0; i < v4maps.length; i++) {
      const hit = v4maps[i]!.get((a & v4masks[i]!) >>> 0);
      if (hit !== undefined) return hit;
    }
    return -1;
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
    hasIndicators: v4.size + v6.size + asns.size + ports.length > 0,
    detectorMask,
    detectorCriterion,
    match(rec) {
      let hit: number | undefined;
      if (rec.family === 4) {
        if (v4maps.length > 0) {
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
