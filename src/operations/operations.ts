/**
 * Operations: drafting, evidence, consultations, notices and every transition of the lifecycle
 * (./states.ts), each with its audit entry in the same transaction. Measures are applied and lifted in
 * ./measures.ts, the only place that calls a measure's driver.
 */
import { randomUUID } from 'node:crypto';
import type { Actor } from '../auth/index.js';
import { recordAudit } from '../oversight/index.js';
import { AcdError, notFound, type CommonErrorCode } from '../shared/errors.js';
import { base, odb, DEFAULT_OPERATIONS_CONFIG, type AnyDb, type ODb, type OperationsConfig } from './db.js';
import { isParty, isState, PARTY_DESCRIPTION, transitionFor, type OperationAction, type OperationState, type Party } from './states.js';
import { normaliseTargets } from './targets.js';
import { foreignTargets, type ForeignTargets } from './abroad.js';
import type { OperationTable, OperationTargets } from './tables.js';
import type { Selectable } from 'kysely';
import { operationsError, type OperationsErrorCode } from './errors.js';

export type OperationRow = Selectable<OperationTable>;

export const LINK_KINDS = ['finding', 'report', 'intel'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

/** Who may see operations at all: the agency, the commission (members and auditors), executors. */
export function canSeeOperations(actor: Actor): boolean {
  if (actor.via === 'system') return true;
  if (actor.orgKind === 'agency') return actor.roles.includes('agency_analyst') || actor.roles.includes('agency_lead');
  if (actor.orgKind === 'commission') return actor.roles.includes('commission_member') || actor.roles.includes('auditor');
  return actor.orgKind === 'executor';
}

export function requireParty(actor: Actor, parties: readonly Party[], what: string): void {
  if (!parties.some((p) => isParty(actor, p))) {
    throw operationsError('NOT_PERMITTED', `${what} refused for ${actor.username}: it is done by ${parties.map((p) => PARTY_DESCRIPTION[p]).join(' or ')}`, { status: 403 });
  }
}

export async function loadOperation(db: AnyDb, actor: Actor, id: string, lock = false): Promise<OperationRow> {
  let q = odb(db).selectFrom('operations').selectAll().where('id', '=', id);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row || !canSeeOperations(actor)) throw notFound('operation', id);
  return row;
}

export function stateOf(op: OperationRow): OperationState {
  if (!isState(op.state)) throw operationsError('CORRUPT_STATE', `operation ${op.id} has unknown state ${op.state}`, { status: 500 });
  return op.state;
}

export interface NewOperation {
  title: string;
  /** serious cases need the security council's review before approval is requested */
  serious: boolean;
  /** the server is abroad: a foreign-ministry consultation is needed before execution */
  abroad: boolean;
  country?: string | null;
  targets: { addresses?: string[]; domains?: string[] };
}

export async function createOperation(db: AnyDb, actor: Actor, input: NewOperation, now = new Date()): Promise<OperationRow> {
  requireParty(actor, ['agency_analyst'], 'drafting an operation');
  const targets = normaliseTargets(input.targets);
  if (input.country != null && !/^[A-Z]{2}$/.test(input.country)) throw operationsError('BAD_COUNTRY', `country: "${input.country}" is not an ISO 3166 alpha-2 code`);
  const id = randomUUID();
  return odb(db).transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('operations')
      .values({
        id, title: input.title, state: 'draft', serious: input.serious, emergency: false, abroad: input.abroad, country: input.country ?? null,
        targets: JSON.stringify(targets), org_id: actor.orgId, created_by: actor.userId, created_at: now, updated_at: now,
        notify_deadline: null, notified_at: null, after_action: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(base(trx), { actor, action: 'operation.create', target: { type: 'operation', id }, details: { serious: input.serious, abroad: input.abroad, addresses: targets.addresses.length, domains: targets.domains.length }, at: now });
    return row;
  });
}

const EVIDENCE_STATES: readonly OperationState[] = ['draft', 'evidence_assembled', 'council_review'];

/** Links a finding (by key), report or intelligence item (by id) to an operation still being prepared. */
export async function addLink(db: AnyDb, actor: Actor, id: string, link: { kind: LinkKind; ref: string; note?: string | null }, now = new Date()): Promise<void> {
  await odb(db).transaction().execute(async (trx) => {
    const op = await loadOperation(trx, actor, id, true);
    requireParty(actor, ['agency_analyst'], 'linking evidence');
    if (!EVIDENCE_STATES.includes(stateOf(op))) {
      throw operationsError('EVIDENCE_CLOSED', `evidence of operation ${id} is fixed once approval is requested (state ${op.state})`, { status: 409 });
    }
    if (!(LINK_KINDS as readonly string[]).includes(link.kind)) throw operationsError('BAD_LINK', `kind: ${link.kind} is not one of ${LINK_KINDS.join(', ')}`);
    if (!link.ref.trim() || link.ref.length > 500) throw operationsError('BAD_LINK', 'ref: give the finding key or the report or intelligence id (1-500 characters)');
    await trx.insertInto('operation_links')
      .values({ operation_id: id, kind: link.kind, ref: link.ref, note: link.note ?? null, added_by: actor.userId, added_at: now })
      .onConflict((oc) => oc.columns(['operation_id', 'kind', 'ref']).doNothing())
      .execute();
    await recordAudit(base(trx), { actor, action: 'operation.link', target: { type: 'operation', id }, details: { kind: link.kind, ref: link.ref }, at: now });
  });
}

export interface ConsultationInput {
  body: string;
  outcome: string;
  reference?: string | null;
  consultedAt: Date;
}

/** Records the foreign ministry's consultation (needed before executing against a server abroad). */
export async function recordForeignConsultation(db: AnyDb, actor: Actor, id: string, c: ConsultationInput, now = new Date()): Promise<string> {
  return odb(db).transaction().execute(async (trx) => {
    const op = await loadOperation(trx, actor, id, true);
    requireParty(actor, ['agency_lead'], 'recording a foreign-ministry consultation');
    if (['closed', 'rejected', 'lifted'].includes(op.state)) throw operationsError('OPERATION_OVER', `operation ${id} is ${op.state}`, { status: 409 });
    if (c.consultedAt.getTime() > now.getTime()) throw operationsError('FUTURE_DATE', 'consultedAt: a consultation is recorded after it happened');
    const cid = randomUUID();
    await trx.insertInto('operation_consultations').values({
      id: cid, operation_id: id, kind: 'foreign_ministry', body: c.body, outcome: c.outcome, reference: c.reference ?? null,
      consulted_at: c.consultedAt, recorded_by: actor.userId, recorded_at: now,
    }).execute();
    await recordAudit(base(trx), { actor, action: 'operation.consult', target: { type: 'operation', id }, details: { kind: 'foreign_ministry', consultation: cid }, at: now });
    return cid;
  });
}

export interface ForeignNoticeInput {
  /** the foreign state (ISO alpha-2) or authority notified */
  recipient: string;
  /** diplomatic note, CERT channel, e-mail, liaison officer … */
  channel: string;
  sentAt: Date;
  reference?: string | null;
}

/** Records a notice given to a foreign state about an operation, with its date and channel. */
export async function recordForeignNotice(db: AnyDb, actor: Actor, id: string, n: ForeignNoticeInput, now = new Date()): Promise<string> {
  return odb(db).transaction().execute(async (trx) => {
    const op = await loadOperation(trx, actor, id, true);
    requireParty(actor, ['agency_lead'], 'recording a foreign-state notice');
    if (op.state === 'draft' || op.state === 'closed') throw operationsError('NOTICE_NOT_ALLOWED', `a foreign-state notice is recorded between assembled evidence and closing (operation ${id} is ${op.state})`, { status: 409 });
    if (n.sentAt.getTime() > now.getTime()) throw operationsError('FUTURE_DATE', 'sentAt: a notice is recorded after it was given');
    const nid = randomUUID();
    await trx.insertInto('operation_notices').values({
      id: nid, operation_id: id, measure_id: null, kind: 'foreign_state', recipient: n.recipient, channel: n.channel, sent_at: n.sentAt,
      reference: n.reference ?? null, message_file: null, recorded_by: actor.userId, recorded_at: now,
    }).execute();
    await recordAudit(base(trx), { actor, action: 'operation.notice', target: { type: 'operation', id }, details: { kind: 'foreign_state', notice: nid, recipient: n.recipient, channel: n.channel }, at: now });
    return nid;
  });
}

export interface DecisionInForce {
  id: string;
  kind: 'approve' | 'ratify' | 'emergency';
  /** until when it holds (null: an emergency notified in time holds until the commission decides) */
  until: Date | null;
}

/**
 * The decision the operation's measures rest on at `now`, or the refusal naming why there is none:
 * an approval or ratification not yet expired, or a declared emergency before its notification
 * deadline (or notified in time and awaiting the commission).
 */
export async function decisionInForce(db: AnyDb, op: OperationRow, now: Date): Promise<DecisionInForce> {
  const state = stateOf(op);
  const refuse = (code: OperationsErrorCode | CommonErrorCode, why: string): never => {
    throw new AcdError(code, `no decision in force for operation ${op.id}: ${why}`, { status: 409, details: { state } });
  };
  const latest = async (kind: string) =>
    odb(db).selectFrom('operation_decisions').selectAll().where('operation_id', '=', op.id).where('kind', '=', kind).orderBy('decided_at', 'desc').limit(1).executeTakeFirst();
  if (!op.emergency) {
    if (state !== 'approved' && state !== 'measures_in_force') refuse('NO_DECISION_IN_FORCE', `measures need the commission's approval, and the operation is ${state}`);
    const d = await latest('approve');
    if (!d || !d.expires_at) return refuse('NO_DECISION_IN_FORCE', 'no approval is recorded');
    if (new Date(d.expires_at).getTime() <= now.getTime()) refuse('APPROVAL_EXPIRED', `the approval ${d.id} expired at ${new Date(d.expires_at).toISOString()}`);
    return { id: d.id, kind: 'approve', until: new Date(d.expires_at) };
  }
  if (state === 'ratified') {
    const d = await latest('ratify');
    if (!d || !d.expires_at) return refuse('NO_DECISION_IN_FORCE', 'no ratification is recorded');
    if (new Date(d.expires_at).getTime() <= now.getTime()) refuse('APPROVAL_EXPIRED', `the ratification ${d.id} expired at ${new Date(d.expires_at).toISOString()}`);
    return { id: d.id, kind: 'ratify', until: new Date(d.expires_at) };
  }
  if (state !== 'emergency_declared' && state !== 'measures_in_force' && state !== 'commission_notified') {
    refuse('NO_DECISION_IN_FORCE', `an emergency operation in state ${state} has no measures in force`);
  }
  const d = await latest('emergency');
  if (!d || !op.notify_deadline) return refuse('NO_DECISION_IN_FORCE', 'no emergency declaration is recorded');
  const deadline = new Date(op.notify_deadline);
  const notifiedInTime = op.notified_at !== null && new Date(op.notified_at).getTime() <= deadline.getTime();
  if (!notifiedInTime && deadline.getTime() <= now.getTime()) {
    refuse('EMERGENCY_NOT_NOTIFIED', `the commission was not notified of the emergency by ${deadline.toISOString()}`);
  }
  return { id: d.id, kind: 'emergency', until: notifiedInTime ? null : deadline };
}

export interface TransitionInput {
  reason?: string | null;
  /** approve, ratify: the commission's conditions */
  conditions?: string | null;
  /** approve, ratify: when the decision expires */
  expiresAt?: Date | null;
  /** record_council_review: the security council's review */
  council?: ConsultationInput | null;
  /** close (after lifting): the after-action report */
  afterAction?: string | null;
}

const needText = (v: string | null | undefined, field: string, why: string): string => {
  if (!v || !v.trim()) throw operationsError('FIELD_REQUIRED', `${field}: ${why}`);
  return v;
};

/**
 * Takes one transition of the lifecycle: the table says whether it leaves this state and who takes it,
 * the guards below the rest. The operation row is locked, the new state, the transition row, any
 * decision or consultation and the audit entry commit together.
 */
export async function transition(
  db: AnyDb,
  actor: Actor,
  id: string,
  action: OperationAction,
  input: TransitionInput = {},
  now = new Date(),
  config: OperationsConfig = DEFAULT_OPERATIONS_CONFIG,
): Promise<OperationRow> {
  try {
    // where the targets are, by the country data (looked up before the row is locked: it may ask DNS)
    const foreign = action === 'execute' ? await foreignTargets(targetsOf(await loadOperation(db, actor, id))) : null;
    return await transitionLocked(db, actor, id, action, input, now, config, foreign);
  } catch (e) {
    // every refusal of a step of the lifecycle is audited with the actor, the operation and the rule
    if (e instanceof AcdError && e.code !== 'NOT_FOUND' && !auditedRefusals.has(e)) {
      auditedRefusals.add(e);
      const rule = (e.details as { rule?: string } | undefined)?.rule ?? null;
      await recordAudit(base(db), { actor, action: `operation.${action}.refused`, target: { type: 'operation', id }, reason: `${e.code}: ${e.message}`, details: { code: e.code, rule: rule ?? e.code }, at: now });
    }
    throw e;
  }
}

/** Errors already audited as refusals (so a route's 403 hook does not audit them twice). */
export const auditedRefusals = new WeakSet<Error>();

async function transitionLocked(
  db: AnyDb,
  actor: Actor,
  id: string,
  action: OperationAction,
  input: TransitionInput,
  now: Date,
  config: OperationsConfig,
  foreign: ForeignTargets | null,
): Promise<OperationRow> {
  return odb(db).transaction().execute(async (trx) => {
    const op = await loadOperation(trx, actor, id, true);
    const from = stateOf(op);
    const t = transitionFor(from, action, actor);
    const patch: Partial<{ emergency: boolean; notify_deadline: Date; notified_at: Date; after_action: string }> = {};
    let basis: string | null = null;
    const decide = async (kind: string, fields: { conditions?: string | null; expiresAt?: Date | null; reason?: string | null }) => {
      const did = randomUUID();
      await trx.insertInto('operation_decisions').values({
        id: did, operation_id: id, kind, decided_by: actor.userId, org_id: actor.orgId, decided_at: now,
        conditions: fields.conditions ?? null, expires_at: fields.expiresAt ?? null, reason: fields.reason ?? null,
      }).execute();
      basis = did;
    };
    const expiry = (e: Date | null | undefined): Date => {
      if (!e || Number.isNaN(e.getTime())) throw operationsError('FIELD_REQUIRED', `expiresAt: ${action} needs the date the decision expires`);
      if (e.getTime() <= now.getTime()) throw operationsError('EXPIRY_IN_PAST', `expiresAt: ${e.toISOString()} is not in the future; an expired approval authorises nothing`);
      const max = now.getTime() + config.maxApprovalDays * 86_400_000;
      if (e.getTime() > max) throw operationsError('EXPIRY_TOO_LATE', `expiresAt: a decision runs ${config.maxApprovalDays} days at most (until ${new Date(max).toISOString()})`);
      return e;
    };
    const count = async (table: 'operation_links' | 'operation_measures', where?: string) => {
      let q = trx.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).where('operation_id', '=', id);
      if (where && table === 'operation_measures') q = q.where('state', '=', where);
      return Number((await q.executeTakeFirstOrThrow()).n);
    };
    const refuse = (code: OperationsErrorCode | CommonErrorCode, message: string): never => {
      const rule = /rule "([^"]+)"/.exec(message)?.[1] ?? t.rule;
      throw new AcdError(code, `${action} refused on operation ${id}: ${message}`, { status: 409, details: { state: from, action, rule } });
    };

    switch (action) {
      case 'assemble_evidence':
        if ((await count('operation_links')) === 0) refuse('EVIDENCE_MISSING', 'rule "evidence is at least one linked finding, report or intelligence item": none is linked');
        break;
      case 'record_council_review': {
        const c = input.council;
        if (!c) throw operationsError('FIELD_REQUIRED', 'council: record_council_review needs the security council\'s review (body, outcome, consultedAt)');
        needText(c.outcome, 'council/outcome', "give the council's conclusion");
        const cid = randomUUID();
        await trx.insertInto('operation_consultations').values({
          id: cid, operation_id: id, kind: 'security_council', body: c.body, outcome: c.outcome, reference: c.reference ?? null,
          consulted_at: c.consultedAt, recorded_by: actor.userId, recorded_at: now,
        }).execute();
        basis = cid;
        break;
      }
      case 'request_approval':
        if (op.serious && from !== 'council_review') refuse('COUNCIL_REVIEW_REQUIRED', "rule \"a serious case is reviewed by the security council before the commission's approval is requested\": no review is recorded");
        if ((await count('operation_measures', 'planned')) === 0) refuse('NO_MEASURES', 'rule "the commission approves named measures": none is planned');
        break;
      case 'approve':
        await decide('approve', { conditions: needText(input.conditions, 'conditions', "give the commission's conditions (or 'none')"), expiresAt: expiry(input.expiresAt), reason: input.reason });
        break;
      case 'ratify':
        await decide('ratify', { conditions: needText(input.conditions, 'conditions', "give the commission's conditions (or 'none')"), expiresAt: expiry(input.expiresAt), reason: input.reason });
        break;
      case 'reject':
        await decide('reject', { reason: needText(input.reason, 'reason', 'a rejection gives its reason') });
        break;
      case 'order_lift':
        await decide('order_lift', { reason: needText(input.reason, 'reason', 'an order to lift gives its reason') });
        break;
      case 'declare_emergency': {
        needText(input.reason, 'reason', 'an emergency is declared with its reason');
        if ((await count('operation_measures', 'planned')) === 0) refuse('NO_MEASURES', 'rule "an emergency names its measures": none is planned');
        const deadline = new Date(now.getTime() + config.emergencyNotifyHours * 3_600_000);
        patch.emergency = true;
        patch.notify_deadline = deadline;
        await decide('emergency', { reason: input.reason, expiresAt: deadline });
        break;
      }
      case 'execute': {
        const d = await decisionInForce(trx, op, now);
        basis = d.id;
        if (op.abroad || foreign?.abroad) {
          const c = await trx.selectFrom('operation_consultations').select('id').where('operation_id', '=', id).where('kind', '=', 'foreign_ministry').executeTakeFirst();
          const where = op.abroad ? 'declared abroad by the drafter' : `abroad by the country data: ${foreign!.foreign.join(', ')}`;
          if (!c) refuse('FOREIGN_CONSULTATION_REQUIRED', `rule "a server abroad is acted on only after consulting the foreign ministry": no consultation is recorded (${where})`);
        }
        break;
      }
      case 'notify_commission': {
        if (!op.emergency) refuse('NOT_EMERGENCY', 'rule "the commission is notified after the fact only of an emergency": this operation was approved beforehand');
        const deadline = new Date(op.notify_deadline!);
        if (now.getTime() > deadline.getTime()) refuse('NOTIFY_LATE', `rule "the commission is notified within ${config.emergencyNotifyHours} h": the deadline was ${deadline.toISOString()}; the measures are lifted`);
        patch.notified_at = now;
        break;
      }
      case 'lift':
        if ((await count('operation_measures', 'applied')) > 0) refuse('MEASURES_STILL_APPLIED', 'rule "an operation is lifted once each of its measures is lifted": lift them first (liftOperation does both)');
        break;
      case 'close':
        if (from === 'lifted') patch.after_action = needText(input.afterAction, 'afterAction', 'a lifted operation is closed with its after-action report');
        break;
    }
    const seqRow = await trx.selectFrom('operation_transitions').select((eb) => eb.fn.max<number>('seq').as('m')).where('operation_id', '=', id).executeTakeFirst();
    const seq = Number(seqRow?.m ?? 0) + 1;
    await trx.insertInto('operation_transitions').values({
      operation_id: id, seq, action, from_state: from, to_state: t.to, actor_user_id: actor.userId, actor_org_id: actor.orgId, at: now, reason: input.reason ?? null,
    }).execute();
    const row = await trx.updateTable('operations').set({ ...patch, state: t.to, updated_at: now }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    await recordAudit(base(trx), {
      actor, action: `operation.${action}`, target: { type: 'operation', id }, reason: input.reason ?? null, basis,
      details: { from, to: t.to, ...(input.expiresAt ? { expiresAt: input.expiresAt.toISOString() } : {}) }, at: now,
    });
    return row;
  });
}

export interface OperationView {
  id: string;
  title: string;
  state: OperationState;
  serious: boolean;
  emergency: boolean;
  abroad: boolean;
  country: string | null;
  targets: OperationTargets;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  notifyDeadline: string | null;
  notifiedAt: string | null;
  afterAction: string | null;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export function operationView(r: OperationRow): OperationView {
  return {
    id: r.id, title: r.title, state: stateOf(r), serious: r.serious, emergency: r.emergency, abroad: r.abroad, country: r.country,
    targets: typeof r.targets === 'string' ? (JSON.parse(r.targets) as OperationTargets) : r.targets,
    createdBy: r.created_by, createdAt: iso(r.created_at)!, updatedAt: iso(r.updated_at)!,
    notifyDeadline: iso(r.notify_deadline), notifiedAt: iso(r.notified_at), afterAction: r.after_action,
  };
}

export function targetsOf(r: OperationRow): OperationTargets {
  return typeof r.targets === 'string' ? (JSON.parse(r.targets) as OperationTargets) : r.targets;
}

/** Everything recorded on one operation (audited as a read). */
export async function operationDetail(db: AnyDb, actor: Actor, id: string, now = new Date()) {
  const op = await loadOperation(db, actor, id);
  const d = odb(db);
  const [links, transitions, decisions, consultations, measures, notices] = await Promise.all([
    d.selectFrom('operation_links').selectAll().where('operation_id', '=', id).orderBy('added_at').execute(),
    d.selectFrom('operation_transitions').selectAll().where('operation_id', '=', id).orderBy('seq').execute(),
    d.selectFrom('operation_decisions').selectAll().where('operation_id', '=', id).orderBy('decided_at').execute(),
    d.selectFrom('operation_consultations').selectAll().where('operation_id', '=', id).orderBy('recorded_at').execute(),
    d.selectFrom('operation_measures').selectAll().where('operation_id', '=', id).orderBy('created_at').execute(),
    d.selectFrom('operation_notices').selectAll().where('operation_id', '=', id).orderBy('recorded_at').execute(),
  ]);
  await recordAudit(base(db), { actor, action: 'operation.read', target: { type: 'operation', id }, at: now });
  return {
    operation: operationView(op),
    links: links.map((l) => ({ kind: l.kind, ref: l.ref, note: l.note, addedBy: l.added_by, addedAt: iso(l.added_at)! })),
    transitions: transitions.map((t) => ({ seq: t.seq, action: t.action, from: t.from_state, to: t.to_state, by: t.actor_user_id, at: iso(t.at)!, reason: t.reason })),
    decisions: decisions.map((x) => ({ id: x.id, kind: x.kind, decidedBy: x.decided_by, decidedAt: iso(x.decided_at)!, conditions: x.conditions, expiresAt: iso(x.expires_at), reason: x.reason })),
    consultations: consultations.map((c) => ({ id: c.id, kind: c.kind, body: c.body, outcome: c.outcome, reference: c.reference, consultedAt: iso(c.consulted_at)! })),
    measures: measures.map(measureView),
    notices: notices.map((n) => ({ id: n.id, kind: n.kind, measureId: n.measure_id, recipient: n.recipient, channel: n.channel, sentAt: iso(n.sent_at)!, reference: n.reference })),
  };
}

export function measureView(m: {
  id: string; operation_id: string; kind: string; target: string; params: unknown; state: string; decision_id: string | null;
  applied_at: Date | string | null; verified_at: Date | string | null; verified_ok: boolean | null; lifted_at: Date | string | null; lift_reason: string | null; failure: string | null;
}) {
  return {
    id: m.id, operationId: m.operation_id, kind: m.kind, target: m.target,
    params: (typeof m.params === 'string' ? JSON.parse(m.params) : m.params) as Record<string, unknown>,
    state: m.state, decisionId: m.decision_id, appliedAt: iso(m.applied_at), verifiedAt: iso(m.verified_at), verifiedOk: m.verified_ok,
    liftedAt: iso(m.lifted_at), liftReason: m.lift_reason, failure: m.failure,
  };
}

/** The operations an actor may see, newest first (the read is audited: it names targets). */
export async function listOperations(db: AnyDb, actor: Actor, q: { state?: string; limit?: number } = {}, now = new Date()): Promise<OperationView[]> {
  if (!canSeeOperations(actor)) return [];
  let query = odb(db).selectFrom('operations').selectAll().orderBy('created_at', 'desc').limit(Math.min(q.limit ?? 100, 500));
  if (q.state) query = query.where('state', '=', q.state);
  const rows = (await query.execute()).map(operationView);
  await recordAudit(base(db), { actor, action: 'operation.list', target: { type: 'operation' }, details: { count: rows.length, ...(q.state ? { state: q.state } : {}) }, at: now });
  return rows;
}

export type { ODb };
