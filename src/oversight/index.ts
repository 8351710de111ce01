// Oversight's public interface: the audit function every part calls (the Merkle log joins here).
export { recordAudit, recordAuditBatch, listAudit, type AuditInput, type AuditQuery } from './audit.js';
