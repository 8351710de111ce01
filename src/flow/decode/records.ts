/**
 * The hot loop: data records of one NetFlow v9 / IPFIX data set, decoded with a compiled template
 * plan into the one reused MutableFlowRecord and handed to the sink. No allocation per record, no
 * closures per field, no dispatch per field: straight-line code reads each field ACD keeps at the
 * (offset, length) the compiled template gives, through a DataView (TurboFan inlines its reads);
 * templates without a field simply have offset -1 there.
 */
import type { FlowSink, MutableFlowRecord } from '../record.js';
import * as F from './fields.js';
import { resolveVarRecord, type Template } from './template.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** seconds from the NTP epoch (1900) to the Unix epoch (1970) */
const NTP_UNIX_SECS = 2208988800;

/** Per-datagram state shared by the record loops. */
export class RecordCtx {
  /** the message's export time, ms since the Unix epoch */
  exportMs = 0;
  /** sysUptime (ms) at export time, when sysUptime-relative times can be resolved */
  uptimeMs = 0;
  hasUptime = false;
  /** accumulated over the datagram */
  flows = 0;
  packets = 0;
  bytes = 0;
  /** the last record written was IPv6: its 16-byte addresses must be cleared before a v4 one */
  dirty6 = false;
  /** (offset, length) per kind of the current record of a variable-length template */
  readonly at = new Int32Array(F.N_KINDS * 2);
}

/** Unsigned big-endian 32-bit integer at `o`. */
export function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Unsigned big-endian integer of 1..8 bytes; 8-byte values beyond 2^53 are clamped. */
export function readUint(b: Uint8Array, o: number, len: number): number {
  switch (len) {
    case 1: return b[o]!;
    case 2: return (b[o]! << 8) | b[o + 1]!;
    case 4: return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
    case 8: {
      const hi = ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
      if (hi >= 0x200000) return MAX_SAFE;
      return hi * 4294967296 + (((b[o + 4]! << 24) | (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!) >>> 0);
    }
    default: {
      let v = 0;
      for (let i = 0; i < len; i++) v = v * 256 + b[o + i]!;
      return v > MAX_SAFE ? MAX_SAFE : v;
    }
  }
}

function ntpToMs(b: Uint8Array, o: number): number {
  const secs = u32(b, o);
  const frac = u32(b, o + 4);
  return (secs - NTP_UNIX_SECS) * 1000 + Math.floor((frac * 1000) / 4294967296);
}

// (offset, length) slots in a template's `at` array
const A_BYTES = F.K_BYTES * 2;
const A_PACKETS = F.K_PACKETS * 2;
const A_PROTO = F.K_PROTO * 2;
const A_TCP_FLAGS = F.K_TCP_FLAGS * 2;
const A_SRC_PORT = F.K_SRC_PORT * 2;
const A_DST_PORT = F.K_DST_PORT * 2;
const A_SRC4 = F.K_SRC4 * 2;
const A_DST4 = F.K_DST4 * 2;
const A_SRC6 = F.K_SRC6 * 2;
const A_DST6 = F.K_DST6 * 2;
const A_IN_IF = F.K_IN_IF * 2;
const A_OUT_IF = F.K_OUT_IF * 2;
const A_START_UPTIME = F.K_START_UPTIME * 2;
const A_END_UPTIME = F.K_END_UPTIME * 2;
const A_START_MS = F.K_START_MS * 2;
const A_END_MS = F.K_END_MS * 2;

/** An unsigned counter field of 1..8 bytes at `o` (4 and 8 bytes through the DataView: inlined) */
function counter(dv: DataView, b: Uint8Array, o: number, len: number): number {
  if (len === 4) return dv.getUint32(o);
  if (len === 8) {
    const hi = dv.getUint32(o);
    if (hi === 0) return dv.getUint32(o + 4); // the common case stays in integer arithmetic
    return hi >= 0x200000 ? MAX_SAFE : hi * 4294967296 + dv.getUint32(o + 4);
  }
  return readUint(b, o, len);
}

/** Rarely used fields, read only for templates that have one: times in other formats, totals, ICMP. */
class RareOut {
  startMs = -1;
  endMs = -1;
  bytesTotal = -1;
  packetsTotal = -1;
  icmp = -1;
  durMs = -1;
  obsMs = -1;
}
const rareOut = new RareOut();

function readRare(dv: DataView, b: Uint8Array, base: number, at: Int32Array, exportMs: number, r: RareOut): void {
  let o = at[F.K_START_SEC * 2]!;
  r.startMs = o >= 0 ? u32(b, base + o) * 1000 : -1;
  o = at[F.K_END_SEC * 2]!;
  r.endMs = o >= 0 ? u32(b, base + o) * 1000 : -1;
  o = at[F.K_START_NTP * 2]!;
  if (o >= 0) r.startMs = ntpToMs(b, base + o);
  o = at[F.K_END_NTP * 2]!;
  if (o >= 0) r.endMs = ntpToMs(b, base + o);
  o = at[F.K_START_DELTA_US * 2]!;
  if (o >= 0 && r.startMs < 0) r.startMs = exportMs - Math.floor(u32(b, base + o) / 1000);
  o = at[F.K_END_DELTA_US * 2]!;
  if (o >= 0 && r.endMs < 0) r.endMs = exportMs - Math.floor(u32(b, base + o) / 1000);
  o = at[F.K_BYTES_TOTAL * 2]!;
  r.bytesTotal = o >= 0 ? counter(dv, b, base + o, at[F.K_BYTES_TOTAL * 2 + 1]!) : -1;
  o = at[F.K_PACKETS_TOTAL * 2]!;
  r.packetsTotal = o >= 0 ? counter(dv, b, base + o, at[F.K_PACKETS_TOTAL * 2 + 1]!) : -1;
  o = at[F.K_ICMP_TYPE_CODE * 2]!;
  r.icmp = o >= 0 ? (b[base + o]! << 8) | b[base + o + 1]! : -1;
  o = at[F.K_ICMP_TYPE * 2]!;
  if (r.icmp < 0 && o >= 0) {
    const c = at[F.K_ICMP_CODE * 2]!;
    r.icmp = (b[base + o]! << 8) | (c >= 0 ? b[base + c]! : 0);
  }
  o = at[F.K_DURATION_MS * 2]!;
  r.durMs = o >= 0 ? u32(b, base + o) : -1;
  o = at[F.K_DURATION_US * 2]!;
  if (o >= 0) r.durMs = Math.floor(u32(b, base + o) / 1000);
  o = at[F.K_OBS_MS * 2]!;
  r.obsMs = o >= 0 ? counter(dv, b, base + o, at[F.K_OBS_MS * 2 + 1]!) : -1;
}

/**
 * Decodes the flow data records in [p, end) with template `t`; returns how many, or -1 when a
 * variable-length field runs past the set (the records before it were delivered). Trailing bytes
 * shorter than a record are padding (RFC 3954 §5.3, RFC 7011 §3.3.1).
 */
export function decodeFlowRecords(
  b: Uint8Array, p: number, end: number, t: Template, rec: MutableFlowRecord, sink: FlowSink, ctx: RecordCtx,
): number {
  const fixed = t.fixed;
  const recLen = t.recordLen;
  const v6 = t.hasV6;
  const v4 = t.hasV4;
  const rare = t.rare;
  const exportMs = ctx.exportMs;
  const uptime = ctx.uptimeMs;
  const hasUptime = ctx.hasUptime;
  let at = t.at;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let n = 0;
  let sumPackets = 0;
  let sumBytes = 0;
  if (ctx.dirty6 && !v6) { rec.src6.fill(0); rec.dst6.fill(0); ctx.dirty6 = false; }
  while (end - p >= recLen) {
    let base = p;
    let next = p + recLen;
    if (!fixed) {
      next = resolveVarRecord(b, p, end, t.plan, ctx.at);
      if (next < 0) {
        // padding (all zero) after the last record is not an error; anything else is
        let zero = true;
        for (let i = p; i < end; i++) if (b[i] !== 0) { zero = false; break; }
        ctx.flows += n; ctx.packets += sumPackets; ctx.bytes += sumBytes;
        return zero ? n : -1;
      }
      at = ctx.at;
      base = 0;
    }
    let o = at[A_SRC4]!;
    rec.src4 = o >= 0 ? dv.getUint32(base + o) : 0;
    o = at[A_DST4]!;
    rec.dst4 = o >= 0 ? dv.getUint32(base + o) : 0;
    if (v6) {
      o = at[A_SRC6]!;
      const s6 = rec.src6;
      if (o >= 0) { o += base; for (let k = 0; k < 16; k++) s6[k] = b[o + k]!; } else s6.fill(0);
      o = at[A_DST6]!;
      const d6 = rec.dst6;
      if (o >= 0) { o += base; for (let k = 0; k < 16; k++) d6[k] = b[o + k]!; } else d6.fill(0);
      ctx.dirty6 = true;
    }
    o = at[A_SRC_PORT]!;
    rec.srcPort = o >= 0 ? dv.getUint16(base + o) : 0;
    o = at[A_DST_PORT]!;
    rec.dstPort = o >= 0 ? dv.getUint16(base + o) : 0;
    o = at[A_PROTO]!;
    rec.proto = o >= 0 ? b[base + o]! : 0;
    o = at[A_TCP_FLAGS]!;
    rec.tcpFlags = o >= 0 ? b[base + o + at[A_TCP_FLAGS + 1]! - 1]! : 0; // the low byte, whatever the width
    o = at[A_IN_IF]!;
    rec.inIf = o >= 0 ? counter(dv, b, base + o, at[A_IN_IF + 1]!) : 0;
    o = at[A_OUT_IF]!;
    rec.outIf = o >= 0 ? counter(dv, b, base + o, at[A_OUT_IF + 1]!) : 0;
    o = at[A_BYTES]!;
    let bytes = o >= 0 ? counter(dv, b, base + o, at[A_BYTES + 1]!) : -1;
    o = at[A_PACKETS]!;
    let packets = o >= 0 ? counter(dv, b, base + o, at[A_PACKETS + 1]!) : -1;
    // times: absolute ms first, then sysUptime-relative (the int32 difference survives uptime wrap)
    o = at[A_START_MS]!;
    let startMs = o >= 0 ? counter(dv, b, base + o, at[A_START_MS + 1]!) : -1;
    o = at[A_END_MS]!;
    let endMs = o >= 0 ? counter(dv, b, base + o, at[A_END_MS + 1]!) : -1;
    o = at[A_START_UPTIME]!;
    if (startMs < 0 && o >= 0 && hasUptime) startMs = exportMs - ((uptime - dv.getUint32(base + o)) | 0);
    o = at[A_END_UPTIME]!;
    if (endMs < 0 && o >= 0 && hasUptime) endMs = exportMs - ((uptime - dv.getUint32(base + o)) | 0);
    if (rare) {
      const r = rareOut;
      readRare(dv, b, base, at, exportMs, r);
      if (startMs < 0) startMs = r.startMs;
      if (endMs < 0) endMs = r.endMs;
      if (r.durMs >= 0) {
        if (endMs < 0 && startMs >= 0) endMs = startMs + r.durMs;
        else if (startMs < 0 && endMs >= 0) startMs = endMs - r.durMs;
      }
      if (startMs < 0 && endMs < 0 && r.obsMs >= 0) startMs = r.obsMs;
      if (bytes < 0) bytes = r.bytesTotal;
      if (packets < 0) packets = r.packetsTotal;
      // ICMP type/code go in the destination port, as in NetFlow v5 and nfdump
      if (r.icmp >= 0 && rec.dstPort === 0 && (rec.proto === 1 || rec.proto === 58)) rec.dstPort = r.icmp;
    }
    if (startMs < 0) startMs = endMs >= 0 ? endMs : exportMs;
    if (endMs < 0) endMs = startMs;
    rec.start = startMs;
    rec.end = endMs;
    rec.bytes = bytes = bytes < 0 ? 0 : bytes;
    rec.packets = packets = packets < 0 ? 0 : packets;
    rec.family = v6 && (!v4 || (rec.src4 === 0 && rec.dst4 === 0)) ? 6 : 4;
    sumPackets += packets;
    sumBytes += bytes;
    n++;
    sink(rec);
    p = next;
  }
  ctx.flows += n;
  ctx.packets += sumPackets;
  ctx.bytes += sumBytes;
  return n;
}

/** What an options data record told: sampling interval, sampler id, system init time (-1 = absent). */
export class OptionsOut {
  samplingInterval = -1;
  samplerId = -1;
  sysInitMs = -1;
  packetInterval = -1;
  packetSpace = -1;
}

/**
 * Reads the options data records in [p, end) with template `t`, calling `onRecord` per record with
 * the values in `out`; returns how many, or -1 when a variable-length field overruns the set.
 */
export function decodeOptionsRecords(
  b: Uint8Array, p: number, end: number, t: Template, ctx: RecordCtx, out: OptionsOut, onRecord: (o: OptionsOut) => void,
): number {
  let n = 0;
  let at = t.at;
  while (end - p >= t.recordLen) {
    let base = p;
    let next = p + t.recordLen;
    if (!t.fixed) {
      next = resolveVarRecord(b, p, end, t.plan, ctx.at);
      if (next < 0) return n;
      at = ctx.at;
      base = 0;
    }
    const get = (kind: number): number => (at[kind * 2]! >= 0 ? readUint(b, base + at[kind * 2]!, at[kind * 2 + 1]!) : -1);
    out.samplingInterval = get(F.K_SAMPLING_INTERVAL);
    out.samplerId = get(F.K_SAMPLER_ID);
    out.sysInitMs = get(F.K_SYS_INIT_MS);
    out.packetInterval = get(F.K_SAMPLING_PKT_INTERVAL);
    out.packetSpace = get(F.K_SAMPLING_PKT_SPACE);
    if (out.samplingInterval < 0 && out.packetInterval > 0) {
      out.samplingInterval = out.packetSpace >= 0 ? Math.round((out.packetInterval + out.packetSpace) / out.packetInterval) : out.packetInterval;
    }
    onRecord(out);
    n++;
    p = next;
  }
  return n;
}
