/**
 * The demo's legal ground: an approval for the demo carrier's foreign↔domestic traffic, selecting by
 * every detector rule, proposed by the demo agency lead and approved by the demo commissioner through
 * the same functions the API uses (so the audit log shows both steps).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import { decideApproval, getApproval, proposeApproval } from '../selection/index.js';
import { DETECTORS } from '../selection/index.js';
import { isOrgKind, isRole, type Actor } from '../auth/index.js';
import { AcdError } from '../shared/errors.js';

export const DEMO_CARRIER = 'nippon-backbone-demo';
export const DEMO_APPROVAL_ID = 'demo-foreign-domestic';

export async function actorByUsername(db: Kysely<Database>, username: string): Promise<Actor> {
  const row = await db
    .selectFrom('users')
    .innerJoin('organisations', 'organisations.id', 'users.org_id')
    .select(['users.id', 'users.username', 'users.roles', 'users.org_id', 'organisations.kind'])
    .where('users.username', '=', username)
    .executeTakeFirst();
  if (!row || !isOrgKind(row.kind)) throw new AcdError('DEMO_SETUP', `demo person ${username} is missing`);
  // the demo's script acts as these people, as a script of theirs would with their API token
  return { userId: row.id, username: row.username, orgId: row.org_id, orgKind: row.kind, roles: row.roles.filter(isRole), via: 'token' };
}

/** Makes the demo approval when it is missing (or no longer in force) and returns its id. */
export async function ensureDemoApproval(db: Kysely<Database>): Promise<string> {
  const existing = await getApproval(db, DEMO_APPROVAL_ID).catch(() => null);
  if (existing && existing.status === 'approved' && new Date(existing.end).getTime() > Date.now() + 86400_000) return existing.id;
  const id = existing ? `${DEMO_APPROVAL_ID}-${Date.now()}` : DEMO_APPROVAL_ID;
  const lead = await actorByUsername(db, 'lead');
  const commissioner = await actorByUsername(db, 'commissioner');
  await proposeApproval(db, lead, {
    id,
    category: 'foreign-domestic',
    carriers: [DEMO_CARRIER],
    criteria: DETECTORS.map((d) => ({ id: `rule-${d}`, kind: 'detector', detector: d })),
    start: new Date(Date.now() - 60_000).toISOString(),
  });
  await decideApproval(db, commissioner, id, 'approve', 'Demo: botnet activity against domestic operators reported by the agency; selection by detector rules only.');
  return id;
}
