// Oversight's public interface: the audit function every part calls, and the Merkle audit log over it.
export { recordAudit, recordAuditBatch, listAudit, type AuditInput, type AuditQuery } from './audit.js';
export { createAuditQueue, auditQueueOf, type AuditQueue, type AuditQueueOptions } from './audit-queue.js';
export { hashLeaf, hashChildren, merkleTreeHash, EMPTY_ROOT, HASH_SIZE, type NodeKey } from './merkle.js';
export { MemoryNodeStore, type NodeStore, type StoredNode } from './node-store.js';
export { SqlNodeStore, createMerkleNodesTable, MERKLE_NODES_TABLE, type SqlNodeStoreOptions } from './sql-node-store.js';
export { MerkleTree } from './tree.js';
export { verifyInclusion, verifyConsistency, generateInclusionProof, generateConsistencyProof } from './proofs.js';
export { auditEntryFromRow, canonicalAuditEntry, entryLeafHash, parseCanonicalEntry, validateAuditEntry, type AuditEntry, type AuditRowLike } from './canonical.js';
export { generateLogKey, logKeyFromPem, privateKeyPem, exportPublicKey, importVerifier, type LogKey, type LogVerifier, type PublishedKey } from './keys.js';
export { signTreeHead, openTreeHead, type SignedTreeHead, type TreeHead } from './tree-head.js';
export { verifyLog, verifyLogExport, parseLogExport, describeVerifyResult, EXPORT_FORMAT, type VerifyLogInput, type VerifyLogResult, type VerifyFailure, type LogExportFile } from './verify.js';
export { createMerkleLog, type MerkleLog, type MerkleLogConfig, type MerkleLogDeps } from './log.js';
export { TreeHeadSchema, InclusionProofSchema, ConsistencyProofSchema, PublicKeySchema, treeHeadToJson, inclusionProofToJson, consistencyProofToJson } from './api-schemas.js';
export type { AuditLogErrorCode } from './errors.js';
export { createAuditLogAppender, type AuditLogAppender, type AuditLogAppenderConfig, type AuditLogAppenderOptions, type AuditLogExport, type InclusionProofResult } from './appender.js';
export { loadOrCreateLogKey, logKeySource, logKeyFor, DEFAULT_LOG_ORIGIN, KEY_FILE_NAME, type LogKeySource } from './key-file.js';
export { auditLogOf, startAuditLog, type AuditLogContext } from './service.js';
export type { OversightTables } from './tables.js';
