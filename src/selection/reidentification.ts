/**
 * Re-identification: the one way from a pseudonym back to an address, a privileged operation apart
 * from everything else. An agency lead requests it (the pseudonyms, the key they were made with or the
 * approval whose key it is, the finding or operation it is for, and why); a commission member approves
 * or rejects it with reasons; only then may the requester's organisation resolve it, once, within the
 * validity the decision gives (default 60 minutes). Resolving reads the key from the same
 * `pseudonym_keys` table the gate's pseudonymiser is loaded from, calls `depseudonymise` with the
 * decision's id, and audits who resolved which pseudonyms under which decision. The addresses are
 * returned to the caller and written nowhere: not to the table, not to the audit log, not to a log.
 * Every refused resolution is audited too.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { Type, type Static } from '@sinclair/typebox';
import { withTables, type Database } from '../store/index.js';
import { recordAudit } from '../oversight/index.js';
import type { Actor } from '../auth/index.js';
import { AcdError, notFound } from '../shared/errors.js';
import { parseIpv4, parseIpv6 } from '../flow/index.js';
import { IdSchema, parseTime, schemaErrors } from './approvals.js';
import { createPseudonymiser, depseudonymise, type PseudonymKey } from './pseudonymiser.js';
import type { ReidentificationTable, SelectionTables } from './tables.js';

type Db = Kysely<Database & SelectionTables>;
const view = (db: Kysely<Database>): Db => withTables<SelectionTables>(db);
const base = (t: unknown): Kysely<Database> => t as Kysely<Database>;

export const REIDENTIFICATION_STATUSES = ['proposed', 'approved', 'rejected', 'resolved'] as const;
export type ReidentificationStatus = (typeof REIDENTIFICATION_STATUSES)[number];
export const PURPOSE_KINDS = ['finding', 'operation', 'selected_flows'] as const;
/** minutes an approved request may be resolved in, when the decision names none */
export const DEFAULT_VALID_MINUTES = 60;
export const MAX_VALID_MINUTES = 24 * 60;
export const MAX_PSEUDONYMS = 100;

export const ReidentificationRequestSchema = Type.Object(
  {
    /** IPv4 or IPv6 pseudonyms as the gate wrote them */
    pseudonyms: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: MAX_PSEUDONYMS }),
    /** the pseudonym key they were made with (selected flows name it: key_id) */
    keyId: Type.Optional(IdSchema),
    /** or the approval whose key it is (the key bound to it; `at` picks one when keys rotated) */
    approvalId: Type.Optional(IdSchema),
    /** ISO 8601 time of the flow or finding, to pick among an approval's keys */
    at: Type.Optional(Type.String({ maxLength: 64 })),
    purpose: Type.Object(
      { kind: Type.Union(PURPOSE_KINDS.map((k) => Type.Literal(k))), ref: Type.String({ minLength: 1, maxLength: 512 }) },
      { additionalProperties: false, description: 'the finding (its key), operation (its id) or approval whose selected flows it is for' },
    ),
    justification: Type.String({ minLength: 10, maxLength: 4000 }),
  },
  { additionalProperties: false },
);
export type ReidentificationRequestInput = Static<typeof ReidentificationRequestSchema>;

export const ReidentificationDecisionSchema = Type.Object(
  {
    decision: Type.Union([Type.Literal('approve'), Type.Literal('reject')]),
    reason: Type.String({ minLength: 3, maxLength: 4000 }),
    /** how long the requester has to resolve an approved request (default 60) */
    validForMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_VALID_MINUTES })),
  },
  { additionalProperties: false },
);
export type ReidentificationDecisionInput = Static<typeof ReidentificationDecisionSchema>;

export interface StoredReidentification {
  id: string;
  pseudonyms: string[];
  keyId: string;
  approvalId: string | null;
  purpose: { kind: (typeof PURPOSE_KINDS)[number]; ref: string };
  justification: string;
  status: ReidentificationStatus;
  requestedBy: string;
  requestedOrg: string;
  decisionId: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
  validUntil: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  createdAt: string;
  version: number;
}

export const StoredReidentificationSchema = Type.Object({
  id: Type.String(),
  pseudonyms: Type.Array(Type.String()),
  keyId: Type.String(),
  approvalId: Type.Union([Type.String(), Type.Null()]),
  purpose: Type.Object({ kind: Type.String(), ref: Type.String() }),
  justification: Type.String(),
  status: Type.Union(REIDENTIFICATION_STATUSES.map((s) => Type.Literal(s))),
  requestedBy: Type.String(),
  requestedOrg: Type.String(),
  decisionId: Type.Union([Type.String(), Type.Null()]),
  decidedBy: Type.Union([Type.String(), Type.Null()]),
  decidedAt: Type.Union([Type.String(), Type.Null()]),
  decisionReason: Type.Union([Type.String(), Type.Null()]),
  validUntil: Type.Union([Type.String(), Type.Null()]),
  resolvedBy: Type.Union([Type.String(), Type.Null()]),
  resolvedAt: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  version: Type.Integer(),
});

export interface Resolution {
  request: StoredReidentification;
  /** in the order of the request's pseudonyms */
  results: Array<{ pseudonym: string; address: string }>;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

function fromRow(r: Selectable<ReidentificationTable>): StoredReidentification {
  return {
    id: r.id,
    pseudonyms: r.pseudonyms,
    keyId: r.key_id,
    approvalId: r.approval_id,
    purpose: { kind: r.purpose_kind as StoredReidentification['purpose']['kind'], ref: r.purpose_ref },
    justification: r.justification,
    status: r.status as ReidentificationStatus,
    requestedBy: r.requested_by,
    requestedOrg: r.requested_org,
    decisionId: r.decision_id,
    decidedBy: r.decided_by,
    decidedAt: iso(r.decided_at),
    decisionReason: r.decision_reason,
    validUntil: iso(r.valid_until),
    resolvedBy: r.resolved_by,
    resolvedAt: iso(r.resolved_at),
    createdAt: iso(r.created_at)!,
    version: r.version,
  };
}

/** Every problem with a request, each naming its field ("reidentification.pseudonyms[1]: …"). */
export function reidentificationErrors(input: unknown): string[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return ['reidentification: must be an object'];
  const errs = schemaErrors('reidentification', ReidentificationRequestSchema, input);
  const r = input as Partial<ReidentificationRequestInput>;
  if (Array.isArray(r.pseudonyms)) {
    r.pseudonyms.forEach((p: unknown, i) => {
      if (typeof p === 'string' && p.length <= 64 && parseIpv4(p) < 0 && !parseIpv6(p)) {
        errs.push(`reidentification.pseudonyms[${i}]: '${p}' is not an IPv4 or IPv6 address`);
      }
    });
  }
  if (r.keyId === undefined && r.approvalId === undefined) errs.push('reidentification.keyId: is required (or name the approvalId whose key it is)');
  if (typeof r.at === 'string' && Number.isNaN(parseTime(r.at))) errs.push(`reidentification.at: '${r.at}' is not an ISO 8601 date-time with a zone`);
  return errs;
}

function keyOf(row: { id: string; key_bytes: Uint8Array; valid_from: Date | string; valid_to: Date | string; approval_id: string | null }): PseudonymKey {
  return {
    id: row.id,
    key: new Uint8Array(row.key_bytes),
    validFrom: new Date(row.valid_from).getTime(),
    validTo: new Date(row.valid_to).getTime(),
    ...(row.approval_id ? { approvalId: row.approval_id } : {}),
  };
}

/** An agency lead's request. Throws 400 naming the field, 404 for an unknown key or approval. */
export async function requestReidentification(db: Kysely<Database>, actor: Actor, input: unknown): Promise<StoredReidentification> {
  const errs = reidentificationErrors(input);
  if (errs.length) throw new AcdError('REIDENTIFY_INVALID', errs[0]!, { details: errs });
  const r = input as ReidentificationRequestInput;
  return view(db).transaction().execute(async (trx) => {
    let keyId: string;
    let approvalId: string | null = r.approvalId ?? null;
    if (r.keyId !== undefined) {
      const k = await trx.selectFrom('pseudonym_keys').select(['id', 'approval_id']).where('id', '=', r.keyId).executeTakeFirst();
      if (!k) throw new AcdError('REIDENTIFY_NO_KEY', `reidentification.keyId: pseudonym key ${r.keyId} does not exist`, { status: 404 });
      if (approvalId !== null && k.approval_id !== approvalId) {
        throw new AcdError('REIDENTIFY_INVALID', `reidentification.keyId: key ${r.keyId} is not bound to approval ${approvalId}`);
      }
      keyId = k.id;
      approvalId = k.approval_id;
    } else {
      const a = await trx.selectFrom('approvals').select('id').where('id', '=', approvalId!).executeTakeFirst();
      if (!a) throw new AcdError('REIDENTIFY_NO_APPROVAL', `reidentification.approvalId: approval ${approvalId} does not exist`, { status: 404 });
      let q = trx.selectFrom('pseudonym_keys').select(['id', 'valid_from', 'valid_to']).where('approval_id', '=', approvalId!);
      if (r.at !== undefined) q = q.where('valid_from', '<=', new Date(parseTime(r.at))).where('valid_to', '>', new Date(parseTime(r.at)));
      const keys = await q.execute();
      if (keys.length === 0) {
        throw new AcdError('REIDENTIFY_NO_KEY', `reidentification.approvalId: approval ${approvalId} has no pseudonym key${r.at ? ` valid at ${r.at}` : ' (it was never approved)'}`, { status: 404 });
      }
      if (keys.length > 1) throw new AcdError('REIDENTIFY_INVALID', `reidentification.keyId: approval ${approvalId} has ${keys.length} keys (rotated); name the keyId or the time (at)`);
      keyId = keys[0]!.id;
    }
    const id = randomUUID();
    const row = await trx
      .insertInto('reidentification_requests')
      .values({
        id,
        pseudonyms: r.pseudonyms,
        key_id: keyId,
        approval_id: approvalId,
        purpose_kind: r.purpose.kind,
        purpose_ref: r.purpose.ref,
        justification: r.justification,
        status: 'proposed',
        requested_by: actor.userId,
        requested_org: actor.orgId,
        decision_id: null,
        decided_by: null,
        decided_at: null,
        decision_reason: null,
        valid_until: null,
        resolved_by: null,
        resolved_at: null,
        created_at: new Date(),
        version: 1,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(base(trx), {
      actor,
      action: 'reidentification.request',
      target: { type: 'reidentification', id },
      reason: r.justification,
      ...(approvalId ? { basis: approvalId } : {}),
      details: { keyId, pseudonyms: r.pseudonyms, purpose: r.purpose },
    });
    return fromRow(row);
  });
}

/** The commission's decision. An approval gets a decision id and a validity window. */
export async function decideReidentification(
  db: Kysely<Database>,
  actor: Actor,
  id: string,
  input: ReidentificationDecisionInput,
  now: Date = new Date(),
): Promise<StoredReidentification> {
  const errs = schemaErrors('decision', ReidentificationDecisionSchema, input);
  if (errs.length) throw new AcdError('REIDENTIFY_INVALID', errs[0]!, { details: errs });
  return view(db).transaction().execute(async (trx) => {
    const cur = await trx.selectFrom('reidentification_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!cur) throw notFound('re-identification request', id);
    if (cur.status !== 'proposed') {
      throw new AcdError('REIDENTIFY_DECIDED', `re-identification request ${id} is ${cur.status}: only a proposed request can be decided`, { status: 409 });
    }
    const approve = input.decision === 'approve';
    const decisionId = approve ? `reid-${randomUUID()}` : null;
    const validUntil = approve ? new Date(now.getTime() + (input.validForMinutes ?? DEFAULT_VALID_MINUTES) * 60_000) : null;
    const row = await trx
      .updateTable('reidentification_requests')
      .set({
        status: approve ? 'approved' : 'rejected',
        decision_id: decisionId,
        decided_by: actor.userId,
        decided_at: now,
        decision_reason: input.reason,
        valid_until: validUntil,
        version: cur.version + 1,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(base(trx), {
      actor,
      action: `reidentification.${input.decision}`,
      target: { type: 'reidentification', id },
      reason: input.reason,
      basis: decisionId ?? id,
      details: { keyId: cur.key_id, pseudonyms: cur.pseudonyms.length, ...(validUntil ? { validUntil: validUntil.toISOString() } : {}) },
    });
    return fromRow(row);
  });
}

/**
 * Resolves an approved request: once, by the requester's organisation, before it expires. Returns the
 * addresses; the audit entry names the decision, the key and the pseudonyms, never an address.
 * Refusals: 403 not decided / rejected / another organisation, 409 used, 410 expired, 404 key gone.
 */
export async function resolveReidentification(db: Kysely<Database>, actor: Actor, id: string, now: Date = new Date()): Promise<Resolution> {
  try {
    return await view(db).transaction().execute(async (trx) => {
      const cur = await trx.selectFrom('reidentification_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!cur) throw notFound('re-identification request', id);
      if (cur.requested_org !== actor.orgId) {
        throw new AcdError('REIDENTIFY_OTHER_ORG', `re-identification request ${id} was made by another organisation; only it may resolve it`, { status: 403 });
      }
      if (cur.status === 'proposed') {
        throw new AcdError('REIDENTIFY_NO_DECISION', `re-identification request ${id} has no commission decision yet`, { status: 403 });
      }
      if (cur.status === 'rejected') {
        throw new AcdError('REIDENTIFY_REJECTED', `re-identification request ${id} was rejected by the commission: ${cur.decision_reason ?? ''}`, { status: 403 });
      }
      if (cur.status === 'resolved') {
        throw new AcdError('REIDENTIFY_USED', `re-identification request ${id} was resolved already (${iso(cur.resolved_at)}); a decision allows one resolution`, { status: 409 });
      }
      if (!cur.valid_until || new Date(cur.valid_until).getTime() <= now.getTime() || !cur.decision_id) {
        throw new AcdError('REIDENTIFY_EXPIRED', `re-identification request ${id} could be resolved until ${iso(cur.valid_until)}; ask again`, { status: 410 });
      }
      const k = await trx.selectFrom('pseudonym_keys').selectAll().where('id', '=', cur.key_id).executeTakeFirst();
      if (!k) throw new AcdError('REIDENTIFY_NO_KEY', `pseudonym key ${cur.key_id} of re-identification request ${id} no longer exists (purged)`, { status: 404 });
      const p = createPseudonymiser({ keys: [keyOf(k)], cache: { cache: false } });
      const results = cur.pseudonyms.map((pseudonym) => {
        const r = depseudonymise(p, { keyId: cur.key_id, pseudonym, decisionId: cur.decision_id! });
        return { pseudonym: r.pseudonym, address: r.address };
      });
      const row = await trx
        .updateTable('reidentification_requests')
        .set({ status: 'resolved', resolved_by: actor.userId, resolved_at: now, version: cur.version + 1 })
        .where('id', '=', id)
        .where('status', '=', 'approved')
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAudit(base(trx), {
        actor,
        action: 'reidentification.resolve',
        target: { type: 'reidentification', id },
        basis: cur.decision_id,
        details: { keyId: cur.key_id, pseudonyms: cur.pseudonyms, purpose: { kind: cur.purpose_kind, ref: cur.purpose_ref } },
      });
      return { request: fromRow(row), results };
    });
  } catch (e) {
    if (e instanceof AcdError && e.code.startsWith('REIDENTIFY_')) {
      await recordAudit(db, { actor, action: 'reidentification.resolve.refused', target: { type: 'reidentification', id }, details: { code: e.code, status: e.status } });
    }
    throw e;
  }
}

export async function listReidentifications(db: Kysely<Database>, status?: ReidentificationStatus): Promise<StoredReidentification[]> {
  let q = view(db).selectFrom('reidentification_requests').selectAll().orderBy('created_at', 'desc');
  if (status) q = q.where('status', '=', status);
  return (await q.execute()).map(fromRow);
}

export async function getReidentification(db: Kysely<Database>, id: string): Promise<StoredReidentification> {
  const r = await view(db).selectFrom('reidentification_requests').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound('re-identification request', id);
  return fromRow(r);
}
