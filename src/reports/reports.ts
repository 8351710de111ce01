/**
 * Incident reports: an operator files an initial report, then updates and one final report; each
 * submission is kept. The report reaches the operator's sector ministries and the agency, which
 * acknowledge it, triage it (severity, assignee), ask questions the operator answers, and send back
 * guidance. Every change names the version it was made on (optimistic versioning: a 409 instead of a
 * lost update); every read is audited.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Actor } from '../auth/index.js';
import { recordAudit, recordAuditBatch } from '../oversight/index.js';
import { AcdError, notFound } from '../shared/errors.js';
import { checkContent, normaliseContent, type ReportContent } from './content.js';
import { milestoneStatus, overallState, profileFor, type DeadlineRule, type MilestoneStatus, type ReportKind } from './deadlines.js';
import { loadRules } from './rules.js';
import { base, inScope, isRecipient, rdb, requireOperator, scopeOf, type AnyDb, type RDb, type Scope } from './scope.js';
import { checkOwnSystems } from './systems.js';
import { fileReport, type Filing } from './filing.js';
import { reportTlp, reportToStix, shareableCollection, storeReportStix, type SharingResult, type ShareTarget } from './stix.js';
import type { Collection } from '../intel/index.js';
import type { ReportTable } from './tables.js';
import type { Selectable } from 'kysely';
import { reportsError } from './errors.js';

export const STAGES = ['initial', 'update', 'final'] as const;
export type Stage = (typeof STAGES)[number];
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface NewReport {
  kind: ReportKind;
  title: string;
  detectedAt: Date;
  content: ReportContent;
}

export interface Submission {
  stage: 'update' | 'final';
  /** the version this submission was written on */
  version: number;
  title?: string;
  content: ReportContent;
}

type ReportRow = Selectable<ReportTable>;

export interface DeadlineView {
  milestone: string;
  dueAt: string;
  dueAtJst: string;
  metAt: string | null;
  state: string;
}

export interface ReportSummary {
  id: string;
  orgId: string;
  sector: string;
  kind: string;
  stage: string;
  version: number;
  title: string;
  detectedAt: string;
  severity: string | null;
  assigneeUserId: string | null;
  createdAt: string;
  updatedAt: string;
  deadlineState: string;
  deadlines: DeadlineView[];
}

export interface ReportView extends ReportSummary {
  content: Record<string, unknown>;
  routedTo: Array<{ orgId: string; name: string; kind: string; acknowledgedAt: string | null; acknowledgedBy: string | null }>;
  /** the registered systems the latest submission names, as they are now */
  systems: Array<{ id: string; name: string; version: number; function: string; networkLocation: string }>;
  submissions: Array<{ seq: number; stage: string; version: number; submittedBy: string; submittedAt: string; content: Record<string, unknown> }>;
  messages: Array<{ id: string; kind: string; replyTo: string | null; body: string; authorUserId: string; authorOrgId: string; createdAt: string }>;
  guidance: Array<{ id: string; version: number; kind: string; title: string; body: string; authorOrgId: string; createdAt: string }>;
  attachments: Array<{ id: string; filename: string; mediaType: string; size: number; sha256: string; uploadedBy: string; uploadedAt: string }>;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

const deadlineViews = (ms: MilestoneStatus[]): DeadlineView[] =>
  ms.map((m) => ({ milestone: m.milestone, dueAt: m.dueAt.toISOString(), dueAtJst: m.dueAtJst, metAt: iso(m.metAt), state: m.state }));

export function statusOf(r: ReportRow, rules: readonly DeadlineRule[], now: Date): MilestoneStatus[] {
  return milestoneStatus(
    {
      detectedAt: new Date(r.detected_at),
      earlyWarningAt: new Date(r.early_warning_at),
      notificationAt: r.notification_at ? new Date(r.notification_at) : null,
      finalAt: r.final_at ? new Date(r.final_at) : null,
    },
    profileFor(rules, r.sector, r.kind),
    now,
  );
}

function summary(r: ReportRow, rules: readonly DeadlineRule[], now: Date): ReportSummary {
  const ms = statusOf(r, rules, now);
  return {
    id: r.id,
    orgId: r.org_id,
    sector: r.sector,
    kind: r.kind,
    stage: r.stage,
    version: r.version,
    title: r.title,
    detectedAt: new Date(r.detected_at).toISOString(),
    severity: r.severity,
    assigneeUserId: r.assignee_user_id,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
    deadlineState: overallState(ms),
    deadlines: deadlineViews(ms),
  };
}

const versionConflict = (what: string, id: string, current: number, sent: number): AcdError =>
  reportsError('VERSION_CONFLICT', `${what} ${id} is at version ${current}, the change was made on version ${sent}: read it again and re-apply`, {
    status: 409,
    details: { currentVersion: current },
  });

/** The report if the actor may see it; otherwise 404 (its existence is not told). */
async function visibleReport(db: RDb, scope: Scope, id: string, lock = false): Promise<ReportRow> {
  let q = db.selectFrom('reports').selectAll().where('id', '=', id);
  if (lock) q = q.forUpdate();
  const r = await q.executeTakeFirst();
  if (!r || !inScope(scope, r.org_id, r.sector)) throw notFound('report', id);
  return r;
}

export async function createReport(db: AnyDb, actor: Actor, input: NewReport, now = new Date()): Promise<ReportSummary> {
  requireOperator(actor, 'filing a report');
  input = { ...input, content: normaliseContent(input.content) };
  checkContent(input.content, input.detectedAt, now);
  const id = randomUUID();
  const filing: Filing = { id, actor, kind: input.kind, title: input.title, detectedAt: input.detectedAt, content: JSON.stringify(input.content), at: now };
  // the report, its first submission and the audit event in one statement (src/reports/filing.ts), with
  // other reports filed at the same time (group commit); a transaction only when systems are named
  const sector = input.content.systemIds.length
    ? await rdb(db).transaction().execute(async (trx) => {
        // the systems named must be the operator's own, checked in the same transaction as the write
        await checkOwnSystems(trx, actor.orgId, input.content.systemIds, 'content/systemIds');
        return fileReport(trx, filing);
      })
    : await fileReport(db, filing);
  if (sector === null) throw reportsError('SECTOR_REQUIRED', `operator organisation ${actor.orgId} has no sector`);
  const row: ReportRow = {
    id,
    org_id: actor.orgId,
    sector,
    kind: input.kind,
    stage: 'initial',
    version: 1,
    title: input.title,
    detected_at: input.detectedAt,
    content: input.content as unknown as ReportRow['content'],
    severity: null,
    assignee_user_id: null,
    created_by: actor.userId,
    created_at: now,
    updated_at: now,
    early_warning_at: now,
    notification_at: null,
    final_at: null,
  };
  return summary(row, await loadRules(db), now);
}

/** An update or the final report. After the final report, nothing more can be submitted. */
export async function submitStage(db: AnyDb, actor: Actor, id: string, sub: Submission, now = new Date()): Promise<ReportSummary> {
  requireOperator(actor, 'submitting a report stage');
  if (!(sub.stage === 'update' || sub.stage === 'final')) {
    throw reportsError('WRONG_STAGE_ORDER', `stage: "${String(sub.stage)}" cannot follow an existing report: a report has one initial stage, then updates, then one final stage`, { status: 409 });
  }
  sub = { ...sub, content: normaliseContent(sub.content) };
  const scope = await scopeOf(db, actor);
  const row = await rdb(db).transaction().execute(async (trx) => {
    const r = await visibleReport(trx, scope, id, true);
    if (r.stage === 'final') {
      throw reportsError('REPORT_FINAL', `stage: report ${id} has its final report (version ${r.version}); no update can follow a final report`, { status: 409 });
    }
    if (r.version !== sub.version) throw versionConflict('report', id, r.version, sub.version);
    checkContent(sub.content, new Date(r.detected_at), now);
    await checkOwnSystems(trx, r.org_id, sub.content.systemIds, 'content/systemIds');
    const content = JSON.stringify(sub.content);
    const version = r.version + 1;
    const updated = await trx
      .updateTable('reports')
      .set({
        stage: sub.stage,
        version,
        content,
        title: sub.title ?? r.title,
        updated_at: now,
        notification_at: r.notification_at ?? now,
        final_at: sub.stage === 'final' ? now : null,
      })
      .where('id', '=', id)
      .where('version', '=', r.version)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw versionConflict('report', id, r.version + 1, sub.version);
    const seq = await trx.selectFrom('report_submissions').select(sql<number>`coalesce(max(seq), 0)`.as('n')).where('report_id', '=', id).executeTakeFirstOrThrow();
    await trx.insertInto('report_submissions').values({ report_id: id, seq: Number(seq.n) + 1, stage: sub.stage, version, content, submitted_by: actor.userId, submitted_at: now }).execute();
    await recordAudit(base(trx), { actor, action: `report.${sub.stage}`, target: { type: 'report', id }, details: { version }, at: now });
    return updated;
  });
  return summary(row, await loadRules(db), now);
}

export interface ListQuery {
  sector?: string;
  kind?: string;
  open?: boolean;
  /** only those the caller's organisation has not acknowledged yet (the recipients' queue) */
  unacknowledged?: boolean;
  limit?: number;
}

/** The reports the actor may see, newest first; each read is audited. */
export async function listReports(db: AnyDb, actor: Actor, q: ListQuery = {}, now = new Date()): Promise<ReportSummary[]> {
  const scope = await scopeOf(db, actor);
  if (scope.kind === 'none') return [];
  let query = rdb(db).selectFrom('reports').selectAll().orderBy('created_at', 'desc').limit(Math.min(q.limit ?? 100, 500));
  if (scope.kind === 'org') query = query.where('org_id', '=', scope.orgId);
  if (scope.kind === 'sectors') query = query.where('sector', 'in', scope.sectors);
  if (q.sector) query = query.where('sector', '=', q.sector);
  if (q.kind) query = query.where('kind', '=', q.kind);
  if (q.open) query = query.where('final_at', 'is', null);
  if (q.unacknowledged) {
    query = query.where((eb) => eb.not(eb.exists(eb.selectFrom('report_acks').select('report_acks.report_id').whereRef('report_acks.report_id', '=', 'reports.id').where('report_acks.org_id', '=', actor.orgId))));
  }
  const rows = await query.execute();
  await recordAuditBatch(db, rows.map((r) => ({ actor, action: 'report.read', target: { type: 'report', id: r.id }, details: { view: 'list' }, at: now })));
  const rules = await loadRules(db);
  return rows.map((r) => summary(r, rules, now));
}

/** Who a report reaches: the operator's sector ministries and the agency. */
async function routing(db: RDb, r: ReportRow): Promise<ReportView['routedTo']> {
  const orgs = await db
    .selectFrom('organisations')
    .leftJoin('report_acks', (j) => j.onRef('report_acks.org_id', '=', 'organisations.id').on('report_acks.report_id', '=', r.id))
    .select(['organisations.id', 'organisations.name', 'organisations.kind', 'report_acks.acknowledged_at', 'report_acks.user_id'])
    .where((eb) =>
      eb.or([
        eb('organisations.kind', '=', 'agency'),
        eb('organisations.id', 'in', eb.selectFrom('sector_ministries').select('org_id').where('sector', '=', r.sector)),
      ]),
    )
    .orderBy('organisations.kind')
    .orderBy('organisations.name')
    .execute();
  return orgs.map((o) => ({ orgId: o.id, name: o.name, kind: o.kind, acknowledgedAt: iso(o.acknowledged_at ?? null), acknowledgedBy: o.user_id ?? null }));
}

export async function getReport(db: AnyDb, actor: Actor, id: string, now = new Date()): Promise<ReportView> {
  const scope = await scopeOf(db, actor);
  const r = rdb(db);
  const row = await visibleReport(r, scope, id);
  const systemIds = ((row.content as unknown as { systemIds?: string[] }).systemIds ?? []).slice(0, 500);
  const [submissions, messages, guidance, attachments, routedTo, rules, systems] = await Promise.all([
    r.selectFrom('report_submissions').selectAll().where('report_id', '=', id).orderBy('seq').execute(),
    r.selectFrom('report_messages').selectAll().where('report_id', '=', id).orderBy('created_at').orderBy('id').execute(),
    r
      .selectFrom('guidance as g')
      .selectAll()
      .where('g.report_id', '=', id)
      .where('g.version', '=', (eb) => eb.selectFrom('guidance as h').select((e) => e.fn.max('h.version').as('v')).whereRef('h.id', '=', 'g.id'))
      .orderBy('g.created_at')
      .execute(),
    r.selectFrom('report_attachments').select(['id', 'filename', 'media_type', 'size', 'sha256', 'uploaded_by', 'uploaded_at']).where('report_id', '=', id).orderBy('uploaded_at').execute(),
    routing(r, row),
    loadRules(db),
    systemIds.length
      ? r
          .selectFrom('systems')
          .innerJoin('system_versions', (j) => j.onRef('system_versions.system_id', '=', 'systems.id').onRef('system_versions.version', '=', 'systems.version'))
          .select(['systems.id', 'system_versions.name', 'systems.version', 'system_versions.function', 'system_versions.network_location'])
          .where('systems.id', 'in', systemIds)
          .where('systems.org_id', '=', row.org_id)
          .execute()
      : Promise.resolve([]),
  ]);
  await recordAudit(db, { actor, action: 'report.read', target: { type: 'report', id }, details: { view: 'full', version: row.version }, at: now });
  return {
    ...summary(row, rules, now),
    content: row.content as unknown as Record<string, unknown>,
    routedTo,
    systems: systems.map((x) => ({ id: x.id, name: x.name, version: x.version, function: x.function, networkLocation: x.network_location })),
    submissions: submissions.map((s) => ({ seq: s.seq, stage: s.stage, version: s.version, submittedBy: s.submitted_by, submittedAt: new Date(s.submitted_at).toISOString(), content: s.content as unknown as Record<string, unknown> })),
    messages: messages.map((m) => ({ id: m.id, kind: m.kind, replyTo: m.reply_to, body: m.body, authorUserId: m.author_user_id, authorOrgId: m.author_org_id, createdAt: new Date(m.created_at).toISOString() })),
    guidance: guidance.map((g) => ({ id: g.id, version: g.version, kind: g.kind, title: g.title, body: g.body, authorOrgId: g.author_org_id, createdAt: new Date(g.created_at).toISOString() })),
    attachments: attachments.map((a) => ({ id: a.id, filename: a.filename, mediaType: a.media_type, size: a.size, sha256: a.sha256, uploadedBy: a.uploaded_by, uploadedAt: new Date(a.uploaded_at).toISOString() })),
  };
}

function requireRecipient(scope: Scope, what: string): void {
  if (!isRecipient(scope)) throw reportsError('RECIPIENT_ONLY', `${what} is done by the agency or the sector's ministry`, { status: 403 });
}

/** The agency or a ministry acknowledges receipt, once per organisation. */
export async function acknowledge(db: AnyDb, actor: Actor, id: string, now = new Date()): Promise<{ acknowledgedAt: string; already: boolean }> {
  const scope = await scopeOf(db, actor);
  return rdb(db).transaction().execute(async (trx) => {
    await visibleReport(trx, scope, id);
    requireRecipient(scope, 'acknowledging a report');
    const existing = await trx.selectFrom('report_acks').select('acknowledged_at').where('report_id', '=', id).where('org_id', '=', actor.orgId).executeTakeFirst();
    if (existing) return { acknowledgedAt: new Date(existing.acknowledged_at).toISOString(), already: true };
    await trx.insertInto('report_acks').values({ report_id: id, org_id: actor.orgId, user_id: actor.userId, acknowledged_at: now }).execute();
    await recordAudit(base(trx), { actor, action: 'report.acknowledge', target: { type: 'report', id }, at: now });
    return { acknowledgedAt: now.toISOString(), already: false };
  });
}

export interface Triage {
  version: number;
  severity?: Severity;
  /** null clears the assignee */
  assigneeUserId?: string | null;
  /** the agency's say: the report's indicators become STIX indicators in this collection, marked with the report's TLP */
  shareIndicatorsTo?: ShareTarget;
}

export interface TriageResult extends ReportSummary {
  sharing?: SharingResult;
}

/**
 * Severity and assignee; at the agency's triage also, on the analyst's say, the report's indicators as
 * STIX (src/reports/stix.ts). The collection is checked first; the triage commits, then the objects are
 * stored (the intel store writes in a transaction of its own; the ids are stable, so a retry after a
 * failure there adds the same objects once).
 */
export async function triage(db: AnyDb, actor: Actor, id: string, t: Triage, now = new Date()): Promise<TriageResult> {
  const scope = await scopeOf(db, actor);
  let collection: Collection | undefined;
  if (t.shareIndicatorsTo) {
    if (scope.kind !== 'all') throw reportsError('AGENCY_ONLY', "shareIndicatorsTo: turning a report's indicators into STIX is done at the agency's triage", { status: 403 });
    collection = await shareableCollection(db, actor, t.shareIndicatorsTo);
  }
  const row = await rdb(db).transaction().execute(async (trx) => {
    const r = await visibleReport(trx, scope, id, true);
    requireRecipient(scope, 'triage');
    if (r.version !== t.version) throw versionConflict('report', id, r.version, t.version);
    if (t.severity === undefined && t.assigneeUserId === undefined && !t.shareIndicatorsTo) throw reportsError('NOTHING_TO_CHANGE', 'triage needs severity, assigneeUserId or shareIndicatorsTo');
    if (t.assigneeUserId) {
      const u = await trx
        .selectFrom('users')
        .innerJoin('organisations', 'organisations.id', 'users.org_id')
        .select(['users.roles', 'organisations.kind', 'organisations.id'])
        .where('users.id', '=', t.assigneeUserId)
        .where('users.disabled', '=', false)
        .executeTakeFirst();
      const linked = u?.kind === 'ministry' ? await trx.selectFrom('sector_ministries').select('org_id').where('org_id', '=', u.id).where('sector', '=', r.sector).executeTakeFirst() : undefined;
      const ok = u && u.roles.some((x) => x === 'agency_analyst' || x === 'agency_lead') && (u.kind === 'agency' || linked);
      if (!ok) throw reportsError('INVALID_ASSIGNEE', `assigneeUserId ${t.assigneeUserId} is not an analyst of the agency or of a ministry of sector ${r.sector}`);
    }
    const updated = await trx
      .updateTable('reports')
      .set({
        version: r.version + 1,
        updated_at: now,
        ...(t.severity !== undefined ? { severity: t.severity } : {}),
        ...(t.assigneeUserId !== undefined ? { assignee_user_id: t.assigneeUserId } : {}),
      })
      .where('id', '=', id)
      .where('version', '=', r.version)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw versionConflict('report', id, r.version + 1, t.version);
    await recordAudit(base(trx), {
      actor,
      action: 'report.triage',
      target: { type: 'report', id },
      details: { severity: t.severity ?? null, assignee: t.assigneeUserId ?? null, version: r.version + 1, ...(collection ? { shareIndicatorsTo: collection.id } : {}) },
      at: now,
    });
    return updated;
  });
  const out: TriageResult = summary(row, await loadRules(db), now);
  if (collection) {
    const content = row.content as unknown as { indicators?: Array<{ type: string; value: string; note?: string }> };
    const stix = reportToStix({ id: row.id, sector: row.sector, createdAt: row.created_at, indicators: content.indicators ?? [], tlp: reportTlp(content) }, { orgId: actor.orgId, name: await orgName(db, actor.orgId) });
    out.sharing = await storeReportStix(db, actor, collection, row.id, row.org_id, stix);
  }
  return out;
}

async function orgName(db: AnyDb, orgId: string): Promise<string> {
  const o = await rdb(db).selectFrom('organisations').select('name').where('id', '=', orgId).executeTakeFirst();
  return o?.name ?? orgId;
}

export interface NewMessage {
  kind: 'question' | 'answer';
  body: string;
  replyTo?: string;
}

/** Questions come from the agency or a ministry; the operator answers them. */
export async function postMessage(db: AnyDb, actor: Actor, id: string, m: NewMessage, now = new Date()): Promise<{ id: string; createdAt: string }> {
  const scope = await scopeOf(db, actor);
  const msgId = randomUUID();
  await rdb(db).transaction().execute(async (trx) => {
    await visibleReport(trx, scope, id);
    if (m.kind === 'question') {
      requireRecipient(scope, 'asking a question on a report');
      if (m.replyTo !== undefined) throw reportsError('INVALID_REPLY', 'replyTo: a question does not reply to anything; answers do');
    } else {
      if (scope.kind !== 'org') throw reportsError('OPERATOR_ONLY', "answering a question is done by the report's operator", { status: 403 });
      if (!m.replyTo) throw reportsError('REPLY_REQUIRED', 'replyTo: an answer names the question it answers');
      const q = await trx.selectFrom('report_messages').select('kind').where('id', '=', m.replyTo).where('report_id', '=', id).executeTakeFirst();
      if (!q || q.kind !== 'question') throw reportsError('INVALID_REPLY', `replyTo: ${m.replyTo} is not a question on report ${id}`);
    }
    await trx
      .insertInto('report_messages')
      .values({ id: msgId, report_id: id, kind: m.kind, reply_to: m.replyTo ?? null, body: m.body, author_user_id: actor.userId, author_org_id: actor.orgId, created_at: now })
      .execute();
    await recordAudit(base(trx), { actor, action: `report.${m.kind}`, target: { type: 'report', id }, details: { message: msgId }, at: now });
  });
  return { id: msgId, createdAt: now.toISOString() };
}

export interface GuidanceInput {
  kind: 'damage_control' | 'prevention';
  title: string;
  body: string;
}

export interface GuidanceView {
  id: string;
  reportId: string;
  version: number;
  kind: string;
  title: string;
  body: string;
  authorUserId: string;
  authorOrgId: string;
  createdAt: string;
}

const guidanceView = (g: { id: string; report_id: string; version: number; kind: string; title: string; body: string; author_user_id: string; author_org_id: string; created_at: Date | string }): GuidanceView => ({
  id: g.id,
  reportId: g.report_id,
  version: g.version,
  kind: g.kind,
  title: g.title,
  body: g.body,
  authorUserId: g.author_user_id,
  authorOrgId: g.author_org_id,
  createdAt: new Date(g.created_at).toISOString(),
});

/** Guidance back to the operator (damage control or prevention); a revision is a new version. */
export async function addGuidance(db: AnyDb, actor: Actor, reportId: string, g: GuidanceInput, now = new Date()): Promise<GuidanceView> {
  const scope = await scopeOf(db, actor);
  return rdb(db).transaction().execute(async (trx) => {
    await visibleReport(trx, scope, reportId);
    requireRecipient(scope, 'sending guidance');
    const row = await trx
      .insertInto('guidance')
      .values({ id: randomUUID(), report_id: reportId, version: 1, kind: g.kind, title: g.title, body: g.body, author_user_id: actor.userId, author_org_id: actor.orgId, created_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(base(trx), { actor, action: 'report.guidance.create', target: { type: 'report', id: reportId }, details: { guidance: row.id, kind: g.kind }, at: now });
    return guidanceView(row);
  });
}

export async function reviseGuidance(db: AnyDb, actor: Actor, reportId: string, guidanceId: string, version: number, g: Omit<GuidanceInput, 'kind'>, now = new Date()): Promise<GuidanceView> {
  const scope = await scopeOf(db, actor);
  return rdb(db).transaction().execute(async (trx) => {
    await visibleReport(trx, scope, reportId, true);
    requireRecipient(scope, 'revising guidance');
    const latest = await trx.selectFrom('guidance').selectAll().where('id', '=', guidanceId).where('report_id', '=', reportId).orderBy('version', 'desc').limit(1).executeTakeFirst();
    if (!latest) throw notFound('guidance', guidanceId);
    if (latest.version !== version) throw versionConflict('guidance', guidanceId, latest.version, version);
    // the primary key (id, version) refuses a second writer of the same version
    const row = await trx
      .insertInto('guidance')
      .values({ id: guidanceId, report_id: reportId, version: version + 1, kind: latest.kind, title: g.title, body: g.body, author_user_id: actor.userId, author_org_id: actor.orgId, created_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(base(trx), { actor, action: 'report.guidance.revise', target: { type: 'report', id: reportId }, details: { guidance: guidanceId, version: version + 1 }, at: now });
    return guidanceView(row);
  });
}

export async function guidanceHistory(db: AnyDb, actor: Actor, reportId: string, guidanceId: string): Promise<GuidanceView[]> {
  const scope = await scopeOf(db, actor);
  await visibleReport(rdb(db), scope, reportId);
  const rows = await rdb(db).selectFrom('guidance').selectAll().where('id', '=', guidanceId).where('report_id', '=', reportId).orderBy('version', 'desc').execute();
  if (rows.length === 0) throw notFound('guidance', guidanceId);
  await recordAudit(db, { actor, action: 'report.guidance.read', target: { type: 'report', id: reportId }, details: { guidance: guidanceId } });
  return rows.map(guidanceView);
}

export { visibleReport };

/**
 * The indicators of a report, structured (type + value), for an analyst to turn into STIX 2.1
 * (the intel part does that; this is the hand-over point). Agency and ministry only; audited.
 */
export async function reportIndicators(db: AnyDb, actor: Actor, id: string): Promise<Array<{ type: string; value: string; note?: string }>> {
  const scope = await scopeOf(db, actor);
  const row = await visibleReport(rdb(db), scope, id);
  requireRecipient(scope, 'reading indicators for sharing');
  await recordAudit(base(db), { actor, action: 'report.read', target: { type: 'report', id }, details: { view: 'indicators' } });
  const content = row.content as unknown as { indicators?: Array<{ type: string; value: string; note?: string }> };
  return content.indicators ?? [];
}
