/**
 * With no setting at all the server runs the expiry job itself (every operationsExpirySeconds, default
 * 10 s) and stops it on close; here the key is set to 1 s through the validated configuration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SYSTEM_ACTOR } from '../../src/auth/index.js';
import { withTables } from '../../src/store/index.js';
import { addLink, createOperation, executeOperation, planMeasure, transition, type OperationsTables } from '../../src/operations/index.js';
import { createTestApp } from '../helpers/app.js';
import { analyst, executor, lead, member, recordingDrivers } from './helpers.js';
import { waitFor } from './procs.js';

test('the server lifts an operation whose approval ended, on its own, within the configured interval', async () => {
  const t = await createTestApp({ operationsExpirySeconds: 1 });
  try {
    const { drivers } = recordingDrivers();
    const op = await createOperation(t.store.db, analyst, { title: 'x', serious: false, abroad: false, targets: { addresses: ['192.0.2.90'] } });
    await addLink(t.store.db, analyst, op.id, { kind: 'finding', ref: 'k' });
    await planMeasure(t.store.db, analyst, op.id, { kind: 'blocklist', target: '192.0.2.90' });
    await transition(t.store.db, analyst, op.id, 'assemble_evidence');
    await transition(t.store.db, lead, op.id, 'request_approval');
    await transition(t.store.db, member, op.id, 'approve', { conditions: 'c', expiresAt: new Date(Date.now() + 3600_000) });
    await executeOperation(t.store.db, drivers, executor, op.id);
    const db = withTables<OperationsTables>(t.store.db);
    await db.updateTable('operation_decisions').set({ expires_at: new Date(Date.now() - 1000) }).where('operation_id', '=', op.id).execute();
    await waitFor('the server\'s expiry job', async () => (await db.selectFrom('operations').select('state').where('id', '=', op.id).executeTakeFirstOrThrow()).state === 'lifted', 8000);
    const m = await db.selectFrom('operation_measures').select(['state', 'lifted_by', 'lift_reason']).where('operation_id', '=', op.id).executeTakeFirstOrThrow();
    assert.deepEqual(m, { state: 'lifted', lifted_by: SYSTEM_ACTOR.userId, lift_reason: 'the approval expired' });
  } finally {
    await t.close();
  }
});
