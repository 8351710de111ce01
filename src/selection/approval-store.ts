/**
 * Approvals in the store: an agency lead proposes, a commission member approves or rejects, and an
 * approval ends at its end time or earlier by decision. Every step is audited in its transaction.
 * On approval, a pseudonym key bound to the approval is made for its period (keys rotate per period).
 */
import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { withTables, type Database } from '../store/index.js';
import { recordAudit } from '../oversight/index.js';
import type { Actor } from '../auth/index.js';
import { AcdError, conflict, notFound } from '../shared/errors.js';
import { parseApproval, DEFAULT_APPROVAL_DEFAULTS, type Approval, type ApprovalDefaults, type ApprovalStatus } from './approvals.js';
import type { PseudonymKey } from './pseudonymiser.js';
import type { ApprovalTable, SelectionTables } from './tables.js';

type Db = Kysely<Database & SelectionTables>;
const view = (db: Kysely<Database>): Db => withTables<SelectionTables>(db);
// the audit function takes the base schema's view of the same transaction
const base = (t: unknown): Kysely<Database> => t as Kysely<Database>;

export interface StoredApproval extends Approval {
  proposedBy: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
  version: number;
}

function fromRow(r: Selectable<ApprovalTable>): StoredApproval {
  return {
    id: r.id,
    category: r.category as Approval['category'],
    carriers: r.carriers,
    criteria: r.criteria as unknown as Approval['criteria'],
    start: new Date(r.start_at).toISOString(),
    end: new Date(r.end_at).toISOString(),
    status: r.status as ApprovalStatus,
    ...(r.decided_by ? { approvedBy: r.decided_by } : {}),
    proposedBy: r.proposed_by,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at ? new Date(r.decided_at).toISOString() : null,
    decisionReason: r.decision_reason,
    version: r.version,
  };
}

/** Proposes an approval (status 'proposed'); the input is validated, naming the wrong field. */
export async function proposeApproval(db: Kysely<Database>, actor: Actor, input: unknown, defaults: ApprovalDefaults = DEFAULT_APPROVAL_DEFAULTS): Promise<StoredApproval> {
  const raw = typeof input === 'object' && input !== null ? { ...(input as Record<string, unknown>), status: 'proposed' } : input;
  const a = parseApproval(raw, defaults);
  return view(db).transaction().execute(async (trx) => {
    const exists = await trx.selectFrom('approvals').select('id').where('id', '=', a.id).executeTakeFirst();
    if (exists) throw conflict(`approval ${a.id} exists already`);
    const row = await trx
      .insertInto('approvals')
      .values({
        id: a.id,
        category: a.category,
        carriers: a.carriers,
        criteria: JSON.stringify(a.criteria),
        start_at: a.start,
        end_at: a.end,
        status: 'proposed',
        proposed_by: actor.userId,
        decided_by: null,
        decided_at: null,
        decision_reason: null,
        created_at: new Date(),
        version: 1,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(base(trx), { actor, action: 'approval.propose', target: { type: 'approval', id: a.id }, details: { category: a.category, carriers: a.carriers, criteria: a.criteria.length, start: a.start, end: a.end } });
    return fromRow(row);
  });
}

export type Decision = 'approve' | 'reject';

/** The commission's decision on a proposed approval; approving makes its pseudonym key. */
export async function decideApproval(db: Kysely<Database>, actor: Actor, id: string, decision: Decision, reason: string): Promise<StoredApproval> {
  return view(db).transaction().execute(async (trx) => {
    const cur = await trx.selectFrom('approvals').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!cur) throw notFound('approval', id);
    if (cur.status !== 'proposed') throw new AcdError('APPROVAL_NOT_PROPOSED', `approval ${id} is ${cur.status}: only a proposed approval can be decided`, { status: 409 });
    if (decision === 'approve' && new Date(cur.end_at).getTime() <= Date.now()) {
      throw new AcdError('APPROVAL_EXPIRED', `approval ${id} ends ${new Date(cur.end_at).toISOString()}, which has passed`, { status: 409 });
    }
    const status = decision === 'approve' ? 'approved' : 'rejected';
    const row = await trx
      .updateTable('approvals')
      .set({ status, decided_by: actor.userId, decided_at: new Date(), decision_reason: reason, version: cur.version + 1 })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (status === 'approved') {
      await trx
        .insertInto('pseudonym_keys')
        .values({ id: `key-${id}`, key_bytes: new Uint8Array(randomBytes(32)), valid_from: cur.start_at, valid_to: cur.end_at, approval_id: id, created_at: new Date() })
        .execute();
    }
    await recordAudit(base(trx), { actor, action: `approval.${decision}`, target: { type: 'approval', id }, reason, basis: id });
    return fromRow(row);
  });
}

/** Ends an approval in force before its end time (a decision of the commission). */
export async function endApproval(db: Kysely<Database>, actor: Actor, id: string, reason: string): Promise<StoredApproval> {
  return view(db).transaction().execute(async (trx) => {
    const cur = await trx.selectFrom('approvals').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!cur) throw notFound('approval', id);
    if (cur.status !== 'approved') throw new AcdError('APPROVAL_NOT_IN_FORCE', `approval ${id} is ${cur.status}: only an approved one can be ended`, { status: 409 });
    const now = new Date();
    const end = new Date(Math.min(now.getTime(), new Date(cur.end_at).getTime()));
    const row = await trx
      .updateTable('approvals')
      .set({ status: 'ended', end_at: end > new Date(cur.start_at) ? end : new Date(new Date(cur.start_at).getTime() + 1), version: cur.version + 1 })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(base(trx), { actor, action: 'approval.end', target: { type: 'approval', id }, reason, basis: id });
    return fromRow(row);
  });
}

export async function listApprovals(db: Kysely<Database>, status?: ApprovalStatus): Promise<StoredApproval[]> {
  let q = view(db).selectFrom('approvals').selectAll().orderBy('created_at', 'desc');
  if (status) q = q.where('status', '=', status);
  return (await q.execute()).map(fromRow);
}

export async function getApproval(db: Kysely<Database>, id: string): Promise<StoredApproval> {
  const r = await view(db).selectFrom('approvals').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound('approval', id);
  return fromRow(r);
}

/** Every pseudonym key, for the gate (never served by the API). */
export async function loadPseudonymKeys(db: Kysely<Database>): Promise<PseudonymKey[]> {
  const rows = await view(db).selectFrom('pseudonym_keys').selectAll().orderBy('valid_from').execute();
  return rows.map((r) => ({
    id: r.id,
    key: new Uint8Array(r.key_bytes),
    validFrom: new Date(r.valid_from).getTime(),
    validTo: new Date(r.valid_to).getTime(),
    ...(r.approval_id ? { approvalId: r.approval_id } : {}),
  }));
}
