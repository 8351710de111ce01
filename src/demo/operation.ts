/**
 * The demo's operation against the botnet's C2, waiting for the commission: drafted by the analyst
 * with the operator's report as evidence, a blocklist entry and a takedown notice to the hoster planned
 * (both work without BIND or gobgpd: the notice goes to the outbox), and the commission's approval
 * requested by the lead — all through the operations part's own functions. From there a newcomer
 * takes it through: the commissioner approves, the lead records the foreign ministry's consultation
 * (the C2 is abroad), the executor (National Police Cyber Unit) executes and lifts it.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import { addLink, createOperation, listOperations, planMeasure, transition } from '../operations/index.js';
import { actorByUsername } from './approval.js';

export async function ensureDemoOperation(db: Kysely<Database>, c2: string, reportId: string | null): Promise<string> {
  const analyst = await actorByUsername(db, 'analyst');
  const existing = await listOperations(db, analyst);
  if (existing.length > 0) return existing[0]!.id;
  const lead = await actorByUsername(db, 'lead');
  const op = await createOperation(db, analyst, {
    title: `Botnet C2 at ${c2}`,
    serious: false,
    abroad: true,
    country: null,
    targets: { addresses: [c2] },
  });
  if (reportId) await addLink(db, analyst, op.id, { kind: 'report', ref: reportId, note: "operator's incident report naming the C2" });
  await addLink(db, analyst, op.id, { kind: 'finding', ref: `fan-in|${c2}|443/6`, note: 'botnet fan-in found by the detectors' });
  await planMeasure(db, analyst, op.id, { kind: 'blocklist', target: c2 });
  await planMeasure(db, analyst, op.id, { kind: 'takedown', target: c2, params: { abuseContact: 'abuse@hoster.example', network: 'the hosting network of the C2' } });
  await transition(db, analyst, op.id, 'assemble_evidence');
  await transition(db, lead, op.id, 'request_approval', { reason: 'Confirmed C2 of a botnet with domestic victims; network-side measures only.' });
  return op.id;
}
