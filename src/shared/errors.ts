/**
 * The one error type of ACD: a machine-readable `code` and a human message that says what and where.
 * The HTTP layer turns it into `{error: code, message, details}` with `status`.
 */
export class AcdError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;

  constructor(code: string, message: string, opts: { status?: number; details?: unknown } = {}) {
    super(message);
    this.name = 'AcdError';
    this.code = code;
    this.status = opts.status ?? 400;
    this.details = opts.details;
  }
}

export const notFound = (what: string, id: string): AcdError =>
  new AcdError('NOT_FOUND', `${what} ${id} does not exist`, { status: 404 });

export const forbidden = (message: string): AcdError => new AcdError('FORBIDDEN', message, { status: 403 });

export const unauthenticated = (message = 'authentication required: send a Bearer token or log in'): AcdError =>
  new AcdError('UNAUTHENTICATED', message, { status: 401 });

export const conflict = (message: string): AcdError => new AcdError('CONFLICT', message, { status: 409 });

/** One error code as a part declares it: the HTTP status it answers with, and what it means (docs/ERRORS.md). */
export interface ErrorSpec {
  readonly status: number;
  readonly doc: string;
}

/**
 * A part's typed error maker: `selectionError('GATE_NO_APPROVAL', message)` takes only a code of the part's
 * list and answers with the code's status (a thrower may name another where one code has two, e.g. 404/409).
 */
export function errorFactory<L extends Readonly<Record<string, ErrorSpec>>>(list: L) {
  return (code: keyof L & string, message: string, opts: { status?: number; details?: unknown } = {}): AcdError =>
    new AcdError(code, message, { status: opts.status ?? list[code]?.status ?? 400, ...(opts.details !== undefined ? { details: opts.details } : {}) });
}

/** The codes every part may use (through the helpers above): generic refusals with no part of their own. */
export const COMMON_ERRORS = {
  NOT_FOUND: { status: 404, doc: 'the record (or route) named does not exist, or is not visible to the caller' },
  FORBIDDEN: { status: 403, doc: 'the caller is authenticated but their role, organisation or the record\'s marking does not allow this' },
  UNAUTHENTICATED: { status: 401, doc: 'no valid session or Bearer token' },
  CONFLICT: { status: 409, doc: 'the request conflicts with the record\'s current state (exists already, decided already)' },
  BAD_REQUEST: { status: 400, doc: 'a query parameter is not what the route takes (the message names it)' },
  APPROVAL_EXPIRED: { status: 409, doc: 'the approval (of a selection, or the commission\'s decision on an operation) has passed its end' },
} as const satisfies Record<string, ErrorSpec>;

export type CommonErrorCode = keyof typeof COMMON_ERRORS;
export const commonError = errorFactory(COMMON_ERRORS);
