/**
 * Operators' registered address ranges: the networks an operator declares as its own (the whole
 * organisation's, or one registered system's), so that detector findings whose domestic address lies in
 * one are linked to its open vulnerability alerts (links.ts).
 *
 * Rules (each refusal names the field; the route audits every refusal as `vuln.range.refused`):
 * - only an operator registers and edits, and only its own ranges; another operator's range is a 404;
 *   the agency reads all and its lead may delete any (to settle disputed address space); a ministry,
 *   partner, carrier or the commission gets 403;
 * - `cidr` is an IPv4 or IPv6 prefix with its host bits zero (`192.0.2.1/24` is refused naming the network
 *   it probably meant), no wider than /12 (IPv4) or /29 (IPv6) — the most an RIR allocates to one member at
 *   once, so nobody claims the address space of a country to see its findings — and in global address
 *   space only (private, shared, documentation and multicast space never reach ACD's flows);
 * - a range may not overlap another of the same operator (409 `VULN_RANGE_OVERLAP` naming the existing
 *   one: edit it instead), nor one another organisation registered (409 `VULN_RANGE_TAKEN`, which names
 *   neither the organisation nor its range; the conflict is audited for the agency as
 *   `vuln.range.conflict` with both ranges);
 * - at most MAX_RANGES_PER_ORG ranges per operator; `systemId`, when given, is one of the operator's own
 *   registered systems; edits carry the version they change (409 `VULN_RANGE_VERSION` when stale).
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Actor } from '../auth/index.js';
import { ipv4ToString, ipv6ToString } from '../flow/index.js';
import { recordAudit } from '../oversight/index.js';
import { scopeOf, type ReportsTables } from '../reports/index.js';
import { NON_GLOBAL_PREFIXES, parsePrefix, type Prefix } from '../selection/index.js';
import { forbidden, notFound } from '../shared/errors.js';
import { withTables, type Database } from '../store/index.js';
import { vulnError } from './errors.js';
import type { VulnTables } from './tables.js';

export const MAX_RANGES_PER_ORG = 256;
/** the widest prefix an operator may register, per family */
export const WIDEST_PREFIX = { 4: 12, 6: 29 } as const;

type AnyDb = Kysely<Database> | Transaction<Database>;
type RDb = Kysely<Database & ReportsTables & VulnTables>;
const rdb = (db: AnyDb): RDb => withTables<ReportsTables & VulnTables>(db as Kysely<Database>);
const base = (db: unknown): Kysely<Database> => db as Kysely<Database>;

export interface RangeInput {
  cidr: string;
  systemId?: string | null;
  label?: string;
}

export interface RangeView {
  id: string;
  orgId: string;
  systemId: string | null;
  systemName: string | null;
  cidr: string;
  family: 4 | 6;
  prefixLength: number;
  label: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

// ---------------------------------------------------------------------------------------------------------
// Prefixes as text and as fixed-width hexadecimal (IPv4 mapped into ::ffff:0:0/96)

function words(p: Prefix, which: 'first' | 'last'): number[] {
  if (p.family === 4) return [0, 0, 0xffff, p[which]];
  return [...p[which]];
}

export function prefixHex(p: Prefix, which: 'first' | 'last'): string {
  return words(p, which)
    .map((w) => (w >>> 0).toString(16).padStart(8, '0'))
    .join('');
}

function bytesOf(w: Uint32Array): Uint8Array {
  const b = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    const v = w[i] ?? 0;
    b[i * 4] = v >>> 24;
    b[i * 4 + 1] = (v >>> 16) & 255;
    b[i * 4 + 2] = (v >>> 8) & 255;
    b[i * 4 + 3] = v & 255;
  }
  return b;
}

export function prefixText(p: Prefix): string {
  return `${p.family === 4 ? ipv4ToString(p.first) : ipv6ToString(bytesOf(p.first))}/${p.length}`;
}

export function overlaps(a: Prefix, b: Prefix): boolean {
  return prefixHex(a, 'first') <= prefixHex(b, 'last') && prefixHex(b, 'first') <= prefixHex(a, 'last');
}

const NON_GLOBAL = NON_GLOBAL_PREFIXES.map((t) => ({ text: t, p: parsePrefix(t)! }));

/** The canonical prefix of `cidr`, or a 400 naming the field and what is wrong. */
export function parseRange(cidr: unknown, field = 'cidr'): Prefix {
  if (typeof cidr !== 'string' || cidr.trim() === '') throw vulnError('VULN_INVALID_RANGE', `${field}: an IPv4 or IPv6 prefix is required (e.g. 133.0.0.0/16 or 2001:200::/32)`);
  const text = cidr.trim();
  if (text.length > 64) throw vulnError('VULN_INVALID_RANGE', `${field}: at most 64 characters`);
  if (!text.includes('/')) {
    if (parsePrefix(text, false)) throw vulnError('VULN_INVALID_RANGE', `${field}: '${text}' has no prefix length; write the network as address/length (a single host is /32 or /128)`);
    throw vulnError('VULN_INVALID_RANGE', `${field}: '${text}' is not an IPv4 or IPv6 prefix (address/length, e.g. 133.0.0.0/16)`);
  }
  const p = parsePrefix(text, true);
  if (!p) {
    const loose = parsePrefix(text, false);
    if (loose) throw vulnError('VULN_INVALID_RANGE', `${field}: '${text}' has host bits set; the network is ${prefixText(loose)}`);
    throw vulnError('VULN_INVALID_RANGE', `${field}: '${text}' is not an IPv4 or IPv6 prefix (address/length, e.g. 133.0.0.0/16)`);
  }
  const widest = WIDEST_PREFIX[p.family];
  if (p.length < widest) throw vulnError('VULN_INVALID_RANGE', `${field}: /${p.length} is wider than an operator may register (IPv${p.family}: /${widest} at most); register the allocations you hold`);
  const ng = NON_GLOBAL.find((n) => n.p.family === p.family && overlaps(n.p, p));
  if (ng) throw vulnError('VULN_INVALID_RANGE', `${field}: ${prefixText(p)} is in ${ng.text}, which is not global address space (its traffic never reaches ACD's flows)`);
  return p;
}

// ---------------------------------------------------------------------------------------------------------

type RangeRow = { id: string; org_id: string; system_id: string | null; cidr: string; family: number; prefix_length: number; label: string; version: number; created_at: Date | string; updated_at: Date | string };

async function views(db: AnyDb, rows: RangeRow[]): Promise<RangeView[]> {
  const ids = [...new Set(rows.map((r) => r.system_id).filter((x): x is string => x !== null))];
  const names = new Map<string, string>();
  if (ids.length) {
    const sys = await rdb(db)
      .selectFrom('systems')
      .innerJoin('system_versions', (j) => j.onRef('system_versions.system_id', '=', 'systems.id').onRef('system_versions.version', '=', 'systems.version'))
      .select(['systems.id', 'system_versions.name'])
      .where('systems.id', 'in', ids)
      .execute();
    for (const s of sys) names.set(s.id, s.name);
  }
  return rows.map((r) => ({
    id: r.id,
    orgId: r.org_id,
    systemId: r.system_id,
    systemName: r.system_id ? (names.get(r.system_id) ?? null) : null,
    cidr: r.cidr,
    family: r.family === 6 ? 6 : 4,
    prefixLength: r.prefix_length,
    label: r.label,
    version: r.version,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  }));
}

function requireOperator(actor: Actor): void {
  if (actor.orgKind !== 'operator' || !actor.roles.includes('operator')) throw vulnError('VULN_OPERATOR_ONLY', 'address ranges are registered by the operator whose networks they are', { status: 403 });
}

/** the conflict behind a VULN_RANGE_TAKEN refusal, audited once the refused transaction has rolled back */
const conflicts = new WeakMap<object, Parameters<typeof recordAudit>[1]>();

async function auditingConflicts<T>(db: AnyDb, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    const c = typeof e === 'object' && e !== null ? conflicts.get(e) : undefined;
    if (c) await recordAudit(base(db), c);
    throw e;
  }
}

async function checkInput(db: AnyDb, actor: Actor, input: RangeInput, self: string | null): Promise<{ p: Prefix; systemId: string | null; label: string }> {
  const p = parseRange(input.cidr);
  const label = (input.label ?? '').trim();
  if (label.length > 200) throw vulnError('VULN_INVALID_RANGE', 'label: at most 200 characters');
  const systemId = input.systemId ?? null;
  if (systemId !== null) {
    const s = await rdb(db).selectFrom('systems').select(['org_id']).where('id', '=', systemId).executeTakeFirst();
    // another operator's system is answered as a missing one
    if (!s || s.org_id !== actor.orgId) throw vulnError('VULN_INVALID_RANGE', `systemId: you have no registered system ${systemId}`);
  }
  const first = prefixHex(p, 'first');
  const last = prefixHex(p, 'last');
  let q = rdb(db).selectFrom('operator_ranges').select(['id', 'org_id', 'cidr']).where('first_hex', '<=', last).where('last_hex', '>=', first);
  if (self) q = q.where('id', '!=', self);
  const clash = await q.execute();
  const own = clash.find((c) => c.org_id === actor.orgId);
  if (own) throw vulnError('VULN_RANGE_OVERLAP', `cidr: ${prefixText(p)} overlaps your range ${own.cidr}; edit that range instead`, { status: 409 });
  const other = clash[0];
  if (other) {
    const e = vulnError('VULN_RANGE_TAKEN', `cidr: ${prefixText(p)} overlaps address space another organisation registered; if it is yours, ask the agency to settle it`, { status: 409 });
    conflicts.set(e, { actor, action: 'vuln.range.conflict', target: { type: 'operator_range', id: other.id }, details: { cidr: prefixText(p), conflictsWith: { id: other.id, orgId: other.org_id, cidr: other.cidr } } });
    throw e;
  }
  return { p, systemId, label };
}

/** An operator's own ranges; the agency's all. Audited. */
export async function listRanges(db: AnyDb, actor: Actor): Promise<RangeView[]> {
  const scope = await scopeOf(db, actor);
  if (scope.kind !== 'org' && scope.kind !== 'all') throw forbidden("address ranges are the operator's own and the agency's to read");
  let q = rdb(db).selectFrom('operator_ranges').selectAll().orderBy('org_id').orderBy('first_hex');
  if (scope.kind === 'org') q = q.where('org_id', '=', scope.orgId);
  const rows = (await q.execute()) as RangeRow[];
  await recordAudit(base(db), { actor, action: 'vuln.ranges.read', target: { type: 'operator_range', id: scope.kind === 'org' ? `org:${scope.orgId}` : '*' }, details: { count: rows.length } });
  return views(db, rows);
}

export async function createRange(db: AnyDb, actor: Actor, input: RangeInput, now = new Date()): Promise<RangeView> {
  requireOperator(actor);
  return auditingConflicts(db, () => rdb(db).transaction().execute(async (trx) => {
    // one registration at a time per operator, so two concurrent ones cannot both pass the checks
    await trx.selectFrom('organisations').select('id').where('id', '=', actor.orgId).forUpdate().executeTakeFirst();
    const n = await trx.selectFrom('operator_ranges').select((e) => e.fn.countAll<string>().as('n')).where('org_id', '=', actor.orgId).executeTakeFirstOrThrow();
    if (Number(n.n) >= MAX_RANGES_PER_ORG) throw vulnError('VULN_RANGE_LIMIT', `cidr: an operator registers at most ${MAX_RANGES_PER_ORG} ranges; merge adjacent ones`, { status: 409 });
    const { p, systemId, label } = await checkInput(base(trx), actor, input, null);
    const id = randomUUID();
    const row = {
      id, org_id: actor.orgId, system_id: systemId, cidr: prefixText(p), family: p.family, prefix_length: p.length,
      first_hex: prefixHex(p, 'first'), last_hex: prefixHex(p, 'last'), label, version: 1, created_by: actor.userId, created_at: now, updated_at: now,
    };
    await trx.insertInto('operator_ranges').values(row).execute();
    await recordAudit(base(trx), { actor, action: 'vuln.range.create', target: { type: 'operator_range', id }, details: { cidr: row.cidr, systemId, label }, at: now });
    return (await views(base(trx), [row]))[0]!;
  }));
}

export async function updateRange(db: AnyDb, actor: Actor, id: string, version: number, input: RangeInput, now = new Date()): Promise<RangeView> {
  requireOperator(actor);
  return auditingConflicts(db, () => rdb(db).transaction().execute(async (trx) => {
    await trx.selectFrom('organisations').select('id').where('id', '=', actor.orgId).forUpdate().executeTakeFirst();
    const cur = await trx.selectFrom('operator_ranges').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!cur || cur.org_id !== actor.orgId) throw notFound('range', id);
    if (cur.version !== version) throw vulnError('VULN_RANGE_VERSION', `version: the range is at version ${cur.version}, not ${version}; reload it and edit again`, { status: 409 });
    const { p, systemId, label } = await checkInput(base(trx), actor, input, id);
    const next = { system_id: systemId, cidr: prefixText(p), family: p.family, prefix_length: p.length, first_hex: prefixHex(p, 'first'), last_hex: prefixHex(p, 'last'), label, version: cur.version + 1, updated_at: now };
    await trx.updateTable('operator_ranges').set(next).where('id', '=', id).execute();
    await recordAudit(base(trx), { actor, action: 'vuln.range.update', target: { type: 'operator_range', id }, details: { from: { cidr: cur.cidr, systemId: cur.system_id, label: cur.label }, to: { cidr: next.cidr, systemId, label } }, at: now });
    return (await views(base(trx), [{ ...cur, ...next }]))[0]!;
  }));
}

/** The operator deletes its own range; the agency's lead any (a disputed registration). Audited. */
export async function deleteRange(db: AnyDb, actor: Actor, id: string, now = new Date()): Promise<{ id: string; deleted: true }> {
  const agencyLead = actor.orgKind === 'agency' && actor.roles.includes('agency_lead');
  if (!agencyLead) requireOperator(actor);
  return rdb(db).transaction().execute(async (trx) => {
    const cur = await trx.selectFrom('operator_ranges').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!cur || (!agencyLead && cur.org_id !== actor.orgId)) throw notFound('range', id);
    await trx.deleteFrom('operator_ranges').where('id', '=', id).execute();
    await recordAudit(base(trx), { actor, action: 'vuln.range.delete', target: { type: 'operator_range', id }, details: { cidr: cur.cidr, orgId: cur.org_id, systemId: cur.system_id }, at: now });
    return { id, deleted: true as const };
  });
}

/** Every range of these organisations (all when none is named), unaudited: for the linking of findings. */
export async function rangesOf(db: AnyDb, orgIds?: readonly string[]): Promise<Array<{ id: string; orgId: string; systemId: string | null; cidr: string; prefix: Prefix }>> {
  if (orgIds && orgIds.length === 0) return [];
  let q = rdb(db).selectFrom('operator_ranges').select(['id', 'org_id', 'system_id', 'cidr']).orderBy('first_hex');
  if (orgIds) q = q.where('org_id', 'in', orgIds);
  return (await q.execute()).map((r) => ({ id: r.id, orgId: r.org_id, systemId: r.system_id, cidr: r.cidr, prefix: parsePrefix(r.cidr)! }));
}
