/**
 * The error codes of the demo's set-up: each an AcdError the API turns into `{error: code, message}`
 * (the status is the code's unless a thrower names another). Every code ACD returns is declared in exactly one
 * part's list (test/repo/error-codes.test.ts); docs/ERRORS.md lists them all.
 */
import { errorFactory, type ErrorSpec } from '../shared/errors.js';

export const DEMO_ERRORS = {
  DEMO_SETUP: { status: 400, doc: 'demo person … is missing' },
} as const satisfies Record<string, ErrorSpec>;

export type DemoErrorCode = keyof typeof DEMO_ERRORS;
export const demoError = errorFactory(DEMO_ERRORS);
