/**
 * The batched audit queue: every event appended is written exactly once, in order, in batches;
 * flush() writes all; a failed batch is kept (same events) and retried; a full queue makes append
 * wait for a flush and fail when it fails; a durable append returns only after its batch commits
 * (group commit) and fails with it; events reach audit_events on a real store.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuditQueue, auditQueueOf, flushAuditQueue, type AuditInput } from '../../src/oversight/index.js';
import { openStore } from '../../src/store/index.js';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/index.js';

const ev = (i: number): AuditInput => ({ actor: null, action: 'test.read', target: { type: 'thing', id: String(i) } });
const noDb = {} as Kysely<Database>;

describe('audit queue', () => {
  test('batches, keeps order, stamps the time of append, flush writes everything', async () => {
    const batches: AuditInput[][] = [];
    const q = createAuditQueue(noDb, { flushDelayMs: 10_000, maxBatch: 3, maxQueue: 100, write: async (b) => void batches.push(b) });
    const before = Date.now();
    for (let i = 0; i < 7; i++) await q.append(ev(i));
    assert.equal(q.pending + batches.flat().length, 7);
    await q.flush();
    assert.equal(q.pending, 0);
    const all = batches.flat();
    assert.deepEqual(all.map((e) => e.target.id), ['0', '1', '2', '3', '4', '5', '6']);
    assert.ok(batches.every((b) => b.length <= 3), 'no batch beyond maxBatch');
    assert.ok(all.every((e) => e.at instanceof Date && e.at.getTime() >= before && e.at.getTime() <= Date.now()));
    await q.close();
  });

  test('the timer writes queued events without a flush', async () => {
    const written: AuditInput[] = [];
    const q = createAuditQueue(noDb, { flushDelayMs: 5, write: async (b) => void written.push(...b) });
    await q.append(ev(1));
    await q.append(ev(2));
    for (let i = 0; i < 200 && written.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(written.map((e) => e.target.id), ['1', '2']);
    await q.close();
  });

  test('a failed batch is kept and retried: nothing lost, nothing twice', async () => {
    const written: AuditInput[] = [];
    let fail = 2;
    const errors: number[] = [];
    const q = createAuditQueue(noDb, {
      flushDelayMs: 10_000,
      maxBatch: 2,
      write: async (b) => {
        if (fail-- > 0) throw new Error('database away');
        written.push(...b);
      },
      onError: (_e, queued) => errors.push(queued),
    });
    for (let i = 0; i < 5; i++) await q.append(ev(i));
    await assert.rejects(q.flush(), /database away/);
    assert.equal(q.pending, 5, 'the failed batch is back in the queue');
    await assert.rejects(q.flush(), /database away/);
    await q.flush();
    assert.deepEqual(written.map((e) => e.target.id), ['0', '1', '2', '3', '4']);
    assert.deepEqual(errors, [5, 5]);
    await q.close();
  });

  test('a full queue: append waits for a flush, and fails when the flush fails', async () => {
    let fail = true;
    const written: AuditInput[] = [];
    const q = createAuditQueue(noDb, {
      flushDelayMs: 10_000,
      maxBatch: 2,
      maxQueue: 4,
      write: async (b) => {
        if (fail) throw new Error('database away');
        written.push(...b);
      },
    });
    for (let i = 0; i < 4; i++) await q.append(ev(i));
    await assert.rejects(q.append(ev(4)), /database away/, 'no room and no flush: the append fails');
    assert.equal(q.pending, 4);
    fail = false;
    await q.append(ev(5));
    assert.deepEqual(written.map((e) => e.target.id), ['0', '1', '2', '3']);
    await q.flush();
    assert.deepEqual(written.map((e) => e.target.id), ['0', '1', '2', '3', '5']);
    await q.close();
  });

  test('a durable append returns only once its batch has committed; appends during a write share the next batch', async () => {
    const batches: string[][] = [];
    const releases: Array<() => void> = [];
    const q = createAuditQueue(noDb, {
      flushDelayMs: 60_000, // durable events must not wait for the timer
      write: async (b) => {
        await new Promise<void>((r) => releases.push(r));
        batches.push(b.map((e) => String(e.target.id)));
      },
    });
    let firstDone = false;
    const first = q.append(ev(1), { durable: true }).then(() => (firstDone = true));
    while (releases.length < 1) await new Promise((r) => setImmediate(r));
    assert.equal(firstDone, false, 'not answered while its batch is being written');
    // three more arrive while the first batch is in flight
    const later = [2, 3, 4].map((i) => q.append(ev(i), { durable: true }));
    releases[0]!();
    await first;
    assert.deepEqual(batches, [['1']]);
    while (releases.length < 2) await new Promise((r) => setImmediate(r));
    releases[1]!();
    await Promise.all(later);
    assert.deepEqual(batches, [['1'], ['2', '3', '4']], 'the three shared one commit');
    await q.close();
  });

  test('a durable append fails with its batch and is not retried; the others in the batch are kept', async () => {
    let fail = true;
    const written: string[] = [];
    const q = createAuditQueue(noDb, {
      flushDelayMs: 60_000,
      write: async (b) => {
        if (fail) throw new Error('database away');
        written.push(...b.map((e) => String(e.target.id)));
      },
    });
    await q.append(ev(1)); // queued, not durable
    await assert.rejects(q.append(ev(2), { durable: true }), /database away/, 'the read that waits for it is refused');
    assert.equal(q.pending, 1, 'only the event that was not waited for is kept for the retry');
    fail = false;
    await q.flush();
    assert.deepEqual(written, ['1']);
    await q.close();
  });

  test('events reach audit_events on a store; flushAuditQueue writes them; one queue per store', async () => {
    const store = await openStore({ data: 'memory://' });
    try {
      const q = auditQueueOf(store.db, { flushDelayMs: 60_000 });
      assert.equal(auditQueueOf(store.db), q);
      for (let i = 0; i < 3; i++) await q.append({ ...ev(i), details: { count: i } });
      const count = async () => (await store.db.selectFrom('audit_events').select('target_id').where('action', '=', 'test.read').orderBy('seq').execute()).map((r) => r.target_id);
      assert.deepEqual(await count(), [], 'not written before the delay or a flush');
      await flushAuditQueue(store.db);
      assert.deepEqual(await count(), ['0', '1', '2']);
      await q.close();
      assert.notEqual(auditQueueOf(store.db), q, 'a closed queue is no longer the store\'s');
    } finally {
      await store.close();
    }
  });
});
