/**
 * The audit interface: the one function every part calls for every state change and every read of
 * sensitive data — who, what, when, on what, why, and the approval or decision it rests on.
 * Here it appends to the append-only `audit_events` table (the database refuses UPDATE and DELETE);
 * the Merkle log of "Oversight" is built over the same rows.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database, AuditEvent } from '../store/index.js';
import { batchInsert } from '../store/index.js';
import type { Actor } from '../shared/roles.js';

export interface AuditInput {
  /** who; null for an unauthenticated attempt (e.g. a failed login) */
  actor: Actor | null;
  /** what was done, dotted: 'user.create', 'auth.login', 'approval.decide', 'report.read' … */
  action: string;
  /** on what */
  target: { type: string; id?: string | null };
  /** why: the reason given, where there is one */
  reason?: string | null;
  /** the id of the approval or decision the act rests on */
  basis?: string | null;
  /** further facts; never secrets, never flow content */
  details?: Record<string, unknown>;
  at?: Date;
}

type Db = Kysely<Database> | Transaction<Database>;

const COLUMNS = [
  { name: 'at', type: 'timestamptz' },
  { name: 'actor_user_id', type: 'text' },
  { name: 'actor_org_id', type: 'text' },
  { name: 'actor_roles', type: 'text[]' },
  { name: 'action', type: 'text' },
  { name: 'target_type', type: 'text' },
  { name: 'target_id', type: 'text' },
  { name: 'reason', type: 'text' },
  { name: 'basis_id', type: 'text' },
  { name: 'details', type: 'jsonb' },
];

function row(e: AuditInput): unknown[] {
  return [
    e.at ?? new Date(),
    e.actor?.userId ?? null,
    e.actor?.orgId ?? null,
    e.actor?.roles ?? [],
    e.action,
    e.target.type,
    e.target.id ?? null,
    e.reason ?? null,
    e.basis ?? null,
    e.details ?? {},
  ];
}

/** Records one audit event; pass the transaction of the change so both commit or neither does. */
export async function recordAudit(db: Db, event: AuditInput): Promise<void> {
  await recordAuditBatch(db, [event]);
}

/** Records many events in one statement (e.g. reads of many items, gate statistics). */
export async function recordAuditBatch(db: Db, events: AuditInput[]): Promise<void> {
  if (events.length === 0) return;
  await batchInsert(db, 'audit_events', COLUMNS, events.map(row));
}

export interface AuditQuery {
  afterSeq?: number;
  limit?: number;
  action?: string;
  actorUserId?: string;
}

export async function listAudit(db: Db, q: AuditQuery = {}): Promise<AuditEvent[]> {
  let query = db.selectFrom('audit_events').selectAll().orderBy('seq', 'asc').limit(Math.min(q.limit ?? 100, 1000));
  if (q.afterSeq !== undefined) query = query.where('seq', '>', q.afterSeq);
  if (q.action) query = query.where('action', '=', q.action);
  if (q.actorUserId) query = query.where('actor_user_id', '=', q.actorUserId);
  return query.execute();
}
