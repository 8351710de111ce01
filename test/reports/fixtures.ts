/**
 * Two operators in two sectors (electricity, railways), a ministry for each sector, the agency, a
 * carrier and an outsider (a partner), each with one person, as Actors for the service functions.
 */
import { createOrganisation, createPerson, SYSTEM_ACTOR, type Actor, type OrgKind, type Role, type Sector } from '../../src/auth/index.js';
import { linkMinistry, type ReportContent } from '../../src/reports/index.js';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/index.js';

export interface World {
  opA: Actor;
  opB: Actor;
  minA: Actor;
  minB: Actor;
  agency: Actor;
  lead: Actor;
  carrier: Actor;
  partner: Actor;
  carrierOrgId: string;
}

let n = 0;
async function person(db: Kysely<Database>, kind: OrgKind, role: Role, sector: Sector | null, tag: string): Promise<Actor> {
  n++;
  const org = await createOrganisation(db, SYSTEM_ACTOR, { name: `${tag} ${kind} ${n}`, kind, sector });
  const username = `${tag}-${role}-${n}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const u = await createPerson(db, SYSTEM_ACTOR, { orgId: org.id, username, displayName: username, roles: [role] });
  return { userId: u.id, username, orgId: org.id, orgKind: kind, roles: [role], via: 'token' };
}

export async function makeWorld(db: Kysely<Database>, tag = 'w'): Promise<World> {
  const opA = await person(db, 'operator', 'operator', 'electricity', `${tag}-power`);
  const opB = await person(db, 'operator', 'operator', 'railways', `${tag}-rail`);
  const minA = await person(db, 'ministry', 'agency_analyst', null, `${tag}-meti`);
  const minB = await person(db, 'ministry', 'agency_analyst', null, `${tag}-mlit`);
  const agency = await person(db, 'agency', 'agency_analyst', null, `${tag}-nisc`);
  const lead: Actor = { ...(await person(db, 'agency', 'agency_lead', null, `${tag}-nisc-lead`)) };
  const carrier = await person(db, 'carrier', 'carrier', null, `${tag}-telco`);
  const partner = await person(db, 'partner', 'partner', null, `${tag}-cert`);
  await linkMinistry(db, SYSTEM_ACTOR, 'electricity', minA.orgId);
  await linkMinistry(db, SYSTEM_ACTOR, 'railways', minB.orgId);
  return { opA, opB, minA, minB, agency, lead, carrier, partner, carrierOrgId: carrier.orgId };
}

export function content(over: Partial<ReportContent> = {}): ReportContent {
  return {
    whatHappened: 'SCADA HMI unreachable; DDoS on the VPN concentrator',
    systemIds: [],
    impact: { level: 'degraded', description: 'remote operation slowed', slaBreached: false },
    indicators: [{ type: 'ipv4-addr', value: '203.0.113.7' }],
    ...over,
  };
}
