/**
 * The dashboard's files (web/dist, built by `npm run build:web`, which `npm ci` runs as `prepare`).
 *
 * The files are public: they hold no data. Every figure the dashboard shows comes from the API, under
 * the API's own access rules. The files are served for GET/HEAD requests that match no API route
 * (before the not-found handler), so they add nothing to the route table the access control checks:
 * `/assets/*` from web/dist/assets, any other path that is not under an API prefix gets index.html
 * (the single-page app routes in the browser). Paths under /api/, /taxii2/, /healthz and /metrics keep
 * their JSON 404.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { AppContext } from '../context.js';

/** web/dist of this checkout (src/server/routes → ../../../web/dist, the same from dist/server/routes) */
export const WEB_DIST = resolve(import.meta.dirname, '../../../web/dist');

const API_PREFIXES = ['/api/', '/api?', '/taxii2', '/healthz', '/metrics'];

/** what the dashboard's static part answers for a request that matched no route, or null to pass */
export function webTarget(method: string, url: string): 'asset' | 'index' | null {
  if (method !== 'GET' && method !== 'HEAD') return null;
  const path = url.split('?')[0] ?? '/';
  if (path === '/api' || API_PREFIXES.some((p) => path.startsWith(p))) return null;
  if (path.startsWith('/assets/')) return 'asset';
  // a path with a file extension that is not an asset is a missing file, not a page of the app
  if (/\.[a-z0-9]+$/i.test(path) && path !== '/index.html' && path !== '/favicon.svg') return null;
  return path === '/favicon.svg' ? 'asset' : 'index';
}

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>ACD</title>
<body><main><h1>ACD</h1><p>The dashboard is not built in this checkout. Run <code>npm run build:web</code>
(or <code>npm ci</code>, which builds it) and reload. The API is at <a href="/api/docs">/api/docs</a>.</p></main></body></html>`;

export async function webRoutes(app: FastifyInstance, _ctx: AppContext, root = WEB_DIST): Promise<void> {
  await app.register(fastifyStatic, { root, serve: false });
  const built = (): boolean => existsSync(join(root, 'index.html'));

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.routeOptions.url !== undefined) return; // a declared route: not ours
    const target = webTarget(req.method, req.url);
    if (!target) return;
    if (!built()) {
      if (target === 'asset') return;
      return reply.status(200).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
    }
    if (target === 'asset') {
      let rel: string;
      try {
        rel = decodeURIComponent((req.url.split('?')[0] ?? '').slice(1));
      } catch {
        return; // a malformed escape: the not-found handler answers
      }
      // only plain names under web/dist; anything else (.., dotfiles, a missing file) gets the JSON 404
      if (!/^(assets\/)?[\w.-]+$/.test(rel) || rel.includes('..') || !existsSync(join(root, rel))) return;
      const hashed = rel.startsWith('assets/');
      void reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      return reply.sendFile(rel, root, { cacheControl: false });
    }
    void reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html', root, { cacheControl: false });
  });
}
