/**
 * Two `acd worker` processes on NATS JetStream and PostgreSQL; one is killed with SIGKILL mid-stream
 * and restarted. Every published batch is written exactly once (bus_batches), no selected flow is
 * stored twice, and the findings in PostgreSQL equal those of a single in-process run on the same input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { jetstreamManager } from '@nats-io/jetstream';
import { createBusCollector, createBusWorker, createJetStreamBus, createMemoryBus, parsePartitions, streamName } from '../../src/bus/index.js';
import { PG_URL, freshSchemaName } from '../helpers/stores.js';
import { NATS_URL, feed, fixture, natsReachable, spawnWorker, type WorkerProcess } from './fixture.js';

const PARTITIONS = 8;
const MINUTES = 12;

function startWorker(partitions: string, prefix: string, schema: string): WorkerProcess {
  return spawnWorker(partitions, [partitions, String(PARTITIONS), NATS_URL, PG_URL, schema, prefix]);
}

test('two workers, one killed with SIGKILL mid-stream and restarted: nothing lost, nothing twice, findings as in one process', async (t) => {
  if (!(await natsReachable())) {
    t.skip(`NATS is not reachable at ${NATS_URL} (start nats-server -js)`);
    return;
  }
  const prefix = `acdt_${randomBytes(4).toString('hex')}`;
  const schema = freshSchemaName();
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  const bus = await createJetStreamBus({ servers: NATS_URL, partitions: PARTITIONS, prefix });
  const workers: ChildProcess[] = [];
  const t0 = Date.now();
  const mark = (what: string): void => {
    if (process.env.BUS_DEBUG) process.stderr.write(`${Date.now() - t0} ms ${what}\n`);
  };
  try {
    // the store's schema exists before two processes race to migrate it
    const { openStore } = await import('../../src/store/index.js');
    const s = await openStore({ db: PG_URL, schema });
    await s.close();
    // the approval the selected flows name (in production: proposed and decided through the API)
    const ap = fixture().approvals.list()[0]!;
    await client.query(
      `insert into ${schema}.approvals (id, category, carriers, criteria, start_at, end_at, status, proposed_by) values ($1, $2, $3, $4, $5, $6, 'approved', 'test')`,
      [ap.id, ap.category, ap.carriers, JSON.stringify(ap.criteria), ap.start, ap.end],
    );

    mark('const a = startWorker(');
    const a = startWorker('0-3', prefix, schema);
    const b = startWorker('4-7', prefix, schema);
    workers.push(a.proc, b.proc);
    // the reference: one in-process run (memory bus, same partitioning, same worker code, no store)
    const memBus = createMemoryBus({ partitions: PARTITIONS });
    const fx0 = fixture();
    const ref = createBusCollector({ ...fx0, bus: memBus, config: { publisher: { producer: 'ref' } } });
    const refWorker = createBusWorker({ bus: memBus, partitions: parsePartitions('0-7', PARTITIONS) });
    await refWorker.start();
    await feed(fx0, ref.sink, 0, MINUTES, () => ref.publisher.ready());
    await ref.flush({ end: true });
    while ([...(await refWorker.lag()).values()].some((n) => n > 0)) await new Promise((r) => setTimeout(r, 20));
    await refWorker.stop();
    await memBus.close();
    // A finding about domestic hosts only (external null: a DDoS on a domestic target with many
    // sources) is made in every partition its sources hash to, under one key; the store keeps one row
    // per key (the last partition's upsert). So: keys and types compare as a set; update counts only
    // for findings about one external address, which live in exactly one partition.
    const refFindings = refWorker.findings();
    const want = [...new Set(refFindings.map((f) => `${f.key} ${f.type}`))].sort();
    const wantExt = refFindings.filter((f) => f.external !== null).map((f) => `${f.key} ${f.type} ${f.updates}`).sort();
    assert.ok(refFindings.some((f) => f.external === null), 'the input has a finding that spans partitions');

    await Promise.all([a.ready, b.ready]);

    mark('const fx = fixture();');
    const fx = fixture();
    const collector = createBusCollector({ ...fx, bus, config: { publisher: { batchSize: 500 } } });
    await feed(fx, collector.sink, 0, MINUTES / 2, () => collector.publisher.ready());
    await collector.flush();
    // kill worker A while it is working through its share
    const written = async (): Promise<number> => Number((await client.query(`select count(*) from ${schema}.bus_batches`)).rows[0].count);
    const writtenByA = async (): Promise<number> => Number((await client.query(`select count(*) from ${schema}.bus_batches where partition < 4`)).rows[0].count);
    for (let i = 0; i < 400 && (await writtenByA()) < 3; i++) await new Promise((r) => setTimeout(r, 10));
    mark("a.proc.kill('SIGKILL');");
    a.proc.kill('SIGKILL');
    await a.exited;
    const atKill = await writtenByA();
    assert.ok(atKill >= 3, `worker A wrote ${atKill} batches before it was killed`);
    await feed(fx, collector.sink, MINUTES / 2, MINUTES / 2, () => collector.publisher.ready());
    await collector.flush({ end: true });
    mark('const a2 = startWorker(');
    const a2 = startWorker('0-3', prefix, schema);
    workers.push(a2.proc);
    await a2.ready;

    const published = collector.publisher.published.batches;
    assert.ok(atKill < published, `the kill came mid-stream (${atKill} of ${published} batches written)`);
    mark('for (let i = 0; i < 600 && (aw');
    for (let i = 0; i < 600 && (await written()) < published; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await written(), published, 'every published batch written once');
    // wait until the consumers hold nothing unacknowledged (the replay's findings are written too)
    mark('const jsm = await');
    const jsm = await jetstreamManager(bus.connection);
    for (let i = 0; i < 600; i++) {
      let pending = 0;
      for (let p = 0; p < PARTITIONS; p++) {
        const info = await jsm.consumers.info(streamName(prefix), `${prefix}-p${p}`);
        pending += info.num_pending + info.num_ack_pending;
      }
      if (pending === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    mark("b.proc.kill('SIGTERM');");
    b.proc.kill('SIGTERM');
    a2.proc.kill('SIGTERM');
    await Promise.all([b.exited, a2.exited]);
    const replayed = /(\d+) already written/.exec(a2.stderr());
    assert.ok(replayed && Number(replayed[1]) >= atKill, `the restarted worker replayed what A had written and wrote none of it again: ${a2.stderr()}`);

    mark('const selected = Number');
    const selected = Number((await client.query(`select count(*) from ${schema}.selected_flows`)).rows[0].count);
    assert.equal(selected, collector.gate.totals().selected, 'each selected flow stored exactly once');
    const rows = (await client.query(`select key, type, external, updates from ${schema}.findings`)).rows as Array<{ key: string; type: string; external: string | null; updates: number }>;
    assert.ok(want.length > 5);
    assert.deepEqual(rows.map((r) => `${r.key} ${r.type}`).sort(), want, 'finding keys and types in PostgreSQL equal the single in-process run');
    assert.deepEqual(rows.filter((r) => r.external !== null).map((r) => `${r.key} ${r.type} ${r.updates}`).sort(), wantExt, 'and each finding about an external address was updated as often');
  } finally {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await bus.destroy();
    await bus.close();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
});
