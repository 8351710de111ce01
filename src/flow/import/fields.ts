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

/** Unsigned decimal integer (digits only, at most 15 of them so it stays exact); -1 when not one. */
export function parseUint(s: string): number {
  const n = s.length;
  if (n === 0 || n > 15) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Non-negative decimal "123", "123.456" (no sign, exponent, blanks); NaN when not one. */
export function parseUDecimal(s: string): number {
  const n = s.length;
  if (n === 0 || n > 32) return NaN;
  let dot = false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (dot || i === 0 || i === n - 1) return NaN;
      dot = true;
    } else if (c < 48 || c > 57) return NaN;
  }
  return Number(s);
}

/** A port as decimal or as Argus' hex "0x0303"; -1 when not a 16-bit number. */
export function parsePort(s: string): number {
  if (s.length > 2 && s.charCodeAt(0) === 48 && (s.charCodeAt(1) | 0x20) === 120) {
    if (s.length > 6) return -1;
    let v = 0;
    for (let i = 2; i < s.length; i++) {
      const c = s.charCodeAt(i);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if ((c | 0x20) >= 97 && (c | 0x20) <= 102) d = (c | 0x20) - 87;
      else return -1;
      v = v * 16 + d;
    }
    return v;
  }
  if (s.length > 5) return -1;
  const v = parseUint(s);
  return v > 65535 ? -1 : v;
}

/** Dotted IPv4 to an unsigned 32-bit integer without allocating; -1 when not an IPv4 address. */
export function parseIpv4Fast(s: string): number {
  const n = s.length;
  if (n < 7 || n > 15) return -1;
  let v = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
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

/** Sets family and both addresses of `rec` from text; false when either is not an address or the families differ. */
export function setAddresses(rec: MutableFlowRecord, src: string, dst: string): boolean {
  const a = parseIpv4Fast(src);
  if (a >= 0) {
    const b = parseIpv4Fast(dst);
    if (b < 0) return false;
    rec.family = 4;
    rec.src4 = a;
    rec.dst4 = b;
    return true;
  }
  if (src.length > 45 || dst.length > 45 || src.indexOf(':') < 0 || dst.indexOf(':') < 0) return false;
  if (parseIpv6(src, rec.src6) === null || parseIpv6(dst, rec.dst6) === null) return false;
  rec.family = 6;
  return true;
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
