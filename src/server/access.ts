/**
 * Authorisation, deny by default. Every route declares who may call it in `config.access`; a route
 * without a declaration cannot be registered. The check runs in onRequest, before the body is read:
 * 401 without valid credentials, 403 for a wrong role, another organisation or a missing CSRF token.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import {
  CSRF_HEADER,
  SESSION_COOKIE,
  actorFromBasic,
  actorFromSession,
  actorFromToken,
  sha256Hex,
  safeEqual,
  type Actor,
  type OrgKind,
  type Role,
} from '../auth/index.js';
import { AcdError, forbidden, unauthenticated } from '../shared/errors.js';

export type Access =
  | { public: true }
  | {
      /** roles allowed; 'any' = any authenticated person */
      roles: readonly Role[] | 'any';
      /**
       * the caller's organisation must be of one of these kinds (issue #17: agency-internal listings are
       * not for a ministry's or an executor's people who hold an agency role; README access table)
       */
      orgKinds?: readonly OrgKind[];
      /**
       * the route acts within one organisation named by this path parameter; anyOrgRoles may act on any
       * organisation, when their own organisation is of one of anyOrgKinds (default: any kind)
       */
      org?: { param: string; anyOrgRoles?: readonly Role[]; anyOrgKinds?: readonly OrgKind[] };
      /** the route acts on one person named by this path parameter */
      self?: { param: string; anyUserRoles?: readonly Role[] };
    };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    actor: Actor | null;
  }
}

export interface DeclaredRoute {
  method: string;
  url: string;
  access: Access | undefined;
  /** the route's schema (body, params, querystring...), as registered: the fuzz test derives its input from it */
  schema?: RouteOptions['schema'];
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Routes of plugins that serve documentation only; they are public by nature. */
const DOCS_PREFIX = '/api/docs';

export function installAccessControl(app: FastifyInstance, db: Kysely<Database>): DeclaredRoute[] {
  const table: DeclaredRoute[] = [];
  app.decorateRequest('actor', null);

  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    let access = route.config?.access;
    if (!access && route.url.startsWith(DOCS_PREFIX)) {
      access = { public: true };
      route.config = { ...(route.config ?? {}), access };
    }
    for (const m of methods) table.push({ method: m, url: route.url, access, ...(route.schema ? { schema: route.schema } : {}) });
    if (!access) throw new AcdError('ROUTE_UNDECLARED', `route ${methods.join(',')} ${route.url} declares no access rule`);
  });

  app.addHook('onRequest', async (req) => {
    const access = req.routeOptions.config?.access;
    if (!access) {
      // Unknown routes reach the not-found handler, which has no access rule and needs none.
      if (req.routeOptions.url === undefined) return;
      throw forbidden('this route declares no access rule');
    }
    if ('public' in access) {
      req.actor = await authenticate(req, db).catch(() => null);
      return;
    }
    const actor = await authenticate(req, db);
    if (!actor) throw unauthenticated();
    req.actor = actor;
    if (actor.via === 'session' && !SAFE_METHODS.has(req.method)) await checkCsrf(req, db);
    if (access.roles !== 'any' && !actor.roles.some((r) => (access.roles as readonly Role[]).includes(r))) {
      throw forbidden(`${req.method} ${req.routeOptions.url} needs one of the roles ${access.roles.join(', ')}`);
    }
    if (access.orgKinds && !access.orgKinds.includes(actor.orgKind)) {
      throw forbidden(`${req.method} ${req.routeOptions.url} is for people of ${access.orgKinds.join(' and ')} organisations`);
    }
    const params = req.params as Record<string, string>;
    if (access.org) {
      const wanted = params[access.org.param];
      const bypass = (access.org.anyOrgRoles?.some((r) => actor.roles.includes(r)) ?? false) && (!access.org.anyOrgKinds || access.org.anyOrgKinds.includes(actor.orgKind));
      if (!bypass && wanted !== actor.orgId) throw forbidden('this resource belongs to another organisation');
    }
    if (access.self) {
      const wanted = params[access.self.param];
      const bypass = access.self.anyUserRoles?.some((r) => actor.roles.includes(r)) ?? false;
      if (!bypass && wanted !== actor.userId) throw forbidden('this resource belongs to another person');
    }
  });

  return table;
}

async function authenticate(req: FastifyRequest, db: Kysely<Database>): Promise<Actor | null> {
  const auth = req.headers.authorization;
  if (auth) {
    const [scheme, value] = auth.split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer' && value) return actorFromToken(db, value.trim());
    if (scheme?.toLowerCase() === 'basic' && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 1) return null;
      return actorFromBasic(db, decoded.slice(0, colon), decoded.slice(colon + 1));
    }
    return null;
  }
  const cookie = req.cookies?.[SESSION_COOKIE];
  if (cookie) {
    const found = await actorFromSession(db, cookie);
    if (found) {
      sessionCsrf.set(req, found.csrfHash);
      return found.actor;
    }
  }
  return null;
}

const sessionCsrf = new WeakMap<FastifyRequest, string>();

async function checkCsrf(req: FastifyRequest, _db: Kysely<Database>): Promise<void> {
  const sent = req.headers[CSRF_HEADER];
  const expected = sessionCsrf.get(req);
  if (typeof sent !== 'string' || !expected || !safeEqual(sha256Hex(sent), expected)) {
    throw new AcdError('CSRF', `a change made with a session cookie needs the ${CSRF_HEADER} header given at login`, { status: 403 });
  }
}

/** The actor of an authenticated route (the access check guarantees it is there). */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw unauthenticated();
  return req.actor;
}
