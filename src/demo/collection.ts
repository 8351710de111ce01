/**
 * The demo's sharing collection (#22): the agency's analysts promote findings into it and the partner
 * CERT reads it, so promotion in the dashboard works on a fresh demo. Made once, found again later.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import { SYSTEM_ACTOR } from '../auth/index.js';
import { createCollection } from '../intel/index.js';

export const DEMO_COLLECTION = 'Agency analysis (demo)';

export async function ensureDemoCollection(db: Kysely<Database>): Promise<string | null> {
  const found = await sql<{ id: string }>`select id from intel_collections where title = ${DEMO_COLLECTION}`.execute(db);
  if (found.rows[0]) return found.rows[0].id;
  const agency = await db.selectFrom('organisations').select('id').where('name', '=', 'National Cyber Agency (demo)').executeTakeFirst();
  if (!agency) return null;
  const c = await createCollection(db, SYSTEM_ACTOR, {
    title: DEMO_COLLECTION,
    description: 'Findings the agency promoted to intelligence; read by its partners.',
    ownerOrgId: agency.id,
    readRoles: ['agency_analyst', 'agency_lead', 'partner'],
    writeRoles: ['agency_analyst', 'agency_lead'],
    defaultTlp: 'amber',
  });
  return c.id;
}
