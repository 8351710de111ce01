/**
 * A failed gate-count write is kept and retried, never dropped (issue #20), on both engines: with the
 * gate_counts table out of reach the write fails and the rows stay; once it is back the next write
 * stores them, and the sum equals what the gate received.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { validateConfig } from '../../src/config/index.js';
import { createMetricsRegistry } from '../../src/shared/metrics.js';
import { createLivePipeline } from '../../src/pipeline/live.js';
import { MutableFlowRecord } from '../../src/flow/index.js';
import { engineCases } from '../helpers/stores.js';

for (const engine of engineCases()) {
  test(`gate counts (${engine.name}): a failed write is retried with the next, never dropped`, async () => {
    const store = await engine.open();
    const live = await createLivePipeline({ config: validateConfig({}), db: store.db, registry: createMetricsRegistry() });
    try {
      const rec = new MutableFlowRecord();
      rec.exporter = 'carrier-x';
      const feed = (n: number) => {
        for (let i = 0; i < n; i++) {
          rec.start = rec.end = Date.now() - 1000;
          rec.src4 = 0xcb007109; // 203.0.113.9
          rec.dst4 = 0x08080808 + i;
          rec.proto = 6;
          live.pipeline.sink(rec);
        }
      };
      const received = async () => Number((await sql<{ n: string | number | null }>`select sum(count) as n from gate_counts where metric = 'received'`.execute(store.db)).rows[0]?.n ?? 0);
      feed(5);
      await sql`alter table gate_counts rename to gate_counts_away`.execute(store.db);
      await live.flush();
      assert.ok(live.unwrittenCounts() > 0, 'the rows are kept');
      await sql`alter table gate_counts_away rename to gate_counts`.execute(store.db);
      feed(3);
      await live.flush();
      assert.equal(live.unwrittenCounts(), 0);
      assert.equal(await received(), 8);
      assert.equal(live.totals().received, 8);
    } finally {
      await live.stop();
      await store.close();
      await engine.cleanup();
    }
  });
}
