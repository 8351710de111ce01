/**
 * The typed API client (#22): openapi-fetch over the types generated from the server's OpenAPI
 * document (web/src/api-types.ts, scripts/web-api-types.ts), so a view's paths, query parameters and
 * answers are checked by the compiler against what the server declares. Same origin, the session
 * cookie, the tab's CSRF token on changes, and the server's {error, message} as an ApiError.
 */
import createClient from 'openapi-fetch';
import type { paths } from './api-types.js';
import { ApiError, csrf } from './api.js';

export type { paths };

export const client = createClient<paths>({ baseUrl: '', credentials: 'same-origin', headers: { accept: 'application/json' } });

client.use({
  onRequest({ request }) {
    const token = csrf();
    if (request.method !== 'GET' && request.method !== 'HEAD' && token) request.headers.set('x-csrf-token', token);
    return request;
  },
});

/** the answer's data, or the server's refusal as an ApiError */
export function unwrap<T>(r: { data?: T; error?: unknown; response: Response }): T {
  if (r.error !== undefined || !r.response.ok) {
    const e = (r.error ?? {}) as { error?: string; message?: string };
    throw new ApiError(r.response.status, e.error ?? `HTTP_${r.response.status}`, e.message ?? `${r.response.url} answered ${r.response.status}`);
  }
  return r.data as T;
}

/** the JSON answer of a GET route, by its OpenAPI path */
export type Answer<P extends keyof paths> = paths[P] extends { get: { responses: { 200: { content: { 'application/json': infer A } } } } } ? A : never;
