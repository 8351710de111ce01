/**
 * Vulnerability exposure (src/vuln): advisories imported by the agency, alerts on operators' registered
 * systems, exposure per operator and over time, the operator's alert states, CVEs shared as STIX.
 * Tenancy finer than the route declarations (an operator its own, a ministry its sectors' aggregates,
 * the agency all) lives in src/vuln/ and answers 403/404. The known-exploited reminder job (the reports
 * channels) and the configured advisory feeds start with these routes.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import { actorOf } from '../access.js';
import { auditRefusal } from '../refusals.js';
import { reportOptionsFromConfig } from './reports.js';
import {
  ALERT_STATES,
  createVulnReminderJob,
  exposure,
  exposureHistory,
  getAlert,
  importDocument,
  listAdvisories,
  listAlerts,
  setAlertState,
  shareAdvisoryStix,
  type AlertState,
  listRanges,
  createRange,
  updateRange,
  deleteRange,
  findingExposure,
} from '../../vuln/index.js';
import { createVulnFeedScheduler } from '../../vuln/index.js';

const READERS = ['operator', 'agency_analyst', 'agency_lead'] as const;
const AGENCY = ['agency_analyst', 'agency_lead'] as const;

const Counts = {
  critical: Type.Integer(),
  high: Type.Integer(),
  medium: Type.Integer(),
  low: Type.Integer(),
  other: Type.Integer(),
  knownExploited: Type.Integer(),
  total: Type.Integer(),
};
/** A detector finding that reached the operator's registered ranges (the agency also sees its key and external address). */
const LinkedFindingSchema = Type.Object({
  findingKey: Type.Optional(Type.String()),
  external: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  type: Type.String(),
  direction: Type.String(),
  firstSeen: Type.String(),
  lastSeen: Type.String(),
  score: Type.Number(),
  ranges: Type.Array(Type.String()),
  addresses: Type.Integer(),
});
const RangeSchema = Type.Object({
  id: Type.String(),
  orgId: Type.String(),
  systemId: Type.Union([Type.String(), Type.Null()]),
  systemName: Type.Union([Type.String(), Type.Null()]),
  cidr: Type.String(),
  family: Type.Integer(),
  prefixLength: Type.Integer(),
  label: Type.String(),
  version: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
const RangeBody = Type.Object(
  {
    cidr: Type.String({ minLength: 1, maxLength: 64, description: 'IPv4 or IPv6 prefix, host bits zero, /12 (IPv4) or /29 (IPv6) or narrower, global address space' }),
    systemId: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()])),
    label: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
const RangeParams = Type.Object({ rangeId: Type.String({ minLength: 1, maxLength: 100 }) });
const AlertSchema = Type.Object({
  id: Type.String(),
  orgId: Type.String(),
  sector: Type.String(),
  systemId: Type.String(),
  systemName: Type.String(),
  systemVersion: Type.Integer(),
  advisoryId: Type.String(),
  advisoryVersion: Type.String(),
  advisoryTitle: Type.String(),
  publisher: Type.String(),
  matchStatus: Type.String(),
  cves: Type.Array(Type.String()),
  stixVulnerabilityIds: Type.Array(Type.String()),
  products: Type.Array(Type.Unknown()),
  remediations: Type.Array(Type.Unknown()),
  severity: Type.String(),
  cvss: Type.Union([Type.Number(), Type.Null()]),
  knownExploited: Type.Boolean(),
  kev: Type.Array(Type.Object({ cveId: Type.String(), dueDate: Type.String(), requiredAction: Type.String() })),
  state: Type.String(),
  stateReason: Type.Union([Type.String(), Type.Null()]),
  stateAt: Type.Union([Type.String(), Type.Null()]),
  firstSeen: Type.String(),
  updatedAt: Type.String(),
  closedAt: Type.Union([Type.String(), Type.Null()]),
  history: Type.Optional(Type.Array(Type.Object({ at: Type.String(), advisoryVersion: Type.String(), systemVersion: Type.Integer(), matchStatus: Type.String() }))),
  linkedFindings: Type.Optional(Type.Array(LinkedFindingSchema)),
});
const ExposureSchema = Type.Object({
  scope: Type.String(),
  sectors: Type.Optional(Type.Array(Type.String())),
  totals: Type.Object(Counts),
  operators: Type.Optional(Type.Array(Type.Object({ orgId: Type.String(), name: Type.String(), sector: Type.String(), ...Counts }))),
  alerts: Type.Optional(Type.Array(AlertSchema)),
});
const ImportResultSchema = Type.Object({
  kind: Type.String(),
  id: Type.String(),
  version: Type.String(),
  status: Type.String(),
  rules: Type.Integer(),
  notes: Type.Array(Type.String()),
  alertsChanged: Type.Integer(),
  affected: Type.Integer(),
});
const AlertParams = Type.Object({ alertId: Type.String({ minLength: 1, maxLength: 64 }) });
const StateBody = Type.Object(
  {
    state: Type.Union(ALERT_STATES.map((s) => Type.Literal(s))),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'why the system is not affected (needed for not_affected)' })),
  },
  { additionalProperties: false },
);

export async function vulnRoutes(fastify: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = ctx.store;

  const reminders = reportOptionsFromConfig(ctx.config).reminders;
  if (reminders?.webhookUrl || reminders?.smtp) {
    const job = createVulnReminderJob({ config: { ...reminders, intervalSeconds: ctx.config.vulnRemindersIntervalSeconds }, deps: { db, logger: ctx.logger, registry: ctx.registry } });
    ctx.jobs.add('vuln.reminders', job);
  }
  if (ctx.config.vulnFeeds?.feeds.length) {
    const feeds = createVulnFeedScheduler({ config: ctx.config.vulnFeeds, deps: { db, logger: ctx.logger, registry: ctx.registry } });
    ctx.jobs.add('vuln.feeds', feeds);
  }

  app.post('/api/v1/vuln/advisories', {
    config: { access: { roles: AGENCY } },
    schema: {
      summary: 'Import an advisory: a CSAF 2.0 document, a CVE JSON 5 record or the CISA KEV catalogue (checked against its schema; refused naming the field)',
      tags: ['vuln'],
      body: Type.Object({}, { additionalProperties: true }),
      response: { 200: ImportResultSchema },
    },
  }, async (req) => importDocument(db, actorOf(req), req.body));

  app.get('/api/v1/vuln/advisories', {
    config: { access: { roles: AGENCY } },
    schema: { summary: 'The advisories imported, newest first (the agency)', tags: ['vuln'], response: { 200: Type.Array(Type.Object({ id: Type.String(), version: Type.String(), format: Type.String(), title: Type.String(), publisher: Type.String(), severity: Type.String(), cvss: Type.Union([Type.Number(), Type.Null()]), cves: Type.Array(Type.String()), releasedAt: Type.String(), tlp: Type.Union([Type.String(), Type.Null()]), rules: Type.Integer(), notes: Type.Array(Type.String()), importedAt: Type.String(), affectedSystems: Type.Integer() })) } },
  }, async (req) => listAdvisories(db, actorOf(req)));

  const ShareBody = Type.Object({ collectionId: Type.String({ minLength: 1, maxLength: 200 }), apiRoot: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) }, { additionalProperties: false });
  app.post('/api/v1/vuln/advisories/:advisoryId/stix', {
    config: { access: { roles: AGENCY } },
    onError: auditRefusal(db, 'vuln.advisory.share', (req) => ({ type: 'advisory', id: (req.params as { advisoryId?: string }).advisoryId?.slice(0, 200) ?? null })),
    schema: {
      summary: "Share an advisory's CVEs as STIX vulnerability objects in an intel collection, under the advisory's TLP",
      tags: ['vuln'],
      params: Type.Object({ advisoryId: Type.String({ minLength: 1, maxLength: 200 }) }),
      body: ShareBody,
      response: { 200: Type.Object({ collectionId: Type.String(), tlp: Type.String(), vulnerabilityIds: Type.Array(Type.String()), added: Type.Integer(), failures: Type.Array(Type.Unknown()) }) },
    },
  }, async (req) => {
    const actor = actorOf(req);
    const org = await db.selectFrom('organisations').select(['id', 'name']).where('id', '=', actor.orgId).executeTakeFirstOrThrow();
    return shareAdvisoryStix(db, actor, req.params.advisoryId, req.body, { orgId: org.id, name: org.name });
  });

  app.get('/api/v1/vuln/alerts', {
    config: { access: { roles: READERS } },
    schema: { summary: "Alerts: the operator's own, the agency's all (ministries: see /exposure)", tags: ['vuln'], querystring: Type.Object({ open: Type.Optional(Type.Boolean()) }), response: { 200: Type.Array(AlertSchema) } },
  }, async (req) => listAlerts(db, actorOf(req), { openOnly: req.query.open === true }));

  app.get('/api/v1/vuln/alerts/:alertId', {
    config: { access: { roles: READERS } },
    schema: { summary: 'One alert with its match history', tags: ['vuln'], params: AlertParams, response: { 200: AlertSchema } },
  }, async (req) => getAlert(db, actorOf(req), req.params.alertId));

  app.post('/api/v1/vuln/alerts/:alertId/state', {
    config: { access: { roles: ['operator'] } },
    schema: { summary: "The operator sets an alert's state: acknowledged, mitigated, not_affected (with the reason), new", tags: ['vuln'], params: AlertParams, body: StateBody, response: { 200: AlertSchema } },
  }, async (req) => setAlertState(db, actorOf(req), req.params.alertId, req.body.state as AlertState, req.body.reason));

  app.get('/api/v1/vuln/exposure', {
    config: { access: { roles: READERS } },
    schema: { summary: "Exposure: the operator's (open alerts, known-exploited first, with what to do), a ministry's sectors per operator, the agency's all", tags: ['vuln'], response: { 200: ExposureSchema } },
  }, async (req) => exposure(db, actorOf(req)));

  app.get('/api/v1/vuln/exposure/history', {
    config: { access: { roles: READERS } },
    schema: {
      summary: 'Open exposure per day (by severity, known-exploited) over the last days, for the caller\'s scope',
      tags: ['vuln'],
      querystring: Type.Object({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })) }),
      response: { 200: Type.Object({ scope: Type.String(), points: Type.Array(Type.Object({ day: Type.String(), ...Counts })) }) },
    },
  }, async (req) => exposureHistory(db, actorOf(req), req.query.days ?? 30));

  // the operator's registered address ranges (linking detector findings to its open alerts)
  const rangeTarget = (req: { params?: unknown }) => ({ type: 'operator_range', id: (req.params as { rangeId?: string } | undefined)?.rangeId?.slice(0, 100) ?? null });
  app.get('/api/v1/vuln/ranges', {
    config: { access: { roles: READERS } },
    schema: { summary: "Registered address ranges: the operator's own, the agency's all (audited)", tags: ['vuln'], response: { 200: Type.Array(RangeSchema) } },
  }, async (req) => listRanges(db, actorOf(req)));

  app.post('/api/v1/vuln/ranges', {
    config: { access: { roles: ['operator'] } },
    onError: auditRefusal(db, 'vuln.range', rangeTarget),
    schema: {
      summary: 'The operator registers an address range of its network (whole organisation, or one registered system); refused naming the field when malformed, too wide, not global, or overlapping a registered range',
      tags: ['vuln'],
      body: RangeBody,
      response: { 201: RangeSchema },
    },
  }, async (req, reply) => {
    const r = await createRange(db, actorOf(req), req.body);
    void reply.status(201);
    return r;
  });

  const RangeUpdate = Type.Composite([RangeBody, Type.Object({ version: Type.Integer({ minimum: 1 }) })], { additionalProperties: false });
  app.put('/api/v1/vuln/ranges/:rangeId', {
    config: { access: { roles: ['operator'] } },
    onError: auditRefusal(db, 'vuln.range', rangeTarget),
    schema: { summary: 'The operator edits one of its ranges (with the version it read)', tags: ['vuln'], params: RangeParams, body: RangeUpdate, response: { 200: RangeSchema } },
  }, async (req) => {
    const { version, ...input } = req.body;
    return updateRange(db, actorOf(req), req.params.rangeId, version, input);
  });

  app.delete('/api/v1/vuln/ranges/:rangeId', {
    config: { access: { roles: ['operator', 'agency_lead'] } },
    onError: auditRefusal(db, 'vuln.range', rangeTarget),
    schema: { summary: "The operator deletes one of its ranges; the agency's lead any (disputed address space)", tags: ['vuln'], params: RangeParams, response: { 200: Type.Object({ id: Type.String(), deleted: Type.Boolean() }) } },
  }, async (req) => deleteRange(db, actorOf(req), req.params.rangeId));

  app.get('/api/v1/vuln/findings/:findingKey/exposure', {
    config: { access: { roles: AGENCY } },
    schema: {
      summary: 'Which operators with an open vulnerability alert a finding reached, through which of their registered ranges (the agency; audited)',
      tags: ['vuln'],
      params: Type.Object({ findingKey: Type.String({ minLength: 1, maxLength: 500 }) }),
      response: {
        200: Type.Object({
          findingKey: Type.String(),
          operators: Type.Array(Type.Object({
            orgId: Type.String(), name: Type.String(), sector: Type.String(), ranges: Type.Array(Type.String()), addresses: Type.Integer(),
            alerts: Type.Array(Type.Object({ id: Type.String(), advisoryId: Type.String(), advisoryTitle: Type.String(), severity: Type.String(), knownExploited: Type.Boolean(), systemId: Type.String(), systemName: Type.String() })),
          })),
        }),
      },
    },
  }, async (req) => findingExposure(db, actorOf(req), req.params.findingKey));
}
