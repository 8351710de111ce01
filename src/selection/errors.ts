/**
 * The error codes of the lawful gate: approvals, criteria, pseudonyms, re-identification, retention: each an AcdError the API turns into `{error: code, message}`
 * (the status is the code's unless a thrower names another). Every code ACD returns is declared in exactly one
 * part's list (test/repo/error-codes.test.ts); docs/ERRORS.md lists them all.
 */
import { errorFactory, type ErrorSpec } from '../shared/errors.js';

export const SELECTION_ERRORS = {
  APPROVAL_INVALID: { status: 400, doc: 'an approval is not valid: the message names the field (all problems in details), e.g. approval.criteria[2].prefix' },
  APPROVAL_NOT_IN_FORCE: { status: 409, doc: 'approval … is …: only an approved one can be ended' },
  APPROVAL_NOT_PROPOSED: { status: 409, doc: 'approval … is …: only a proposed approval can be decided' },
  CARRIER_ID_BAD: { status: 400, doc: 'carrierIds[i]: not a carrier id (letters, digits, . _ : / -; 128 characters at most), or listed twice' },
  CARRIER_ID_TAKEN: { status: 409, doc: 'carrierIds: … already belong to another organisation; unassign them there first' },
  CARRIER_IDS_TOO_MANY: { status: 400, doc: 'carrierIds: more than 1000 ids for one organisation' },
  NOT_A_CARRIER: { status: 409, doc: 'carrier ids are assigned to carrier organisations only' },
  CRYPTOPAN_BAD_KEY: { status: 400, doc: 'a Crypto-PAn key is 32 bytes, got …' },
  FLOWS_BAD_DIMENSION: { status: 400, doc: 'by: … is not one of the dimensions of flow exploration (external, port, carrier, category)' },
  GATE_BAD_KEY: { status: 400, doc: 'a key selected by a detector rule is malformed (e.g. a pair whose addresses are of two families)' },
  GATE_NO_APPROVAL: { status: 404, doc: 'a detector-rule selection names an approval the gate does not hold' },
  GATE_NO_CRITERION: { status: 400, doc: 'a detector-rule selection names a criterion the approval does not have' },
  GATE_TOO_MANY_KEYS: { status: 400, doc: 'selectKey: … selected keys already; end or narrow an approval' },
  GEODATA_BAD: { status: 400, doc: 'asn-ipv4-num.csv is not sorted at row …' },
  GEODATA_MISSING: { status: 400, doc: 'the npm package … is not installed: run npm install' },
  PSEUDONYM_BAD_KEY: { status: 400, doc: 'a pseudonym key is 64 hexadecimal digits (32 bytes)' },
  REIDENTIFY_BAD_ADDRESS: { status: 400, doc: 'depseudonymise: ’…’ is not an IP address' },
  REIDENTIFY_DECIDED: { status: 409, doc: 're-identification request … is …: only a proposed request can be decided' },
  REIDENTIFY_EXPIRED: { status: 410, doc: 're-identification request … could be resolved until …; ask again' },
  REIDENTIFY_INVALID: { status: 400, doc: 'a re-identification request or decision is not valid: the message names the field (all problems in details)' },
  REIDENTIFY_NO_APPROVAL: { status: 404, doc: 'reidentification.approvalId: approval … does not exist' },
  REIDENTIFY_NO_DECISION: { status: 403, doc: 'depseudonymise: decisionId is required: re-identification needs a commission decision' },
  REIDENTIFY_NO_KEY: { status: 404, doc: 'depseudonymise: pseudonym key … does not exist' },
  REIDENTIFY_OTHER_ORG: { status: 403, doc: 're-identification request … was made by another organisation; only it may resolve it' },
  REIDENTIFY_REJECTED: { status: 403, doc: 're-identification request … was rejected by the commission: …' },
  REIDENTIFY_USED: { status: 409, doc: 're-identification request … was resolved already (…); a decision allows one resolution' },
  RETENTION_BAD_CONFIG: { status: 400, doc: 'retention.retentionDays: … is not a positive number of days' },
  SCOPE_BAD_CONFIG: { status: 400, doc: 'scope.country: ’…’ is not an ISO 3166-1 alpha-2 code' },
} as const satisfies Record<string, ErrorSpec>;

export type SelectionErrorCode = keyof typeof SELECTION_ERRORS;
export const selectionError = errorFactory(SELECTION_ERRORS);
