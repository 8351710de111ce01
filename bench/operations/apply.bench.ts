/**
 * The cost of the decision-in-force check: applying and lifting a measure through applyMeasure /
 * liftMeasure (locks, state and decision checks, audit) against a baseline that does the same writes
 * (the measure row update and an audit entry in one transaction) without any check, in the same run,
 * on the embedded store. Also the blocklist export of the measures in force against JSON.stringify of
 * the same rows.
 */
import { openStore } from '../../src/store/index.js';
import { recordAudit } from '../../src/oversight/index.js';
import type { Actor } from '../../src/auth/index.js';
import {
  addLink, applyMeasure, blocklistCsv, blocklistEntries, blocklistStix, createBlocklistDriver, createOperation, executeOperation, liftMeasure, planMeasure, transition,
  type OperationsTables,
} from '../../src/operations/index.js';
import { withTables, type Database } from '../../src/store/index.js';
import type { Kysely } from 'kysely';
import { measure, report } from '../lib.js';

const actor = (id: string, orgKind: Actor['orgKind'], roles: Actor['roles']): Actor => ({ userId: id, username: id, orgId: `org-${orgKind}`, orgKind, roles, via: 'token' });
const analyst = actor('analyst', 'agency', ['agency_analyst']);
const lead = actor('lead', 'agency', ['agency_lead']);
const member = actor('member', 'commission', ['commission_member']);
const executor = actor('executor', 'executor', ['agency_analyst']);

const N = Number(process.env.N ?? 300);
const store = await openStore({ data: 'memory://' });
const db = withTables<OperationsTables>(store.db);
const drivers = { blocklist: createBlocklistDriver(store.db) };

const addresses = Array.from({ length: 200 }, (_v, i) => `198.51.${100 + (i >> 8)}.${i & 255}`);
const op = await createOperation(store.db, analyst, { title: 'bench', serious: false, abroad: false, targets: { addresses } });
await addLink(store.db, analyst, op.id, { kind: 'finding', ref: 'bench' });
const ids: string[] = [];
for (const a of addresses) ids.push((await planMeasure(store.db, analyst, op.id, { kind: 'blocklist', target: a })).id);
await transition(store.db, analyst, op.id, 'assemble_evidence');
await transition(store.db, lead, op.id, 'request_approval');
await transition(store.db, member, op.id, 'approve', { conditions: 'bench', expiresAt: new Date(Date.now() + 86_400_000) });
await executeOperation(store.db, drivers, executor, op.id);

// one measure lifted and re-applied N times
const id = ids[0]!;
const checked = await measure(async () => {
  for (let i = 0; i < N; i++) {
    await liftMeasure(store.db, drivers, executor, id, 'bench');
    await applyMeasure(store.db, drivers, executor, id);
  }
  return N * 2;
});
const bare = await measure(async () => {
  for (let i = 0; i < N * 2; i++) {
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('operation_measures').set({ state: i % 2 ? 'applied' : 'lifted', applied_at: new Date() }).where('id', '=', id).execute();
      await recordAudit(trx as unknown as Kysely<Database>, { actor: executor, action: 'bench.bare', target: { type: 'operation_measure', id } });
    });
  }
  return N * 2;
});
report('apply/lift with decision check (PGlite)', checked, bare, 'changes', 'the same writes unchecked');

const rounds = 50;
const exportCsv = await measure(async () => {
  for (let i = 0; i < rounds; i++) blocklistCsv(await blocklistEntries(store.db));
  return rounds * addresses.length;
});
const exportStix = await measure(async () => {
  for (let i = 0; i < rounds; i++) JSON.stringify(blocklistStix(await blocklistEntries(store.db)));
  return rounds * addresses.length;
});
const rawRows = await measure(async () => {
  for (let i = 0; i < rounds; i++) JSON.stringify(await db.selectFrom('operation_measures').selectAll().where('state', '=', 'applied').execute());
  return rounds * addresses.length;
});
report('blocklist CSV export (200 entries)', exportCsv, rawRows, 'entries', 'raw rows as JSON');
report('blocklist STIX export (200 entries)', exportStix, rawRows, 'entries', 'raw rows as JSON');
await store.close();
