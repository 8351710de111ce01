/**
 * Rebalancing with `acd worker --partitions auto` on NATS JetStream and PostgreSQL: two workers share
 * the partitions through leases, a third joins mid-stream, one leaves gracefully (SIGTERM) and one is
 * killed (SIGKILL). Afterwards:
 * - every published batch was written exactly once, and each selected flow stored once;
 * - the findings in PostgreSQL equal those of a single in-process run on the same input;
 * - no partition was ever consumed by two live workers at once (from the workers' own take/release
 *   log lines; a killed worker's holding ends when it is killed);
 * - each of the three workers held partitions, and the survivor ends holding all of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { jetstreamManager } from '@nats-io/jetstream';
import { createBusCollector, createJetStreamBus, leaseBucket } from '../../src/bus/index.js';
import { PG_URL, freshSchemaName } from '../helpers/stores.js';
import { NATS_URL, assertStoredAsReference, consumersPending, feed, fixture, natsReachable, referenceFindings, spawnWorker, storeWithApproval, type WorkerProcess } from './fixture.js';

const PARTITIONS = 8;
const MINUTES = 12;
const TTL = 15_000;

interface Holding {
  worker: string;
  partition: number;
  from: number;
  to: number | null;
}

interface Proc extends WorkerProcess {
  id: string;
  /** partitions held now, from its log lines */
  held: Set<number>;
}

const holdings: Holding[] = [];

function startWorker(id: string, prefix: string, schema: string): Proc {
  const held = new Set<number>();
  const w = spawnWorker(id, ['auto', String(PARTITIONS), NATS_URL, PG_URL, schema, prefix, '', id, String(TTL)], (line) => {
    const m = /^acd worker (\S+): (took|released) partition (\d+) at (\d+)$/.exec(line);
    if (!m) return;
    const p = Number(m[3]);
    if (m[2] === 'took') {
      held.add(p);
      holdings.push({ worker: id, partition: p, from: Number(m[4]), to: null });
    } else {
      held.delete(p);
      const h = holdings.find((x) => x.worker === id && x.partition === p && x.to === null);
      assert.ok(h, `${id} released partition ${p}, which it had not taken`);
      h.to = Number(m[4]);
    }
  });
  return { ...w, id, held };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('partitions move between auto workers (one joins, one leaves, one is killed): nothing lost, nothing twice, findings as in one process', async (t) => {
  if (!(await natsReachable())) {
    t.skip(`NATS is not reachable at ${NATS_URL} (start nats-server -js)`);
    return;
  }
  const prefix = `acdr_${randomBytes(4).toString('hex')}`;
  const schema = freshSchemaName();
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  const bus = await createJetStreamBus({ servers: NATS_URL, partitions: PARTITIONS, prefix });
  const procs: Proc[] = [];
  try {
    await storeWithApproval(client, schema);
    const refFindings = await referenceFindings(PARTITIONS, MINUTES);

    const all = (ps: Proc[]): boolean => {
      const seen = ps.flatMap((p) => [...p.held]);
      return seen.length === PARTITIONS && new Set(seen).size === PARTITIONS;
    };
    const a = startWorker('wa', prefix, schema);
    const b = startWorker('wb', prefix, schema);
    procs.push(a, b);
    await Promise.all([a.ready, b.ready]);
    await until('A and B share all partitions', () => all([a, b]) && a.held.size > 0 && b.held.size > 0);

    const fx = fixture();
    const collector = createBusCollector({ ...fx, bus, config: { publisher: { batchSize: 500 } } });
    await feed(fx, collector.sink, 0, MINUTES / 3, () => collector.publisher.ready());
    await collector.flush();

    // C joins: A and B hand some partitions over
    const c = startWorker('wc', prefix, schema);
    procs.push(c);
    await c.ready;
    await until('C holds a third of the partitions', () => c.held.size >= 2 && all([a, b, c]));
    await feed(fx, collector.sink, MINUTES / 3, MINUTES / 3, () => collector.publisher.ready());
    await collector.flush();

    // A leaves gracefully: it finishes its batches, then frees its leases; B and C take them
    a.proc.kill('SIGTERM');
    assert.equal(await a.exited, 0);
    assert.equal(a.held.size, 0, 'A released every partition before it exited');
    await until('B and C hold all partitions', () => all([b, c]));
    // B is killed: its leases expire after the TTL and C takes them
    const killedAt = Date.now();
    b.proc.kill('SIGKILL');
    await b.exited;
    for (const h of holdings) if (h.worker === 'wb' && h.to === null) h.to = killedAt;
    b.held.clear();
    await feed(fx, collector.sink, (2 * MINUTES) / 3, MINUTES / 3, () => collector.publisher.ready());
    await collector.flush({ end: true });
    await until('C holds every partition', () => c.held.size === PARTITIONS);

    const published = collector.publisher.published.batches;
    const written = async (): Promise<number> => Number((await client.query(`select count(*) from ${schema}.bus_batches`)).rows[0].count);
    await until('every batch is written and acknowledged', async () => (await written()) >= published && (await consumersPending(bus, prefix, PARTITIONS)) === 0, 120_000);
    c.proc.kill('SIGTERM');
    assert.equal(await c.exited, 0);
    assert.equal(c.held.size, 0, 'C released every partition before it exited');

    assert.equal(await written(), published, 'every published batch written once');
    await assertStoredAsReference(client, schema, collector.gate.totals().selected, refFindings);

    // one holder at a time, per partition
    for (const h of holdings) assert.notEqual(h.to, null, `${h.worker}'s holding of partition ${h.partition} ended`);
    for (let p = 0; p < PARTITIONS; p++) {
      const hs = holdings.filter((h) => h.partition === p).sort((x, y) => x.from - y.from);
      for (let i = 1; i < hs.length; i++) {
        assert.ok(hs[i]!.from >= hs[i - 1]!.to!, `partition ${p}: ${hs[i]!.worker} took it at ${hs[i]!.from} while ${hs[i - 1]!.worker} held it until ${hs[i - 1]!.to}`);
      }
    }
    for (const w of ['wa', 'wb', 'wc']) assert.ok(holdings.some((h) => h.worker === w), `${w} held partitions`);
    assert.ok(holdings.some((h) => h.worker === 'wc' && holdings.some((o) => o.worker === 'wb' && o.partition === h.partition && o.to === killedAt)), 'C took over partitions of the killed B');
  } finally {
    for (const p of procs) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
    const jsm = await jetstreamManager(bus.connection);
    await jsm.streams.delete(`KV_${leaseBucket(prefix)}`).catch(() => false);
    await bus.destroy();
    await bus.close();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
});
