// The bus's public interface: moving the gate's output from collectors to detector workers.
export { parsePartitions, type Bus, type BatchHandler, type BatchMeta, type SelectionMessage, type Subscription } from './bus.js';
export { createMemoryBus } from './memory.js';
export { createJetStreamBus, streamName, type JetStreamBus, type JetStreamBusConfig } from './jetstream.js';
export { createBusPublisher, createBusCollector, type BusCollector, type BusPublisher, type PublisherConfig } from './publisher.js';
export { createBusWorker, purgeBatchNames, type BusWorker, type WorkerConfig } from './worker.js';
export { partitionOf } from './partition.js';
export { BatchEncoder, decodeBatch, BusFlow, RECORD_BYTES, type BatchHeader } from './codec.js';
export { createLeaseManager, leaseBucket, type LeaseConfig, type LeaseEvents, type LeaseManager } from './leases.js';
export { BUS_ERRORS, busError, type BusErrorCode } from './errors.js';
