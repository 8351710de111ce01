// The operations part's public interface: the lifecycle, measures (applied only under a decision in
// force), drivers for BIND RPZ, GoBGP, blocklists and takedown notices, each with one writer, the expiry
// job and the reconciliation loop.
export * from './states.js';
export * from './targets.js';
export * from './operations.js';
export * from './measures.js';
export * from './expiry.js';
export { DEFAULT_OPERATIONS_CONFIG, type OperationsConfig } from './db.js';
export * from './reconcile.js';
export * from './abroad.js';
export { inQueue, advisoryLock, writerKey } from './writer.js';
export type { OperationsTables, OperationTargets } from './tables.js';
export * from './rpz.js';
export * from './bgp.js';
export * from './blocklist.js';
export * from './notice.js';
export * from './drivers.js';
export { OPERATIONS_ERRORS, operationsError, type OperationsErrorCode } from './errors.js';
