/**
 * Intel administration and analysis outside TAXII: collections, sharing groups, clients, promotion of
 * a finding to a tier, bundle import, candidate criteria from imported indicators.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import { actorOf } from '../access.js';
import { ROLES, type Role } from '../../auth/index.js';
import {
  TIERS,
  TLP_LEVELS,
  addClient,
  addGroupMember,
  createCollection,
  createFeed,
  createFeedScheduler,
  createGroup,
  createTaxiiClient,
  decideCandidate,
  feedAuthFromEnv,
  pullFeed,
  importBundle,
  listCandidates,
  listGroups,
  promoteFinding,
  registerConfiguredFeeds,
  revokePromotion,
  type IntelTables,
  type TlpLevel,
  feedExists,
  listCollectionSummaries,
  listFeeds,
} from '../../intel/index.js';
import { withTables } from '../../store/index.js';
import { recordAudit } from '../../oversight/index.js';
import { auditRefusal } from '../refusals.js';
import { notFound } from '../../shared/errors.js';

const lit = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Id = Type.String({ minLength: 1, maxLength: 200 });

const NewCollectionBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    alias: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    apiRoot: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' })),
    ownerOrgId: Type.Optional(Id),
    groupId: Type.Optional(Id),
    readRoles: Type.Array(lit(ROLES), { minItems: 1 }),
    writeRoles: Type.Array(lit(ROLES)),
    readOrgs: Type.Optional(Type.Array(Id)),
    writeOrgs: Type.Optional(Type.Array(Id)),
    defaultTlp: lit(TLP_LEVELS),
    audienceOrgs: Type.Optional(Type.Array(Id)),
    audienceUsers: Type.Optional(Type.Array(Id)),
  },
  { additionalProperties: false },
);

const PromotionBody = Type.Object(
  {
    findingId: Type.String({ minLength: 1, maxLength: 400, description: 'the key of a stored finding (GET /api/v1/findings)' }),
    tier: lit(TIERS),
    collectionId: Id,
    apiRoot: Type.Optional(Type.String()),
    tlp: Type.Optional(lit(TLP_LEVELS)),
    comment: Type.Optional(Type.String({ maxLength: 5000 })),
    recipientOrgs: Type.Optional(Type.Array(Id)),
    recipientUsers: Type.Optional(Type.Array(Id)),
    reason: Type.Optional(Type.String({ maxLength: 2000 })),
    validForDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: "the indicator's valid_until, in days from promotion (default 30)" })),
  },
  { additionalProperties: false },
);

const RevocationBody = Type.Object(
  {
    collectionId: Id,
    apiRoot: Type.Optional(Type.String()),
    reportId: Type.String({ pattern: '^report--[0-9a-fA-F-]{36}$', description: 'the report of the promotion to withdraw' }),
    reason: Type.String({ minLength: 1, maxLength: 2000 }),
  },
  { additionalProperties: false },
);

const AddResultView = Type.Object({
  added: Type.Integer(),
  successes: Type.Array(Type.Object({ id: Type.String(), version: Type.Optional(Type.String()), message: Type.Optional(Type.String()) })),
  failures: Type.Array(Type.Object({ id: Type.String(), version: Type.Optional(Type.String()), message: Type.String() })),
  dateAddedFirst: Type.Union([Type.String(), Type.Null()]),
  dateAddedLast: Type.Union([Type.String(), Type.Null()]),
  candidates: Type.Optional(Type.Integer()),
});

const GroupViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  confidential: Type.Boolean(),
  ownerOrgId: Type.String(),
  members: Type.Array(Type.String()),
  memberCount: Type.Union([Type.Integer(), Type.Null()]),
});

const ANALYSTS: Role[] = ['agency_analyst', 'agency_lead'];
const MANAGERS: Role[] = ['admin', 'agency_lead'];

export async function intelRoutes(fastify: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = withTables<IntelTables>(ctx.store.db);

  // `acd serve` with the config key taxiiFeeds: its feeds are registered when the server is ready and
  // every feed is pulled on a schedule; closing the server stops the scheduler (a pull in flight is aborted and awaited)
  const feeds = ctx.config.taxiiFeeds;
  if (feeds) {
    const scheduler = createFeedScheduler({
      config: { intervalSeconds: feeds.intervalSeconds },
      deps: { db, logger: ctx.logger, registry: ctx.registry, clientFor: (f, signal) => createTaxiiClient({ auth: feedAuthFromEnv(f.id), signal }) },
    });
    ctx.jobs.add('intel.taxii-feeds', {
      start: async () => {
        await registerConfiguredFeeds(db, feeds.feeds);
        scheduler.start();
      },
      stop: () => scheduler.stop(),
    });
  }

  app.post(
    '/api/v1/intel/collections',
    {
      config: { access: { roles: MANAGERS } },
      schema: { summary: 'Create a TAXII collection with its read/write rights and audience', tags: ['intel'], body: NewCollectionBody, response: { 201: Type.Object({ id: Type.String(), apiRoot: Type.String(), title: Type.String(), alias: Type.Union([Type.String(), Type.Null()]) }) } },
    },
    async (req, reply) => {
      const b = req.body;
      const actor = actorOf(req);
      const c = await createCollection(db, actor, {
        title: b.title,
        alias: b.alias ?? null,
        description: b.description ?? null,
        ...(b.apiRoot ? { apiRoot: b.apiRoot } : {}),
        ownerOrgId: b.ownerOrgId ?? actor.orgId,
        groupId: b.groupId ?? null,
        readRoles: b.readRoles as Role[],
        writeRoles: b.writeRoles as Role[],
        readOrgs: b.readOrgs ?? null,
        writeOrgs: b.writeOrgs ?? null,
        defaultTlp: b.defaultTlp as TlpLevel,
        ...(b.audienceOrgs ? { audienceOrgs: b.audienceOrgs } : {}),
        ...(b.audienceUsers ? { audienceUsers: b.audienceUsers } : {}),
      });
      void reply.status(201);
      return { id: c.id, apiRoot: c.api_root, title: c.title, alias: c.alias };
    },
  );

  app.get(
    '/api/v1/intel/collections',
    {
      config: { access: { roles: [...MANAGERS, 'agency_analyst', 'auditor'] } },
      schema: {
        summary: 'Every collection with its rights and audience (administration view; TAXII readers use /taxii2/)',
        tags: ['intel'],
        response: {
          200: Type.Array(
            Type.Object({
              id: Type.String(),
              apiRoot: Type.String(),
              alias: Type.Union([Type.String(), Type.Null()]),
              title: Type.String(),
              // null for a collection no organisation owns (the store allows it; the schema said string, and
              // the serializer wrote "" for it: the type provider caught the difference)
              ownerOrgId: Type.Union([Type.String(), Type.Null()]),
              groupId: Type.Union([Type.String(), Type.Null()]),
              readRoles: Type.Array(Type.String()),
              writeRoles: Type.Array(Type.String()),
              defaultTlp: Type.String(),
              objects: Type.Integer(),
            }),
          ),
        },
      },
    },
    async () => {
      return listCollectionSummaries(db);
    },
  );

  app.post(
    '/api/v1/intel/groups',
    {
      config: { access: { roles: MANAGERS } },
      schema: { summary: 'Create a sharing group (confidential: members cannot see each other)', tags: ['intel'], body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), confidential: Type.Optional(Type.Boolean()) }, { additionalProperties: false }), response: { 201: GroupViewSchema } },
    },
    async (req, reply) => {
      const g = await createGroup(db, actorOf(req), { name: req.body.name, confidential: req.body.confidential ?? false });
      void reply.status(201);
      return g;
    },
  );

  app.post(
    '/api/v1/intel/groups/:groupId/members',
    {
      config: { access: { roles: MANAGERS } },
      schema: { summary: 'Add an organisation to a sharing group', tags: ['intel'], params: Type.Object({ groupId: Type.String() }), body: Type.Object({ orgId: Id }, { additionalProperties: false }), response: { 200: Type.Object({ added: Type.String() }) } },
    },
    async (req) => {
      await addGroupMember(db, actorOf(req), req.params.groupId, req.body.orgId);
      return { added: req.body.orgId };
    },
  );

  app.get(
    '/api/v1/intel/groups',
    {
      config: { access: { roles: 'any' } },
      schema: { summary: 'Sharing groups you belong to (managers: all); members of confidential groups are not shown to each other', tags: ['intel'], response: { 200: Type.Array(GroupViewSchema) } },
    },
    async (req) => listGroups(db, actorOf(req)),
  );

  app.post(
    '/api/v1/intel/clients',
    {
      config: { access: { roles: ['admin'] } },
      schema: { summary: "Record an organisation's client (TLP:AMBER reaches clients)", tags: ['intel'], body: Type.Object({ orgId: Id, clientOrgId: Id }, { additionalProperties: false }), response: { 200: Type.Object({ orgId: Type.String(), clientOrgId: Type.String() }) } },
    },
    async (req) => {
      await addClient(db, actorOf(req), req.body.orgId, req.body.clientOrgId);
      return req.body;
    },
  );

  app.post(
    '/api/v1/intel/promotions',
    {
      config: { access: { roles: ANALYSTS } },
      schema: {
        summary: 'Promote a stored finding (by its key) to a tier (full: agency only; shareable: operators and partners; public alert: TLP:CLEAR) into a collection; audited',
        tags: ['intel'],
        body: PromotionBody,
        response: { 201: Type.Composite([AddResultView, Type.Object({ tier: Type.String(), tlp: Type.String(), reportId: Type.String(), objectIds: Type.Array(Type.String()) })]) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const r = await promoteFinding(db, actorOf(req), {
        findingId: b.findingId,
        tier: b.tier,
        collectionId: b.collectionId,
        ...(b.apiRoot ? { apiRoot: b.apiRoot } : {}),
        ...(b.tlp ? { tlp: b.tlp as TlpLevel } : {}),
        ...(b.comment ? { comment: b.comment } : {}),
        ...(b.recipientOrgs ? { recipientOrgs: b.recipientOrgs } : {}),
        ...(b.recipientUsers ? { recipientUsers: b.recipientUsers } : {}),
        ...(b.reason ? { reason: b.reason } : {}),
        ...(b.validForDays ? { validForDays: b.validForDays } : {}),
      });
      void reply.status(201);
      return r;
    },
  );

  app.post(
    '/api/v1/intel/revocations',
    {
      config: { access: { roles: ANALYSTS } },
      onError: auditRefusal(ctx.store.db, 'intel.revoke', (req) => ({ type: 'stix_report', id: (req.body as { reportId?: unknown } | undefined)?.reportId?.toString().slice(0, 200) ?? null })),
      schema: {
        summary: 'Withdraw a promotion: a revoked version (revoked: true; indicators valid_until now) of its report and of every object of it your organisation created, to the same readers; audited',
        tags: ['intel'],
        body: RevocationBody,
        response: { 201: Type.Composite([AddResultView, Type.Object({ revoked: Type.Array(Type.String()) })]) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const r = await revokePromotion(db, actorOf(req), { collectionId: b.collectionId, reportId: b.reportId, reason: b.reason, ...(b.apiRoot ? { apiRoot: b.apiRoot } : {}) });
      void reply.status(201);
      return r;
    },
  );

  app.post(
    '/api/v1/intel/collections/:collectionId/bundles',
    {
      config: { access: { roles: ANALYSTS } },
      schema: { summary: 'Import a STIX 2.1 bundle into a collection; indicators become candidate criteria', tags: ['intel'], params: Type.Object({ collectionId: Type.String() }), response: { 200: AddResultView } },
    },
    async (req) => importBundle(db, actorOf(req), req.params.collectionId, req.body),
  );

  app.post(
    '/api/v1/intel/feeds',
    {
      config: { access: { roles: MANAGERS } },
      schema: {
        summary: "Register a TAXII 2.1 feed (another server's collection objects URL) to pull into a collection; credentials come from ACD_TAXII_FEED_<ID>",
        tags: ['intel'],
        body: Type.Object({ url: Type.String({ minLength: 1, maxLength: 2000 }), collectionId: Id }, { additionalProperties: false }),
        response: { 201: Type.Object({ id: Type.String(), url: Type.String(), collectionId: Type.String(), credentialsVariable: Type.String() }) },
      },
    },
    async (req, reply) => {
      const f = await createFeed(db, { url: req.body.url, collectionId: req.body.collectionId });
      await recordAudit(ctx.store.db, { actor: actorOf(req), action: 'intel.feed.create', target: { type: 'intel_feed', id: f.id }, details: { url: f.url, collectionId: f.collectionId } });
      void reply.status(201);
      return { id: f.id, url: f.url, collectionId: f.collectionId, credentialsVariable: `ACD_TAXII_FEED_${f.id.replace(/-/g, '').toUpperCase()}` };
    },
  );

  app.get(
    '/api/v1/intel/feeds',
    {
      config: { access: { roles: [...MANAGERS, 'agency_analyst'] } },
      schema: { summary: 'Registered TAXII feeds and where each stands', tags: ['intel'], response: { 200: Type.Array(Type.Object({ id: Type.String(), url: Type.String(), collectionId: Type.String(), addedAfter: Type.Union([Type.String(), Type.Null()]), lastRunAt: Type.Union([Type.String(), Type.Null()]), lastError: Type.Union([Type.String(), Type.Null()]) })) } },
    },
    async () => listFeeds(db),
  );

  app.post(
    '/api/v1/intel/feeds/:feedId/pull',
    {
      config: { access: { roles: [...MANAGERS, 'agency_analyst'] } },
      schema: { summary: 'Pull a feed now (the scheduler does it on its own too)', tags: ['intel'], params: Type.Object({ feedId: Type.String() }), response: { 200: Type.Object({ pages: Type.Integer(), received: Type.Integer(), added: Type.Integer(), failed: Type.Integer(), addedAfter: Type.Union([Type.String(), Type.Null()]) }) } },
    },
    async (req) => {
      if (!(await feedExists(db, req.params.feedId))) throw notFound('feed', req.params.feedId);
      return pullFeed(db, createTaxiiClient({ auth: feedAuthFromEnv(req.params.feedId) }), req.params.feedId);
    },
  );

  app.get(
    '/api/v1/intel/candidates',
    {
      config: { access: { roles: ANALYSTS } }, // an agency's people only, and only what they may read: listCandidates
      schema: {
        summary: 'Candidate selection criteria from imported indicators (an approval must still adopt them)',
        tags: ['intel'],
        querystring: Type.Object({ status: Type.Optional(lit(['candidate', 'adopted', 'rejected'] as const)) }),
        response: { 200: Type.Array(Type.Object({ id: Type.String(), collectionId: Type.String(), indicator: Type.String(), address: Type.String(), port: Type.Union([Type.Integer(), Type.Null()]), source: Type.String(), status: Type.String(), createdAt: Type.String() })) },
      },
    },
    async (req) => listCandidates(db, actorOf(req), req.query.status ?? 'candidate'),
  );

  app.post(
    '/api/v1/intel/candidates/:candidateId/decision',
    {
      config: { access: { roles: ['agency_lead'] } },
      schema: {
        summary: 'Record that a candidate criterion was adopted (naming the approval that adopts it) or rejected; audited',
        tags: ['intel'],
        params: Type.Object({ candidateId: Type.String() }),
        body: Type.Object({ status: lit(['adopted', 'rejected'] as const), approvalId: Type.Optional(Id), reason: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ id: Type.String(), collectionId: Type.String(), indicator: Type.String(), address: Type.String(), port: Type.Union([Type.Integer(), Type.Null()]), source: Type.String(), status: Type.String(), createdAt: Type.String() }) },
      },
    },
    async (req) => decideCandidate(db, actorOf(req), req.params.candidateId, { status: req.body.status, ...(req.body.approvalId ? { approvalId: req.body.approvalId } : {}), ...(req.body.reason ? { reason: req.body.reason } : {}) }),
  );
}
