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
import { createBusCollector, createJetStreamBus } from '../../src/bus/index.js';
import { PG_URL, freshSchemaName } from '../helpers/stores.js';
import { NATS_URL, assertStoredAsReference, consumersPending, feed, fixture, natsReachable, referenceFindings, spawnWorker, storeWithApproval, type WorkerProcess } from './fixture.js';

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
    await storeWithApproval(client, schema);

    mark('const a = startWorker(');
    const a = startWorker('0-3', prefix, schema);
    const b = startWorker('4-7', prefix, schema);
    workers.push(a.proc, b.proc);
    const refFindings = await referenceFindings(PARTITIONS, MINUTES);
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
    for (let i = 0; i < 600 && (await consumersPending(bus, prefix, PARTITIONS)) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    mark("b.proc.kill('SIGTERM');");
    b.proc.kill('SIGTERM');
    a2.proc.kill('SIGTERM');
    await Promise.all([b.exited, a2.exited]);
    const replayed = /(\d+) already written/.exec(a2.stderr());
    assert.ok(replayed && Number(replayed[1]) >= atKill, `the restarted worker replayed what A had written and wrote none of it again: ${a2.stderr()}`);

    mark('const selected = Number');
    await assertStoredAsReference(client, schema, collector.gate.totals().selected, refFindings);
  } finally {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await bus.destroy();
    await bus.close();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
});
