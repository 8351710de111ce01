/** Password login with a session cookie for the web; logout; who am I. */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import {
  DEVICE_COOKIE,
  SESSION_COOKIE,
  createSession,
  createStoredLoginThrottle,
  isKnownDevice,
  rememberDevice,
  setOwnPassword,
  dummyPasswordHash,
  endSession,
  isRole,
  verifyPassword,
  type Actor,
  type OrgKind,
} from '../../auth/index.js';
import { recordAudit } from '../../oversight/index.js';
import { AcdError } from '../../shared/errors.js';
import { actorOf } from '../access.js';

const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);

const ActorView = Type.Object({
  userId: Type.String(),
  username: Type.String(),
  orgId: Type.String(),
  orgKind: Type.String(),
  roles: Type.Array(Type.String()),
});

function actorView(a: Actor): Static<typeof ActorView> {
  return { userId: a.userId, username: a.username, orgId: a.orgId, orgKind: a.orgKind, roles: a.roles };
}

export async function authRoutes(fastify: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = ctx.store;
  // #20: kept in the store (survives a restart); per account+address and address, and an account-wide
  // back-off that a correct password from a known device passes (see src/auth/throttle.ts)
  const throttle = createStoredLoginThrottle(db, { maxAttempts: ctx.config.loginMaxAttempts, windowSeconds: ctx.config.loginWindowSeconds });

  app.post(
    '/api/v1/auth/login',
    {
      config: { access: { public: true } },
      schema: {
        summary: 'Log in with username and password; sets a session cookie and returns the CSRF token for changes',
        tags: ['auth'],
        body: LoginBody,
        response: { 200: Type.Object({ actor: ActorView, csrfToken: Type.String(), expiresAt: Type.String() }) },
      },
    },
    async (req, reply) => {
      const { username, password } = req.body;
      const user = await db
        .selectFrom('users')
        .innerJoin('organisations', 'organisations.id', 'users.org_id')
        .select(['users.id', 'users.username', 'users.password_hash', 'users.disabled', 'users.roles', 'users.org_id', 'users.password_reset_required', 'organisations.kind'])
        .where('users.username', '=', username)
        .executeTakeFirst();
      const deviceCookie = req.cookies[DEVICE_COOKIE];
      const knownDevice = user ? await isKnownDevice(db, user.id, deviceCookie) : false;
      const wait = await throttle.retryAfter(username, req.ip, { knownDevice });
      if (wait > 0) {
        void reply.header('retry-after', String(wait));
        await recordAudit(db, { actor: null, action: 'auth.login_throttled', target: { type: 'user', id: user?.id ?? null }, details: { address: req.ip, retryAfter: wait } });
        throw new AcdError('LOGIN_RATE_LIMITED', `too many failed logins for this account or address; try again in ${wait} s`, { status: 429 });
      }
      const ok = await verifyPassword(user?.password_hash ?? (await dummyPasswordHash()), password);
      if (!user || !user.password_hash || !ok || user.disabled) {
        await throttle.fail(username, req.ip);
        await recordAudit(db, { actor: null, action: 'auth.login_failed', target: { type: 'user', id: user?.id ?? null }, details: { address: req.ip } });
        throw new AcdError('LOGIN_FAILED', 'username or password is wrong, or the account is disabled', { status: 401 });
      }
      await throttle.succeed(username, req.ip);
      if (user.password_reset_required) {
        await recordAudit(db, { actor: null, action: 'auth.login_reset_required', target: { type: 'user', id: user.id }, details: { address: req.ip } });
        throw new AcdError('PASSWORD_RESET_REQUIRED', 'an administrator asked for a new password: set one with POST /api/v1/auth/password (username, password, newPassword)', { status: 403 });
      }
      const session = await createSession(db, user.id, ctx.config.sessionTtlMinutes);
      const actor: Actor = {
        userId: user.id,
        username: user.username,
        orgId: user.org_id,
        orgKind: user.kind as OrgKind,
        roles: user.roles.filter(isRole),
        via: 'session',
      };
      await recordAudit(db, { actor, action: 'auth.login', target: { type: 'user', id: user.id }, details: { address: req.ip } });
      void reply.setCookie(SESSION_COOKIE, session.cookieValue, {
        path: '/',
        httpOnly: true,
        secure: true,
        sameSite: 'strict',
        expires: session.expiresAt,
      });
      // the device cookie after the session's (#20): a known device passes an account-wide back-off
      const device = await rememberDevice(db, user.id, deviceCookie);
      void reply.setCookie(DEVICE_COOKIE, device, { path: '/api/v1/auth', httpOnly: true, secure: true, sameSite: 'strict', maxAge: 365 * 86400 });
      return { actor: actorView(actor), csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      config: { access: { roles: 'any' } },
      schema: { summary: 'End the web session', tags: ['auth'], response: { 200: Type.Object({ ok: Type.Boolean() }) } },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const cookie = req.cookies[SESSION_COOKIE];
      if (cookie) await endSession(db, cookie);
      await recordAudit(db, { actor, action: 'auth.logout', target: { type: 'user', id: actor.userId } });
      void reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, secure: true, sameSite: 'strict' });
      return { ok: true };
    },
  );

  app.get(
    '/api/v1/me',
    {
      config: { access: { roles: 'any' } },
      schema: { summary: 'The authenticated person, organisation and roles', tags: ['auth'], response: { 200: ActorView } },
    },
    async (req) => {
      return actorView(actorOf(req));
    },
  );

  // #20: a person sets a new password with the current one (also after a forced reset); throttled like a login
  app.post(
    '/api/v1/auth/password',
    {
      config: { access: { public: true } },
      schema: {
        summary: 'Set a new password with the current one (refused when easy to guess)',
        tags: ['auth'],
        body: Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 1024 }), newPassword: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ ok: Type.Boolean() }) },
      },
    },
    async (req, reply) => {
      const { username, password, newPassword } = req.body;
      const wait = await throttle.retryAfter(username, req.ip);
      if (wait > 0) {
        void reply.header('retry-after', String(wait));
        throw new AcdError('LOGIN_RATE_LIMITED', `too many failed logins for this account or address; try again in ${wait} s`, { status: 429 });
      }
      const user = await db.selectFrom('users').select(['id', 'password_hash', 'disabled']).where('username', '=', username).executeTakeFirst();
      const ok = await verifyPassword(user?.password_hash ?? (await dummyPasswordHash()), password);
      if (!user || !user.password_hash || !ok || user.disabled) {
        await throttle.fail(username, req.ip);
        await recordAudit(db, { actor: null, action: 'auth.login_failed', target: { type: 'user', id: user?.id ?? null }, details: { address: req.ip, for: 'password' } });
        throw new AcdError('LOGIN_FAILED', 'username or password is wrong, or the account is disabled', { status: 401 });
      }
      await throttle.succeed(username, req.ip);
      await setOwnPassword(db, user.id, newPassword);
      return { ok: true };
    },
  );
}
