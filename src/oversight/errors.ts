/**
 * The audit log's error codes. Every failure is an `AcdError` whose `code` is one of these, so the
 * API, the CLI and the tests can tell a malformed proof from a forged signature without reading prose.
 */
import { AcdError, type ErrorSpec } from '../shared/errors.js';

export const AUDIT_ERRORS = {
  AUDIT_BAD_ARGUMENT: { status: 400, doc: 'a hash that is not 32 bytes, a size or index out of range: a programming or input error' },
  AUDIT_NODE_MISSING: { status: 500, doc: 'the node store lacks a node the tree needs (a damaged or truncated store)' },
  AUDIT_NODE_APPEND_ONLY: { status: 400, doc: 'a write would change or skip a node: the store is append-only' },
  AUDIT_PROOF_INVALID: { status: 400, doc: 'an inclusion or consistency proof that does not verify' },
  AUDIT_ENTRY_INVALID: { status: 400, doc: 'an entry is not a well-formed audit entry' },
  AUDIT_ENTRY_NOT_CANONICAL: { status: 400, doc: 'an entry\'s text is JSON but not its RFC 8785 canonical form' },
  AUDIT_ENTRY_MISMATCH: { status: 400, doc: 'an entry\'s leaf hash differs from the hash the log recorded (and signed) for that position' },
  AUDIT_ENTRY_UNLOGGED: { status: 400, doc: 'an entry beyond the leaves the log recorded: a row the log never appended' },
  AUDIT_ENTRY_MISSING: { status: 400, doc: 'a signed tree head covers an entry the export does not contain' },
  AUDIT_ENTRIES_DO_NOT_MATCH_HEAD: { status: 400, doc: 'a range of entries does not hash to the root a signed tree head commits to' },
  AUDIT_HEAD_MALFORMED: { status: 400, doc: 'a checkpoint (tree head) that does not parse' },
  AUDIT_HEAD_WRONG_ORIGIN: { status: 400, doc: 'a checkpoint from another log (origin differs)' },
  AUDIT_HEAD_SIGNATURE: { status: 400, doc: 'no valid signature by the log\'s key on a checkpoint' },
  AUDIT_HEAD_ORDER: { status: 400, doc: 'tree heads out of order: a later head is smaller or older than an earlier one' },
  AUDIT_HEAD_INCONSISTENT: { status: 400, doc: 'a consistency proof between two heads does not verify: the log was rewritten' },
  AUDIT_KEY_INVALID: { status: 400, doc: 'a key that cannot be read or has the wrong type' },
  AUDIT_EXPORT_INVALID: { status: 400, doc: 'an export file that is not in the documented format' },
  AUDIT_SIGN_REFUSED: { status: 409, doc: 'the appender refused to sign: the log is smaller than, or inconsistent with, a head signed before' },
  AUDIT_LOG_TRUNCATED: { status: 400, doc: 'a signed head (or a kept one) covers more entries than the log holds: the log was cut' },
  AUDIT_ENTRY_BACKDATED: { status: 400, doc: 'an entry earlier than the one before it by more than the allowed skew' },
  AUDIT_HEAD_NOT_WITNESSED: { status: 400, doc: 'the latest head bears no valid cosignature by the witness the verifier requires' },
  AUDIT_COSIGNATURE_INVALID: { status: 400, doc: 'a cosignature that does not parse or verify' },
  AUDIT_WITNESS_FAILED: { status: 502, doc: 'the witness did not cosign (unreachable, or refused with the HTTP status given)' },
  AUDIT_KEY_CUSTODY: { status: 400, doc: 'a key file readable by others than its owner, or inside the data folder where it must not be' },
} as const satisfies Record<string, ErrorSpec>;

export type AuditLogErrorCode = keyof typeof AUDIT_ERRORS;

export function auditError(code: AuditLogErrorCode, message: string, details?: unknown): AcdError {
  return new AcdError(code, message, { status: AUDIT_ERRORS[code].status, details });
}
