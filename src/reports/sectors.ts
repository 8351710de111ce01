/** The law's 15 sectors and the ministry organisations responsible for each. */
import { SECTORS, type Actor } from '../auth/index.js';
import { recordAudit } from '../oversight/index.js';
import { notFound } from '../shared/errors.js';
import { base, rdb, type AnyDb } from './scope.js';
import { reportsError } from './errors.js';

export interface SectorView {
  sector: string;
  ministries: Array<{ id: string; name: string }>;
}

export function checkSector(sector: string): void {
  if (!(SECTORS as readonly string[]).includes(sector)) {
    throw reportsError('INVALID_SECTOR', `sector "${sector}" is not one of ${SECTORS.join(', ')}`);
  }
}

export async function listSectors(db: AnyDb): Promise<SectorView[]> {
  const rows = await rdb(db)
    .selectFrom('sector_ministries')
    .innerJoin('organisations', 'organisations.id', 'sector_ministries.org_id')
    .select(['sector_ministries.sector', 'organisations.id', 'organisations.name'])
    .orderBy('organisations.name')
    .execute();
  return SECTORS.map((sector) => ({ sector, ministries: rows.filter((r) => r.sector === sector).map((r) => ({ id: r.id, name: r.name })) }));
}

/** Links a ministry organisation to a sector: from then on it receives and sees that sector's reports. */
export async function linkMinistry(db: AnyDb, actor: Actor, sector: string, orgId: string): Promise<void> {
  checkSector(sector);
  await rdb(db).transaction().execute(async (trx) => {
    const org = await trx.selectFrom('organisations').select(['id', 'kind']).where('id', '=', orgId).executeTakeFirst();
    if (!org) throw notFound('organisation', orgId);
    if (org.kind !== 'ministry') throw reportsError('NOT_A_MINISTRY', `organisation ${orgId} is a ${org.kind}, not a ministry: only a ministry can be responsible for a sector`);
    await trx.insertInto('sector_ministries').values({ sector, org_id: orgId, created_at: new Date() }).onConflict((oc) => oc.doNothing()).execute();
    await recordAudit(base(trx), { actor, action: 'sector.ministry.link', target: { type: 'organisation', id: orgId }, details: { sector } });
  });
}

export async function unlinkMinistry(db: AnyDb, actor: Actor, sector: string, orgId: string): Promise<void> {
  checkSector(sector);
  await rdb(db).transaction().execute(async (trx) => {
    const res = await trx.deleteFrom('sector_ministries').where('sector', '=', sector).where('org_id', '=', orgId).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw notFound(`link of sector ${sector} to organisation`, orgId);
    await recordAudit(base(trx), { actor, action: 'sector.ministry.unlink', target: { type: 'organisation', id: orgId }, details: { sector } });
  });
}
