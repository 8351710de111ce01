/**
 * The worker's writes on both engines: a batch published twice (a collector's re-publish) stores its
 * selected flows once; a batch whose write fails (its approval is not in the store yet) is retried in
 * place, not acknowledged, and written once it can be, without the detectors seeing it twice; old
 * batch names are purged.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Store } from '../../src/store/index.js';
import { BatchEncoder, createBusWorker, createMemoryBus, purgeBatchNames } from '../../src/bus/index.js';
import { createGate } from '../../src/selection/index.js';
import { engineCases } from '../helpers/stores.js';
import { feed, fixture } from './fixture.js';

async function count(store: Store, table: string): Promise<number> {
  const r = await sql<{ n: string | number }>`select count(*) as n from ${sql.table(table)}`.execute(store.db);
  return Number(r.rows[0]!.n);
}

/** one partition's batch of gate output from the scenario's minutes 5-10 (selected flows among them) */
async function oneBatch(): Promise<{ msg: Buffer; selected: number; flows: number }> {
  const fx = fixture();
  const gate = createGate(fx);
  const enc = new BatchEncoder(1_000_000);
  let selected = 0;
  await feed(fx, (r) => gate.process(r, { selected: (f) => (selected++, enc.add(f, true)), feed: (f) => enc.add(f, false) }), 5, 5);
  const flows = enc.count;
  return { msg: enc.take({ partition: 0, seq: 1, producer: 'test-collector', flushAt: Date.UTC(2026, 10, 25, 0, 10) }), selected, flows };
}

for (const engine of engineCases()) {
  describe(`bus worker writes on ${engine.name}`, () => {
    let store: Store;
    before(async () => {
      store = await engine.open();
    });
    after(async () => {
      await store.close();
      await engine.cleanup();
    });

    test('retried until the approval exists, then written once; a re-published batch writes nothing again', async () => {
      const { msg, selected, flows } = await oneBatch();
      assert.ok(selected > 0);
      const bus = createMemoryBus({ partitions: 1, retryMs: 20 });
      const worker = createBusWorker({ bus, partitions: [0], db: store.db });
      await worker.start();
      await bus.publish(0, msg, 'a');
      // the approval is missing: the selected flows' foreign key refuses the write; the batch stays
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await worker.lag()).get(0), 1, 'not acknowledged while its write fails');
      assert.equal(await count(store, 'selected_flows'), 0);
      assert.equal(await count(store, 'bus_batches'), 0, 'the batch name rolled back with the failed write');
      const ap = fixture().approvals.list()[0]!;
      await sql`insert into approvals (id, category, carriers, criteria, start_at, end_at, status, proposed_by)
        values (${ap.id}, ${ap.category}, ${ap.carriers}, ${JSON.stringify(ap.criteria)}, ${ap.start}, ${ap.end}, 'approved', 'test')`.execute(store.db);
      for (let i = 0; i < 200 && (await worker.lag()).get(0) !== 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal((await worker.lag()).get(0), 0, 'acknowledged once written');
      assert.equal(await count(store, 'selected_flows'), selected);
      assert.equal(worker.stats.selected + worker.stats.dropped, flows, 'the detectors saw the batch once, not once per attempt');
      const findings = await count(store, 'findings');
      assert.ok(findings > 0, 'the flush marker scored the detectors and the findings were written');

      // the collector re-publishes the same batch (same producer, partition, seq)
      await bus.publish(0, msg, 'a-again');
      for (let i = 0; i < 200 && worker.stats.batches < 2; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(worker.stats.duplicates, 1);
      assert.equal(await count(store, 'selected_flows'), selected, 'no selected flow stored twice');
      assert.equal(await count(store, 'findings'), findings, 'findings upserted by key, never duplicated');
      assert.equal(await count(store, 'bus_batches'), 1);
      await worker.stop();
      await bus.close();

      assert.equal(await purgeBatchNames(store.db, new Date(Date.now() - 3_600_000)), 0, 'a fresh name is kept');
      assert.equal(await purgeBatchNames(store.db, new Date(Date.now() + 1000)), 1, 'an old name is purged');
      assert.equal(await count(store, 'bus_batches'), 0);
    });
  });
}
