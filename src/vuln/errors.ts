/**
 * The vuln part's error codes (each an AcdError the API turns into `{error: code, message}`):
 *
 * - VULN_INVALID_CSAF: a CSAF 2.0 document fails the CSAF 2.0 JSON schema (the message names the field)
 * - VULN_INVALID_CVE: a CVE JSON 5 record fails the CVE record schema (names the field)
 * - VULN_INVALID_KEV: a CISA KEV catalogue fails its shape (names the field)
 * - VULN_UNKNOWN_FORMAT: a document that is none of CSAF 2.0, CVE JSON 5, KEV
 * - VULN_INVALID_CPE: a CPE 2.3 formatted string that NISTIR 7695 cannot unbind
 * - VULN_INVALID_VERS: a version range that is not a `vers:` string or a plain comparator list
 * - VULN_INVALID_STATE: an alert state change that is not allowed (not_affected without a reason, …)
 * - VULN_OPERATOR_ONLY: an alert's state is set by the operator whose system it is
 * - VULN_FEED: a configured feed could not be pulled (HTTP status, not JSON)
 * - VULN_INVALID_RANGE: an address range that is not a canonical global prefix an operator may register (names the field)
 * - VULN_RANGE_OVERLAP: a range overlaps another of the same operator (409, names it)
 * - VULN_RANGE_TAKEN: a range overlaps address space another organisation registered (409, names neither)
 * - VULN_RANGE_LIMIT: an operator has registered the most ranges it may (409)
 * - VULN_RANGE_VERSION: an edit of a range that changed meanwhile (409)
 */
import { AcdError, type ErrorSpec } from '../shared/errors.js';

export type VulnErrorCode =
  | 'VULN_INVALID_CSAF'
  | 'VULN_INVALID_CVE'
  | 'VULN_INVALID_KEV'
  | 'VULN_UNKNOWN_FORMAT'
  | 'VULN_INVALID_CPE'
  | 'VULN_INVALID_VERS'
  | 'VULN_INVALID_STATE'
  | 'VULN_OPERATOR_ONLY'
  | 'VULN_FEED'
  | 'VULN_INVALID_RANGE'
  | 'VULN_RANGE_OVERLAP'
  | 'VULN_RANGE_TAKEN'
  | 'VULN_RANGE_LIMIT'
  | 'VULN_RANGE_VERSION';

export const vulnError = (code: VulnErrorCode, message: string, opts: { status?: number; details?: unknown } = {}): AcdError => new AcdError(code, message, opts);

/** The list (docs/ERRORS.md, test/repo/error-codes.test.ts): a code added to the union above must be added here. */
export const VULN_ERRORS = {
  VULN_INVALID_CSAF: { status: 400, doc: 'a CSAF 2.0 document fails the CSAF 2.0 JSON schema (the message names the field)' },
  VULN_INVALID_CVE: { status: 400, doc: 'a CVE JSON 5 record fails the CVE record schema (names the field)' },
  VULN_INVALID_KEV: { status: 400, doc: 'a CISA KEV catalogue fails its shape (names the field)' },
  VULN_UNKNOWN_FORMAT: { status: 400, doc: 'a document that is none of CSAF 2.0, CVE JSON 5, KEV' },
  VULN_INVALID_CPE: { status: 400, doc: 'a CPE 2.3 formatted string that NISTIR 7695 cannot unbind' },
  VULN_INVALID_VERS: { status: 400, doc: 'a version range that is not a `vers:` string or a plain comparator list' },
  VULN_INVALID_STATE: { status: 400, doc: 'an alert state change that is not allowed (not_affected without a reason, …)' },
  VULN_OPERATOR_ONLY: { status: 403, doc: 'an alert\'s state is set by the operator whose system it is' },
  VULN_FEED: { status: 400, doc: 'a configured feed could not be pulled (HTTP status, not JSON)' },
  VULN_INVALID_RANGE: { status: 400, doc: 'an address range that is not a canonical global prefix an operator may register (names the field)' },
  VULN_RANGE_OVERLAP: { status: 409, doc: 'a range overlaps another of the same operator (names it)' },
  VULN_RANGE_TAKEN: { status: 409, doc: 'a range overlaps address space another organisation registered (names neither)' },
  VULN_RANGE_LIMIT: { status: 409, doc: 'an operator has registered the most ranges it may' },
  VULN_RANGE_VERSION: { status: 409, doc: 'an edit of a range that changed meanwhile' },
} as const satisfies Record<VulnErrorCode, ErrorSpec>;
