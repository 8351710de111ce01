// The flow part's public interface: FlowRecord and its helpers (decoders, collector and importers join here).
export * from './record.js';
// File import (Zeek conn.log TSV/JSON, Argus binetflow, FlowRecord JSON lines): API documented in import/index.ts.
export {
  importFlowFile, importFlowBuffer, detectFormat, isImportFormat, IMPORT_FORMATS,
  flowRecordToJson, flowRecordToJsonObject, parseFlowRecordJson,
} from './import/index.js';
export type { ImportFormat, ImportOptions, ImportStats, ImportLineError, ImportProgress } from './import/index.js';
