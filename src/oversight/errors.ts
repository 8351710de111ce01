/**
 * The audit log's error codes. Every failure is an `AcdError` whose `code` is one of these, so the
 * API, the CLI and the tests can tell a malformed proof from a forged signature without reading prose.
 */
import { AcdError } from '../shared/errors.js';

export type AuditLogErrorCode =
  /** a hash that is not 32 bytes, a size or index out of range: a programming or input error */
  | 'AUDIT_BAD_ARGUMENT'
  /** the node store lacks a node the tree needs (a damaged or truncated store) */
  | 'AUDIT_NODE_MISSING'
  /** a write would change or skip a node: the store is append-only */
  | 'AUDIT_NODE_APPEND_ONLY'
  /** an inclusion or consistency proof that does not verify */
  | 'AUDIT_PROOF_INVALID'
  /** an entry is not a well-formed audit entry */
  | 'AUDIT_ENTRY_INVALID'
  /** an entry's text is JSON but not its RFC 8785 canonical form */
  | 'AUDIT_ENTRY_NOT_CANONICAL'
  /** an entry's leaf hash differs from the hash the log recorded (and signed) for that position */
  | 'AUDIT_ENTRY_MISMATCH'
  /** an entry beyond the leaves the log recorded: a row the log never appended */
  | 'AUDIT_ENTRY_UNLOGGED'
  /** a signed tree head covers an entry the export does not contain */
  | 'AUDIT_ENTRY_MISSING'
  /** a range of entries does not hash to the root a signed tree head commits to */
  | 'AUDIT_ENTRIES_DO_NOT_MATCH_HEAD'
  /** a checkpoint (tree head) that does not parse */
  | 'AUDIT_HEAD_MALFORMED'
  /** a checkpoint from another log (origin differs) */
  | 'AUDIT_HEAD_WRONG_ORIGIN'
  /** no valid signature by the log's key on a checkpoint */
  | 'AUDIT_HEAD_SIGNATURE'
  /** tree heads out of order: a later head is smaller or older than an earlier one */
  | 'AUDIT_HEAD_ORDER'
  /** a consistency proof between two heads does not verify: the log was rewritten */
  | 'AUDIT_HEAD_INCONSISTENT'
  /** a key that cannot be read or has the wrong type */
  | 'AUDIT_KEY_INVALID'
  /** an export file that is not in the documented format */
  | 'AUDIT_EXPORT_INVALID'
  /** the appender refused to sign: the log is smaller than, or inconsistent with, a head signed before */
  | 'AUDIT_SIGN_REFUSED'
  /** a signed head (or a kept one) covers more entries than the log holds: the log was cut */
  | 'AUDIT_LOG_TRUNCATED'
  /** an entry earlier than the one before it by more than the allowed skew */
  | 'AUDIT_ENTRY_BACKDATED'
  /** the latest head bears no valid cosignature by the witness the verifier requires */
  | 'AUDIT_HEAD_NOT_WITNESSED'
  /** a cosignature that does not parse or verify */
  | 'AUDIT_COSIGNATURE_INVALID'
  /** the witness did not cosign (unreachable, or refused with the HTTP status given) */
  | 'AUDIT_WITNESS_FAILED'
  /** a key file readable by others than its owner, or inside the data folder where it must not be */
  | 'AUDIT_KEY_CUSTODY';

export function auditError(code: AuditLogErrorCode, message: string, details?: unknown): AcdError {
  const status = code === 'AUDIT_NODE_MISSING' ? 500 : code === 'AUDIT_SIGN_REFUSED' ? 409 : code === 'AUDIT_WITNESS_FAILED' ? 502 : 400;
  return new AcdError(code, message, { status, details });
}
