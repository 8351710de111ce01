/**
 * The error codes of the one validated configuration: each an AcdError the API turns into `{error: code, message}`
 * (the status is the code's unless a thrower names another). Every code ACD returns is declared in exactly one
 * part's list (test/repo/error-codes.test.ts); docs/ERRORS.md lists them all.
 */
import { errorFactory, type ErrorSpec } from '../shared/errors.js';

export const CONFIG_ERRORS = {
  CONFIG_FILE: { status: 400, doc: 'cannot read config file …: …' },
  CONFIG_INVALID: { status: 400, doc: 'config key "…" is unknown; allowed keys: …' },
} as const satisfies Record<string, ErrorSpec>;

export type ConfigErrorCode = keyof typeof CONFIG_ERRORS;
export const configError = errorFactory(CONFIG_ERRORS);
