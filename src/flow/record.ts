/**
 * FlowRecord: the one shape of flow metadata every part of ACD sees.
 *
 * Privacy by construction: every field is a number or a fixed 16-byte address buffer, except
 * `exporter`, which the collector sets from the socket's peer address (never from packet bytes).
 * There is no string, array or buffer field that a decoder could fill with payload content.
 *
 * Speed by construction: decoders fill one reused MutableFlowRecord per datagram and hand it to a
 * sink; a consumer that keeps a record copies it with `copyFlowRecord`.
 */
export type IpFamily = 4 | 6;

export interface FlowRecord {
  /** who exported it: "ip:port" of the UDP peer, or a configured carrier/link id; set by the collector */
  readonly exporter: string;
  /** NetFlow v9 source id / IPFIX observation domain id; 0 for v5 and files */
  readonly domain: number;
  /** observation time range, milliseconds since the Unix epoch */
  readonly start: number;
  readonly end: number;
  readonly family: IpFamily;
  /** IPv4 addresses as unsigned 32-bit integers; valid when family === 4 */
  readonly src4: number;
  readonly dst4: number;
  /** IPv6 addresses, 16 bytes each; valid when family === 6 */
  readonly src6: Uint8Array;
  readonly dst6: Uint8Array;
  readonly srcPort: number;
  readonly dstPort: number;
  /** IANA protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6) */
  readonly proto: number;
  /** cumulative OR of TCP flags */
  readonly tcpFlags: number;
  readonly packets: number;
  readonly bytes: number;
  /** SNMP interface indexes at the exporter */
  readonly inIf: number;
  readonly outIf: number;
}

/** The field names of FlowRecord: a test checks that this is the whole set and that none can hold content. */
export const FLOW_RECORD_FIELDS = [
  'exporter', 'domain', 'start', 'end', 'family', 'src4', 'dst4', 'src6', 'dst6',
  'srcPort', 'dstPort', 'proto', 'tcpFlags', 'packets', 'bytes', 'inIf', 'outIf',
] as const satisfies readonly (keyof FlowRecord)[];

export class MutableFlowRecord implements FlowRecord {
  exporter = '';
  domain = 0;
  start = 0;
  end = 0;
  family: IpFamily = 4;
  src4 = 0;
  dst4 = 0;
  readonly src6 = new Uint8Array(16);
  readonly dst6 = new Uint8Array(16);
  srcPort = 0;
  dstPort = 0;
  proto = 0;
  tcpFlags = 0;
  packets = 0;
  bytes = 0;
  inIf = 0;
  outIf = 0;

  /** Clears every field but `exporter` and `domain`, which stay for the whole datagram. */
  reset(): void {
    this.start = 0;
    this.end = 0;
    this.family = 4;
    this.src4 = 0;
    this.dst4 = 0;
    this.src6.fill(0);
    this.dst6.fill(0);
    this.srcPort = 0;
    this.dstPort = 0;
    this.proto = 0;
    this.tcpFlags = 0;
    this.packets = 0;
    this.bytes = 0;
    this.inIf = 0;
    this.outIf = 0;
  }
}

/** A consumer that keeps a record beyond the sink call must copy it: decoders reuse theirs. */
export type FlowSink = (rec: FlowRecord) => void;

export function copyFlowRecord(r: FlowRecord): FlowRecord {
  return {
    exporter: r.exporter,
    domain: r.domain,
    start: r.start,
    end: r.end,
    family: r.family,
    src4: r.src4,
    dst4: r.dst4,
    src6: r.src6.slice(),
    dst6: r.dst6.slice(),
    srcPort: r.srcPort,
    dstPort: r.dstPort,
    proto: r.proto,
    tcpFlags: r.tcpFlags,
    packets: r.packets,
    bytes: r.bytes,
    inIf: r.inIf,
    outIf: r.outIf,
  };
}

export function ipv4ToString(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

export function ipv6ToString(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)).toString(16));
  // RFC 5952: compress the longest run (≥ 2) of zero groups
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

export function srcAddrString(r: FlowRecord): string {
  return r.family === 4 ? ipv4ToString(r.src4) : ipv6ToString(r.src6);
}

export function dstAddrString(r: FlowRecord): string {
  return r.family === 4 ? ipv4ToString(r.dst4) : ipv6ToString(r.dst6);
}

/** Parses dotted IPv4 to an unsigned 32-bit integer; returns -1 when the text is not an IPv4 address. */
export function parseIpv4(s: string): number {
  const parts = s.split('.');
  if (parts.length !== 4) return -1;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return -1;
    const n = Number(p);
    if (n > 255) return -1;
    v = v * 256 + n;
  }
  return v >>> 0;
}

/** Parses IPv6 text (with :: and an optional dotted IPv4 tail) into 16 bytes; returns null when invalid. */
export function parseIpv6(s: string, out: Uint8Array = new Uint8Array(16)): Uint8Array | null {
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  // a dotted IPv4 tail (::ffff:1.2.3.4) becomes two hex groups before the groups are parsed
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (v4 < 0) return null;
    s = `${s.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (!head || !rest) return null;
  const total = head.length + rest.length;
  let groups: number[];
  if (halves.length === 2) {
    if (total > 7) return null;
    groups = [...head, ...new Array<number>(8 - total).fill(0), ...rest];
  } else {
    if (total !== 8) return null;
    groups = head;
  }
  for (let i = 0; i < 8; i++) {
    const g = groups[i] ?? 0;
    out[i * 2] = g >>> 8;
    out[i * 2 + 1] = g & 255;
  }
  return out;
}
