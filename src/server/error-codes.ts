/**
 * The error codes of the HTTP layer: the error mapper, access, idempotency and the routes' own input checks: each an AcdError the API turns into `{error: code, message}`
 * (the status is the code's unless a thrower names another). Every code ACD returns is declared in exactly one
 * part's list (test/repo/error-codes.test.ts); docs/ERRORS.md lists them all.
 */
import { COMMON_ERRORS, errorFactory, type ErrorSpec } from '../shared/errors.js';
import { AUTH_ERRORS } from '../auth/index.js';
import { BUS_ERRORS } from '../bus/index.js';
import { CONFIG_ERRORS } from '../config/index.js';
import { DETECT_ERRORS } from '../detect/index.js';
import { FINDINGS_ERRORS } from '../findings/index.js';
import { FLOW_ERRORS } from '../flow/index.js';
import { INTEL_ERRORS } from '../intel/index.js';
import { OPERATIONS_ERRORS } from '../operations/index.js';
import { AUDIT_ERRORS } from '../oversight/index.js';
import { PIPELINE_ERRORS } from '../pipeline/index.js';
import { REPORTS_ERRORS } from '../reports/index.js';
import { SELECTION_ERRORS } from '../selection/index.js';
import { STORE_ERRORS } from '../store/index.js';
import { VULN_ERRORS } from '../vuln/index.js';

export const SERVER_ERRORS = {
  AUDIT_UNAVAILABLE: { status: 503, doc: 'the read could not be recorded in the audit log, so it is refused; try again later' },
  BAD_TIME: { status: 400, doc: 'a time parameter is not an ISO 8601 time (the parameter is named)' },
  BODY_TOO_DEEP: { status: 400, doc: 'request body nests deeper than … levels (at character …)' },
  BODY_TOO_LARGE: { status: 413, doc: 'the request body is larger than the server\'s limit' },
  CSRF: { status: 403, doc: 'a change made with a session cookie needs the … header given at login' },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, doc: 'a request with … … has just ended without an answer to keep; send it again' },
  IDEMPOTENCY_KEY: { status: 400, doc: 'the … header must be 1-200 visible ASCII characters' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, doc: 'the Idempotency-Key was used for another request (method, path or body differ)' },
  INTERNAL: { status: 500, doc: 'an unexpected failure; the incident is logged, the answer says nothing of internals' },
  INVALID_CONTENT_LENGTH: { status: 400, doc: 'Content-Length does not match the body' },
  INVALID_JSON: { status: 400, doc: 'the request body is not valid JSON' },
  LOGIN_FAILED: { status: 401, doc: 'username or password is wrong, or the account is disabled' },
  LOGIN_RATE_LIMITED: { status: 429, doc: 'too many failed logins for this account or address; try again in … s' },
  METRICS_LOOPBACK_ONLY: { status: 403, doc: '/metrics is served to loopback clients only unless metricsToken is configured' },
  METRICS_TOKEN: { status: 401, doc: '/metrics needs the scrape token (Authorization: Bearer <metricsToken>)' },
  PASSWORD_RESET_REQUIRED: { status: 403, doc: 'an administrator asked for a new password: set one with POST /api/v1/auth/password (username, password, newPassword)' },
  ROUTE_UNDECLARED: { status: 400, doc: 'route … … declares no access rule' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, doc: 'the Content-Type is not accepted by this route' },
  VALIDATION: { status: 400, doc: 'the request does not match the route\'s schema: the message names the field' },
} as const satisfies Record<string, ErrorSpec>;

export type ServerErrorCode = keyof typeof SERVER_ERRORS;
export const serverError = errorFactory(SERVER_ERRORS);

/**
 * Every part's list, by part: the codes the server can answer with (the CLI's and the demo's own codes are
 * never answered by the server: scripts/error-codes.ts adds them for the docs and the uniqueness check). A code is declared in exactly one list
 * (errorCodeIndex reports any declared twice); the error mapper logs a code declared nowhere.
 */
export const ERROR_LISTS: Readonly<Record<string, Readonly<Record<string, ErrorSpec>>>> = {
  shared: COMMON_ERRORS,
  server: SERVER_ERRORS,
  auth: AUTH_ERRORS,
  bus: BUS_ERRORS,
  config: CONFIG_ERRORS,
  detect: DETECT_ERRORS,
  findings: FINDINGS_ERRORS,
  flow: FLOW_ERRORS,
  intel: INTEL_ERRORS,
  operations: OPERATIONS_ERRORS,
  oversight: AUDIT_ERRORS,
  pipeline: PIPELINE_ERRORS,
  reports: REPORTS_ERRORS,
  selection: SELECTION_ERRORS,
  store: STORE_ERRORS,
  vuln: VULN_ERRORS,
};

export interface DeclaredCode extends ErrorSpec {
  code: string;
  part: string;
}

/** The lists as one index by code, and the codes declared by more than one part (which must be none). */
export function errorCodeIndex(lists: Readonly<Record<string, Readonly<Record<string, ErrorSpec>>>> = ERROR_LISTS): { codes: Map<string, DeclaredCode>; duplicates: Array<{ code: string; parts: string[] }> } {
  const codes = new Map<string, DeclaredCode>();
  const seen = new Map<string, string[]>();
  for (const [part, list] of Object.entries(lists)) {
    for (const [code, spec] of Object.entries(list)) {
      seen.set(code, [...(seen.get(code) ?? []), part]);
      if (!codes.has(code)) codes.set(code, { code, part, status: spec.status, doc: spec.doc });
    }
  }
  return { codes, duplicates: [...seen].filter(([, p]) => p.length > 1).map(([code, parts]) => ({ code, parts })) };
}

export const DECLARED_CODES: ReadonlyMap<string, DeclaredCode> = errorCodeIndex().codes;
