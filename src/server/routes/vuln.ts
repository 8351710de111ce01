/**
 * Vulnerability exposure (src/vuln): advisories imported by the agency, alerts on operators' registered
 * systems, exposure per operator and over time, the operator's alert states, CVEs shared as STIX.
 * Tenancy finer than the route declarations (an operator its own, a ministry its sectors' aggregates,
 * the agency all) lives in src/vuln/ and answers 403/404. The known-exploited reminder job (the reports
 * channels) and the configured advisory feeds start with these routes.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
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

export async function vulnRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
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

  app.post<{ Body: unknown }>('/api/v1/vuln/advisories', {
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
  app.post<{ Params: { advisoryId: string }; Body: Static<typeof ShareBody> }>('/api/v1/vuln/advisories/:advisoryId/stix', {
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

  app.get<{ Querystring: { open?: boolean } }>('/api/v1/vuln/alerts', {
    config: { access: { roles: READERS } },
    schema: { summary: "Alerts: the operator's own, the agency's all (ministries: see /exposure)", tags: ['vuln'], querystring: Type.Object({ open: Type.Optional(Type.Boolean()) }), response: { 200: Type.Array(AlertSchema) } },
  }, async (req) => listAlerts(db, actorOf(req), { openOnly: req.query.open === true }));

  app.get<{ Params: Static<typeof AlertParams> }>('/api/v1/vuln/alerts/:alertId', {
    config: { access: { roles: READERS } },
    schema: { summary: 'One alert with its match history', tags: ['vuln'], params: AlertParams, response: { 200: AlertSchema } },
  }, async (req) => getAlert(db, actorOf(req), req.params.alertId));

  app.post<{ Params: Static<typeof AlertParams>; Body: Static<typeof StateBody> }>('/api/v1/vuln/alerts/:alertId/state', {
    config: { access: { roles: ['operator'] } },
    schema: { summary: "The operator sets an alert's state: acknowledged, mitigated, not_affected (with the reason), new", tags: ['vuln'], params: AlertParams, body: StateBody, response: { 200: AlertSchema } },
  }, async (req) => setAlertState(db, actorOf(req), req.params.alertId, req.body.state as AlertState, req.body.reason));

  app.get('/api/v1/vuln/exposure', {
    config: { access: { roles: READERS } },
    schema: { summary: "Exposure: the operator's (open alerts, known-exploited first, with what to do), a ministry's sectors per operator, the agency's all", tags: ['vuln'], response: { 200: ExposureSchema } },
  }, async (req) => exposure(db, actorOf(req)));

  app.get<{ Querystring: { days?: number } }>('/api/v1/vuln/exposure/history', {
    config: { access: { roles: READERS } },
    schema: {
      summary: 'Open exposure per day (by severity, known-exploited) over the last days, for the caller\'s scope',
      tags: ['vuln'],
      querystring: Type.Object({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })) }),
      response: { 200: Type.Object({ scope: Type.String(), points: Type.Array(Type.Object({ day: Type.String(), ...Counts })) }) },
    },
  }, async (req) => exposureHistory(db, actorOf(req), req.query.days ?? 30));
}
