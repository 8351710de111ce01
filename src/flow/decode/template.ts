/**
 * NetFlow v9 / IPFIX templates: reading a template record (RFC 3954 §5.2-5.3, RFC 7011 §3.4) and
 * compiling it ONCE into a compact plan the data-record loop walks without any lookups.
 *
 * A compiled template is two small typed arrays:
 *  - `at` (Int32Array, 2 per field kind): (offset in the record, length) of the field of each kind
 *    ACD reads, offset -1 when the template has none. The record loop reads exactly the fields it
 *    needs, in straight-line code, with no per-field dispatch; fields ACD does not read are never
 *    visited. The first field of a kind wins (a repeated element is ignored).
 *  - `plan` (Int32Array of triples) for templates with variable-length fields: (0, length or -1 for
 *    variable, kind) for every field, runs of skipped fixed-length fields merged into one; it is
 *    resolved into an `at` array per record.
 */
import { K_SKIP, K_SRC4, K_DST4, K_SRC6, K_DST6, N_KINDS, RARE_KINDS, kindOf, isOptionKind } from './fields.js';

export const VARLEN = 65535;

export interface Template {
  /** cache key: see templateKey() */
  readonly key: number;
  readonly domain: number;
  readonly id: number;
  /** an options template: its records describe the exporter (sampling...), not flows */
  readonly options: boolean;
  readonly fixed: boolean;
  /** record length (fixed), or the least a record can take (1 byte per variable-length field) */
  readonly recordLen: number;
  /** variable-length templates only (empty otherwise): see the file comment */
  readonly plan: Int32Array;
  /** fixed-length templates: (offset, length) per field kind, offset -1 when absent */
  readonly at: Int32Array;
  /** it has a field of a rarely used kind (time formats other than uptime/ms, totals, ICMP...) */
  readonly rare: boolean;
  readonly hasV4: boolean;
  readonly hasV6: boolean;
  /** the template record's own bytes: a refresh with the same bytes is not compiled again */
  readonly raw: Uint8Array;
}

/** v9 and IPFIX templates live in separate name spaces even for the same exporter and domain. */
export function templateKey(ipfix: boolean, domain: number, id: number): number {
  return (ipfix ? 281474976710656 : 0) + domain * 65536 + id; // 2^48 + domain·2^16 + id < 2^53
}

/** Scratch space for reading one template: sized once per decoder from its field limit. */
export class TemplateScratch {
  readonly ids: Int32Array;
  readonly lens: Int32Array;
  constructor(readonly maxFields: number) {
    this.ids = new Int32Array(maxFields);
    this.lens = new Int32Array(maxFields);
  }
}

/** Outcome codes of readFieldSpecs (negative: the reason the template is refused). */
export const T_TRUNCATED = -1;
export const T_BAD = -2;

/**
 * Reads `count` field specifiers starting at `p` (not past `end`) into the scratch; returns the
 * position after them, T_TRUNCATED or T_BAD (zero length, too many fields, v9 variable length).
 * IPFIX enterprise-specific fields (bit 15 set) carry a 4-byte enterprise number and are kept as
 * id -1: skipped by their length like any element ACD does not read. The first `zeroLenScopes`
 * fields may have length 0: Cisco sends v9 options scopes "System, length 0".
 */
export function readFieldSpecs(
  b: Uint8Array, p: number, end: number, count: number, ipfix: boolean, s: TemplateScratch, zeroLenScopes = 0,
): number {
  if (count <= 0 || count > s.maxFields) return T_BAD;
  for (let i = 0; i < count; i++) {
    if (p + 4 > end) return T_TRUNCATED;
    let id = (b[p]! << 8) | b[p + 1]!;
    const len = (b[p + 2]! << 8) | b[p + 3]!;
    p += 4;
    if (ipfix && id & 0x8000) {
      if (p + 4 > end) return T_TRUNCATED;
      p += 4;
      id = -1;
    }
    if (len === 0 && i >= zeroLenScopes) return T_BAD;
    if (len === VARLEN && !ipfix) return T_BAD;
    s.ids[i] = id;
    s.lens[i] = len;
  }
  return p;
}

/**
 * Compiles the `count` fields in the scratch into a Template; returns null when the record would be
 * longer than any datagram can hold (an "overflowing" template).
 */
export function compileTemplate(
  s: TemplateScratch, count: number, ipfix: boolean, domain: number, id: number, options: boolean, raw: Uint8Array,
): Template | null {
  let fixed = true;
  let recordLen = 0;
  for (let i = 0; i < count; i++) {
    const len = s.lens[i]!;
    if (len === VARLEN && ipfix) { fixed = false; recordLen += 1; } else recordLen += len;
  }
  if (recordLen === 0 || recordLen > 65535 - 20) return null;
  let hasV4 = false;
  let hasV6 = false;
  let rare = false;
  const at = new Int32Array(N_KINDS * 2).fill(-1);
  const triples: number[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const len = s.lens[i]!;
    const fid = s.ids[i]!;
    const varlen = len === VARLEN && ipfix;
    let kind = fid < 0 || varlen ? K_SKIP : kindOf(fid, len, ipfix);
    // options records keep only options elements; flow records never take options elements
    if (options !== isOptionKind(kind)) kind = K_SKIP;
    if (kind === K_SRC4 || kind === K_DST4) hasV4 = true;
    if (kind === K_SRC6 || kind === K_DST6) hasV6 = true;
    if (RARE_KINDS.includes(kind)) rare = true;
    if (fixed && kind !== K_SKIP && at[kind * 2]! < 0) { at[kind * 2] = offset; at[kind * 2 + 1] = len; }
    if (!fixed) {
      const n = triples.length;
      // merge a skipped fixed-length field into a preceding skipped fixed-length run
      if (kind === K_SKIP && !varlen && n >= 3 && triples[n - 1] === K_SKIP && triples[n - 2]! >= 0) triples[n - 2] = triples[n - 2]! + len;
      else triples.push(0, varlen ? -1 : len, kind);
    }
    offset += varlen ? 0 : len;
  }
  return { key: templateKey(ipfix, domain, id), domain, id, options, fixed, recordLen, plan: Int32Array.from(triples), at, rare, hasV4, hasV6, raw };
}

/**
 * Resolves the plan of a variable-length template for the record at `p` into `at` (absolute
 * offsets, lengths per kind); returns the record's end, or -1 if a length runs past `end`.
 * RFC 7011 §7: a length < 255 is one byte; 255 is followed by a 2-byte length.
 */
export function resolveVarRecord(b: Uint8Array, p: number, end: number, plan: Int32Array, at: Int32Array): number {
  at.fill(-1);
  for (let i = 0; i < plan.length; i += 3) {
    let len = plan[i + 1]!;
    if (len < 0) {
      if (p + 1 > end) return -1;
      len = b[p]!;
      p += 1;
      if (len === 255) {
        if (p + 2 > end) return -1;
        len = (b[p]! << 8) | b[p + 1]!;
        p += 2;
      }
    }
    if (p + len > end) return -1;
    const k = plan[i + 2]! * 2; // variable-length fields are always K_SKIP (0)
    if (k !== 0 && at[k]! < 0) { at[k] = p; at[k + 1] = len; }
    p += len;
  }
  return p;
}

export function sameBytes(a: Uint8Array, b: Uint8Array, bStart: number, bEnd: number): boolean {
  if (a.length !== bEnd - bStart) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[bStart + i]) return false;
  return true;
}
