/**
 * The error codes of the stored findings: each an AcdError the API turns into `{error: code, message}`
 * (the status is the code's unless a thrower names another). Every code ACD returns is declared in exactly one
 * part's list (test/repo/error-codes.test.ts); docs/ERRORS.md lists them all.
 */
import { errorFactory, type ErrorSpec } from '../shared/errors.js';

export const FINDINGS_ERRORS = {
  BAD_ADDRESS: { status: 400, doc: 'address: ’…’ is not an IPv4 or IPv6 address (a prefix or a name is not accepted)' },
  BAD_HOURS: { status: 400, doc: 'hours: … is not a whole number of hours from 1 to 720' },
} as const satisfies Record<string, ErrorSpec>;

export type FindingsErrorCode = keyof typeof FINDINGS_ERRORS;
export const findingsError = errorFactory(FINDINGS_ERRORS);
