/**
 * Field parsers shared by the text importers: strict, allocation-free number and address parsing
 * (`Number('')` is 0 and `Number('0x10')` is 16, so the built-ins are too lenient for untrusted lines),
 * protocol names, and TCP flag bits.
 */
import { parseIpv6, type MutableFlowRecord } from '../record.js';

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

/** Times past this (year 10000, in ms) are not times: a record's start and end stay below it. */
export const MAX_TIME_MS = 253402300800000;

/** Unsigned decimal integer in s[a..b) (digits only, at most 15 so it stays exact); -1 when not one. */
export function parseUintAt(s: string, a: number, b: number): number {
  if (b <= a || b - a > 15) return -1;
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

export function parseUint(s: string): number {
  return parseUintAt(s, 0, s.length);
}

/**
 * Non-negative decimal seconds in s[a..b) ("123", "123.456789") to milliseconds, summed from the
 * integer and fraction digits (exact to the digit given, unlike Number(text) * 1000); NaN when not one.
 */
export function parseSecondsMsAt(s: string, a: number, b: number): number {
  if (b <= a || b - a > 32) return NaN;
  let int = 0;
  let i = a;
  for (; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) break;
    const d = c - 48;
    if (d < 0 || d > 9) return NaN;
    int = int * 10 + d;
  }
  if (i === a) return NaN;
  if (i === b) return int * 1000;
  if (i === b - 1) return NaN; // "12."
  let frac = 0;
  let scale = 1;
  for (let j = i + 1; j < b; j++) {
    const d = s.charCodeAt(j) - 48;
    if (d < 0 || d > 9) return NaN;
    if (scale < 1e9) { frac = frac * 10 + d; scale *= 10; } // digits past nanoseconds do not matter
  }
  return int * 1000 + (frac * 1000) / scale;
}

/** Non-negative decimal "123", "123.456" (no sign, exponent, blanks); NaN when not one. */
export function parseUDecimal(s: string): number {
  return parseSecondsMsAt(s, 0, s.length) / 1000;
}

/** A port in s[a..b) as decimal or as Argus' hex "0x0303"; -1 when not a 16-bit number. */
export function parsePortAt(s: string, a: number, b: number): number {
  const n = b - a;
  if (n > 2 && s.charCodeAt(a) === 48 && (s.charCodeAt(a + 1) | 0x20) === 120) {
    if (n > 6) return -1;
    let v = 0;
    for (let i = a + 2; i < b; i++) {
      const c = s.charCodeAt(i) | 0x20;
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else return -1;
      v = v * 16 + d;
    }
    return v;
  }
  if (n > 5) return -1;
  const v = parseUintAt(s, a, b);
  return v > 65535 ? -1 : v;
}

export function parsePort(s: string): number {
  return parsePortAt(s, 0, s.length);
}

/** Dotted IPv4 in s[a..b) to an unsigned 32-bit integer without allocating; -1 when not an IPv4 address. */
export function parseIpv4At(s: string, a: number, b: number): number {
  const n = b - a;
  if (n < 7 || n > 15) return -1;
  let v = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      v = v * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return (v * 256 + part) >>> 0;
}

export function parseIpv4Fast(s: string): number {
  return parseIpv4At(s, 0, s.length);
}

/**
 * Sets family and both addresses of `rec` from s[a1..b1) and s[a2..b2); false when either is not an
 * address or the families differ. IPv4 allocates nothing; IPv6 goes through record.ts' parseIpv6.
 */
export function setAddressesAt(rec: MutableFlowRecord, s: string, a1: number, b1: number, a2: number, b2: number): boolean {
  const a = parseIpv4At(s, a1, b1);
  if (a >= 0) {
    const b = parseIpv4At(s, a2, b2);
    if (b < 0) return false;
    rec.family = 4;
    rec.src4 = a;
    rec.dst4 = b;
    return true;
  }
  if (b1 - a1 > 45 || b2 - a2 > 45 || b1 - a1 < 2 || b2 - a2 < 2) return false;
  const src = s.slice(a1, b1);
  const dst = s.slice(a2, b2);
  if (src.indexOf(':') < 0 || dst.indexOf(':') < 0) return false;
  if (parseIpv6(src, rec.src6) === null || parseIpv6(dst, rec.dst6) === null) return false;
  rec.family = 6;
  return true;
}

/** Sets family and both addresses of `rec` from text; false when either is not an address or the families differ. */
export function setAddresses(rec: MutableFlowRecord, src: string, dst: string): boolean {
  const line = `${src} ${dst}`;
  return setAddressesAt(rec, line, 0, src.length, src.length + 1, line.length);
}

/** s[a..b) equals `lit` (without making a substring) */
export function textIs(s: string, a: number, b: number, lit: string): boolean {
  return b - a === lit.length && s.startsWith(lit, a);
}

/**
 * Field boundaries of one line split on a separator, kept in reused typed arrays, so a parser reads
 * the columns it needs in place instead of making a string for every column (String.split).
 */
export class FieldSplitter {
  readonly starts: Int32Array;
  readonly ends: Int32Array;

  constructor(readonly maxFields: number) {
    this.starts = new Int32Array(maxFields);
    this.ends = new Int32Array(maxFields);
  }

  /** The number of fields (as String.split would count them), or maxFields + 1 when there are more. */
  split(line: string, sep: string): number {
    const max = this.maxFields;
    const step = sep.length;
    let n = 0;
    let pos = 0;
    for (;;) {
      const i = line.indexOf(sep, pos);
      if (n === max) return max + 1;
      this.starts[n] = pos;
      if (i < 0) {
        this.ends[n] = line.length;
        return n + 1;
      }
      this.ends[n] = i;
      n++;
      pos = i + step;
    }
  }
}

/**
 * Protocol names seen in Zeek's `proto` and Argus' `Proto` columns, to IANA numbers.
 * Zeek's `unknown_transport` is an IP flow of a protocol Zeek does not name: it becomes 255 (IANA reserved).
 */
export const PROTO_NUMBERS: ReadonlyMap<string, number> = new Map([
  ['icmp', 1], ['igmp', 2], ['ipnip', 4], ['ipip', 4], ['tcp', 6], ['egp', 8], ['udp', 17], ['ipv6', 41],
  ['rsvp', 46], ['gre', 47], ['esp', 50], ['ah', 51], ['ipv6-icmp', 58], ['icmp6', 58], ['icmpv6', 58],
  ['ospf', 89], ['ospfigp', 89], ['pim', 103], ['vrrp', 112], ['l2tp', 115], ['sctp', 132], ['udplite', 136],
  // Argus names RTP/RTCP/UDT flows it recognised inside UDP
  ['rtp', 17], ['rtcp', 17], ['udt', 17],
  ['unknown_transport', 255],
]);

/** Argus "protocols" that are not IP: their records are skipped (counted as skipped, reason non-ip). */
export const NON_IP_PROTOS: ReadonlySet<string> = new Set(['arp', 'rarp', 'llc', 'man', 'stp', 'lldp', 'ipx', 'ipx/spx', 'cdp', 'ether']);

/** Protocol number from a name or a decimal number; -1 when unknown. */
export function protoNumber(s: string): number {
  const v = PROTO_NUMBERS.get(s);
  if (v !== undefined) return v;
  const lower = s.toLowerCase();
  const w = PROTO_NUMBERS.get(lower);
  if (w !== undefined) return w;
  const n = parseUint(s);
  return n >= 0 && n <= 255 ? n : -1;
}

/**
 * ICMP type/code in the ports the way NetFlow exporters put them: srcPort 0, dstPort type·256 + code,
 * so a flow looks the same whichever source it came from.
 */
export function setIcmpTypeCode(rec: MutableFlowRecord, type: number, code: number): void {
  rec.srcPort = 0;
  rec.dstPort = ((type & 255) << 8) | (code & 255);
}
