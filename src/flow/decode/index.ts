// Flow decoding: NetFlow v5, v9 and IPFIX datagrams → FlowRecord, with per-exporter statistics.
export { createFlowDecoder, type FlowDecoder, type FlowDecoderOptions, type DecodeResult } from './decoder.js';
export { DEFAULT_LIMITS, type DecoderLimits } from './state.js';
export { MALFORMED_REASONS, type MalformedReason, type ExporterStats } from './stats.js';
export { readPcap, type PcapPacket } from './pcap.js';
