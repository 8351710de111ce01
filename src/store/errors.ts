/**
 * The error codes of the store and its schema: each an AcdError the API turns into `{error: code, message}`
 * (the status is the code's unless a thrower names another). Every code ACD returns is declared in exactly one
 * part's list (test/repo/error-codes.test.ts); docs/ERRORS.md lists them all.
 */
import { errorFactory, type ErrorSpec } from '../shared/errors.js';

export const STORE_ERRORS = {
  STORE_SCHEMA: { status: 400, doc: 'schema name "…" is not allowed: use lower-case letters, digits and _' },
} as const satisfies Record<string, ErrorSpec>;

export type StoreErrorCode = keyof typeof STORE_ERRORS;
export const storeError = errorFactory(STORE_ERRORS);
