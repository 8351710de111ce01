/**
 * The error codes of the bus between collectors and detector workers: each an AcdError the API turns into `{error: code, message}`
 * (the status is the code's unless a thrower names another). Every code ACD returns is declared in exactly one
 * part's list (test/repo/error-codes.test.ts); docs/ERRORS.md lists them all.
 */
import { errorFactory, type ErrorSpec } from '../shared/errors.js';

export const BUS_ERRORS = {
  BUS_BAD_BATCH: { status: 400, doc: 'bus batch of … bytes: …' },
  BUS_TOO_MANY_STRINGS: { status: 400, doc: 'bus batch: more than … distinct ids in one batch' },
} as const satisfies Record<string, ErrorSpec>;

export type BusErrorCode = keyof typeof BUS_ERRORS;
export const busError = errorFactory(BUS_ERRORS);
