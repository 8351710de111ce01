/** Organisations, people and API tokens (administration). */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import {
  ORG_KINDS,
  ROLES,
  SECTORS,
  createOrganisation,
  createPerson,
  getOrganisation,
  issueToken,
  personView,
  revokeToken,
  endPersonSession,
  forcePasswordReset,
  listSessions,
  setPersonDisabled,
  setPersonRoles,
  type Actor,
  type OrgKind,
  type Role,
  type Sector,
  listOrganisations,
  listPeopleOf,
  listTokensOf,
  tokenBelongsTo,
} from '../../auth/index.js';
import { notFound } from '../../shared/errors.js';
import { actorOf } from '../access.js';

const lit = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

const OrgView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  sector: Type.Union([Type.String(), Type.Null()]),
  country: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});
const NewOrgBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    kind: lit(ORG_KINDS),
    sector: Type.Optional(lit(SECTORS)),
    country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
  },
  { additionalProperties: false },
);
const PersonViewSchema = Type.Object({
  id: Type.String(),
  orgId: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  roles: Type.Array(Type.String()),
  disabled: Type.Boolean(),
  createdAt: Type.String(),
});
const NewPersonBody = Type.Object(
  {
    orgId: Type.String({ minLength: 1 }),
    username: Type.String({ minLength: 3, maxLength: 64 }),
    displayName: Type.String({ minLength: 1, maxLength: 200 }),
    password: Type.Optional(Type.String({ minLength: 12, maxLength: 1024 })),
    roles: Type.Array(lit(ROLES), { minItems: 1, maxItems: ROLES.length }),
  },
  { additionalProperties: false },
);
const NewTokenBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }), expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })) },
  { additionalProperties: false },
);

type OrgRow = { id: string; name: string; kind: string; sector: string | null; country: string | null; created_at: Date | string };
const orgView = (o: OrgRow): Static<typeof OrgView> => ({
  id: o.id,
  name: o.name,
  kind: o.kind,
  sector: o.sector,
  country: o.country,
  createdAt: new Date(o.created_at).toISOString(),
});

export async function accountRoutes(fastify: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = ctx.store;

  app.get(
    '/api/v1/organisations',
    {
      config: { access: { roles: ['admin', 'auditor', 'commission_member', 'agency_lead', 'agency_analyst'], orgKinds: ['agency', 'commission'] } },
      schema: { summary: 'List organisations', tags: ['accounts'], response: { 200: Type.Array(OrgView) } },
    },
    async () => (await listOrganisations(db)).map(orgView),
  );

  app.post(
    '/api/v1/organisations',
    {
      config: { access: { roles: ['admin'] } },
      schema: { summary: 'Create an organisation', tags: ['accounts'], body: NewOrgBody, response: { 201: OrgView } },
    },
    async (req, reply) => {
      const b = req.body;
      const org = await createOrganisation(db, actorOf(req), {
        name: b.name,
        kind: b.kind as OrgKind,
        sector: (b.sector as Sector | undefined) ?? null,
        country: b.country ?? null,
      });
      void reply.status(201);
      return orgView(org);
    },
  );

  app.get(
    '/api/v1/organisations/:orgId',
    {
      config: { access: { roles: 'any', org: { param: 'orgId', anyOrgRoles: ['admin', 'auditor', 'commission_member', 'agency_lead', 'agency_analyst'], anyOrgKinds: ['agency', 'commission'] } } },
      schema: { summary: 'One organisation (members see their own)', tags: ['accounts'], params: Type.Object({ orgId: Type.String() }), response: { 200: OrgView } },
    },
    async (req) => orgView(await getOrganisation(db, req.params.orgId)),
  );

  app.get(
    '/api/v1/organisations/:orgId/people',
    {
      config: { access: { roles: ['admin', 'auditor', 'agency_lead', 'operator', 'carrier', 'partner', 'commission_member'], org: { param: 'orgId', anyOrgRoles: ['admin', 'auditor'], anyOrgKinds: ['agency', 'commission'] } } },
      schema: { summary: "The people of an organisation (members see their own organisation's)", tags: ['accounts'], params: Type.Object({ orgId: Type.String() }), response: { 200: Type.Array(PersonViewSchema) } },
    },
    async (req) => {
      await getOrganisation(db, req.params.orgId);
      return (await listPeopleOf(db, req.params.orgId)).map(personView);
    },
  );

  app.post(
    '/api/v1/people',
    {
      config: { access: { roles: ['admin'] } },
      schema: { summary: 'Create a person with roles in an organisation', tags: ['accounts'], body: NewPersonBody, response: { 201: PersonViewSchema } },
    },
    async (req, reply) => {
      const b = req.body;
      const user = await createPerson(db, actorOf(req), {
        orgId: b.orgId,
        username: b.username,
        displayName: b.displayName,
        roles: b.roles as Role[],
        ...(b.password !== undefined ? { password: b.password } : {}),
      });
      void reply.status(201);
      return personView(user);
    },
  );

  app.post(
    '/api/v1/people/:userId/tokens',
    {
      // the answer holds the secret: never kept by Idempotency-Key (#20)
      config: { access: { roles: 'any', self: { param: 'userId', anyUserRoles: ['admin'] } }, idempotent: false },
      schema: {
        summary: 'Issue an API token for a person (the token is shown once)',
        tags: ['accounts'],
        params: Type.Object({ userId: Type.String() }),
        body: NewTokenBody,
        response: { 201: Type.Object({ id: Type.String(), token: Type.String(), name: Type.String(), expiresAt: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (req, reply) => {
      // #20: every token expires; asked for no expiry or a longer one, it gets tokenMaxLifetimeDays
      const max = ctx.config.tokenMaxLifetimeDays;
      const days = Math.min(req.body.expiresInDays ?? max, max);
      const expires = new Date(Date.now() + days * 86400_000);
      const t = await issueToken(db, actorOf(req), req.params.userId, req.body.name, expires);
      void reply.status(201);
      return { id: t.id, token: t.token, name: t.name, expiresAt: t.expiresAt?.toISOString() ?? null };
    },
  );

  app.get(
    '/api/v1/people/:userId/tokens',
    {
      config: { access: { roles: 'any', self: { param: 'userId', anyUserRoles: ['admin'] } } },
      schema: {
        summary: "A person's API tokens (never the secrets)",
        tags: ['accounts'],
        params: Type.Object({ userId: Type.String() }),
        response: { 200: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), createdAt: Type.String(), expiresAt: Type.Union([Type.String(), Type.Null()]), revoked: Type.Boolean(), lastUsedAt: Type.Union([Type.String(), Type.Null()]) })) },
      },
    },
    async (req) => {
      return listTokensOf(db, req.params.userId);
    },
  );

  app.delete(
    '/api/v1/people/:userId/tokens/:tokenId',
    {
      config: { access: { roles: 'any', self: { param: 'userId', anyUserRoles: ['admin'] } } },
      schema: { summary: 'Revoke an API token', tags: ['accounts'], params: Type.Object({ userId: Type.String(), tokenId: Type.String() }), response: { 200: Type.Object({ revoked: Type.String() }) } },
    },
    async (req) => {
      if (!(await tokenBelongsTo(db, req.params.tokenId, req.params.userId))) throw notFound('token', req.params.tokenId);
      await revokeToken(db, actorOf(req), req.params.tokenId);
      return { revoked: req.params.tokenId };
    },
  );

  // #20: the person's life after creation, by an administrator; every act audited (src/auth/lifecycle.ts)
  const UserParams = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 64 }) });
  const ReasonBody = Type.Object({ reason: Type.String({ minLength: 3, maxLength: 1000 }) }, { additionalProperties: false });
  const ADMIN = { roles: ['admin'] as const };
  for (const [path, summary, act] of [
    ['disable', 'Disable a person: their sessions end and their tokens stop at once', (a: Actor, id: string, r: string) => setPersonDisabled(db, a, id, true, r)],
    ['enable', 'Enable a disabled person again', (a: Actor, id: string, r: string) => setPersonDisabled(db, a, id, false, r)],
    ['password-reset', 'Force a password reset: sessions end; login is refused until the person sets a new password (POST /api/v1/auth/password)', (a: Actor, id: string, r: string) => forcePasswordReset(db, a, id, r)],
  ] as const) {
    app.post(
      `/api/v1/people/:userId/${path}`,
      { config: { access: ADMIN }, schema: { summary, tags: ['accounts'], params: UserParams, body: ReasonBody, response: { 200: Type.Object({ ok: Type.Boolean() }) } } },
      async (req) => {
        await act(actorOf(req), req.params.userId, req.body.reason);
        return { ok: true };
      },
    );
  }
  app.put(
    '/api/v1/people/:userId/roles',
    {
      config: { access: ADMIN },
      schema: { summary: "Change a person's roles (within what their organisation's kind allows)", tags: ['accounts'], params: UserParams, body: Type.Object({ roles: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 16 }), reason: Type.String({ minLength: 3, maxLength: 1000 }) }, { additionalProperties: false }), response: { 200: Type.Object({ roles: Type.Array(Type.String()) }) } },
    },
    async (req) => ({ roles: await setPersonRoles(db, actorOf(req), req.params.userId, req.body.roles, req.body.reason) }),
  );
  app.get(
    '/api/v1/people/:userId/sessions',
    { config: { access: ADMIN }, schema: { summary: "A person's web sessions in force", tags: ['accounts'], params: UserParams, response: { 200: Type.Array(Type.Object({ id: Type.String(), createdAt: Type.String(), expiresAt: Type.String() })) } } },
    async (req) => listSessions(db, actorOf(req), req.params.userId),
  );
  app.delete(
    '/api/v1/people/:userId/sessions/:sessionId',
    { config: { access: ADMIN }, schema: { summary: "End one of a person's sessions", tags: ['accounts'], params: Type.Object({ userId: Type.String({ maxLength: 64 }), sessionId: Type.String({ maxLength: 128 }) }), response: { 200: Type.Object({ ended: Type.String() }) } } },
    async (req) => {
      await endPersonSession(db, actorOf(req), req.params.userId, req.params.sessionId);
      return { ended: req.params.sessionId };
    },
  );
}
