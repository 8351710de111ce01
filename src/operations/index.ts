// The operations part's public interface: the lifecycle, measures (applied only under a decision in
// force), drivers for BIND RPZ, GoBGP, blocklists and takedown notices, and the expiry job.
export * from './states.js';
export * from './targets.js';
export * from './operations.js';
export * from './measures.js';
export * from './expiry.js';
export { DEFAULT_OPERATIONS_CONFIG, type OperationsConfig } from './db.js';
export type { OperationsTables, OperationTargets } from './tables.js';
export * from './rpz.js';
export * from './bgp.js';
export * from './blocklist.js';
export * from './notice.js';
export * from './drivers.js';
