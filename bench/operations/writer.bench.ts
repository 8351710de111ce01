/**
 * The one writer and the reconciliation loop (issue #18), on the embedded store with the real RPZ
 * driver writing a real zone file (rndc replaced by `true`, so BIND's own reload time is not counted):
 *  - apply/lift throughput through applyMeasure/liftMeasure (writer queue, advisory lock, checks, the
 *    whole zone rendered from the measures in force, atomic rename), 4 callers at once, against the
 *    unchecked baseline: the same driver calls and row writes with no queue, lock or check;
 *  - one reconciliation pass per 1 000 measures in force (rows read under the lock, the zone compared
 *    with the rendering of the set, no drift), against reading the same rows and rendering the zone.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { openStore, withTables, type Database } from '../../src/store/index.js';
import { recordAudit } from '../../src/oversight/index.js';
import type { Actor } from '../../src/auth/index.js';
import {
  addLink, applyMeasure, createOperation, createRpzDriver, executeOperation, liftMeasure, planMeasure, reconcileDriver, renderRpzZone, toMeasure, transition,
  type OperationsTables,
} from '../../src/operations/index.js';
import { measure, report } from '../lib.js';

const actor = (id: string, orgKind: Actor['orgKind'], roles: Actor['roles']): Actor => ({ userId: id, username: id, orgId: `org-${orgKind}`, orgKind, roles, via: 'token' });
const analyst = actor('analyst', 'agency', ['agency_analyst']);
const lead = actor('lead', 'agency', ['agency_lead']);
const member = actor('member', 'commission', ['commission_member']);
const executor = actor('executor', 'executor', ['agency_analyst']);

const N = Number(process.env.N ?? 10);
const IN_FORCE = Number(process.env.IN_FORCE ?? 1000);
const dir = await mkdtemp(join(tmpdir(), 'acd-bench-rpz-'));
const store = await openStore({ data: 'memory://' });
const db = withTables<OperationsTables>(store.db);
const rpz = createRpzDriver({ zoneFile: join(dir, 'rpz.acd.db'), zoneName: 'rpz.acd', sinkhole: 'sinkhole.acd.invalid', rndc: { bin: 'true' } });
const drivers = { rpz };

const domains = Array.from({ length: 4 }, (_v, i) => `c2-${i}.example.test`);
const op = await createOperation(store.db, analyst, { title: 'bench', serious: false, abroad: false, targets: { addresses: [], domains } });
await addLink(store.db, analyst, op.id, { kind: 'finding', ref: 'bench' });
const ids: string[] = [];
for (const d of domains) ids.push((await planMeasure(store.db, analyst, op.id, { kind: 'rpz', target: d })).id);
await transition(store.db, analyst, op.id, 'assemble_evidence');
await transition(store.db, lead, op.id, 'request_approval');
await transition(store.db, member, op.id, 'approve', { conditions: 'bench', expiresAt: new Date(Date.now() + 86_400_000) });
await executeOperation(store.db, drivers, executor, op.id);

// 4 callers at once, each lifting and re-applying its own measure N times: every change goes through the one writer
const through = await measure(async () => {
  await Promise.all(ids.map(async (id) => {
    for (let i = 0; i < N; i++) {
      await liftMeasure(store.db, drivers, executor, id, 'bench');
      await applyMeasure(store.db, drivers, executor, id);
    }
  }));
  return ids.length * N * 2;
});
const unchecked = await measure(async () => {
  await Promise.all(ids.map(async (id, k) => {
    for (let i = 0; i < N * 2; i++) {
      await db.transaction().execute(async (trx) => {
        const rows = (await trx.selectFrom('operation_measures').selectAll().where('kind', '=', 'rpz').where('state', '=', 'applied').execute()).map(toMeasure);
        const m = rows.find((r) => r.id === id) ?? rows[k]!;
        if (i % 2 === 0) await rpz.lift(m, rows.filter((r) => r.id !== id));
        else await rpz.apply(m, rows, { decisionId: 'd', now: new Date() });
        await trx.updateTable('operation_measures').set({ state: 'applied', applied_at: new Date() }).where('id', '=', id).execute();
        await recordAudit(trx as unknown as Kysely<Database>, { actor: executor, action: 'bench.bare', target: { type: 'operation_measure', id } });
      });
    }
  }));
  return ids.length * N * 2;
});
report('apply/lift through the writer (4 callers)', through, unchecked, 'changes', 'the same driver calls unchecked');

// 1 000 measures in force (rows written directly: the bench is about the pass, not about planning)
const now = new Date();
const rows = Array.from({ length: IN_FORCE }, (_v, i) => ({
  id: randomUUID(), operation_id: op.id, kind: 'rpz', target: `c2-${i}.example.test`, params: JSON.stringify({ action: 'nxdomain' }), state: 'applied', decision_id: 'bench',
  created_by: 'bench', created_at: now, applied_at: now, applied_by: 'bench', verified_at: null, verified_ok: null, lifted_at: null, lifted_by: null, lift_reason: null, failure: null,
}));
for (let i = 0; i < rows.length; i += 200) await db.insertInto('operation_measures').values(rows.slice(i, i + 200)).execute();
await reconcileDriver(store.db, rpz); // brings the zone in line once (that pass has drift)
const passes = 10;
const pass = await measure(async () => {
  for (let i = 0; i < passes; i++) {
    const d = await reconcileDriver(store.db, rpz);
      if (d.missing.length || d.extra.length) throw new Error('unexpected drift');
  }
  return passes;
});
const bare = await measure(async () => {
  for (let i = 0; i < passes; i++) {
    const r = (await db.selectFrom('operation_measures').selectAll().where('kind', '=', 'rpz').where('state', '=', 'applied').execute()).map(toMeasure);
    renderRpzZone('rpz.acd', 1, 'sinkhole.acd.invalid', r);
  }
  return passes;
});
const total = IN_FORCE + ids.length;
report(`reconciliation pass, ${total} RPZ measures in force`, pass, bare, 'passes', 'reading the rows and rendering the zone');
console.log(`  per 1 000 measures in force: ${(pass.ms / passes / (total / 1000)).toFixed(1)} ms a pass (baseline ${(bare.ms / passes / (total / 1000)).toFixed(1)} ms)`);
await store.close();
await rm(dir, { recursive: true, force: true });
