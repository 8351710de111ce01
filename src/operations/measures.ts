/**
 * Measures: planned while the operation is prepared, applied only under a decision in force, verified
 * and lifted. `applyMeasure` is the one function that calls a driver's `apply`; the check that a
 * decision is in force sits inside it, in the same transaction that marks the measure applied.
 */
import { randomUUID } from 'node:crypto';
import type { Selectable, Transaction } from 'kysely';
import type { Database } from '../store/index.js';
import { SYSTEM_ACTOR, type Actor } from '../auth/index.js';
import { recordAudit } from '../oversight/index.js';
import { AcdError, notFound } from '../shared/errors.js';
import { base, odb, DEFAULT_OPERATIONS_CONFIG, type AnyDb, type OperationsConfig } from './db.js';
import { decisionInForce, loadOperation, requireParty, stateOf, targetsOf, transition, measureView, type OperationRow } from './operations.js';
import { resolveTarget } from './targets.js';
import type { OperationMeasureTable, OperationsTables } from './tables.js';
import { advisoryLock, inQueue, writerKey } from './writer.js';
import { foreignTargets } from './abroad.js';
import { operationsError } from './errors.js';

export const MEASURE_KINDS = ['rpz', 'bgp_blackhole', 'flowspec', 'blocklist', 'takedown'] as const;
export type MeasureKind = (typeof MEASURE_KINDS)[number];

export type MeasureRow = Selectable<OperationMeasureTable>;

/** What a driver is given: the measure, normalised. */
export interface Measure {
  id: string;
  operationId: string;
  kind: MeasureKind;
  /** a host address (v4/v6, no length) or a domain */
  target: string;
  targetType: 'address' | 'domain';
  params: Record<string, unknown>;
}

export interface VerifyResult {
  ok: boolean;
  detail: string;
}

/** One kind of measure acting on the network (BIND, GoBGP) or producing a record (blocklist, notice). */
export interface ApplyContext {
  decisionId: string;
  now: Date;
  /** the operation's title and its linked evidence (finding keys, report and intelligence ids) */
  operation?: { id: string; title: string; evidence: string[] };
}

/** What applying produced that ACD records (a notice sent). */
export interface ApplyResult {
  notice?: { recipient: string; channel: string; file: string | null; reference?: string | null };
}

/** What a reconciliation pass found at the peer before it repaired it. */
export interface Drift {
  /** measures in force whose effect the peer lacked */
  missing: string[];
  /** what the peer did that no measure in force asks for (measure ids, routes) */
  extra: string[];
  /** in words, for the audit entry */
  detail: string[];
}

/** What a change of the set in force would do to the peer (a dry-run). */
export interface DriverPlan {
  /** RPZ: the zone's records removed (`- `) and added (`+ `) */
  zoneDiff?: string[];
  /** GoBGP: routes announced and withdrawn */
  announce?: string[];
  withdraw?: string[];
}

export interface MeasureDriver {
  kind: MeasureKind;
  /** the peer it writes (zone file, gobgpd): one writer per key, across processes (default: the kind) */
  lockKey?: string;
  /** compares the peer's real state with `desired` (every measure of this kind in force), repairs it, and says what differed */
  reconcile?(desired: Measure[], now: Date): Promise<Drift>;
  /** throws when the peer cannot be reached; otherwise a line saying so */
  health?(): Promise<string>;
  /** what going from `before` to `after` in force would change at the peer (nothing is changed) */
  plan?(before: Measure[], after: Measure[]): Promise<DriverPlan>;
  /**
   * Which measures in force it is given: 'all' of its kind (default: a zone written whole), only those
   * on the same 'target' (a route another measure still needs), or 'none' (the list is the store itself).
   */
  scope?: 'all' | 'target' | 'none';
  /** whether apply needs the operation's title and evidence (a notice does) */
  wantsEvidence?: boolean;
  /** puts the measure in place; `inForce` is every measure of this kind in force, this one included */
  apply(m: Measure, inForce: Measure[], ctx: ApplyContext): Promise<ApplyResult | void>;
  verify(m: Measure): Promise<VerifyResult>;
  /** removes it; `remaining` is every measure of this kind still in force without this one */
  lift(m: Measure, remaining: Measure[]): Promise<void>;
}

export type Drivers = Partial<Record<MeasureKind, MeasureDriver>>;

const PLAN_STATES = ['draft', 'evidence_assembled', 'council_review'];

export function toMeasure(r: MeasureRow): Measure {
  const params = (typeof r.params === 'string' ? JSON.parse(r.params) : r.params) as Record<string, unknown>;
  return { id: r.id, operationId: r.operation_id, kind: r.kind as MeasureKind, target: r.target, targetType: r.target.includes(':') || /^[0-9.]+$/.test(r.target) ? 'address' : 'domain', params };
}

const EMAIL = /^[^\s@<>()",;:]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;

/** Checks a measure's kind, target and parameters against the operation, returning what is stored. */
export function checkMeasure(kind: string, target: string, params: Record<string, unknown>, op: OperationRow): { target: string; params: Record<string, unknown> } {
  if (!(MEASURE_KINDS as readonly string[]).includes(kind)) throw operationsError('BAD_MEASURE', `kind: ${kind} is not one of ${MEASURE_KINDS.join(', ')}`);
  const t = resolveTarget(target, targetsOf(op));
  switch (kind as MeasureKind) {
    case 'rpz': {
      const action = params.action ?? 'nxdomain';
      if (action !== 'nxdomain' && action !== 'sinkhole') throw operationsError('BAD_MEASURE', 'params/action: an RPZ measure is nxdomain or sinkhole');
      return { target: t.value, params: { action } };
    }
    case 'bgp_blackhole':
      if (t.type !== 'address') throw operationsError('BAD_MEASURE', 'target: a BGP blackhole is announced for an address (/32 or /128), not a domain');
      return { target: t.value, params: {} };
    case 'flowspec': {
      if (t.type !== 'address') throw operationsError('BAD_MEASURE', 'target: a FlowSpec rule matches an address (/32 or /128), not a domain');
      const out: Record<string, unknown> = {};
      if (params.protocol !== undefined) {
        if (params.protocol !== 'tcp' && params.protocol !== 'udp' && params.protocol !== 'icmp') throw operationsError('BAD_MEASURE', 'params/protocol: tcp, udp or icmp');
        out.protocol = params.protocol;
      }
      if (params.port !== undefined) {
        if (!Number.isInteger(params.port) || (params.port as number) < 1 || (params.port as number) > 65535) throw operationsError('BAD_MEASURE', 'params/port: an integer 1-65535');
        if (out.protocol !== 'tcp' && out.protocol !== 'udp') throw operationsError('BAD_MEASURE', 'params/port: a port needs protocol tcp or udp');
        out.port = params.port;
      }
      if (params.action !== undefined) {
        if (params.action !== 'discard' && params.action !== 'rate-limit') throw operationsError('BAD_MEASURE', 'params/action: a FlowSpec rule is discard or rate-limit');
        out.action = params.action;
      }
      if (params.rate !== undefined) {
        if (!Number.isInteger(params.rate) || (params.rate as number) < 0 || (params.rate as number) > 4294967295) throw operationsError('BAD_MEASURE', 'params/rate: bytes per second, an integer 0-4294967295');
        if (out.action !== 'rate-limit') throw operationsError('BAD_MEASURE', 'params/rate: a rate needs action rate-limit');
        out.rate = params.rate;
      }
      return { target: t.value, params: out };
    }
    case 'blocklist':
      return { target: t.value, params: {} };
    case 'takedown': {
      const to = params.abuseContact;
      if (typeof to !== 'string' || !EMAIL.test(to)) throw operationsError('BAD_MEASURE', 'params/abuseContact: the hosting network\'s abuse e-mail address');
      const out: Record<string, unknown> = { abuseContact: to.toLowerCase() };
      if (typeof params.network === 'string') out.network = params.network.slice(0, 200);
      return { target: t.value, params: out };
    }
  }
}

/** Names a measure of the operation while it is being prepared (the commission approves named measures). */
export async function planMeasure(db: AnyDb, actor: Actor, operationId: string, input: { kind: string; target: string; params?: Record<string, unknown> }, now = new Date()): Promise<ReturnType<typeof measureView>> {
  return odb(db).transaction().execute(async (trx) => {
    const op = await loadOperation(trx, actor, operationId, true);
    requireParty(actor, ['agency_analyst'], 'planning a measure');
    if (!PLAN_STATES.includes(op.state)) {
      throw operationsError('MEASURES_FIXED', `measures of operation ${operationId} are fixed once approval is requested or an emergency declared (state ${op.state})`, { status: 409 });
    }
    const m = checkMeasure(input.kind, input.target, input.params ?? {}, op);
    const row = await trx.insertInto('operation_measures').values({
      id: randomUUID(), operation_id: operationId, kind: input.kind, target: m.target, params: JSON.stringify(m.params), state: 'planned', decision_id: null,
      created_by: actor.userId, created_at: now, applied_at: null, applied_by: null, verified_at: null, verified_ok: null, lifted_at: null, lifted_by: null, lift_reason: null, failure: null,
    }).returningAll().executeTakeFirstOrThrow();
    await recordAudit(base(trx), { actor, action: 'operation.measure.plan', target: { type: 'operation_measure', id: row.id }, details: { operation: operationId, kind: input.kind, target: m.target }, at: now });
    return measureView(row);
  });
}

async function loadMeasure(db: AnyDb, actor: Actor, measureId: string, lock: boolean): Promise<{ m: MeasureRow; op: OperationRow }> {
  let q = odb(db).selectFrom('operation_measures').selectAll().where('id', '=', measureId);
  if (lock) q = q.forUpdate();
  const m = await q.executeTakeFirst();
  if (!m) throw notFound('measure', measureId);
  const op = await loadOperation(db, actor, m.operation_id, lock);
  return { m, op };
}

async function inForceOf(db: AnyDb, driver: MeasureDriver, m: MeasureRow): Promise<Measure[]> {
  const scope = driver.scope ?? 'all';
  if (scope === 'none') return [];
  let q = odb(db).selectFrom('operation_measures').selectAll().where('kind', '=', m.kind).where('state', '=', 'applied').where('id', '!=', m.id).orderBy('applied_at');
  if (scope === 'target') q = q.where('target', '=', m.target);
  return (await q.execute()).map(toMeasure);
}

/** The states in which measures are applied (the decision itself is checked separately). */
const APPLY_STATES = ['measures_in_force', 'commission_notified', 'ratified'];

/** The driver of a measure (by id) before any lock: the writer queue is taken before the transaction. */
async function driverOfMeasure(db: AnyDb, drivers: Drivers, measureId: string): Promise<MeasureDriver | undefined> {
  const r = await odb(db).selectFrom('operation_measures').select('kind').where('id', '=', measureId).executeTakeFirst();
  return r ? drivers[r.kind as MeasureKind] : undefined;
}

/** Runs a change through the driver's one writer: its queue, then (in `body`'s transaction) its advisory lock. */
async function asWriter<T>(db: AnyDb, driver: MeasureDriver | undefined, body: (trx: Transaction<Database & OperationsTables>) => Promise<T>): Promise<T> {
  const run = () => odb(db).transaction().execute(async (trx) => {
    if (driver) await advisoryLock(trx, writerKey(driver));
    return body(trx);
  });
  return driver ? inQueue(writerKey(driver), run) : run();
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** An error of the driver, re-thrown with its code and what became of the peer. */
function driverError(e: unknown, what: string): AcdError {
  const code = e instanceof AcdError ? e.code : 'DRIVER_FAILED';
  const err = new AcdError(code, `${message(e)}; ${what}`, { status: e instanceof AcdError ? e.status : 502 });
  return err;
}

/**
 * THE one function that applies a measure. Inside one transaction: the measure and its operation are
 * locked, the actor must be an executing organisation, the operation in a state with measures in force
 * and a decision in force at `now` (approval or ratification not expired, emergency within its
 * notification time), the foreign ministry consulted for a server abroad (by the country data, whatever
 * the drafter declared), the target still one of the operation's servers; then the driver's one writer
 * gives the peer the set in force with this measure, and the measure is marked applied with its
 * decision as basis, audited. If the driver fails, the peer is given the set without it again (the
 * zone file never keeps a measure recorded as not applied). A refusal is audited too (outside the
 * rolled-back transaction).
 */
export async function applyMeasure(db: AnyDb, drivers: Drivers, actor: Actor, measureId: string, now = new Date()): Promise<ReturnType<typeof measureView>> {
  try {
    const pre = await odb(db).selectFrom('operation_measures as m').innerJoin('operations as o', 'o.id', 'm.operation_id').select(['o.targets', 'm.kind']).where('m.id', '=', measureId).executeTakeFirst();
    const foreign = pre ? await foreignTargets(typeof pre.targets === 'string' ? JSON.parse(pre.targets) : pre.targets) : null;
    const driverFor = pre ? drivers[pre.kind as MeasureKind] : undefined;
    return await asWriter(db, driverFor, async (trx) => {
      const { m, op } = await loadMeasure(trx, actor, measureId, true);
      requireParty(actor, ['executor'], 'applying a measure');
      if (m.state === 'applied') {
        throw operationsError('MEASURE_APPLIED', `measure ${measureId} is already applied`, { status: 409 });
      }
      const state = stateOf(op);
      if (!APPLY_STATES.includes(state)) {
        throw operationsError('NO_DECISION_IN_FORCE', `no decision in force for operation ${op.id}: measures are applied only once it is executed (state ${state})`, { status: 409 });
      }
      const decision = await decisionInForce(trx, op, now);
      if (op.abroad || (foreign && foreign.abroad)) {
        const c = await trx.selectFrom('operation_consultations').select('id').where('operation_id', '=', op.id).where('kind', '=', 'foreign_ministry').executeTakeFirst();
        if (!c) {
          const why = op.abroad ? 'declared abroad' : `abroad by the country data (${foreign!.foreign.join(', ')})`;
          throw operationsError('FOREIGN_CONSULTATION_REQUIRED', `operation ${op.id}: a server abroad is acted on only after consulting the foreign ministry (${why})`, { status: 409 });
        }
      }
      const checked = checkMeasure(m.kind, m.target, toMeasure(m).params, op);
      const driver = drivers[m.kind as MeasureKind];
      if (!driver) throw operationsError('NO_DRIVER', `no driver is configured for ${m.kind} measures`, { status: 409 });
      if (driver !== driverFor) throw operationsError('DRIVER_CHANGED', `the driver of measure ${measureId} changed while it was applied`, { status: 409 });
      const measure = { ...toMeasure(m), target: checked.target };
      const before = await inForceOf(trx, driver, m);
      const inForce = [...before, measure];
      const links = driver.wantsEvidence ? await trx.selectFrom('operation_links').select(['kind', 'ref']).where('operation_id', '=', op.id).orderBy('added_at').execute() : [];
      let result: ApplyResult | void;
      try {
        result = await driver.apply(measure, inForce, { decisionId: decision.id, now, operation: { id: op.id, title: op.title, evidence: links.map((l) => `${l.kind} ${l.ref}`) } });
      } catch (e) {
        // the peer goes back to the set in force without this measure
        if ((driver.scope ?? 'all') === 'none') throw driverError(e, 'nothing was recorded');
        const back = await driver.lift(measure, before).then(() => 'rolled back: the peer has the measures in force without it', (e2: unknown) => `the rollback failed too (${message(e2)}); reconciliation repairs the peer`);
        throw driverError(e, back);
      }
      if (result && result.notice) {
        await trx.insertInto('operation_notices').values({
          id: randomUUID(), operation_id: op.id, measure_id: m.id, kind: 'takedown', recipient: result.notice.recipient, channel: result.notice.channel,
          sent_at: now, reference: result.notice.reference ?? null, message_file: result.notice.file, recorded_by: actor.userId, recorded_at: now,
        }).execute();
      }
      const row = await trx.updateTable('operation_measures')
        .set({ state: 'applied', decision_id: decision.id, applied_at: now, applied_by: actor.userId, failure: null, lifted_at: null, lifted_by: null, lift_reason: null })
        .where('id', '=', measureId).returningAll().executeTakeFirstOrThrow();
      await recordAudit(base(trx), { actor, action: 'operation.measure.apply', target: { type: 'operation_measure', id: measureId }, basis: decision.id, details: { operation: op.id, kind: m.kind, target: checked.target, decision: decision.kind, ...(foreign?.abroad ? { abroadByCountryData: foreign.foreign } : {}) }, at: now });
      return measureView(row);
    });
  } catch (e) {
    if (e instanceof AcdError && e.code !== 'NOT_FOUND') {
      await recordAudit(base(db), { actor, action: 'operation.measure.apply_refused', target: { type: 'operation_measure', id: measureId }, reason: `${e.code}: ${e.message}`, details: { rule: e.code }, at: now });
    }
    throw e;
  }
}

/**
 * Lifts one applied measure (lifting needs no decision: it ends an interference). The driver's one
 * writer gives the peer the set in force without it; if that fails, the peer is given the set with it
 * again and the measure stays recorded as applied (which is what the peer does), the error thrown.
 */
export async function liftMeasure(db: AnyDb, drivers: Drivers, actor: Actor, measureId: string, reason: string, now = new Date()): Promise<ReturnType<typeof measureView>> {
  return asWriter(db, await driverOfMeasure(db, drivers, measureId), async (trx) => {
    const { m, op } = await loadMeasure(trx, actor, measureId, true);
    requireParty(actor, ['executor', 'agency_lead', 'system'], 'lifting a measure');
    if (m.state !== 'applied') throw operationsError('MEASURE_NOT_APPLIED', `measure ${measureId} is ${m.state}; only an applied measure is lifted`, { status: 409 });
    const driver = drivers[m.kind as MeasureKind];
    if (!driver) throw operationsError('NO_DRIVER', `no driver is configured for ${m.kind} measures`, { status: 409 });
    const measure = toMeasure(m);
    const remaining = await inForceOf(trx, driver, m);
    try {
      await driver.lift(measure, remaining);
    } catch (e) {
      if ((driver.scope ?? 'all') === 'none') throw driverError(e, 'the measure stays applied');
      const back = await driver.apply(measure, [...remaining, measure], { decisionId: m.decision_id ?? '-', now })
        .then(() => 'the measure stays applied at the peer and in the record', (e2: unknown) => `restoring it failed too (${message(e2)}); it stays recorded as applied and reconciliation repairs the peer`);
      throw driverError(e, back);
    }
    const row = await trx.updateTable('operation_measures').set({ state: 'lifted', lifted_at: now, lifted_by: actor.userId, lift_reason: reason })
      .where('id', '=', measureId).returningAll().executeTakeFirstOrThrow();
    await recordAudit(base(trx), { actor, action: 'operation.measure.lift', target: { type: 'operation_measure', id: measureId }, reason, basis: m.decision_id, details: { operation: op.id, kind: m.kind, target: m.target }, at: now });
    return measureView(row);
  });
}

/** Checks an applied measure is really in place (dig, the peer's RIB, the file), recording the result. */
export async function verifyMeasure(db: AnyDb, drivers: Drivers, actor: Actor, measureId: string, now = new Date()): Promise<VerifyResult> {
  const { m } = await loadMeasure(db, actor, measureId, false);
  requireParty(actor, ['executor', 'agency_lead', 'agency_analyst'], 'verifying a measure');
  if (m.state !== 'applied') throw operationsError('MEASURE_NOT_APPLIED', `measure ${measureId} is ${m.state}; only an applied measure is verified`, { status: 409 });
  const driver = drivers[m.kind as MeasureKind];
  if (!driver) throw operationsError('NO_DRIVER', `no driver is configured for ${m.kind} measures`, { status: 409 });
  // outside a transaction: a driver may read the store itself (the blocklist) or take seconds (dig)
  const r = await driver.verify(toMeasure(m));
  await odb(db).transaction().execute(async (trx) => {
    await trx.updateTable('operation_measures').set({ verified_at: now, verified_ok: r.ok }).where('id', '=', measureId).execute();
    await recordAudit(base(trx), { actor, action: 'operation.measure.verify', target: { type: 'operation_measure', id: measureId }, details: { ok: r.ok, detail: r.detail.slice(0, 500) }, at: now });
  });
  return r;
}

export interface ApplyOutcome {
  measureId: string;
  ok: boolean;
  error?: string;
}

/** Executes an approved operation or a declared emergency: the transition, then each planned measure. */
export async function executeOperation(db: AnyDb, drivers: Drivers, actor: Actor, operationId: string, opts: { now?: Date; reason?: string | null; config?: OperationsConfig } = {}): Promise<ApplyOutcome[]> {
  const now = opts.now ?? new Date();
  await transition(db, actor, operationId, 'execute', { reason: opts.reason ?? null }, now, opts.config ?? DEFAULT_OPERATIONS_CONFIG);
  const planned = await odb(db).selectFrom('operation_measures').select('id').where('operation_id', '=', operationId).where('state', '=', 'planned').orderBy('created_at').execute();
  const out: ApplyOutcome[] = [];
  for (const p of planned) {
    try {
      await applyMeasure(db, drivers, actor, p.id, now);
      out.push({ measureId: p.id, ok: true });
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      await odb(db).updateTable('operation_measures').set({ state: 'failed', failure: msg.slice(0, 1000) }).where('id', '=', p.id).where('state', '=', 'planned').execute();
      out.push({ measureId: p.id, ok: false, error: msg });
    }
  }
  return out;
}

/** Lifts every applied measure of an operation, then the operation (action 'lift'). */
export async function liftOperation(db: AnyDb, drivers: Drivers, actor: Actor, operationId: string, reason: string, opts: { now?: Date; config?: OperationsConfig } = {}): Promise<void> {
  const now = opts.now ?? new Date();
  const op = await loadOperation(db, actor, operationId);
  requireParty(actor, ['executor', 'agency_lead', 'system'], 'lifting an operation');
  const applied = await odb(db).selectFrom('operation_measures').select('id').where('operation_id', '=', op.id).where('state', '=', 'applied').execute();
  for (const a of applied) await liftMeasure(db, drivers, actor, a.id, reason, now);
  await transition(db, actor, operationId, 'lift', { reason }, now, opts.config ?? DEFAULT_OPERATIONS_CONFIG);
}

/** Every measure in force of the given kinds (for blocklists). */
export async function measuresInForce(db: AnyDb, kinds?: readonly MeasureKind[]): Promise<Array<Measure & { appliedAt: Date; decisionId: string | null }>> {
  let q = odb(db).selectFrom('operation_measures').selectAll().where('state', '=', 'applied').orderBy('applied_at');
  if (kinds?.length) q = q.where('kind', 'in', kinds as MeasureKind[]);
  return (await q.execute()).map((r) => ({ ...toMeasure(r), appliedAt: new Date(r.applied_at!), decisionId: r.decision_id }));
}

export { SYSTEM_ACTOR };

export interface DryRun {
  operationId: string;
  /** why executing now would be refused (null: it would go ahead) */
  refusal: string | null;
  measures: Array<{ id: string; kind: MeasureKind; target: string; driver: boolean }>;
  /** per driver: the zone diff or the routes announced and withdrawn */
  drivers: Partial<Record<MeasureKind, DriverPlan>>;
}

/**
 * What executing the operation would change, without changing anything: the zone diff of the RPZ
 * driver and the routes gobgpd would announce, against the measures in force now. Audited as a read.
 */
export async function dryRunExecute(db: AnyDb, drivers: Drivers, actor: Actor, operationId: string, now = new Date()): Promise<DryRun> {
  const op = await loadOperation(db, actor, operationId);
  requireParty(actor, ['executor', 'agency_lead', 'agency_analyst'], 'a dry-run of an execution');
  let refusal: string | null = null;
  try {
    if (!['approved', 'emergency_declared'].includes(op.state)) throw operationsError('ILLEGAL_TRANSITION', `execute is not allowed from state ${op.state}`);
    await decisionInForce(db, { ...op, state: op.emergency ? 'emergency_declared' : 'measures_in_force' }, now);
    const foreign = await foreignTargets(targetsOf(op));
    if (op.abroad || foreign.abroad) {
      const c = await odb(db).selectFrom('operation_consultations').select('id').where('operation_id', '=', op.id).where('kind', '=', 'foreign_ministry').executeTakeFirst();
      if (!c) throw operationsError('FOREIGN_CONSULTATION_REQUIRED', `no foreign-ministry consultation is recorded (${op.abroad ? 'declared abroad' : foreign.foreign.join(', ')})`);
    }
  } catch (e) {
    if (!(e instanceof AcdError)) throw e;
    refusal = `${e.code}: ${e.message}`;
  }
  const planned = await odb(db).selectFrom('operation_measures').selectAll().where('operation_id', '=', operationId).where('state', '=', 'planned').orderBy('created_at').execute();
  const out: DryRun = { operationId, refusal, measures: [], drivers: {} };
  const byKind = new Map<MeasureKind, Measure[]>();
  for (const r of planned) {
    const kind = r.kind as MeasureKind;
    const driver = drivers[kind];
    out.measures.push({ id: r.id, kind, target: r.target, driver: !!driver });
    if (driver?.plan) byKind.set(kind, [...(byKind.get(kind) ?? []), toMeasure(r)]);
  }
  for (const [kind, add] of byKind) {
    const before = (await odb(db).selectFrom('operation_measures').selectAll().where('kind', '=', kind).where('state', '=', 'applied').orderBy('applied_at').execute()).map(toMeasure);
    out.drivers[kind] = await drivers[kind]!.plan!(before, [...before, ...add]);
  }
  await recordAudit(base(db), { actor, action: 'operation.dry_run', target: { type: 'operation', id: operationId }, details: { measures: out.measures.length, refusal: refusal ? refusal.slice(0, 200) : null }, at: now });
  return out;
}
