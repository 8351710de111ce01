/**
 * Neutralisation operations: drafting, evidence, the lifecycle's transitions, the commission's
 * decisions, execution and lifting of measures, consultations and notices, and the blocklist served
 * to operators. Every rule lives in src/operations/; these routes only translate HTTP.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import type { RouteModule } from '../app.js';
import { SYSTEM_ACTOR } from '../../auth/index.js';
import { recordAudit } from '../../oversight/index.js';
import {
  DEFAULT_OPERATIONS_CONFIG, LINK_KINDS, MEASURE_KINDS, addLink, applyMeasure, auditedRefusals, blocklistCsv, blocklistEntries, blocklistStix, blocklistText,
  configureAbroad, createOperation, createReconcileJob, driverHealth, dryRunExecute, loadOperation, driversFromConfig, createExpiryJob, executeOperation, liftMeasure, liftOperation, listOperations, operationDetail,
  operationView, planMeasure, recordForeignConsultation, recordForeignNotice, transition, verifyMeasure, type Drivers, type LinkKind, type OperationsConfig,
} from '../../operations/index.js';
import { actorOf } from '../access.js';
import { AcdError } from '../../shared/errors.js';

const lit = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const DateTime = Type.String({ format: 'date-time' });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const MeasureParams = Type.Object({ measureId: Type.String({ minLength: 1, maxLength: 100 }) });
const Obj = Type.Object({}, { additionalProperties: true });

const OperationViewSchema = Type.Object({
  id: Type.String(), title: Type.String(), state: Type.String(), serious: Type.Boolean(), emergency: Type.Boolean(), abroad: Type.Boolean(),
  country: Type.Union([Type.String(), Type.Null()]),
  targets: Type.Object({ addresses: Type.Array(Type.String()), domains: Type.Array(Type.String()) }),
  createdBy: Type.String(), createdAt: Type.String(), updatedAt: Type.String(),
  notifyDeadline: Type.Union([Type.String(), Type.Null()]), notifiedAt: Type.Union([Type.String(), Type.Null()]), afterAction: Type.Union([Type.String(), Type.Null()]),
});

const NewOperationBody = Type.Object({
  title: Text(300),
  serious: Type.Boolean(),
  abroad: Type.Boolean(),
  country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
  targets: Type.Object({
    addresses: Type.Optional(Type.Array(Text(64), { maxItems: 64 })),
    domains: Type.Optional(Type.Array(Text(253), { maxItems: 64 })),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

const LinkBody = Type.Object({ kind: lit(LINK_KINDS), ref: Text(500), note: Type.Optional(Text(2000)) }, { additionalProperties: false });
const MeasureBody = Type.Object({ kind: lit(MEASURE_KINDS), target: Text(260), params: Type.Optional(Obj) }, { additionalProperties: false });
const Consultation = Type.Object({ body: Text(300), outcome: Text(4000), reference: Type.Optional(Text(300)), consultedAt: DateTime }, { additionalProperties: false });
const TransitionBody = Type.Object({
  action: lit(['assemble_evidence', 'record_council_review', 'request_approval', 'declare_emergency', 'notify_commission', 'close'] as const),
  reason: Type.Optional(Text(4000)),
  council: Type.Optional(Consultation),
  afterAction: Type.Optional(Text(20000)),
}, { additionalProperties: false });
const DecisionBody = Type.Object({
  decision: lit(['approve', 'reject', 'ratify', 'order_lift'] as const),
  conditions: Type.Optional(Text(4000)),
  expiresAt: Type.Optional(DateTime),
  reason: Type.Optional(Text(4000)),
}, { additionalProperties: false });
const ReasonBody = Type.Object({ reason: Text(2000) }, { additionalProperties: false });
const NoticeBody = Type.Object({ recipient: Text(200), channel: Text(200), sentAt: DateTime, reference: Type.Optional(Text(300)) }, { additionalProperties: false });
const ExecuteBody = Type.Object({ reason: Type.Optional(Text(2000)) }, { additionalProperties: false });

const READERS = ['agency_analyst', 'agency_lead', 'commission_member', 'auditor'] as const;

export interface OperationRoutesOptions {
  /** the measure drivers (default: driversFromConfig — blocklist, notices to <data>/outbox, RPZ and GoBGP when configured) */
  drivers?: (ctx: AppContext) => Drivers;
  config?: OperationsConfig;
}

/** The drivers from the configuration (see src/operations/drivers.ts): blocklist and notices always, RPZ and GoBGP when configured. */
export function defaultDrivers(ctx: AppContext): Drivers {
  return driversFromConfig(ctx.store.db, ctx.config);
}

const OPERATION_URLS = /^\/api\/v1\/(operations|operation-measures|blocklist)(\/|$)/;

export function createOperationRoutes(opts: OperationRoutesOptions = {}): RouteModule {
  return async function operationRoutes(fastify: FastifyInstance, ctx: AppContext): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const { db } = ctx.store;
    const drivers = (opts.drivers ?? defaultDrivers)(ctx);
    const config = opts.config ?? DEFAULT_OPERATIONS_CONFIG;
    configureAbroad({ country: ctx.config.country, domestic: ctx.config.domestic });
    // every server process holding the operations part runs the expiry job (operationsExpirySeconds) and
    // the reconciliation loop (operationsReconcileSeconds); both stop with the server
    const expiry = createExpiryJob({ config: { ...config, intervalMs: ctx.config.operationsExpirySeconds * 1000 }, deps: { db, drivers, logger: ctx.logger, registry: ctx.registry } });
    const reconcile = createReconcileJob({ config: { intervalMs: ctx.config.operationsReconcileSeconds * 1000 }, deps: { db, drivers, logger: ctx.logger, registry: ctx.registry } });
    ctx.jobs.add('operations.expiry', expiry);
    ctx.jobs.add('operations.reconcile', reconcile);

    // a refusal on an operation route (403: wrong role, organisation or party) is audited with the actor,
    // the route and operation, and the rule refused; refusals the lifecycle audited itself are not repeated
    app.addHook('onRoute', (route) => {
      if (!OPERATION_URLS.test(route.url)) return;
      const own = route.onError ? (Array.isArray(route.onError) ? route.onError : [route.onError]) : [];
      route.onError = [...own, async (req, _reply, err) => {
        const status = (err as { statusCode?: number }).statusCode ?? (err instanceof AcdError ? err.status : 500);
        if (status !== 403 || auditedRefusals.has(err)) return;
        auditedRefusals.add(err);
        const params = (req.params ?? {}) as Record<string, string>;
        await recordAudit(db, {
          actor: req.actor, action: 'operation.route.refused', target: { type: params.measureId ? 'operation_measure' : 'operation', id: params.measureId ?? params.id ?? null },
          reason: `${err instanceof AcdError ? err.code : 'FORBIDDEN'}: ${err.message}`,
          details: { route: `${req.method} ${route.url}`, rule: err instanceof AcdError ? ((err.details as { rule?: string } | undefined)?.rule ?? err.message) : err.message },
        }).catch((e: unknown) => ctx.logger.error({ err: e }, 'auditing a refusal failed'));
      }] as typeof own;
    });

    // the drivers' peers (BIND, gobgpd): 503 when one does not answer; the answer is kept 5 s
    let health: { at: number; body: Awaited<ReturnType<typeof driverHealth>> } | null = null;
    app.get('/healthz/operations', {
      config: { access: { public: true } },
      schema: {
        summary: "Whether the operations drivers' peers (BIND through rndc, gobgpd) answer", tags: ['system'],
        response: { 200: Obj, 503: Obj },
      },
    }, async (_req, reply) => {
      if (!health || Date.now() - health.at > 5000) health = { at: Date.now(), body: await driverHealth(drivers) };
      const ok = health.body.every((d) => d.ok);
      void reply.status(ok ? 200 : 503);
      return { status: ok ? 'ok' : 'unavailable', drivers: Object.fromEntries(health.body.map((d) => [d.kind, { ok: d.ok, detail: d.detail }])) };
    });

    app.get('/api/v1/operations', {
      config: { access: { roles: READERS } },
      schema: { summary: 'Operations (agency, commission, executors)', tags: ['operations'], querystring: Type.Object({ state: Type.Optional(Text(40)) }), response: { 200: Type.Array(OperationViewSchema) } },
    }, async (req) => listOperations(db, actorOf(req), { state: req.query.state }));

    app.post('/api/v1/operations', {
      config: { access: { roles: ['agency_analyst'] } },
      schema: { summary: 'Draft an operation against servers and domains', tags: ['operations'], body: NewOperationBody, response: { 201: OperationViewSchema } },
    }, async (req, reply) => {
      const op = await createOperation(db, actorOf(req), req.body);
      void reply.status(201);
      return operationView(op);
    });

    app.get('/api/v1/operations/:id', {
      config: { access: { roles: READERS } },
      schema: { summary: 'An operation with its evidence, transitions, decisions, consultations, measures and notices', tags: ['operations'], params: IdParams, response: { 200: Obj } },
    }, async (req) => operationDetail(db, actorOf(req), req.params.id));

    app.post('/api/v1/operations/:id/links', {
      config: { access: { roles: ['agency_analyst'] } },
      schema: { summary: 'Link a finding (key), report or intelligence item (id) as evidence', tags: ['operations'], params: IdParams, body: LinkBody, response: { 204: Type.Null() } },
    }, async (req, reply) => {
      await addLink(db, actorOf(req), req.params.id, { kind: req.body.kind as LinkKind, ref: req.body.ref, note: req.body.note ?? null });
      void reply.status(204);
    });

    app.post('/api/v1/operations/:id/measures', {
      config: { access: { roles: ['agency_analyst'] } },
      schema: { summary: 'Plan a measure (before approval is requested)', tags: ['operations'], params: IdParams, body: MeasureBody, response: { 201: Obj } },
    }, async (req, reply) => {
      const m = await planMeasure(db, actorOf(req), req.params.id, { kind: req.body.kind, target: req.body.target, params: req.body.params });
      void reply.status(201);
      return m;
    });

    app.post('/api/v1/operations/:id/transitions', {
      config: { access: { roles: ['agency_analyst', 'agency_lead'] } },
      schema: { summary: "The agency's steps of the lifecycle (evidence, council review, request, emergency, notification, closing)", tags: ['operations'], params: IdParams, body: TransitionBody, response: { 200: OperationViewSchema } },
    }, async (req) => {
      const b = req.body;
      const council = b.council ? { ...b.council, consultedAt: new Date(b.council.consultedAt) } : null;
      return operationView(await transition(db, actorOf(req), req.params.id, b.action, { reason: b.reason ?? null, council, afterAction: b.afterAction ?? null }, new Date(), config));
    });

    app.post('/api/v1/operations/:id/decision', {
      config: { access: { roles: ['commission_member'] } },
      schema: { summary: "The commission's decision: approve or reject a request, ratify or order lifted an emergency", tags: ['operations'], params: IdParams, body: DecisionBody, response: { 200: OperationViewSchema } },
    }, async (req) => {
      const b = req.body;
      const actor = actorOf(req);
      const row = await transition(db, actor, req.params.id, b.decision, { conditions: b.conditions ?? null, expiresAt: b.expiresAt ? new Date(b.expiresAt) : null, reason: b.reason ?? null }, new Date(), config);
      if (b.decision !== 'order_lift') return operationView(row);
      // the order is carried out at once by ACD itself
      await liftOperation(db, drivers, SYSTEM_ACTOR, req.params.id, `ordered lifted by the commission: ${b.reason ?? ''}`.trim(), { config });
      return operationView(await loadOperation(db, actor, req.params.id));
    });

    app.post('/api/v1/operations/:id/execute', {
      config: { access: { roles: ['agency_analyst'] } },
      schema: { summary: 'Execute an approved operation or a declared emergency (executing organisations)', tags: ['operations'], params: IdParams, body: Type.Optional(ExecuteBody), response: { 200: Type.Array(Obj) } },
    }, async (req) => executeOperation(db, drivers, actorOf(req), req.params.id, { reason: req.body?.reason ?? null, config }));

    app.post('/api/v1/operations/:id/execute/dry-run', {
      config: { access: { roles: ['agency_analyst', 'agency_lead'] } },
      schema: { summary: 'What executing would change (the RPZ zone diff, the routes announced), without changing anything', tags: ['operations'], params: IdParams, response: { 200: Obj } },
    }, async (req) => dryRunExecute(db, drivers, actorOf(req), req.params.id));

    app.post('/api/v1/operations/:id/lift', {
      config: { access: { roles: ['agency_analyst', 'agency_lead'] } },
      schema: { summary: 'Lift every measure of an operation', tags: ['operations'], params: IdParams, body: ReasonBody, response: { 204: Type.Null() } },
    }, async (req, reply) => {
      await liftOperation(db, drivers, actorOf(req), req.params.id, req.body.reason, { config });
      void reply.status(204);
    });

    app.post('/api/v1/operations/:id/consultations', {
      config: { access: { roles: ['agency_lead'] } },
      schema: { summary: "Record the foreign ministry's consultation (needed before acting on a server abroad)", tags: ['operations'], params: IdParams, body: Consultation, response: { 201: Type.Object({ id: Type.String() }) } },
    }, async (req, reply) => {
      const id = await recordForeignConsultation(db, actorOf(req), req.params.id, { ...req.body, consultedAt: new Date(req.body.consultedAt) });
      void reply.status(201);
      return { id };
    });

    app.post('/api/v1/operations/:id/notices', {
      config: { access: { roles: ['agency_lead'] } },
      schema: { summary: 'Record a notice given to a foreign state (date and channel)', tags: ['operations'], params: IdParams, body: NoticeBody, response: { 201: Type.Object({ id: Type.String() }) } },
    }, async (req, reply) => {
      const id = await recordForeignNotice(db, actorOf(req), req.params.id, { ...req.body, sentAt: new Date(req.body.sentAt) });
      void reply.status(201);
      return { id };
    });

    app.post('/api/v1/operation-measures/:measureId/apply', {
      config: { access: { roles: ['agency_analyst'] } },
      schema: { summary: 'Apply (or re-apply) one measure under the decision in force (executing organisations)', tags: ['operations'], params: MeasureParams, response: { 200: Obj } },
    }, async (req) => applyMeasure(db, drivers, actorOf(req), req.params.measureId));

    app.post('/api/v1/operation-measures/:measureId/lift', {
      config: { access: { roles: ['agency_analyst', 'agency_lead'] } },
      schema: { summary: 'Lift one measure', tags: ['operations'], params: MeasureParams, body: ReasonBody, response: { 200: Obj } },
    }, async (req) => liftMeasure(db, drivers, actorOf(req), req.params.measureId, req.body.reason));

    app.post('/api/v1/operation-measures/:measureId/verify', {
      config: { access: { roles: ['agency_analyst', 'agency_lead'] } },
      schema: { summary: 'Check a measure is in place (dig, the BGP RIB, the blocklist, the notice)', tags: ['operations'], params: MeasureParams, response: { 200: Type.Object({ ok: Type.Boolean(), detail: Type.String() }) } },
    }, async (req) => verifyMeasure(db, drivers, actorOf(req), req.params.measureId));

    app.get('/api/v1/blocklist', {
      config: { access: { roles: ['operator', 'carrier', 'agency_analyst', 'agency_lead', 'commission_member', 'auditor'] } },
      schema: {
        summary: 'The measures in force as a blocklist: plain text, CSV or a STIX 2.1 bundle', tags: ['operations'],
        querystring: Type.Object({ format: Type.Optional(lit(['txt', 'csv', 'stix'] as const)) }),
      },
    }, async (req, reply) => {
      const entries = await blocklistEntries(db);
      const format = req.query.format ?? 'txt';
      await recordAudit(db, { actor: actorOf(req), action: 'operation.blocklist.read', target: { type: 'blocklist' }, details: { format, entries: entries.length } });
      if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(blocklistCsv(entries));
      if (format === 'stix') return reply.type('application/stix+json;version=2.1').send(JSON.stringify(blocklistStix(entries)));
      return reply.type('text/plain; charset=utf-8').send(blocklistText(entries));
    });
  };
}

export const operationRoutes: RouteModule = createOperationRoutes();
