/**
 * The demo's operation can be taken through its whole lifecycle by the demo's own people: the
 * commissioner approves, the lead records the foreign ministry's consultation, the executor (the demo's
 * executing organisation) executes — the takedown notice written to the outbox and sent through the
 * reports part's SMTP relay to a real SMTP server — and lifts it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';
import { validateConfig } from '../../src/config/index.js';
import { ensureDemoAccounts } from '../../src/demo/accounts.js';
import { actorByUsername } from '../../src/demo/approval.js';
import { ensureDemoOperation } from '../../src/demo/operation.js';
import { blocklistEntries, driversFromConfig, executeOperation, liftOperation, recordForeignConsultation, transition, operationDetail } from '../../src/operations/index.js';
import { hasSmtpd, startSmtpd } from '../reports/smtpd.js';

test('the demo people plan, approve, execute and lift the demo operation; the notice goes out by SMTP and stays in the outbox', { skip: hasSmtpd ? false : 'python3 smtpd missing' }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'acd-demo-op-'));
  const store = await openStore({ data: 'memory://' });
  const smtp = await startSmtpd();
  try {
    const creds = await ensureDemoAccounts(store.db);
    assert.ok(creds.some((c) => c.username === 'executor' && c.org === 'National Police Cyber Unit (demo)'), 'the demo has an executor');
    const executor = await actorByUsername(store.db, 'executor');
    assert.equal(executor.orgKind, 'executor');
    const c2 = '45.33.32.156';
    const id = await ensureDemoOperation(store.db, c2, null);
    const [commissioner, lead] = [await actorByUsername(store.db, 'commissioner'), await actorByUsername(store.db, 'lead')];
    await transition(store.db, commissioner, id, 'approve', { conditions: 'network-side measures only', expiresAt: new Date(Date.now() + 86_400_000) });
    await recordForeignConsultation(store.db, lead, id, { body: 'Ministry of Foreign Affairs', outcome: 'no objection', consultedAt: new Date() });
    const drivers = driversFromConfig(store.db, validateConfig({ data: dir, operationsTakedownSmtp: true, reportsSmtpHost: '127.0.0.1', reportsSmtpPort: smtp.port, reportsSmtpFrom: 'abuse-desk@acd.example' }));
    const out = await executeOperation(store.db, drivers, executor, id);
    assert.deepEqual(out.map((o) => o.ok), [true, true], JSON.stringify(out));
    assert.deepEqual((await blocklistEntries(store.db)).map((e) => e.value), [c2]);
    const until = Date.now() + 10_000;
    while (!smtp.out().includes('END MESSAGE') && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.match(smtp.out(), /RCPTTOS abuse@hoster\.example/);
    assert.match(smtp.out(), /X-ARF: YES/);
    assert.match(smtp.out(), new RegExp(`Source: ${c2.replace(/\./g, '\\.')}`));
    assert.deepEqual((await readdir(join(dir, 'outbox'))).length, 1, 'the outbox keeps the notice');
    await liftOperation(store.db, drivers, executor, id, 'the C2 was taken down');
    const d = await operationDetail(store.db, lead, id);
    assert.equal(d.operation.state, 'lifted');
    assert.deepEqual(d.measures.map((m) => m.state), ['lifted', 'lifted']);
    assert.deepEqual(await blocklistEntries(store.db), []);
  } finally {
    smtp.child.kill();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
