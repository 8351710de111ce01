/**
 * The hot loop: data records of one NetFlow v9 / IPFIX data set, decoded with a compiled template
 * plan into the one reused MutableFlowRecord and handed to the sink. No allocation per record, no
 * closures per field: one switch over small integer kinds, byte reads straight from the buffer.
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
  readonly scratch: Int32Array;
  constructor(maxFields: number) {
    this.scratch = new Int32Array(maxFields * 3);
  }
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
  const secs = ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  const frac = ((b[o + 4]! << 24) | (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!) >>> 0;
  return (secs - NTP_UNIX_SECS) * 1000 + Math.floor((frac * 1000) / 4294967296);
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
  const exportMs = ctx.exportMs;
  const uptime = ctx.uptimeMs;
  const hasUptime = ctx.hasUptime;
  let n = 0;
  let sumPackets = 0;
  let sumBytes = 0;
  let plan = t.plan;
  let base = 0;
  while (end - p >= recLen) {
    let next: number;
    if (fixed) {
      base = p;
      next = p + recLen;
    } else {
      next = resolveVarRecord(b, p, end, t.plan, ctx.scratch);
      if (next < 0) {
        // padding (all zero) after the last record is not an error; anything else is
        let zero = true;
        for (let i = p; i < end; i++) if (b[i] !== 0) { zero = false; break; }
        ctx.flows += n; ctx.packets += sumPackets; ctx.bytes += sumBytes;
        return zero ? n : -1;
      }
      plan = ctx.scratch;
      base = 0;
    }
    if (ctx.dirty6 && !v6) { rec.src6.fill(0); rec.dst6.fill(0); ctx.dirty6 = false; }
    rec.src4 = 0; rec.dst4 = 0; rec.srcPort = 0; rec.dstPort = 0; rec.proto = 0; rec.tcpFlags = 0;
    rec.inIf = 0; rec.outIf = 0;
    let bytes = -1, packets = -1, bytesTotal = 0, packetsTotal = 0;
    let obsMs = -1, startMs = -1, endMs = -1, startUp = -1, endUp = -1, startDelta = -1, endDelta = -1, durMs = -1;
    let icmp = -1, icmpType = -1, icmpCode = 0;
    const m = fixed ? plan.length : t.plan.length;
    for (let i = 0; i < m; i += 3) {
      const o = base + plan[i]!;
      const len = plan[i + 1]!;
      switch (plan[i + 2]!) {
        case F.K_BYTES: bytes = readUint(b, o, len); break;
        case F.K_PACKETS: packets = readUint(b, o, len); break;
        case F.K_PROTO: rec.proto = b[o]!; break;
        case F.K_TCP_FLAGS: rec.tcpFlags = readUint(b, o, len) & 0xff; break;
        case F.K_SRC_PORT: rec.srcPort = (b[o]! << 8) | b[o + 1]!; break;
        case F.K_DST_PORT: rec.dstPort = (b[o]! << 8) | b[o + 1]!; break;
        case F.K_SRC4: rec.src4 = ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0; break;
        case F.K_DST4: rec.dst4 = ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0; break;
        case F.K_SRC6: { const a = rec.src6; for (let k = 0; k < 16; k++) a[k] = b[o + k]!; ctx.dirty6 = true; break; }
        case F.K_DST6: { const a = rec.dst6; for (let k = 0; k < 16; k++) a[k] = b[o + k]!; ctx.dirty6 = true; break; }
        case F.K_IN_IF: rec.inIf = readUint(b, o, len); break;
        case F.K_OUT_IF: rec.outIf = readUint(b, o, len); break;
        case F.K_START_UPTIME: startUp = readUint(b, o, 4); break;
        case F.K_END_UPTIME: endUp = readUint(b, o, 4); break;
        case F.K_START_SEC: startMs = readUint(b, o, 4) * 1000; break;
        case F.K_END_SEC: endMs = readUint(b, o, 4) * 1000; break;
        case F.K_START_MS: startMs = readUint(b, o, len); break;
        case F.K_END_MS: endMs = readUint(b, o, len); break;
        case F.K_START_NTP: startMs = ntpToMs(b, o); break;
        case F.K_END_NTP: endMs = ntpToMs(b, o); break;
        case F.K_START_DELTA_US: startDelta = readUint(b, o, 4); break;
        case F.K_END_DELTA_US: endDelta = readUint(b, o, 4); break;
        case F.K_BYTES_TOTAL: bytesTotal = readUint(b, o, len); break;
        case F.K_PACKETS_TOTAL: packetsTotal = readUint(b, o, len); break;
        case F.K_ICMP_TYPE_CODE: icmp = (b[o]! << 8) | b[o + 1]!; break;
        case F.K_ICMP_TYPE: icmpType = b[o]!; break;
        case F.K_ICMP_CODE: icmpCode = b[o]!; break;
        case F.K_OBS_MS: obsMs = readUint(b, o, len); break;
        case F.K_DURATION_MS: durMs = readUint(b, o, 4); break;
        case F.K_DURATION_US: durMs = Math.floor(readUint(b, o, 4) / 1000); break;
        default: break;
      }
    }
    // counters: delta counts, else total counts (an exporter sends one or the other)
    rec.bytes = bytes >= 0 ? bytes : bytesTotal;
    rec.packets = packets >= 0 ? packets : packetsTotal;
    // times: absolute ms first, then sysUptime-relative (int32 difference survives uptime wrap), deltas
    if (startMs < 0 && startUp >= 0 && hasUptime) startMs = exportMs - ((uptime - startUp) | 0);
    if (endMs < 0 && endUp >= 0 && hasUptime) endMs = exportMs - ((uptime - endUp) | 0);
    if (startMs < 0 && startDelta >= 0) startMs = exportMs - Math.floor(startDelta / 1000);
    if (endMs < 0 && endDelta >= 0) endMs = exportMs - Math.floor(endDelta / 1000);
    if (durMs >= 0) {
      if (endMs < 0 && startMs >= 0) endMs = startMs + durMs;
      else if (startMs < 0 && endMs >= 0) startMs = endMs - durMs;
    }
    if (startMs < 0 && endMs < 0 && obsMs >= 0) startMs = obsMs;
    if (startMs < 0) startMs = endMs >= 0 ? endMs : exportMs;
    if (endMs < 0) endMs = startMs;
    rec.start = startMs;
    rec.end = endMs;
    rec.family = v6 && (!v4 || (rec.src4 === 0 && rec.dst4 === 0)) ? 6 : 4;
    // ICMP type/code go in the destination port, as in NetFlow v5 and nfdump
    if (rec.dstPort === 0 && (rec.proto === 1 || rec.proto === 58)) {
      if (icmp >= 0) rec.dstPort = icmp;
      else if (icmpType >= 0) rec.dstPort = (icmpType << 8) | icmpCode;
    }
    sumPackets += rec.packets;
    sumBytes += rec.bytes;
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
  while (end - p >= t.recordLen) {
    let plan = t.plan;
    let base = p;
    let next = p + t.recordLen;
    if (!t.fixed) {
      next = resolveVarRecord(b, p, end, t.plan, ctx.scratch);
      if (next < 0) return n;
      plan = ctx.scratch;
      base = 0;
    }
    out.samplingInterval = -1;
    out.samplerId = -1;
    out.sysInitMs = -1;
    out.packetInterval = -1;
    out.packetSpace = -1;
    for (let i = 0; i < t.plan.length; i += 3) {
      const o = base + plan[i]!;
      const len = plan[i + 1]!;
      const kind = plan[i + 2]!;
      if (kind === F.K_SAMPLING_INTERVAL) out.samplingInterval = readUint(b, o, len);
      else if (kind === F.K_SAMPLER_ID) out.samplerId = readUint(b, o, len);
      else if (kind === F.K_SYS_INIT_MS) out.sysInitMs = readUint(b, o, len);
      else if (kind === F.K_SAMPLING_PKT_INTERVAL) out.packetInterval = readUint(b, o, len);
      else if (kind === F.K_SAMPLING_PKT_SPACE) out.packetSpace = readUint(b, o, len);
    }
    if (out.samplingInterval < 0 && out.packetInterval > 0) {
      out.samplingInterval = out.packetSpace >= 0 ? Math.round((out.packetInterval + out.packetSpace) / out.packetInterval) : out.packetInterval;
    }
    onRecord(out);
    n++;
    p = next;
  }
  return n;
}
