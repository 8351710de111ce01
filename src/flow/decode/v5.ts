/**
 * NetFlow v5 (Cisco's fixed format): a 24-byte header and `count` 48-byte records.
 * Header: version, count, sysUptime (ms), unix_secs, unix_nsecs, flow_sequence (flows seen before
 * this datagram), engine_type, engine_id, sampling (2-bit mode, 14-bit interval).
 */
import type { FlowSink } from '../record.js';
import { u32 } from './records.js';
import type { DecoderCore, ExporterState } from './state.js';

export const V5_HEADER = 24;
export const V5_RECORD = 48;

/** Returns the number of flows delivered (the datagram is checked whole before any is). */
export function decodeV5(core: DecoderCore, b: Uint8Array, len: number, ex: ExporterState, sink: FlowSink): number {
  if (len < V5_HEADER) { core.fail('truncated'); return 0; }
  const count = (b[2]! << 8) | b[3]!;
  if (V5_HEADER + count * V5_RECORD > len) { core.fail('truncated'); return 0; }
  const uptime = u32(b, 4);
  const exportMs = u32(b, 8) * 1000 + Math.floor(u32(b, 12) / 1e6);
  const seq = u32(b, 16);
  const engine = (b[20]! << 8) | b[21]!;
  const sampling = ((b[22]! << 8) | b[23]!) & 0x3fff;
  if (sampling > 0) core.setSampling(ex, 0, engine, sampling);
  // v5 flow_sequence counts flows: the next datagram should carry seq + count
  core.sequence(ex, 5 * 4294967296 + engine, seq, count, true);

  const rec = core.rec;
  rec.domain = 0;
  rec.family = 4;
  if (core.ctx.dirty6) { rec.src6.fill(0); rec.dst6.fill(0); core.ctx.dirty6 = false; }
  let packets = 0;
  let bytes = 0;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0, p = V5_HEADER; i < count; i++, p += V5_RECORD) {
    rec.src4 = dv.getUint32(p);
    rec.dst4 = dv.getUint32(p + 4);
    rec.inIf = dv.getUint16(p + 12);
    rec.outIf = dv.getUint16(p + 14);
    rec.packets = dv.getUint32(p + 16);
    rec.bytes = dv.getUint32(p + 20);
    // first/last are sysUptime ms: the int32 difference to the header's uptime survives its wrap
    rec.start = exportMs - ((uptime - dv.getUint32(p + 24)) | 0);
    rec.end = exportMs - ((uptime - dv.getUint32(p + 28)) | 0);
    rec.srcPort = dv.getUint16(p + 32);
    rec.dstPort = dv.getUint16(p + 34);
    rec.tcpFlags = b[p + 37]!;
    rec.proto = b[p + 38]!;
    packets += rec.packets;
    bytes += rec.bytes;
    sink(rec);
  }
  core.ctx.flows += count;
  core.ctx.packets += packets;
  core.ctx.bytes += bytes;
  return count;
}
