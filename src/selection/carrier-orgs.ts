/**
 * The carrier registry (#22): which carrier organisation each carrier (or link) id of the gate belongs
 * to. Approvals and the gate's counts name carrier ids; people belong to organisations. The administrator
 * assigns ids to a carrier organisation (audited, with the ids before and after); a carrier's people then
 * read the approvals covering their own ids and their own counts — never another carrier's: the ids of
 * other carriers named in the same approval are left out, and the criteria (whom the agency selects)
 * are not shown to carriers at all.
 */
import { sql, type Kysely } from 'kysely';
import { withTables, type Database } from '../store/index.js';
import { recordAudit } from '../oversight/index.js';
import type { Actor } from '../auth/index.js';
import { AcdError, forbidden, notFound } from '../shared/errors.js';
import { listApprovals } from './approval-store.js';
import { selectionError } from './errors.js';
import { countryText, loadCountryTable4, loadCountryTable6 } from './geodata.js';
import { createAsnLookup } from './scope.js';
import { parseIpv4, parseIpv6 } from '../flow/index.js';
import type { SelectionTables } from './tables.js';

type Db = Kysely<Database & SelectionTables>;
const view = (db: Kysely<Database>): Db => withTables<SelectionTables>(db);
const base = (t: unknown): Kysely<Database> => t as Kysely<Database>;

/** a carrier or link id as approvals and `exporterCarriers` write it */
export const CARRIER_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;

export interface CarrierMapping {
  carrierId: string;
  orgId: string;
  assignedBy: string;
  assignedAt: string;
}

/** the carrier ids assigned to an organisation, sorted */
export async function carrierIdsOf(db: Kysely<Database>, orgId: string): Promise<string[]> {
  const rows = await view(db).selectFrom('carrier_orgs').select('carrier_id').where('org_id', '=', orgId).orderBy('carrier_id').execute();
  return rows.map((r) => r.carrier_id);
}

function requireAdmin(actor: Actor, what: string): void {
  if (actor.via !== 'system' && !actor.roles.includes('admin')) throw forbidden(`${what} refused for ${actor.username}: the administrator assigns carrier ids`);
}

/** every assignment (administrators) */
export async function listCarrierMappings(db: Kysely<Database>, actor: Actor): Promise<CarrierMapping[]> {
  requireAdmin(actor, 'reading the carrier registry');
  const rows = await view(db).selectFrom('carrier_orgs').selectAll().orderBy('carrier_id').execute();
  return rows.map((r) => ({ carrierId: r.carrier_id, orgId: r.org_id, assignedBy: r.assigned_by, assignedAt: new Date(r.assigned_at).toISOString() }));
}

/**
 * Replaces the carrier ids of a carrier organisation. Refused (naming the id) when an id is malformed,
 * listed twice or already another organisation's; audited with the ids before and after.
 */
export async function setCarrierIds(db: Kysely<Database>, actor: Actor, orgId: string, ids: readonly string[], reason: string, now = new Date()): Promise<string[]> {
  requireAdmin(actor, 'assigning carrier ids');
  if (!reason.trim()) throw new AcdError('FIELD_REQUIRED', 'reason: say why the carrier ids change');
  if (ids.length > 1000) throw selectionError('CARRIER_IDS_TOO_MANY', `carrierIds: ${ids.length} ids; 1000 at most`);
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (typeof id !== 'string' || id.length > 128 || !CARRIER_ID.test(id)) throw selectionError('CARRIER_ID_BAD', `carrierIds[${i}]: ${JSON.stringify(id)} is not a carrier id (letters, digits, . _ : / -; 128 characters at most)`);
    if (seen.has(id)) throw selectionError('CARRIER_ID_BAD', `carrierIds[${i}]: ${id} is listed twice`);
    seen.add(id);
  });
  return view(db).transaction().execute(async (trx) => {
    const org = await trx.selectFrom('organisations').select(['id', 'kind']).where('id', '=', orgId).executeTakeFirst();
    if (!org) throw notFound('organisation', orgId);
    if (org.kind !== 'carrier') throw selectionError('NOT_A_CARRIER', `organisation ${orgId} is of kind ${org.kind}: carrier ids are assigned to carrier organisations only`, { status: 409 });
    if (ids.length) {
      const taken = await trx.selectFrom('carrier_orgs').select(['carrier_id', 'org_id']).where('carrier_id', 'in', [...ids]).where('org_id', '<>', orgId).execute();
      if (taken.length) throw selectionError('CARRIER_ID_TAKEN', `carrierIds: ${taken.map((t) => t.carrier_id).join(', ')} already belong to another organisation (${taken[0]!.org_id}); unassign them there first`, { status: 409 });
    }
    const before = (await trx.selectFrom('carrier_orgs').select('carrier_id').where('org_id', '=', orgId).orderBy('carrier_id').execute()).map((r) => r.carrier_id);
    await trx.deleteFrom('carrier_orgs').where('org_id', '=', orgId).execute();
    if (ids.length) await trx.insertInto('carrier_orgs').values(ids.map((id) => ({ carrier_id: id, org_id: orgId, assigned_by: actor.userId, assigned_at: now }))).execute();
    const after = [...ids].sort();
    await recordAudit(base(trx), { actor, action: 'carrier.mapping.set', target: { type: 'organisation', id: orgId }, reason, details: { before, after }, at: now });
    return after;
  });
}

export interface CarrierApprovalView {
  id: string;
  category: string;
  status: string;
  start: string;
  end: string;
  decidedAt: string | null;
  /** this carrier's ids the approval names (other carriers' ids are left out) */
  links: string[];
  /** flows selected under the approval on this carrier's links in the window */
  selected: number;
}

export interface CarrierCounts {
  carrier: string;
  received: number;
  outOfScope: number;
  noApproval: number;
  selected: number;
  discarded: number;
}

export interface CarrierOverview {
  orgId: string;
  carrierIds: string[];
  since: string;
  approvals: CarrierApprovalView[];
  counts: CarrierCounts[];
  totals: Omit<CarrierCounts, 'carrier'>;
}

const ZERO = (): Omit<CarrierCounts, 'carrier'> => ({ received: 0, outOfScope: 0, noApproval: 0, selected: 0, discarded: 0 });
type Counted = keyof ReturnType<typeof ZERO>;
const COUNTED = new Set<string>(['received', 'outOfScope', 'noApproval', 'selected', 'discarded']);

/**
 * What a carrier organisation may know of the gate: the approvals naming its ids (proposed, approved,
 * ended…) and its flows counted since `hours` ago. Only people of a carrier organisation with the
 * carrier role; the read is audited.
 */
export async function carrierOverview(db: Kysely<Database>, actor: Actor, opts: { hours?: number } = {}, now = new Date()): Promise<CarrierOverview> {
  if (actor.orgKind !== 'carrier' || !actor.roles.includes('carrier')) {
    await recordAudit(db, { actor, action: 'carrier.overview.refused', target: { type: 'organisation', id: actor.orgId }, reason: 'not a carrier organisation', at: now });
    throw forbidden(`the carrier overview is for people of a carrier organisation (${actor.username} is of an organisation of kind ${actor.orgKind})`);
  }
  const hours = Math.min(Math.max(Math.trunc(opts.hours ?? 24), 1), 24 * 366);
  const since = new Date(now.getTime() - hours * 3_600_000);
  const ids = await carrierIdsOf(db, actor.orgId);
  const mine = new Set(ids);
  const counts = new Map<string, CarrierCounts>(ids.map((c) => [c, { carrier: c, ...ZERO() }]));
  const perApproval = new Map<string, number>();
  if (ids.length) {
    const rows = await view(db)
      .selectFrom('gate_counts')
      .select(['carrier', 'approval_id', 'metric', sql<string>`sum(count)`.as('n')])
      .where('carrier', 'in', ids)
      .where('hour', '>=', since)
      .groupBy(['carrier', 'approval_id', 'metric'])
      .execute();
    for (const r of rows) {
      const n = Number(r.n);
      if (r.approval_id === '') {
        if (COUNTED.has(r.metric)) counts.get(r.carrier)![r.metric as Counted] += n;
      } else if (r.metric === 'selected') perApproval.set(r.approval_id, (perApproval.get(r.approval_id) ?? 0) + n);
    }
  }
  const approvals = ids.length
    ? (await listApprovals(db))
        .filter((a) => a.carriers.some((c) => mine.has(c)))
        .map((a) => ({ id: a.id, category: a.category, status: a.status, start: a.start, end: a.end, decidedAt: a.decidedAt, links: a.carriers.filter((c) => mine.has(c)), selected: perApproval.get(a.id) ?? 0 }))
    : [];
  const totals = ZERO();
  for (const c of counts.values()) for (const k of Object.keys(totals) as Counted[]) totals[k] += c[k];
  await recordAudit(db, { actor, action: 'carrier.overview.read', target: { type: 'organisation', id: actor.orgId }, details: { carrierIds: ids.length, approvals: approvals.length, hours }, at: now });
  return { orgId: actor.orgId, carrierIds: ids, since: since.toISOString(), approvals, counts: [...counts.values()], totals };
}

// ---- flow exploration for the agency (#22): top-N over the selected flows, aggregates only ----

export const TOP_DIMENSIONS = ['external', 'port', 'carrier', 'category', 'as', 'country'] as const;
export type TopDimension = (typeof TOP_DIMENSIONS)[number];

export interface TopRow {
  key: string;
  flows: number;
  packets: number;
  bytes: number;
}

/**
 * The top `limit` values of one dimension of the flows selected since `hours` ago, by bytes: the
 * external (foreign, never pseudonymised) address, its port and protocol, the carrier, the category.
 * Only what the gate kept under an approval exists to count; no flow record is returned. Agency
 * analysts and leads; audited. `as` and `country` group the external addresses by their AS number
 * (@ip-location-db/asn: 'AS15169') and country (DB-IP country lite: 'JP'), looked up here per distinct
 * external address of the window; an address the data does not place is counted under 'unknown'.
 */
export async function topSelected(db: Kysely<Database>, actor: Actor, q: { by: TopDimension; hours?: number; limit?: number }, now = new Date()): Promise<{ by: TopDimension; since: string; rows: TopRow[]; total: TopRow }> {
  if (actor.orgKind !== 'agency' || !(actor.roles.includes('agency_analyst') || actor.roles.includes('agency_lead'))) throw forbidden('flow exploration is for the agency\'s analysts and leads');
  if (!(TOP_DIMENSIONS as readonly string[]).includes(q.by)) throw selectionError('FLOWS_BAD_DIMENSION', `by: ${String(q.by)} is not one of ${TOP_DIMENSIONS.join(', ')}`);
  const hours = Math.min(Math.max(Math.trunc(q.hours ?? 24), 1), 24 * 366);
  const limit = Math.min(Math.max(Math.trunc(q.limit ?? 10), 1), 100);
  const since = new Date(now.getTime() - hours * 3_600_000);
  if (q.by === 'as' || q.by === 'country') return topByPlace(db, actor, q.by, since, hours, limit, now);
  const key = {
    external: sql<string>`host(case when src_pseudonym then dst else src end)`,
    port: sql<string>`(case when src_pseudonym then dst_port else src_port end)::text || '/' || proto::text`,
    carrier: sql<string>`carrier`,
    category: sql<string>`category`,
  }[q.by];
  const rows = await sql<{ key: string; flows: string; packets: string; bytes: string }>`
    select ${key} as key, count(*) as flows, sum(packets) as packets, sum(bytes) as bytes
    from selected_flows where end_at >= ${since} group by 1 order by sum(bytes) desc, 1 limit ${limit}`.execute(db);
  const total = await sql<{ flows: string; packets: string | null; bytes: string | null }>`
    select count(*) as flows, sum(packets) as packets, sum(bytes) as bytes from selected_flows where end_at >= ${since}`.execute(db);
  const t = total.rows[0];
  await recordAudit(db, { actor, action: 'flows.top.read', target: { type: 'selected_flows' }, details: { by: q.by, hours, limit, rows: rows.rows.length }, at: now });
  return {
    by: q.by,
    since: since.toISOString(),
    rows: rows.rows.map((r) => ({ key: String(r.key), flows: Number(r.flows), packets: Number(r.packets), bytes: Number(r.bytes) })),
    total: { key: 'total', flows: Number(t?.flows ?? 0), packets: Number(t?.packets ?? 0), bytes: Number(t?.bytes ?? 0) },
  };
}

let asnLookup: ReturnType<typeof createAsnLookup> | null = null;

/** the AS ('AS15169') or the country ('US') of an external address, 'unknown' where the data has none */
export function placeOf(by: 'as' | 'country', address: string): string {
  if (address.includes(':')) {
    const b = parseIpv6(address);
    if (!b) return 'unknown';
    if (by === 'as') {
      const as = (asnLookup ??= createAsnLookup()).asn6(b);
      return as > 0 ? `AS${as}` : 'unknown';
    }
    const t = loadCountryTable6();
    const i = t.v6.find(b);
    return i < 0 || t.v6cc[i] === 0 ? 'unknown' : countryText(t.v6cc[i]!);
  }
  const a = parseIpv4(address);
  if (a < 0) return 'unknown';
  if (by === 'as') {
    const as = (asnLookup ??= createAsnLookup()).asn4(a >>> 0);
    return as > 0 ? `AS${as}` : 'unknown';
  }
  const t = loadCountryTable4();
  const i = t.v4.find(a >>> 0);
  return i < 0 || t.v4cc[i] === 0 ? 'unknown' : countryText(t.v4cc[i]!);
}

/** top AS or country: the window's sums per distinct external address from the database, grouped here */
async function topByPlace(db: Kysely<Database>, actor: Actor, by: 'as' | 'country', since: Date, hours: number, limit: number, now: Date): Promise<{ by: TopDimension; since: string; rows: TopRow[]; total: TopRow }> {
  const perAddress = await sql<{ key: string; flows: string; packets: string | null; bytes: string | null }>`
    select host(case when src_pseudonym then dst else src end) as key, count(*) as flows, sum(packets) as packets, sum(bytes) as bytes
    from selected_flows where end_at >= ${since} group by 1`.execute(db);
  const groups = new Map<string, TopRow>();
  const total: TopRow = { key: 'total', flows: 0, packets: 0, bytes: 0 };
  for (const r of perAddress.rows) {
    const key = placeOf(by, String(r.key));
    const g = groups.get(key) ?? { key, flows: 0, packets: 0, bytes: 0 };
    const [f, p, b] = [Number(r.flows), Number(r.packets ?? 0), Number(r.bytes ?? 0)];
    g.flows += f; g.packets += p; g.bytes += b;
    total.flows += f; total.packets += p; total.bytes += b;
    groups.set(key, g);
  }
  const rows = [...groups.values()].sort((x, y) => y.bytes - x.bytes || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0)).slice(0, limit);
  await recordAudit(db, { actor, action: 'flows.top.read', target: { type: 'selected_flows' }, details: { by, hours, limit, rows: rows.length, addresses: perAddress.rows.length }, at: now });
  return { by, since: since.toISOString(), rows, total };
}
