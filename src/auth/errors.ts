/**
 * The error codes of organisations, people, roles and accounts: each an AcdError the API turns into `{error: code, message}`
 * (the status is the code's unless a thrower names another). Every code ACD returns is declared in exactly one
 * part's list (test/repo/error-codes.test.ts); docs/ERRORS.md lists them all.
 */
import { errorFactory, type ErrorSpec } from '../shared/errors.js';

export const AUTH_ERRORS = {
  INVALID_ORG_KIND: { status: 400, doc: 'organisation kind "…" is not one of the known kinds' },
  INVALID_ROLE: { status: 400, doc: 'role "…" is not a known role' },
  INVALID_USERNAME: { status: 400, doc: 'username "…" must be 3–64 characters of a-z, 0-9, . _ -' },
  ROLES_REQUIRED: { status: 400, doc: 'a person needs at least one role' },
  ROLE_NOT_ALLOWED: { status: 400, doc: 'role "…" cannot be held in an organisation of kind …; allowed: …' },
  SELF_DISABLE: { status: 400, doc: 'an administrator cannot disable themself' },
  WEAK_PASSWORD: { status: 400, doc: 'a password needs at least … characters' },
} as const satisfies Record<string, ErrorSpec>;

export type AuthErrorCode = keyof typeof AUTH_ERRORS;
export const authError = errorFactory(AUTH_ERRORS);
