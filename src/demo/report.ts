/**
 * The demo operator's incident report: beaconing seen from office PCs to the botnet's C2, filed through
 * the same function the API uses, so it has its deadlines and reaches the ministry and the agency.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import { createReport, linkMinistry, listReports } from '../reports/index.js';
import { SYSTEM_ACTOR } from '../auth/index.js';
import { actorByUsername } from './approval.js';

export async function ensureDemoReport(db: Kysely<Database>, c2: string): Promise<string | null> {
  // the demo ministry answers for the demo operator's sector (electricity), so the report reaches it
  const ministry = await db.selectFrom('organisations').select('id').where('name', '=', 'Ministry of Economy (demo)').executeTakeFirst();
  if (ministry) await linkMinistry(db, SYSTEM_ACTOR, 'electricity', ministry.id);
  const operator = await actorByUsername(db, 'operator');
  const existing = await listReports(db, operator);
  if (existing.length > 0) return existing[0]!.id;
  const detectedAt = new Date(Date.now() - 2 * 3600_000);
  const r = await createReport(db, operator, {
    kind: 'incident',
    title: 'Office PCs beaconing to an unknown foreign server',
    detectedAt,
    content: {
      whatHappened: `EDR alerts on several office PCs: regular outbound HTTPS connections about every minute to ${c2}. Control systems not affected so far.`,
      occurredAt: new Date(detectedAt.getTime() - 3600_000).toISOString(),
      systemIds: [],
      impact: { level: 'degraded', description: 'Affected PCs isolated; billing office working at reduced capacity.', slaBreached: false },
      suspectedCause: 'Malware from a phishing attachment (under investigation)',
      indicators: [{ type: 'ipv4-addr', value: c2, note: 'destination of the beaconing' }],
      actionsTaken: 'Isolated 6 PCs, blocked the address at the perimeter firewall.',
    },
  });
  return r.id;
}
