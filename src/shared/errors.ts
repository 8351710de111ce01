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
