/**
 * Information elements ACD reads from NetFlow v9 / IPFIX templates, and the small integer "kinds" a
 * compiled template plan stores for them. Every element not listed here is skipped by its length, so
 * nothing a template names can carry payload into a FlowRecord.
 *
 * Element ids: RFC 3954 §8 (v9) and the IANA IPFIX registry (RFC 7012); ids below 128 are shared.
 */

/** Field kinds: a compiled template keeps (offset, length) per kind, at index kind·2 (see template.ts). */
export const K_SKIP = 0;
export const K_BYTES = 1;
export const K_PACKETS = 2;
export const K_PROTO = 3;
export const K_TCP_FLAGS = 4;
export const K_SRC_PORT = 5;
export const K_DST_PORT = 6;
export const K_SRC4 = 7;
export const K_DST4 = 8;
export const K_SRC6 = 9;
export const K_DST6 = 10;
export const K_IN_IF = 11;
export const K_OUT_IF = 12;
/** sysUptime-relative milliseconds (v9 FIRST/LAST_SWITCHED; IPFIX flowStart/EndSysUpTime) */
export const K_START_UPTIME = 13;
export const K_END_UPTIME = 14;
export const K_START_SEC = 15;
export const K_END_SEC = 16;
export const K_START_MS = 17;
export const K_END_MS = 18;
/** NTP timestamp (RFC 7011 §6.1.10): 32-bit seconds since 1900 + 32-bit fraction */
export const K_START_NTP = 19;
export const K_END_NTP = 20;
/** microseconds before the message's export time (IPFIX 158/159) */
export const K_START_DELTA_US = 21;
export const K_END_DELTA_US = 22;
export const K_BYTES_TOTAL = 23;
export const K_PACKETS_TOTAL = 24;
export const K_ICMP_TYPE_CODE = 25;
export const K_DURATION_MS = 26;
export const K_DURATION_US = 27;
/** options records only */
export const K_SAMPLING_INTERVAL = 28;
export const K_SAMPLER_ID = 29;
export const K_SYS_INIT_MS = 30;
export const K_ICMP_TYPE = 31;
export const K_ICMP_CODE = 32;
/** PSAMP systematic count-based sampling (RFC 5477): rate = (interval + space) / interval */
export const K_SAMPLING_PKT_INTERVAL = 33;
export const K_SAMPLING_PKT_SPACE = 34;
/** observationTimeMilliseconds (NAT events): the record's time when it has no flow start/end */
export const K_OBS_MS = 35;
export const N_KINDS = 36;

/** Kinds the record loop reads only when a template has one of them (see Template.rare). */
export const RARE_KINDS: readonly number[] = [
  K_START_SEC, K_END_SEC, K_START_NTP, K_END_NTP, K_START_DELTA_US, K_END_DELTA_US, K_BYTES_TOTAL, K_PACKETS_TOTAL,
  K_ICMP_TYPE_CODE, K_ICMP_TYPE, K_ICMP_CODE, K_DURATION_MS, K_DURATION_US, K_OBS_MS,
];

/** Which kind an element id maps to, with the lengths it may have; anything else is skipped. */
interface ElementSpec {
  kind: number;
  /** allowed lengths: 'uint' = 1..8 (reduced-size encoding, RFC 7011 §6.2), or an exact length */
  len: 'uint' | number;
}

const SHARED: Record<number, ElementSpec> = {
  1: { kind: K_BYTES, len: 'uint' }, // octetDeltaCount / IN_BYTES
  2: { kind: K_PACKETS, len: 'uint' }, // packetDeltaCount / IN_PKTS
  4: { kind: K_PROTO, len: 1 }, // protocolIdentifier
  6: { kind: K_TCP_FLAGS, len: 'uint' }, // tcpControlBits (1 byte in v9, 2 in IPFIX)
  7: { kind: K_SRC_PORT, len: 2 }, // sourceTransportPort
  8: { kind: K_SRC4, len: 4 }, // sourceIPv4Address
  10: { kind: K_IN_IF, len: 'uint' }, // ingressInterface
  11: { kind: K_DST_PORT, len: 2 }, // destinationTransportPort
  12: { kind: K_DST4, len: 4 }, // destinationIPv4Address
  14: { kind: K_OUT_IF, len: 'uint' }, // egressInterface
  21: { kind: K_END_UPTIME, len: 4 }, // LAST_SWITCHED / flowEndSysUpTime
  22: { kind: K_START_UPTIME, len: 4 }, // FIRST_SWITCHED / flowStartSysUpTime
  27: { kind: K_SRC6, len: 16 }, // sourceIPv6Address
  28: { kind: K_DST6, len: 16 }, // destinationIPv6Address
  32: { kind: K_ICMP_TYPE_CODE, len: 2 }, // icmpTypeCodeIPv4 / ICMP_TYPE
  34: { kind: K_SAMPLING_INTERVAL, len: 'uint' }, // samplingInterval (options, v9 SAMPLING_INTERVAL)
  48: { kind: K_SAMPLER_ID, len: 'uint' }, // FLOW_SAMPLER_ID / samplerId
  50: { kind: K_SAMPLING_INTERVAL, len: 'uint' }, // FLOW_SAMPLER_RANDOM_INTERVAL / samplerRandomInterval
  85: { kind: K_BYTES_TOTAL, len: 'uint' }, // octetTotalCount
  86: { kind: K_PACKETS_TOTAL, len: 'uint' }, // packetTotalCount
  139: { kind: K_ICMP_TYPE_CODE, len: 2 }, // icmpTypeCodeIPv6
  176: { kind: K_ICMP_TYPE, len: 1 }, // icmpTypeIPv4
  177: { kind: K_ICMP_CODE, len: 1 }, // icmpCodeIPv4
  178: { kind: K_ICMP_TYPE, len: 1 }, // icmpTypeIPv6
  179: { kind: K_ICMP_CODE, len: 1 }, // icmpCodeIPv6
};

const IPFIX_ONLY: Record<number, ElementSpec> = {
  150: { kind: K_START_SEC, len: 4 }, // flowStartSeconds
  151: { kind: K_END_SEC, len: 4 }, // flowEndSeconds
  152: { kind: K_START_MS, len: 8 }, // flowStartMilliseconds
  153: { kind: K_END_MS, len: 8 }, // flowEndMilliseconds
  154: { kind: K_START_NTP, len: 8 }, // flowStartMicroseconds (NTP format)
  155: { kind: K_END_NTP, len: 8 }, // flowEndMicroseconds
  156: { kind: K_START_NTP, len: 8 }, // flowStartNanoseconds (NTP format)
  157: { kind: K_END_NTP, len: 8 }, // flowEndNanoseconds
  158: { kind: K_START_DELTA_US, len: 4 }, // flowStartDeltaMicroseconds
  159: { kind: K_END_DELTA_US, len: 4 }, // flowEndDeltaMicroseconds
  160: { kind: K_SYS_INIT_MS, len: 8 }, // systemInitTimeMilliseconds
  161: { kind: K_DURATION_MS, len: 4 }, // flowDurationMilliseconds
  162: { kind: K_DURATION_US, len: 4 }, // flowDurationMicroseconds
  302: { kind: K_SAMPLER_ID, len: 'uint' }, // selectorId
  305: { kind: K_SAMPLING_PKT_INTERVAL, len: 'uint' }, // samplingPacketInterval
  306: { kind: K_SAMPLING_PKT_SPACE, len: 'uint' }, // samplingPacketSpace
  323: { kind: K_OBS_MS, len: 8 }, // observationTimeMilliseconds
};

/** v9 also defines 150..160 the same way in practice (Cisco uses the IPFIX ids); accept them. */
const V9: Record<number, ElementSpec> = { ...SHARED, ...IPFIX_ONLY };
const IPFIX: Record<number, ElementSpec> = { ...SHARED, ...IPFIX_ONLY };

/**
 * The kind of element `id` with field length `len`, or K_SKIP when ACD does not read it or the length
 * does not fit the element (an address that is not 4/16 bytes is skipped, not misread).
 */
export function kindOf(id: number, len: number, ipfix: boolean): number {
  const spec = (ipfix ? IPFIX : V9)[id];
  if (!spec) return K_SKIP;
  if (spec.len === 'uint') return len >= 1 && len <= 8 ? spec.kind : K_SKIP;
  if (len === spec.len) return spec.kind;
  // an 8-byte flowStartMilliseconds is the rule; accept reduced 4/6-byte ones as plain integers too
  if ((spec.kind === K_START_MS || spec.kind === K_END_MS || spec.kind === K_SYS_INIT_MS || spec.kind === K_OBS_MS) && len >= 1 && len <= 8) return spec.kind;
  return K_SKIP;
}

/** True when a kind is an options-record element (kept by the decoder, not put in a FlowRecord). */
export function isOptionKind(kind: number): boolean {
  return kind === K_SAMPLING_INTERVAL || kind === K_SAMPLER_ID || kind === K_SYS_INIT_MS
    || kind === K_SAMPLING_PKT_INTERVAL || kind === K_SAMPLING_PKT_SPACE;
}
