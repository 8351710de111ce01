// The flow part's public interface: FlowRecord and its helpers (decoders, collector and importers join here).
export * from './record.js';
