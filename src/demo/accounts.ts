/**
 * The demo's organisations and people: one person per role, with passwords made fresh at each start
 * (printed in the terminal, never stored in clear).
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import { SYSTEM_ACTOR, createOrganisation, createPerson, hashPassword, type OrgKind, type Role, type Sector } from '../auth/index.js';

interface DemoOrg {
  name: string;
  kind: OrgKind;
  sector?: Sector;
}

export const DEMO_ORGS: DemoOrg[] = [
  { name: 'National Cyber Agency (demo)', kind: 'agency' },
  { name: 'Oversight Commission (demo)', kind: 'commission' },
  { name: 'Ministry of Economy (demo)', kind: 'ministry' },
  { name: 'Kanto Electric (demo)', kind: 'operator', sector: 'electricity' },
  { name: 'Nippon Backbone Telecom (demo)', kind: 'carrier' },
  { name: 'Partner CERT (demo)', kind: 'partner' },
  // the executing organisation that carries out an approved operation's measures (issue #18)
  { name: 'National Police Cyber Unit (demo)', kind: 'executor' },
];

export const DEMO_PEOPLE: Array<{ username: string; displayName: string; org: string; roles: Role[] }> = [
  { username: 'admin', displayName: 'Demo Administrator', org: 'National Cyber Agency (demo)', roles: ['admin'] },
  { username: 'analyst', displayName: 'Aiko Analyst', org: 'National Cyber Agency (demo)', roles: ['agency_analyst'] },
  { username: 'lead', displayName: 'Kenji Lead', org: 'National Cyber Agency (demo)', roles: ['agency_lead'] },
  { username: 'commissioner', displayName: 'Hana Commissioner', org: 'Oversight Commission (demo)', roles: ['commission_member'] },
  { username: 'auditor', displayName: 'Taro Auditor', org: 'Oversight Commission (demo)', roles: ['auditor'] },
  { username: 'operator', displayName: 'Yui Operator', org: 'Kanto Electric (demo)', roles: ['operator'] },
  { username: 'carrier', displayName: 'Sora Carrier', org: 'Nippon Backbone Telecom (demo)', roles: ['carrier'] },
  { username: 'partner', displayName: 'Pat Partner', org: 'Partner CERT (demo)', roles: ['partner'] },
  { username: 'executor', displayName: 'Ren Executor', org: 'National Police Cyber Unit (demo)', roles: ['agency_analyst'] },
  // the electricity sector's ministry reads, triages and answers the operator's reports (#22)
  { username: 'ministry', displayName: 'Mei Ministry', org: 'Ministry of Economy (demo)', roles: ['agency_analyst'] },
];

export interface DemoCredential {
  username: string;
  password: string;
  roles: Role[];
  org: string;
}

/** Creates what is missing and gives every demo person a fresh password. */
export async function ensureDemoAccounts(db: Kysely<Database>): Promise<DemoCredential[]> {
  const orgIds = new Map<string, string>();
  for (const o of DEMO_ORGS) {
    const found = await db.selectFrom('organisations').select('id').where('name', '=', o.name).executeTakeFirst();
    orgIds.set(o.name, found?.id ?? (await createOrganisation(db, SYSTEM_ACTOR, { name: o.name, kind: o.kind, sector: o.sector ?? null, country: 'JP' })).id);
  }
  const creds: DemoCredential[] = [];
  for (const p of DEMO_PEOPLE) {
    const password = `demo-${randomBytes(6).toString('hex')}`;
    const orgId = orgIds.get(p.org)!;
    const found = await db.selectFrom('users').select('id').where('username', '=', p.username).executeTakeFirst();
    if (found) {
      await db.updateTable('users').set({ password_hash: await hashPassword(password) }).where('id', '=', found.id).execute();
    } else {
      await createPerson(db, SYSTEM_ACTOR, { orgId, username: p.username, displayName: p.displayName, password, roles: p.roles });
    }
    creds.push({ username: p.username, password, roles: p.roles, org: p.org });
  }
  return creds;
}
