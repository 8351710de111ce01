/**
 * Tenancy of reports and systems: an operator sees its own organisation's, a ministry the sectors
 * it is linked to, the agency's analysts everything, everyone else nothing. Refusals for an item one
 * may not see are 404s, so they do not tell that it exists.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/index.js';
import { withTables } from '../store/index.js';
import type { Actor } from '../auth/index.js';
import type { ReportsTables } from './tables.js';
import { reportsError } from './errors.js';

export type RDb = Kysely<Database & ReportsTables> | Transaction<Database & ReportsTables>;
export type AnyDb = Kysely<Database> | Transaction<Database>;

export const rdb = (db: AnyDb): RDb => withTables<ReportsTables>(db as Kysely<Database>);

export type Scope =
  | { kind: 'all' }
  | { kind: 'org'; orgId: string }
  | { kind: 'sectors'; sectors: string[] }
  | { kind: 'none' };

const AGENCY_ROLES = ['agency_analyst', 'agency_lead'] as const;

export async function scopeOf(db: AnyDb, actor: Actor): Promise<Scope> {
  if (actor.via === 'system') return { kind: 'all' };
  if (actor.orgKind === 'agency' && actor.roles.some((r) => (AGENCY_ROLES as readonly string[]).includes(r))) return { kind: 'all' };
  if (actor.orgKind === 'operator' && actor.roles.includes('operator')) return { kind: 'org', orgId: actor.orgId };
  if (actor.orgKind === 'ministry' && actor.roles.includes('agency_analyst')) {
    const rows = await rdb(db).selectFrom('sector_ministries').select('sector').where('org_id', '=', actor.orgId).execute();
    return rows.length ? { kind: 'sectors', sectors: rows.map((r) => r.sector) } : { kind: 'none' };
  }
  return { kind: 'none' };
}

/** Whether an item of this organisation and sector is visible in the scope. */
export function inScope(scope: Scope, orgId: string, sector: string): boolean {
  switch (scope.kind) {
    case 'all':
      return true;
    case 'org':
      return scope.orgId === orgId;
    case 'sectors':
      return scope.sectors.includes(sector);
    case 'none':
      return false;
  }
}

/** A recipient of reports (the agency or a ministry), as opposed to the operator who files them. */
export function isRecipient(scope: Scope): boolean {
  return scope.kind === 'all' || scope.kind === 'sectors';
}

export function requireOperator(actor: Actor, what: string): void {
  if (actor.orgKind !== 'operator' || !actor.roles.includes('operator')) {
    throw reportsError('OPERATOR_ONLY', `${what} is done by the operator's own people`, { status: 403 });
  }
}

/** The same connection or transaction, typed as the foundation's (for recordAudit). */
export const base = (db: RDb | AnyDb): Kysely<Database> => db as unknown as Kysely<Database>;
