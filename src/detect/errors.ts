/**
 * The error codes of the detectors' configuration: each an AcdError the API turns into `{error: code, message}`
 * (the status is the code's unless a thrower names another). Every code ACD returns is declared in exactly one
 * part's list (test/repo/error-codes.test.ts); docs/ERRORS.md lists them all.
 */
import { errorFactory, type ErrorSpec } from '../shared/errors.js';

export const DETECT_ERRORS = {
  DETECT_BAD_CAPACITY: { status: 400, doc: 'detector table capacity … must be an integer in [1, 2^28]' },
  DETECT_BAD_INDICATOR: { status: 400, doc: 'indicator … has neither an address nor a port in 0-65535' },
  DETECT_BAD_PREFIX: { status: 400, doc: '…: "…" has a bad IPv4 prefix length' },
  DETECT_NO_ASN: { status: 400, doc: 'beacon allowAsns is set but the detectors were given no ASN lookup (deps.asn)' },
} as const satisfies Record<string, ErrorSpec>;

export type DetectErrorCode = keyof typeof DETECT_ERRORS;
export const detectError = errorFactory(DETECT_ERRORS);
