// The flow part's public interface: FlowRecord and its helpers (decoders, collector and importers join here).
export * from './record.js';
// File import (Zeek conn.log TSV/JSON, Argus binetflow, FlowRecord JSON lines): API documented in import/index.ts.
export {
  importFlowFile, importFlowBuffer, importFlowStream, detectFormat, isImportFormat, IMPORT_FORMATS,
  flowRecordToJson, flowRecordToJsonObject, parseFlowRecordJson,
} from './import/index.js';
export type { ImportFormat, ImportOptions, ImportStats, ImportLineError, ImportProgress } from './import/index.js';
// NetFlow v5/v9/IPFIX decoding and the UDP collector: API documented in decode/decoder.ts and collector.ts.
export {
  createFlowDecoder, DEFAULT_LIMITS, MALFORMED_REASONS, readPcap,
  type FlowDecoder, type FlowDecoderOptions, type DecodeResult, type DecoderLimits, type MalformedReason, type ExporterStats, type PcapPacket,
} from './decode/index.js';
export { createUdpCollector, parseUdpUrl, exporterId, type UdpCollector, type UdpCollectorOptions } from './collector.js';
// The demo's synthetic carrier exporter (NetFlow v9 over UDP), a component like any other (docs/STYLE.md).
export { createDemoExporter, DemoScenario, V9Encoder, fillFlowRecord, type DemoActors, type DemoExporter, type DemoFlow, type DemoScenarioOptions, type DomesticTest } from './demo-exporter.js';
