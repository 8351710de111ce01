/**
 * Incident reporting: sectors and their ministries, operators' registered systems, reports with their
 * stages, deadlines and what is due, acknowledgement, triage, questions and answers, guidance and
 * evidence files. Tenancy finer than the route declarations (an operator sees its own organisation's,
 * a ministry its sectors', the agency all) lives in src/reports/ and answers 404 for what one may not see.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import { SECTORS } from '../../auth/index.js';
import {
  DEFAULT_MAX_ATTACHMENT_BYTES,
  MILESTONES,
  REPORT_KINDS,
  ReportContentSchema,
  SEVERITIES,
  acknowledge,
  addAttachment,
  addGuidance,
  createReminderJob,
  createReport,
  dueView,
  filingStats,
  getAttachment,
  getReport,
  getSystem,
  guidanceHistory,
  linkMinistry,
  listReports,
  listSectors,
  listSystems,
  loadRules,
  postMessage,
  registerSystem,
  reportIndicators,
  reviseGuidance,
  setRule,
  submitStage,
  triage,
  tooLarge,
  unlinkMinistry,
  updateSystem,
  type Milestone,
  type ReminderConfig,
  type ReportKind,
  type Severity,
} from '../../reports/index.js';
import { AcdError } from '../../shared/errors.js';
import { Counter } from 'prom-client';
import { actorOf } from '../access.js';
import type { AcdConfig } from '../../config/index.js';

const lit = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

/** Who reads reports: the operator (its own), analysts of the agency and of ministries (their sectors). */
const READERS = ['operator', 'agency_analyst', 'agency_lead'] as const;
const RECIPIENTS = ['agency_analyst', 'agency_lead'] as const;

const ProductSchema = Type.Object(
  {
    vendor: Type.Optional(Type.String({ maxLength: 200 })),
    product: Type.String({ minLength: 1, maxLength: 200 }),
    version: Type.Optional(Type.String({ maxLength: 100 })),
    cpe: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
const CarrierLinkSchema = Type.Object(
  {
    carrierOrgId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    carrier: Type.String({ minLength: 1, maxLength: 200 }),
    circuit: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
const SystemBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    function: Type.String({ minLength: 1, maxLength: 2000 }),
    products: Type.Array(ProductSchema, { maxItems: 200, default: [] }),
    networkLocation: Type.String({ minLength: 1, maxLength: 1000 }),
    carrierLinks: Type.Array(CarrierLinkSchema, { maxItems: 50, default: [] }),
    changeNote: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
const SystemUpdateBody = Type.Composite([SystemBody, Type.Object({ version: Type.Integer({ minimum: 1 }) })], { additionalProperties: false });
const SystemVersionSchema = Type.Object({
  version: Type.Integer(),
  name: Type.String(),
  function: Type.String(),
  products: Type.Array(ProductSchema),
  networkLocation: Type.String(),
  carrierLinks: Type.Array(CarrierLinkSchema),
  changeNote: Nullable(Type.String()),
  changedBy: Type.String(),
  changedAt: Type.String(),
});
const SystemViewSchema = Type.Composite([
  SystemVersionSchema,
  Type.Object({ id: Type.String(), orgId: Type.String(), createdAt: Type.String(), history: Type.Optional(Type.Array(SystemVersionSchema)) }),
]);

const DeadlineSchema = Type.Object({ milestone: Type.String(), dueAt: Type.String(), dueAtJst: Type.String(), metAt: Nullable(Type.String()), state: Type.String() });
const SummarySchema = Type.Object({
  id: Type.String(),
  orgId: Type.String(),
  sector: Type.String(),
  kind: Type.String(),
  stage: Type.String(),
  version: Type.Integer(),
  title: Type.String(),
  detectedAt: Type.String(),
  severity: Nullable(Type.String()),
  assigneeUserId: Nullable(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  deadlineState: Type.String(),
  deadlines: Type.Array(DeadlineSchema),
});
const ViewSchema = Type.Composite([
  SummarySchema,
  Type.Object({
    content: Type.Unknown(),
    routedTo: Type.Unknown(),
    systems: Type.Unknown(),
    submissions: Type.Unknown(),
    messages: Type.Unknown(),
    guidance: Type.Unknown(),
    attachments: Type.Unknown(),
  }),
]);
const NewReportBody = Type.Object(
  {
    kind: lit(REPORT_KINDS),
    title: Type.String({ minLength: 1, maxLength: 300 }),
    detectedAt: Type.String({ format: 'date-time' }),
    content: ReportContentSchema,
  },
  { additionalProperties: false },
);
const SubmissionBody = Type.Object(
  {
    stage: Type.String({ minLength: 1, maxLength: 20, description: 'update or final (initial is the report itself)' }),
    version: Type.Integer({ minimum: 1 }),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    content: ReportContentSchema,
  },
  { additionalProperties: false },
);
const TriageBody = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    severity: Type.Optional(lit(SEVERITIES)),
    assigneeUserId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
    shareIndicatorsTo: Type.Optional(
      Type.Object(
        { collectionId: Type.String({ minLength: 1, maxLength: 200 }), apiRoot: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
        { additionalProperties: false, description: "the agency's say: the report's indicators become STIX indicators in this intel collection, marked with the report's TLP" },
      ),
    ),
  },
  { additionalProperties: false },
);
const TriageResultSchema = Type.Composite([
  SummarySchema,
  Type.Object({
    sharing: Type.Optional(
      Type.Object({
        collectionId: Type.String(),
        tlp: Type.String(),
        added: Type.Integer(),
        candidates: Type.Optional(Type.Integer()),
        indicatorIds: Type.Array(Type.String()),
        failures: Type.Array(Type.Object({ index: Type.Integer(), type: Type.String(), message: Type.String() })),
      }),
    ),
  }),
]);
const MessageBody = Type.Object(
  {
    kind: lit(['question', 'answer'] as const),
    body: Type.String({ minLength: 1, maxLength: 20000 }),
    replyTo: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
const GuidanceBody = Type.Object(
  {
    kind: lit(['damage_control', 'prevention'] as const),
    title: Type.String({ minLength: 1, maxLength: 300 }),
    body: Type.String({ minLength: 1, maxLength: 100000 }),
  },
  { additionalProperties: false },
);
const GuidanceRevisionBody = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    title: Type.String({ minLength: 1, maxLength: 300 }),
    body: Type.String({ minLength: 1, maxLength: 100000 }),
  },
  { additionalProperties: false },
);
const GuidanceSchema = Type.Object({
  id: Type.String(),
  reportId: Type.String(),
  version: Type.Integer(),
  kind: Type.String(),
  title: Type.String(),
  body: Type.String(),
  authorUserId: Type.String(),
  authorOrgId: Type.String(),
  createdAt: Type.String(),
});
const AttachmentMetaSchema = Type.Object({
  id: Type.String(),
  reportId: Type.String(),
  filename: Type.String(),
  mediaType: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
  uploadedBy: Type.String(),
  uploadedAt: Type.String(),
});
const RuleSchema = Type.Object(
  {
    sector: Type.Union([Type.Literal('*'), lit(SECTORS)]),
    kind: Type.Union([Type.Literal('*'), lit(REPORT_KINDS)]),
    milestone: lit(MILESTONES),
    hours: Type.Integer({ minimum: 0, maximum: 24 * 366 }),
    months: Type.Integer({ minimum: 0, maximum: 24 }),
  },
  { additionalProperties: false },
);
const DueItemSchema = Type.Object({
  reportId: Type.String(),
  orgId: Type.String(),
  sector: Type.String(),
  kind: Type.String(),
  title: Type.String(),
  stage: Type.String(),
  milestone: Type.String(),
  dueAt: Type.String(),
  dueAtJst: Type.String(),
  state: Type.String(),
});

const ReportParams = Type.Object({ reportId: Type.String({ minLength: 1, maxLength: 64 }) });
type ReportParamsT = Static<typeof ReportParams>;

export interface ReportRoutesOptions {
  maxAttachmentBytes?: number;
  reminders?: ReminderConfig;
}

/**
 * The options from the configuration (src/config/schema.ts: reportsMaxAttachmentBytes, reportsWebhookUrl,
 * reportsWebhookToken, reportsSmtpHost, reportsSmtpPort, reportsSmtpFrom, reportsSmtpTo), so the file,
 * the ACD_REPORTS_* environment variables and flags all set them through the one loader. An SMTP relay
 * needs host, sender and recipients: a part of them is refused, naming what is missing.
 */
export function reportOptionsFromConfig(config: Pick<AcdConfig, 'reportsMaxAttachmentBytes' | 'reportsWebhookUrl' | 'reportsWebhookToken' | 'reportsSmtpHost' | 'reportsSmtpPort' | 'reportsSmtpFrom' | 'reportsSmtpTo'>): ReportRoutesOptions {
  const smtpKeys = { reportsSmtpHost: config.reportsSmtpHost, reportsSmtpFrom: config.reportsSmtpFrom, reportsSmtpTo: config.reportsSmtpTo?.length ? config.reportsSmtpTo : undefined };
  const missing = Object.entries(smtpKeys).filter(([, v]) => v === undefined).map(([k]) => k);
  if (missing.length && missing.length < 3) {
    throw new AcdError('CONFIG_INVALID', `reminder e-mail needs reportsSmtpHost, reportsSmtpFrom and reportsSmtpTo; missing: ${missing.join(', ')}`, { details: { key: missing[0] } });
  }
  if (config.reportsWebhookToken && !config.reportsWebhookUrl) {
    throw new AcdError('CONFIG_INVALID', 'reportsWebhookToken is set but reportsWebhookUrl is not: the token has no webhook to go to', { details: { key: 'reportsWebhookUrl' } });
  }
  const reminders: ReminderConfig = {
    ...(config.reportsWebhookUrl ? { webhookUrl: config.reportsWebhookUrl } : {}),
    ...(config.reportsWebhookToken ? { webhookToken: config.reportsWebhookToken } : {}),
    ...(missing.length === 0 ? { smtp: { host: config.reportsSmtpHost!, port: config.reportsSmtpPort ?? 25, from: config.reportsSmtpFrom!, to: config.reportsSmtpTo } } : {}),
  };
  return {
    maxAttachmentBytes: config.reportsMaxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES,
    ...(reminders.webhookUrl || reminders.smtp ? { reminders } : {}),
  };
}

/** The route module; `over` overrides what the configuration says (tests). */
export function createReportRoutes(over: ReportRoutesOptions = {}) {
  return async function reportRoutes(fastify: FastifyInstance, ctx: AppContext): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const opts = { ...reportOptionsFromConfig(ctx.config), ...over };
    const maxBytes = opts.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
    const { db } = ctx.store;
    const filed = new Counter({ name: 'acd_reports_filed_total', help: 'reports filed, by kind and sector', labelNames: ['kind', 'sector'] as const, registers: [ctx.registry] });
    const staged = new Counter({ name: 'acd_report_stages_total', help: 'update and final submissions accepted, by stage', labelNames: ['stage'] as const, registers: [ctx.registry] });
    const shared = new Counter({ name: 'acd_report_indicators_stix_total', help: 'reported indicators turned into STIX at triage (stored) or refused (not what their type says)', labelNames: ['result'] as const, registers: [ctx.registry] });
    const evidence = new Counter({ name: 'acd_report_attachment_bytes_total', help: 'bytes of evidence files stored', registers: [ctx.registry] });
    // group commit of filings (src/reports/filing.ts): reports per statement = filed / statements
    new Counter({
      name: 'acd_report_filing_statements_total',
      help: 'statements that filed reports (group commit); a failed batch retried report by report counts each retry',
      registers: [ctx.registry],
      collect() {
        this.reset();
        this.inc(filingStats(db).statements);
      },
    });
    new Counter({
      name: 'acd_report_filing_reports_total',
      help: 'reports written by those statements',
      registers: [ctx.registry],
      collect() {
        this.reset();
        this.inc(filingStats(db).filings);
      },
    });

    if (opts.reminders?.webhookUrl || opts.reminders?.smtp) {
      const job = createReminderJob({ config: opts.reminders, deps: { db, logger: ctx.logger, registry: ctx.registry } });
      ctx.jobs.add('reports.reminders', job);
    }

    app.get('/api/v1/sectors', {
      config: { access: { roles: 'any' } },
      schema: { summary: "The law's 15 sectors and each one's ministries", tags: ['reports'], response: { 200: Type.Array(Type.Object({ sector: Type.String(), ministries: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })) })) } },
    }, async () => listSectors(db));

    const LinkParams = Type.Object({ sector: lit(SECTORS), orgId: Type.String({ minLength: 1, maxLength: 64 }) });
    app.put('/api/v1/sectors/:sector/ministries/:orgId', {
      config: { access: { roles: ['admin'] } },
      schema: { summary: "Make a ministry responsible for a sector (it receives the sector's reports)", tags: ['reports'], params: LinkParams, response: { 200: Type.Object({ sector: Type.String(), orgId: Type.String() }) } },
    }, async (req) => {
      await linkMinistry(db, actorOf(req), req.params.sector, req.params.orgId);
      return { sector: req.params.sector, orgId: req.params.orgId };
    });
    app.delete('/api/v1/sectors/:sector/ministries/:orgId', {
      config: { access: { roles: ['admin'] } },
      schema: { summary: 'Remove a ministry from a sector', tags: ['reports'], params: LinkParams, response: { 200: Type.Object({ sector: Type.String(), orgId: Type.String() }) } },
    }, async (req) => {
      await unlinkMinistry(db, actorOf(req), req.params.sector, req.params.orgId);
      return { sector: req.params.sector, orgId: req.params.orgId };
    });

    app.get('/api/v1/reports/deadline-rules', {
      config: { access: { roles: [...READERS, 'admin'] } },
      schema: { summary: 'Deadline rules overriding the default profile (24 h, 72 h, 1 month after detection)', tags: ['reports'], response: { 200: Type.Array(RuleSchema) } },
    }, async () => loadRules(db));
    app.put('/api/v1/reports/deadline-rules', {
      config: { access: { roles: ['agency_lead', 'admin'] } },
      schema: { summary: "Set a deadline rule for a sector and kind ('*' for all)", tags: ['reports'], body: RuleSchema, response: { 200: RuleSchema } },
    }, async (req) => setRule(db, actorOf(req), { ...req.body, milestone: req.body.milestone as Milestone }));

    app.post('/api/v1/systems', {
      config: { access: { roles: ['operator'] } },
      schema: { summary: 'Register an important computer system', tags: ['reports'], body: SystemBody, response: { 201: SystemViewSchema } },
    }, async (req, reply) => {
      const s = await registerSystem(db, actorOf(req), req.body);
      void reply.status(201);
      return s;
    });
    app.get('/api/v1/systems', {
      config: { access: { roles: READERS } },
      schema: { summary: 'Registered systems one may see', tags: ['reports'], response: { 200: Type.Array(SystemViewSchema) } },
    }, async (req) => listSystems(db, actorOf(req)));
    const SystemParams = Type.Object({ systemId: Type.String({ minLength: 1, maxLength: 64 }) });
    app.get('/api/v1/systems/:systemId', {
      config: { access: { roles: READERS } },
      schema: { summary: 'A registered system with its history', tags: ['reports'], params: SystemParams, response: { 200: SystemViewSchema } },
    }, async (req) => getSystem(db, actorOf(req), req.params.systemId, true));
    app.put('/api/v1/systems/:systemId', {
      config: { access: { roles: ['operator'] } },
      schema: { summary: 'Change a registered system (a new version; `version` is the one the change was made on)', tags: ['reports'], params: SystemParams, body: SystemUpdateBody, response: { 200: SystemViewSchema } },
    }, async (req) => {
      const { version, ...input } = req.body;
      return updateSystem(db, actorOf(req), req.params.systemId, version, input);
    });

    app.post('/api/v1/reports', {
      config: { access: { roles: ['operator'] } },
      schema: { summary: 'File a report (its initial stage: the early warning)', tags: ['reports'], body: NewReportBody, response: { 201: SummarySchema } },
    }, async (req, reply) => {
      const b = req.body;
      const r = await createReport(db, actorOf(req), { kind: b.kind as ReportKind, title: b.title, detectedAt: new Date(b.detectedAt), content: b.content });
      filed.inc({ kind: r.kind, sector: r.sector });
      void reply.status(201);
      return r;
    });

    const ListQuery = Type.Object(
      {
        sector: Type.Optional(lit(SECTORS)),
        kind: Type.Optional(lit(REPORT_KINDS)),
        open: Type.Optional(Type.Boolean()),
        unacknowledged: Type.Optional(Type.Boolean({ description: "only reports the caller's organisation has not acknowledged" })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
      },
      { additionalProperties: false },
    );
    app.get('/api/v1/reports', {
      config: { access: { roles: READERS } },
      schema: { summary: 'Reports one may see, newest first (each read is audited)', tags: ['reports'], querystring: ListQuery, response: { 200: Type.Array(SummarySchema) } },
    }, async (req) => listReports(db, actorOf(req), req.query));

    const DueQuery = Type.Object({ withinHours: Type.Optional(Type.Integer({ minimum: 0, maximum: 24 * 400 })) }, { additionalProperties: false });
    app.get('/api/v1/reports/due', {
      config: { access: { roles: READERS } },
      schema: { summary: 'What is due: milestones not yet met on open reports, soonest first (times in UTC and JST)', tags: ['reports'], querystring: DueQuery, response: { 200: Type.Array(DueItemSchema) } },
    }, async (req) => dueView(db, actorOf(req), new Date(), req.query.withinHours !== undefined ? { withinHours: req.query.withinHours } : {}));

    app.get('/api/v1/reports/:reportId', {
      config: { access: { roles: READERS } },
      schema: { summary: 'A report with its submissions, routing, messages, guidance and attachments (audited)', tags: ['reports'], params: ReportParams, response: { 200: ViewSchema } },
    }, async (req) => getReport(db, actorOf(req), req.params.reportId));

    app.post('/api/v1/reports/:reportId/submissions', {
      config: { access: { roles: ['operator'] } },
      schema: { summary: 'An update or the final report (`version` is the one it was written on; 409 if it changed)', tags: ['reports'], params: ReportParams, body: SubmissionBody, response: { 200: SummarySchema } },
    }, async (req) => {
      const b = req.body;
      const r = await submitStage(db, actorOf(req), req.params.reportId, { stage: b.stage as 'update', version: b.version, content: b.content, ...(b.title !== undefined ? { title: b.title } : {}) });
      staged.inc({ stage: r.stage });
      return r;
    });

    app.post('/api/v1/reports/:reportId/ack', {
      config: { access: { roles: RECIPIENTS } },
      schema: { summary: "Acknowledge receipt (once per organisation: the agency's, a ministry's)", tags: ['reports'], params: ReportParams, response: { 200: Type.Object({ acknowledgedAt: Type.String(), already: Type.Boolean() }) } },
    }, async (req) => acknowledge(db, actorOf(req), req.params.reportId));

    app.post('/api/v1/reports/:reportId/triage', {
      config: { access: { roles: RECIPIENTS } },
      schema: {
        summary: "Set severity and assignee (`version` as read); at the agency's triage, shareIndicatorsTo turns the report's indicators into STIX marked with its TLP",
        tags: ['reports'],
        params: ReportParams,
        body: TriageBody,
        response: { 200: TriageResultSchema },
      },
    }, async (req) => {
      const b = req.body;
      const r = await triage(db, actorOf(req), req.params.reportId, {
        version: b.version,
        ...(b.severity !== undefined ? { severity: b.severity as Severity } : {}),
        ...(b.assigneeUserId !== undefined ? { assigneeUserId: b.assigneeUserId } : {}),
        ...(b.shareIndicatorsTo ? { shareIndicatorsTo: b.shareIndicatorsTo } : {}),
      });
      if (r.sharing) {
        shared.inc({ result: 'stored' }, r.sharing.indicatorIds.length);
        if (r.sharing.failures.length) shared.inc({ result: 'refused' }, r.sharing.failures.length);
      }
      return r;
    });

    app.post('/api/v1/reports/:reportId/messages', {
      config: { access: { roles: READERS } },
      schema: { summary: 'A question (agency, ministry) or an answer (the operator, naming the question)', tags: ['reports'], params: ReportParams, body: MessageBody, response: { 201: Type.Object({ id: Type.String(), createdAt: Type.String() }) } },
    }, async (req, reply) => {
      const b = req.body;
      const m = await postMessage(db, actorOf(req), req.params.reportId, { kind: b.kind, body: b.body, ...(b.replyTo !== undefined ? { replyTo: b.replyTo } : {}) });
      void reply.status(201);
      return m;
    });

    app.post('/api/v1/reports/:reportId/guidance', {
      config: { access: { roles: RECIPIENTS } },
      schema: { summary: 'Guidance back to the operator (damage control or prevention)', tags: ['reports'], params: ReportParams, body: GuidanceBody, response: { 201: GuidanceSchema } },
    }, async (req, reply) => {
      const g = await addGuidance(db, actorOf(req), req.params.reportId, req.body);
      void reply.status(201);
      return g;
    });
    const GuidanceParams = Type.Object({ reportId: Type.String({ minLength: 1, maxLength: 64 }), guidanceId: Type.String({ minLength: 1, maxLength: 64 }) });
    app.put('/api/v1/reports/:reportId/guidance/:guidanceId', {
      config: { access: { roles: RECIPIENTS } },
      schema: { summary: 'Revise guidance (a new version; `version` is the one revised)', tags: ['reports'], params: GuidanceParams, body: GuidanceRevisionBody, response: { 200: GuidanceSchema } },
    }, async (req) => {
      const { version, ...g } = req.body;
      return reviseGuidance(db, actorOf(req), req.params.reportId, req.params.guidanceId, version, g);
    });
    app.get('/api/v1/reports/:reportId/guidance/:guidanceId', {
      config: { access: { roles: READERS } },
      schema: { summary: 'A guidance document with every version, newest first', tags: ['reports'], params: GuidanceParams, response: { 200: Type.Array(GuidanceSchema) } },
    }, async (req) => guidanceHistory(db, actorOf(req), req.params.reportId, req.params.guidanceId));

    app.get('/api/v1/reports/:reportId/indicators', {
      config: { access: { roles: RECIPIENTS } },
      schema: { summary: 'The indicators of a report, structured (type, value) for turning into STIX', tags: ['reports'], params: ReportParams, response: { 200: Type.Array(Type.Object({ type: Type.String(), value: Type.String(), note: Type.Optional(Type.String()) })) } },
    }, async (req) => reportIndicators(db, actorOf(req), req.params.reportId));

    // Evidence files: the body is the file, its media type the Content-Type (any type). Read here with a byte
    // limit of our own so an oversized file is refused with a 413 that names the limit.
    await app.register(async (sub) => {
      // here every body is the file, whatever its type (a JSON or text file is evidence like any other)
      sub.removeAllContentTypeParsers();
      sub.addContentTypeParser('*', (req, payload, done) => {
        const declared = Number(req.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes) {
          payload.resume();
          done(tooLarge(maxBytes), undefined);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        let failed = false;
        payload.on('data', (c: Buffer) => {
          if (failed) return;
          size += c.length;
          if (size > maxBytes) {
            failed = true;
            chunks.length = 0;
            done(tooLarge(maxBytes), undefined);
            return;
          }
          chunks.push(c);
        });
        payload.on('end', () => {
          if (!failed) done(null, Buffer.concat(chunks));
        });
        payload.on('error', (e) => {
          if (!failed) {
            failed = true;
            done(e, undefined);
          }
        });
      });
      const UploadQuery = Type.Object({ filename: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false });
      sub.post<{ Params: ReportParamsT; Querystring: Static<typeof UploadQuery>; Body: unknown }>('/api/v1/reports/:reportId/attachments', {
        config: { access: { roles: READERS } },
        bodyLimit: Math.max(maxBytes, ctx.config.bodyLimit),
        schema: {
          summary: `Attach an evidence file (the request body, with its Content-Type; at most ${maxBytes} bytes by default configuration); SHA-256 recorded`,
          tags: ['reports'],
          params: ReportParams,
          querystring: UploadQuery,
          response: { 201: AttachmentMetaSchema },
        },
      }, async (req, reply) => {
        if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
          throw new AcdError('ATTACHMENT_EMPTY', 'attachment: the request body is the file (with its media type as Content-Type), and it is empty');
        }
        const mediaType = String(req.headers['content-type'] ?? 'application/octet-stream').split(';')[0]!.trim().slice(0, 200);
        const meta = await addAttachment(db, actorOf(req), req.params.reportId, { filename: req.query.filename, mediaType, content: req.body }, maxBytes);
        evidence.inc(meta.size);
        void reply.status(201);
        return meta;
      });
    });

    const AttachmentParams = Type.Object({ reportId: Type.String({ minLength: 1, maxLength: 64 }), attachmentId: Type.String({ minLength: 1, maxLength: 64 }) });
    app.get('/api/v1/reports/:reportId/attachments/:attachmentId', {
      config: { access: { roles: READERS } },
      schema: { summary: 'Download an evidence file (audited; X-Content-SHA256 carries its hash)', tags: ['reports'], params: AttachmentParams },
    }, async (req, reply) => {
      const a = await getAttachment(db, actorOf(req), req.params.reportId, req.params.attachmentId);
      void reply
        .header('content-type', 'application/octet-stream')
        .header('x-content-sha256', a.sha256)
        .header('x-content-media-type', a.mediaType)
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(a.filename)}`);
      return a.content;
    });
  };
}

/** The route module as registered in app.ts, configured from the configuration. */
export const reportRoutes = createReportRoutes();
