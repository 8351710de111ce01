/**
 * Moving partitions by hand (the rebalancing there is): one worker holds all 8 partitions, stops
 * mid-stream; two workers take 0-3 and 4-7, replay them from the stream and continue. No selected
 * flow is stored twice, every batch is written once, and the findings equal a single run's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { openStore } from '../../src/store/index.js';
import { createBusCollector, createBusWorker, createJetStreamBus, createMemoryBus, parsePartitions, type BusWorker } from '../../src/bus/index.js';
import { PG_URL, freshSchemaName } from '../helpers/stores.js';
import { NATS_URL, feed, fixture, natsReachable } from './fixture.js';

const P = 8;

async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`drop schema if exists ${schema} cascade`);
  await c.end();
}
const MINUTES = 12;

async function drained(ws: BusWorker[]): Promise<void> {
  for (let i = 0; i < 500; i++) {
    let lag = 0;
    for (const w of ws) for (const n of (await w.lag()).values()) lag += n;
    if (lag === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('workers did not drain');
}

test('partitions handed from one worker to two mid-stream: nothing lost, nothing twice, findings as in one run', async (t) => {
  if (!(await natsReachable())) {
    t.skip(`NATS is not reachable at ${NATS_URL} (start nats-server -js)`);
    return;
  }
  // reference: one uninterrupted run
  const mem = createMemoryBus({ partitions: P });
  const fx0 = fixture();
  const ref = createBusCollector({ ...fx0, bus: mem });
  const refW = createBusWorker({ bus: mem, partitions: parsePartitions('0-7', P) });
  await refW.start();
  await feed(fx0, ref.sink, 0, MINUTES, () => ref.publisher.ready());
  await ref.flush({ end: true });
  await drained([refW]);
  await refW.stop();
  await mem.close();
  const keys = (ws: BusWorker[]): string[] => [...new Set(ws.flatMap((w) => w.findings()).map((f) => `${f.key} ${f.type}`))].sort();
  const ext = (ws: BusWorker[]): string[] => ws.flatMap((w) => w.findings()).filter((f) => f.external).map((f) => `${f.key} ${f.updates} ${f.score.toFixed(6)}`).sort();

  const schema = freshSchemaName();
  const store = await openStore({ db: PG_URL, schema });
  const ap = fx0.approvals.list()[0]!;
  await sql`insert into approvals (id, category, carriers, criteria, start_at, end_at, status, proposed_by)
    values (${ap.id}, ${ap.category}, ${ap.carriers}, ${JSON.stringify(ap.criteria)}, ${ap.start}, ${ap.end}, 'approved', 'test')`.execute(store.db);
  const js = await createJetStreamBus({ servers: NATS_URL, partitions: P, prefix: `acdt_${randomBytes(4).toString('hex')}` });
  try {
    const fx = fixture();
    const collector = createBusCollector({ ...fx, bus: js });
    const one = createBusWorker({ bus: js, partitions: parsePartitions('0-7', P), db: store.db });
    await one.start();
    await feed(fx, collector.sink, 0, MINUTES / 2, () => collector.publisher.ready());
    await collector.flush();
    await drained([one]);
    await one.stop();
    const before = one.stats.batches;
    assert.ok(before > 0);
    const two = [
      createBusWorker({ bus: js, partitions: parsePartitions('0-3', P), db: store.db }),
      createBusWorker({ bus: js, partitions: parsePartitions('4-7', P), db: store.db }),
    ];
    for (const w of two) await w.start();
    await feed(fx, collector.sink, MINUTES / 2, MINUTES / 2, () => collector.publisher.ready());
    await collector.flush({ end: true });
    await drained(two);
    for (const w of two) await w.stop();

    const n = async (table: string): Promise<number> => Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(store.db)).rows[0]!.n);
    assert.equal(await n('bus_batches'), collector.publisher.published.batches, 'every batch written once');
    assert.equal(two.reduce((s, w) => s + w.stats.duplicates, 0), before, 'the new workers replayed what the old one had written, and wrote none of it again');
    assert.equal(await n('selected_flows'), collector.gate.totals().selected, 'no selected flow stored twice');
    assert.deepEqual(keys(two), keys([refW]));
    assert.deepEqual(ext(two), ext([refW]), 'the replay rebuilt the detectors: same updates and scores');
  } finally {
    await js.destroy();
    await js.close();
    await store.close();
    await dropSchema(schema);
  }
});
