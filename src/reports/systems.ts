/**
 * Registered systems: an operator's important computer systems — name, function, products and
 * versions (CPE where known), network location, the carrier links they use. A change writes a new
 * version; the old ones stay as the history.
 */
import { randomUUID } from 'node:crypto';
import type { Actor } from '../auth/index.js';
import { recordAudit } from '../oversight/index.js';
import { notFound } from '../shared/errors.js';
import { base, inScope, rdb, requireOperator, scopeOf, type AnyDb, type RDb } from './scope.js';
import type { CarrierLink, ProductRef } from './tables.js';
import { reportsError } from './errors.js';

export interface SystemInput {
  name: string;
  function: string;
  products: ProductRef[];
  networkLocation: string;
  carrierLinks: CarrierLink[];
  changeNote?: string;
}

export interface SystemVersionView {
  version: number;
  name: string;
  function: string;
  products: ProductRef[];
  networkLocation: string;
  carrierLinks: CarrierLink[];
  changeNote: string | null;
  changedBy: string;
  changedAt: string;
}

export interface SystemView extends SystemVersionView {
  id: string;
  orgId: string;
  createdAt: string;
  history?: SystemVersionView[];
}

// CPE 2.3 formatted string: cpe:2.3:part:vendor:product:version:update:edition:language:sw_edition:target_sw:target_hw:other
const CPE23 = /^cpe:2\.3:[aho*-](:(\\.|[^:\\])+){10}$/;

function checkSystem(input: SystemInput): void {
  input.products.forEach((p, i) => {
    if (p.cpe !== undefined && !CPE23.test(p.cpe)) {
      throw reportsError('INVALID_CPE', `products/${i}/cpe "${p.cpe}" is not a CPE 2.3 formatted string (cpe:2.3:part:vendor:product:version:… with 13 fields)`);
    }
  });
}

async function checkCarriers(db: RDb, links: CarrierLink[]): Promise<void> {
  for (const [i, l] of links.entries()) {
    if (!l.carrierOrgId) continue;
    const org = await db.selectFrom('organisations').select('kind').where('id', '=', l.carrierOrgId).executeTakeFirst();
    if (!org || org.kind !== 'carrier') throw reportsError('INVALID_CARRIER', `carrierLinks/${i}/carrierOrgId ${l.carrierOrgId} is not a carrier organisation`);
  }
}

type VersionRow = {
  version: number;
  name: string;
  function: string;
  products: unknown;
  network_location: string;
  carrier_links: unknown;
  change_note: string | null;
  changed_by: string;
  changed_at: Date | string;
};

const versionView = (v: VersionRow): SystemVersionView => ({
  version: v.version,
  name: v.name,
  function: v.function,
  products: v.products as ProductRef[],
  networkLocation: v.network_location,
  carrierLinks: v.carrier_links as CarrierLink[],
  changeNote: v.change_note,
  changedBy: v.changed_by,
  changedAt: new Date(v.changed_at).toISOString(),
});

const versionValues = (systemId: string, version: number, input: SystemInput, actor: Actor, at: Date) => ({
  system_id: systemId,
  version,
  name: input.name,
  function: input.function,
  products: JSON.stringify(input.products),
  network_location: input.networkLocation,
  carrier_links: JSON.stringify(input.carrierLinks),
  change_note: input.changeNote ?? null,
  changed_by: actor.userId,
  changed_at: at,
});

export async function registerSystem(db: AnyDb, actor: Actor, input: SystemInput): Promise<SystemView> {
  requireOperator(actor, 'registering a system');
  checkSystem(input);
  const id = randomUUID();
  const at = new Date();
  await rdb(db).transaction().execute(async (trx) => {
    await checkCarriers(trx, input.carrierLinks);
    await trx.insertInto('systems').values({ id, org_id: actor.orgId, version: 1, created_at: at, updated_at: at }).execute();
    await trx.insertInto('system_versions').values(versionValues(id, 1, input, actor, at)).execute();
    await recordAudit(base(trx), { actor, action: 'system.register', target: { type: 'system', id }, details: { name: input.name } });
  });
  return getSystem(db, actor, id, false);
}

/** A change to a system: `version` is the one the change was made on; another change since is a 409. */
export async function updateSystem(db: AnyDb, actor: Actor, id: string, version: number, input: SystemInput): Promise<SystemView> {
  requireOperator(actor, 'changing a system');
  checkSystem(input);
  await rdb(db).transaction().execute(async (trx) => {
    const sys = await trx.selectFrom('systems').select(['org_id', 'version']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!sys || sys.org_id !== actor.orgId) throw notFound('system', id);
    if (sys.version !== version) {
      throw reportsError('VERSION_CONFLICT', `system ${id} is at version ${sys.version}, the change was made on version ${version}: read it again and re-apply`, { status: 409, details: { currentVersion: sys.version } });
    }
    await checkCarriers(trx, input.carrierLinks);
    const at = new Date();
    await trx.updateTable('systems').set({ version: version + 1, updated_at: at }).where('id', '=', id).execute();
    await trx.insertInto('system_versions').values(versionValues(id, version + 1, input, actor, at)).execute();
    await recordAudit(base(trx), { actor, action: 'system.update', target: { type: 'system', id }, details: { version: version + 1 } });
  });
  return getSystem(db, actor, id, false);
}

export async function getSystem(db: AnyDb, actor: Actor, id: string, withHistory: boolean): Promise<SystemView> {
  const r = rdb(db);
  const scope = await scopeOf(db, actor);
  const sys = await r
    .selectFrom('systems')
    .innerJoin('organisations', 'organisations.id', 'systems.org_id')
    .select(['systems.id', 'systems.org_id', 'systems.version', 'systems.created_at', 'organisations.sector'])
    .where('systems.id', '=', id)
    .executeTakeFirst();
  if (!sys || !inScope(scope, sys.org_id, sys.sector ?? '')) throw notFound('system', id);
  const versions = await r.selectFrom('system_versions').selectAll().where('system_id', '=', id).orderBy('version', 'desc').execute();
  const current = versions.find((v) => v.version === sys.version);
  if (!current) throw reportsError('SYSTEM_CORRUPT', `system ${id} has no row for its version ${sys.version}`, { status: 500 });
  return {
    id: sys.id,
    orgId: sys.org_id,
    createdAt: new Date(sys.created_at).toISOString(),
    ...versionView(current),
    ...(withHistory ? { history: versions.map(versionView) } : {}),
  };
}

export async function listSystems(db: AnyDb, actor: Actor): Promise<SystemView[]> {
  const scope = await scopeOf(db, actor);
  if (scope.kind === 'none') return [];
  let q = rdb(db)
    .selectFrom('systems')
    .innerJoin('organisations', 'organisations.id', 'systems.org_id')
    .innerJoin('system_versions', (j) => j.onRef('system_versions.system_id', '=', 'systems.id').onRef('system_versions.version', '=', 'systems.version'))
    .select([
      'systems.id',
      'systems.org_id',
      'systems.created_at',
      'system_versions.version',
      'system_versions.name',
      'system_versions.function',
      'system_versions.products',
      'system_versions.network_location',
      'system_versions.carrier_links',
      'system_versions.change_note',
      'system_versions.changed_by',
      'system_versions.changed_at',
    ])
    .orderBy('system_versions.name')
    .limit(1000);
  if (scope.kind === 'org') q = q.where('systems.org_id', '=', scope.orgId);
  if (scope.kind === 'sectors') q = q.where('organisations.sector', 'in', scope.sectors);
  const rows = await q.execute();
  return rows.map((s) => ({ id: s.id, orgId: s.org_id, createdAt: new Date(s.created_at).toISOString(), ...versionView(s) }));
}

/** Checks that every named system is the organisation's own (a report names only its own systems). */
export async function checkOwnSystems(db: RDb, orgId: string, ids: readonly string[], field: string): Promise<void> {
  if (ids.length === 0) return;
  const rows = await db.selectFrom('systems').select('id').where('org_id', '=', orgId).where('id', 'in', [...ids]).execute();
  const have = new Set(rows.map((r) => r.id));
  ids.forEach((id, i) => {
    if (!have.has(id)) throw reportsError('UNKNOWN_SYSTEM', `${field}/${i} names system ${id}, which is not one of this operator's registered systems`);
  });
}
