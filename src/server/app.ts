/**
 * The HTTP server: Fastify 5 with typebox schemas that validate, type and document every route
 * (OpenAPI at /api/docs), deny-by-default access control, JSON errors, security headers, metrics.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import helmet from 'helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import secureJson from 'secure-json-parse';
import type { AppContext } from './context.js';
import { AcdError } from '../shared/errors.js';
import { installAccessControl, type DeclaredRoute } from './access.js';
import { setTokenCacheTtl } from '../auth/index.js';
import { installErrorHandling } from './errors.js';
import { checkJsonDepth, installInputGuard } from './input-guard.js';
import { installIdempotency } from './idempotency.js';
import { installHttpMetrics } from './http-metrics.js';
import { systemRoutes } from './routes/system.js';
import { selectionRoutes } from './routes/selection.js';
import { findingRoutes } from './routes/findings.js';
import { authRoutes } from './routes/auth.js';
import { accountRoutes } from './routes/accounts.js';
import { auditRoutes } from './routes/audit.js';
import { reportRoutes } from './routes/reports.js';
import { webRoutes } from './routes/web.js';
import { taxiiRoutes } from './routes/taxii.js';
import { intelRoutes } from './routes/intel.js';
import { operationRoutes } from './routes/operations.js';
import { oversightRoutes } from './routes/oversight.js';
import { vulnRoutes } from './routes/vuln.js';
import { dashboardRoutes } from './routes/dashboard.js';

export type RouteModule = (app: FastifyInstance, ctx: AppContext) => Promise<void>;

/** Every route module of the API. Each part of ACD adds its own here. */
export const routeModules: RouteModule[] = [systemRoutes, authRoutes, accountRoutes, auditRoutes, reportRoutes, webRoutes, taxiiRoutes, intelRoutes, selectionRoutes, findingRoutes, oversightRoutes, operationRoutes, vulnRoutes, dashboardRoutes];

export interface BuiltServer {
  app: FastifyInstance;
  /** every route with its access declaration, as registered */
  routes: DeclaredRoute[];
}

export async function buildServer(ctx: AppContext, extraModules: RouteModule[] = []): Promise<BuiltServer> {
  // Routes type their handlers with the typebox schemas' Static types; the instance itself stays plain.
  const app = Fastify({
    loggerInstance: ctx.logger,
    bodyLimit: ctx.config.bodyLimit,
    trustProxy: false,
  }) as unknown as FastifyInstance;

  installErrorHandling(app);
  // before the access check: hostile text in path or query is refused before anything reads it
  installInputGuard(app);
  // Our own JSON parser so a bad body is answered with where it went wrong (the position), and
  // prototype-poisoning keys (__proto__, constructor.prototype) are refused.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      checkJsonDepth(text);
      done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (e) {
      if (e instanceof AcdError) return done(e, undefined);
      done(new AcdError('INVALID_JSON', `request body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  });
  // cookies are parsed in an onRequest hook, which must run before the access check's
  await app.register(cookie);
  // one setting per process: the last app built decides (tests build several with the same value)
  setTokenCacheTtl(ctx.config.tokenCacheSeconds);
  const routes = installAccessControl(app, ctx.store.db);
  installHttpMetrics(app, ctx.registry);
  installIdempotency(app, ctx.store.db);

  // helmet's headers, its middleware built once: @fastify/helmet builds it anew for every request, ~0.026
  // ms of CPU each (node --cpu-prof of acd serve under GET /healthz: ~9 % of the server's time); the same headers
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // swagger-ui's page needs inline styles; nothing is ever loaded from another origin
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    hsts: { maxAge: 31536000, includeSubDomains: true },
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onRequest', (req, reply, done) => {
    securityHeaders(req.raw, reply.raw, (err?: unknown) => done(err as Error | undefined));
  });
  // answers that hold anything but public data are never cached by a browser or a proxy (#20): every
  // answer of a route that needs credentials, and every API answer (login gives a CSRF token; errors may
  // name what was asked). The dashboard's static files and the docs stay cacheable.
  app.addHook('onSend', (req, reply, payload, done) => {
    const access = req.routeOptions.config?.access;
    const url = req.url;
    const api = url.startsWith('/api/v1') || url.startsWith('/taxii2') || url === '/metrics';
    if ((api || (access && !('public' in access)) || req.actor) && !reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    done(null, payload);
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'ACD API', version: '0.1.0', description: 'Active cyber defence platform: the HTTP API. Errors are {error, message, details}.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'acd_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });

  for (const mod of [...routeModules, ...extraModules]) await mod(app, ctx);
  await app.ready();
  return { app, routes };
}
