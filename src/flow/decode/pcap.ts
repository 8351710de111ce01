/**
 * A tiny reader for classic pcap files (not pcapng): Ethernet (with 802.1Q tags), Linux cooked (SLL)
 * or raw IP link types, IPv4 / IPv6, UDP → the datagram payload with its endpoints. For tests and
 * benchmarks that replay captured NetFlow/IPFIX exports; not used on the collector's path.
 */
import { AcdError } from '../../shared/errors.js';
import { ipv4ToString, ipv6ToString } from '../record.js';

export interface PcapPacket {
  /** capture time, ms since the Unix epoch */
  ts: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** the UDP payload (a view into the file's buffer) */
  payload: Buffer;
}

const LINK_ETHERNET = 1;
const LINK_RAW = 101;
const LINK_SLL = 113;
const LINK_RAW_ALT = 12;

/** Reads every UDP packet of a classic pcap file held in `buf`; other packets are skipped. */
export function readPcap(buf: Buffer, name = 'pcap'): PcapPacket[] {
  if (buf.length < 24) throw new AcdError('PCAP_TRUNCATED', `${name}: shorter than a pcap file header`);
  const magic = buf.readUInt32LE(0);
  let le: boolean;
  let nano = false;
  if (magic === 0xa1b2c3d4) le = true;
  else if (magic === 0xd4c3b2a1) le = false;
  else if (magic === 0xa1b23c4d) { le = true; nano = true; }
  else if (magic === 0x4d3cb2a1) { le = false; nano = true; }
  else throw new AcdError('PCAP_FORMAT', `${name}: not a classic pcap file (magic 0x${magic.toString(16)}; pcapng is not read)`);
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const link = u32(20);
  const out: PcapPacket[] = [];
  let p = 24;
  while (p + 16 <= buf.length) {
    const sec = u32(p);
    const frac = u32(p + 4);
    const incl = u32(p + 8);
    p += 16;
    if (p + incl > buf.length) throw new AcdError('PCAP_TRUNCATED', `${name}: packet record at byte ${p - 16} runs past the end of the file`);
    const pkt = buf.subarray(p, p + incl);
    p += incl;
    const ts = sec * 1000 + Math.floor(nano ? frac / 1e6 : frac / 1e3);
    let off: number;
    let etherType: number;
    if (link === LINK_ETHERNET) {
      if (pkt.length < 14) continue;
      etherType = pkt.readUInt16BE(12);
      off = 14;
      while ((etherType === 0x8100 || etherType === 0x88a8) && pkt.length >= off + 4) {
        etherType = pkt.readUInt16BE(off + 2);
        off += 4;
      }
    } else if (link === LINK_SLL) {
      if (pkt.length < 16) continue;
      etherType = pkt.readUInt16BE(14);
      off = 16;
    } else if (link === LINK_RAW || link === LINK_RAW_ALT) {
      if (pkt.length < 1) continue;
      etherType = pkt[0]! >> 4 === 6 ? 0x86dd : 0x0800;
      off = 0;
    } else {
      throw new AcdError('PCAP_LINKTYPE', `${name}: link type ${link} is not read (Ethernet, SLL, raw IP are)`);
    }
    const u = udpOf(pkt, off, etherType, ts);
    if (u) out.push(u);
  }
  return out;
}

function udpOf(pkt: Buffer, off: number, etherType: number, ts: number): PcapPacket | null {
  let src: string;
  let dst: string;
  let l4: number;
  let end: number;
  if (etherType === 0x0800) {
    if (pkt.length < off + 20) return null;
    const ihl = (pkt[off]! & 15) * 4;
    if (pkt[off + 9] !== 17 || ihl < 20) return null;
    if ((pkt.readUInt16BE(off + 6) & 0x1fff) !== 0) return null; // a later fragment
    src = ipv4ToString(pkt.readUInt32BE(off + 12));
    dst = ipv4ToString(pkt.readUInt32BE(off + 16));
    end = Math.min(pkt.length, off + pkt.readUInt16BE(off + 2));
    l4 = off + ihl;
  } else if (etherType === 0x86dd) {
    if (pkt.length < off + 40 || pkt[off + 6] !== 17) return null; // UDP directly after the fixed header only
    src = ipv6ToString(pkt.subarray(off + 8, off + 24));
    dst = ipv6ToString(pkt.subarray(off + 24, off + 40));
    end = Math.min(pkt.length, off + 40 + pkt.readUInt16BE(off + 4));
    l4 = off + 40;
  } else return null;
  if (l4 + 8 > end) return null;
  const udpEnd = Math.min(end, l4 + pkt.readUInt16BE(l4 + 4));
  if (udpEnd < l4 + 8) return null;
  return {
    ts,
    src,
    srcPort: pkt.readUInt16BE(l4),
    dst,
    dstPort: pkt.readUInt16BE(l4 + 2),
    payload: pkt.subarray(l4 + 8, udpEnd),
  };
}
