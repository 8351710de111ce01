/**
 * The audit of frequent reads (oversight/audit-queue.ts over store/group-commit.ts): an append returns
 * only once the statement holding its event has committed; appends made while a statement is being
 * written share the next one; events are written once each, in order, stamped at append, at most
 * maxBatch a statement; a failed statement is retried event by event so only a bad event's append
 * fails; on a real store the event is in audit_events when append returns.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuditQueue, auditQueueOf, type AuditInput } from '../../src/oversight/index.js';
import { openStore } from '../../src/store/index.js';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/index.js';

const ev = (i: number): AuditInput => ({ actor: null, action: 'test.read', target: { type: 'thing', id: String(i) } });
const noDb = {} as Kysely<Database>;
const ids = (b: AuditInput[]): string[] => b.map((e) => String(e.target.id));

describe('audit queue', () => {
  test('events of one turn go together, in order, stamped at append, at most maxBatch a statement', async () => {
    const batches: string[][] = [];
    const stamps: Date[] = [];
    const q = createAuditQueue(noDb, {
      maxBatch: 3,
      write: async (b) => {
        batches.push(ids(b));
        stamps.push(...b.map((e) => e.at!));
      },
    });
    const before = Date.now();
    await Promise.all(Array.from({ length: 7 }, (_, i) => q.append(ev(i))));
    assert.deepEqual(batches, [['0', '1', '2'], ['3', '4', '5'], ['6']]);
    assert.ok(stamps.every((d) => d instanceof Date && d.getTime() >= before && d.getTime() <= Date.now()));
  });

  test('an append returns only once its statement has committed; appends during a write share the next statement', async () => {
    const batches: string[][] = [];
    const releases: Array<() => void> = [];
    const q = createAuditQueue(noDb, {
      write: async (b) => {
        await new Promise<void>((r) => releases.push(r));
        batches.push(ids(b));
      },
    });
    let firstDone = false;
    const first = q.append(ev(1)).then(() => (firstDone = true));
    while (releases.length < 1) await new Promise((r) => setImmediate(r));
    assert.equal(firstDone, false, 'not answered while its statement is being written');
    // three more arrive while the first statement is in flight
    const later = [2, 3, 4].map((i) => q.append(ev(i)));
    releases[0]!();
    await first;
    assert.deepEqual(batches, [['1']]);
    while (releases.length < 2) await new Promise((r) => setImmediate(r));
    releases[1]!();
    await Promise.all(later);
    assert.deepEqual(batches, [['1'], ['2', '3', '4']], 'the three shared one commit');
  });

  test('a failed statement is retried event by event: only the bad event\'s append fails, nothing is written twice', async () => {
    const written: string[] = [];
    const q = createAuditQueue(noDb, {
      write: async (b) => {
        if (b.some((e) => e.target.id === 'bad')) throw new Error('database refuses the row');
        written.push(...ids(b));
      },
    });
    const results = await Promise.allSettled([q.append(ev(1)), q.append({ ...ev(0), target: { type: 'thing', id: 'bad' } }), q.append(ev(2))]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((results[1] as PromiseRejectedResult).reason), /database refuses the row/);
    assert.deepEqual(written.sort(), ['1', '2']);
  });

  test('when the database is away, the append fails (the read is refused) and a later one succeeds', async () => {
    let away = true;
    const written: string[] = [];
    const q = createAuditQueue(noDb, {
      write: async (b) => {
        if (away) throw new Error('database away');
        written.push(...ids(b));
      },
    });
    await assert.rejects(q.append(ev(1)), /database away/);
    away = false;
    await q.append(ev(2));
    assert.deepEqual(written, ['2'], 'the refused read\'s event is not written later');
  });

  test('on a store the event is in audit_events when append returns; one queue per store', async () => {
    const store = await openStore({ data: 'memory://' });
    try {
      const q = auditQueueOf(store.db);
      assert.equal(auditQueueOf(store.db), q);
      for (let i = 0; i < 3; i++) await q.append({ ...ev(i), details: { count: i } });
      const rows = await store.db.selectFrom('audit_events').select('target_id').where('action', '=', 'test.read').orderBy('seq').execute();
      assert.deepEqual(rows.map((r) => r.target_id), ['0', '1', '2']);
    } finally {
      await store.close();
    }
  });
});
