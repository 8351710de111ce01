/**
 * The dashboard's only way to data: the ACD API on the same origin. The session cookie is HttpOnly
 * (the browser sends it); the CSRF token from the login answer is kept in memory only and sent as
 * x-csrf-token on every change. What the server offers is read from its OpenAPI document, so a view
 * whose API has not landed says so instead of showing anything made up.
 */

export interface Me {
  userId: string;
  username: string;
  orgId: string;
  orgKind: string;
  roles: string[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// kept in this tab's sessionStorage (not a cookie, not shared across tabs) so a reload keeps the session usable
const CSRF_KEY = 'acd.csrf';

interface KeyStore {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
  removeItem(k: string): void;
}

function storage(): KeyStore | null {
  return (globalThis as { sessionStorage?: KeyStore }).sessionStorage ?? null;
}

function stored(): string | null {
  try {
    return storage()?.getItem(CSRF_KEY) ?? null;
  } catch {
    return null;
  }
}

let csrfToken: string | null = stored();

export function setCsrf(token: string | null): void {
  csrfToken = token;
  try {
    if (token) storage()?.setItem(CSRF_KEY, token);
    else storage()?.removeItem(CSRF_KEY);
  } catch {
    // storage refused (private mode): the session lasts until the page is left
  }
}

/** this tab's CSRF token (sent as x-csrf-token on changes), null before a login */
export function csrf(): string | null {
  return csrfToken;
}

/** whether this tab holds a CSRF token from a login (a reload can resume the session) */
export function hasCsrf(): boolean {
  return csrfToken !== null;
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    const e = (data ?? {}) as { error?: string; message?: string };
    throw new ApiError(res.status, e.error ?? `HTTP_${res.status}`, e.message ?? `${method} ${path} answered ${res.status}`);
  }
  return data as T;
}

export async function login(username: string, password: string): Promise<Me> {
  const r = await api<{ actor: Me; csrfToken: string }>('POST', '/api/v1/auth/login', { username, password });
  setCsrf(r.csrfToken);
  return r.actor;
}

export async function logout(): Promise<void> {
  try {
    await api('POST', '/api/v1/auth/logout', {});
  } finally {
    setCsrf(null);
  }
}

// ---- the OpenAPI document: which routes exist, and their request bodies ----

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  description?: string;
  title?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  default?: unknown;
  $ref?: string;
};

interface Operation {
  summary?: string;
  tags?: string[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface Route {
  method: string;
  /** OpenAPI template, e.g. /api/v1/reports/{id} */
  path: string;
  summary: string;
}

export class Spec {
  readonly routes: Route[];
  constructor(private readonly doc: OpenApiDoc) {
    this.routes = [];
    for (const [path, ops] of Object.entries(doc.paths ?? {})) {
      for (const [m, op] of Object.entries(ops)) {
        if (['get', 'post', 'put', 'patch', 'delete'].includes(m)) this.routes.push({ method: m.toUpperCase(), path, summary: op.summary ?? '' });
      }
    }
  }

  has(method: string, path: string): boolean {
    return this.routes.some((r) => r.method === method && r.path === path);
  }

  /** the first route of this method whose path matches one of the patterns, in the order given */
  find(method: string, ...patterns: RegExp[]): Route | null {
    for (const p of patterns) {
      const r = this.routes.find((x) => x.method === method && p.test(x.path));
      if (r) return r;
    }
    return null;
  }

  /** the JSON body schema of a route, with local $refs resolved */
  bodySchema(method: string, path: string): JsonSchema | null {
    const op = this.doc.paths[path]?.[method.toLowerCase()];
    const s = op?.requestBody?.content?.['application/json']?.schema;
    return s ? this.resolve(s, 0) : null;
  }

  private resolve(s: JsonSchema, depth: number): JsonSchema {
    if (depth > 8) return s;
    if (s.$ref) {
      const name = s.$ref.split('/').pop() ?? '';
      const target = this.doc.components?.schemas?.[name];
      return target ? this.resolve(target, depth + 1) : s;
    }
    const out: JsonSchema = { ...s };
    if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, this.resolve(v, depth + 1)]));
    if (s.items) out.items = this.resolve(s.items, depth + 1);
    if (s.anyOf) out.anyOf = s.anyOf.map((v) => this.resolve(v, depth + 1));
    if (s.oneOf) out.oneOf = s.oneOf.map((v) => this.resolve(v, depth + 1));
    return out;
  }
}

export async function loadSpec(): Promise<Spec> {
  return new Spec(await api<OpenApiDoc>('GET', '/api/docs/json'));
}

/** fills an OpenAPI path template's {params} */
export function fill(path: string, params: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_m, k: string) => encodeURIComponent(params[k] ?? ''));
}

/** the list in an answer: the answer itself when it is an array, else its first array property */
export function rowsOf(data: unknown): Record<string, unknown>[] {
  if (Array.isArray(data)) return data as Record<string, unknown>[];
  if (data && typeof data === 'object') {
    for (const v of Object.values(data)) if (Array.isArray(v)) return v as Record<string, unknown>[];
  }
  return [];
}

/** POSTs a file as the request body (its media type as Content-Type), as the attachments route takes it */
export async function upload<T = unknown>(path: string, file: File): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': file.type || 'application/octet-stream' };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, { method: 'POST', headers, credentials: 'same-origin', body: file });
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const e = (data ?? {}) as { error?: string; message?: string };
    throw new ApiError(res.status, e.error ?? `HTTP_${res.status}`, e.message ?? `POST ${path} answered ${res.status}`);
  }
  return data as T;
}
