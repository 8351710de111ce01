/**
 * Flows/s of gate output through the bus into detector workers: the in-process bus (baseline), NATS
 * JetStream with one worker (all 8 partitions) and with two workers (4 partitions each). Workers run
 * in this process (no store writes: the detectors and the bus are measured, not PostgreSQL), so "2
 * workers" shows the bus's cost with two consumers, not two machines' CPU; the figure per worker is
 * what docs/SCALING.md multiplies. Input: the demo scenario's records, generated before the clock
 * starts; the timed part is gate + publish + bus + decode + detectors; flows counted are the gate's
 * output (selected + detector feed).
 * Needs NATS at 127.0.0.1:4222 (ACD_TEST_NATS_URL); skipped with a message when it is unreachable.
 */
import { randomBytes } from 'node:crypto';
import { measure, report, type Measurement } from '../lib.js';
import { jetstreamManager } from '@nats-io/jetstream';
import { BatchEncoder, createBusCollector, createBusWorker, createJetStreamBus, createLeaseManager, createMemoryBus, decodeBatch, leaseBucket, parsePartitions, type Bus, type BusWorker } from '../../src/bus/index.js';
import { createGate, type DetectorFeedFlow, type SelectedFlow } from '../../src/selection/index.js';
import { NATS_URL, feed, fixture, natsReachable, records } from '../../test/bus/fixture.js';
import type { FlowRecord } from '../../src/flow/index.js';

const PARTITIONS = 8;
const MINUTES = Number(process.env.BUS_BENCH_MINUTES ?? 120);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

const input: FlowRecord[] = await records(fixture(), 0, MINUTES);

async function run(bus: Bus, workers: string[], started: BusWorker[] = []): Promise<Measurement> {
  const fx = fixture();
  const collector = createBusCollector({ ...fx, bus, config: { publisher: { batchSize: 1000, maxInflight: 128 } } });
  const ws = workers.map((spec) => createBusWorker({ bus, partitions: parsePartitions(spec, PARTITIONS), config: { maxAckPending: 64 } }));
  for (const w of ws) await w.start();
  ws.push(...started);
  gc(); // the detector tables (≈ 7 MB per partition) are allocated before the clock starts
  const c0 = process.cpuUsage();
  const m = await measure(async () => {
    for (let i = 0; i < input.length; i++) {
      collector.sink(input[i]!);
      if ((i & 1023) === 0) await collector.publisher.ready();
    }
    await collector.flush({ end: true });
    for (;;) {
      let lag = 0;
      try {
        for (const w of ws) for (const n of (await w.lag()).values()) lag += n;
      } catch {
        lag = 1; // NATS did not answer in time on the loaded box: ask again
      }
      if (lag === 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    return ws.reduce((n, w) => n + w.stats.selected + w.stats.dropped, 0);
  });
  const c = process.cpuUsage(c0);
  cpuSeconds.set(m, (c.user + c.system) / 1e6);
  for (const w of ws) await w.stop();
  return m;
}

/** CPU seconds of this process (collector + workers; not nats-server's) per measurement */
const cpuSeconds = new WeakMap<Measurement, number>();
function reportCpu(name: string, m: Measurement): void {
  const cpu = cpuSeconds.get(m);
  if (cpu !== undefined) console.log(`${name.padEnd(44)} CPU ${cpu.toFixed(1)} s = ${((m.ops / cpu) / 1000).toFixed(1)} k flows per CPU second (this process; the box is shared, wall clock suffers more)`);
}

/** best of two runs, each on a fresh bus and fresh workers (the machine is shared: the better run is the less disturbed) */
async function best(make: () => Promise<Bus & { destroy?: () => Promise<void> }>, workers: string[]): Promise<Measurement> {
  let out: Measurement | null = null;
  for (let i = 0; i < 2; i++) {
    const bus = await make();
    try {
      const m = await run(bus, workers);
      if (!out || m.ms < out.ms) out = m;
    } finally {
      await bus.destroy?.();
      await bus.close();
    }
  }
  return out!;
}

const memBus = async (): Promise<Bus> => createMemoryBus({ partitions: PARTITIONS });
await best(memBus, ['0-7']); // warm-up (JIT, country data)
const baseline = await best(memBus, ['0-7']);
report('bus: in-process, 1 worker (8 partitions)', baseline, null, 'flows');
reportCpu('  in-process', baseline);

if (!(await natsReachable())) {
  console.log(`bus: JetStream skipped: NATS not reachable at ${NATS_URL}`);
} else {
  const jsBus = () => createJetStreamBus({ servers: NATS_URL, partitions: PARTITIONS, prefix: `acdb_${randomBytes(4).toString('hex')}` });
  for (const workers of [['0-7'], ['0-3', '4-7']]) {
    const m = await best(jsBus, workers);
    report(`bus: JetStream, ${workers.length} worker(s) in-process`, m, baseline, 'flows', 'in-process');
    reportCpu(`  JetStream, ${workers.length} worker(s)`, m);
  }
  // the same two workers, sharing the partitions through leases (--partitions auto): the partitions
  // are claimed before the clock starts; the timed part adds the lease renewals (every 2.5 s)
  const leased = async (): Promise<Measurement> => {
    const prefix = `acdb_${randomBytes(4).toString('hex')}`;
    const bus = await createJetStreamBus({ servers: NATS_URL, partitions: PARTITIONS, prefix });
    const ws = [0, 1].map(() => createBusWorker({ bus, partitions: [], config: { maxAckPending: 64 } }));
    const ls = await Promise.all(ws.map((w, i) => createLeaseManager({ connection: bus.connection, config: { prefix, partitions: PARTITIONS, id: `bench-${i}`, ttlMs: 10_000 }, events: { take: (p) => w.take(p), release: (p) => w.release(p) } })));
    try {
      for (const l of ls) await l.start();
      while (ws.reduce((n, w) => n + w.held().length, 0) < PARTITIONS || ws.some((w) => w.held().length === 0)) await new Promise((r) => setTimeout(r, 50));
      return await run(bus, [], ws);
    } finally {
      for (const l of ls) await l.stop();
      const jsm = await jetstreamManager(bus.connection);
      await jsm.streams.delete(`KV_${leaseBucket(prefix)}`).catch(() => false);
      await bus.destroy();
      await bus.close();
    }
  };
  const l1 = await leased();
  const l2 = await leased();
  const lb = l1.ms < l2.ms ? l1 : l2;
  report('bus: JetStream, 2 workers with partition leases', lb, baseline, 'flows', 'in-process');
  reportCpu('  JetStream, 2 leased workers', lb);
}

// the transport alone: pre-built 1 000-flow batches (100 kB) published and consumed with decoding only
if (await natsReachable()) {
  const fx = fixture();
  const gate = createGate(fx);
  const enc = new BatchEncoder(1000);
  const batches: Buffer[] = [];
  const add = (f: SelectedFlow | DetectorFeedFlow, sel: boolean): void => {
    if (enc.add(f, sel)) batches.push(enc.take({ partition: batches.length % PARTITIONS, seq: batches.length + 1, producer: 'bench', flushAt: null }));
  };
  await feed(fx, (r) => gate.process(r, { selected: (f) => add(f, true), feed: (f) => add(f, false) }), 0, 30);
  const decodeOnly = async (bus: Bus): Promise<Measurement> => {
    let flows = 0;
    let done = 0;
    const sub = await bus.subscribe(parsePartitions('0-7', PARTITIONS), async (b) => {
      flows += decodeBatch(b, () => {}).count;
      done++;
    }, { maxAckPending: 256 });
    const m = await measure(async () => {
      const rounds = 5;
      for (let r = 0; r < rounds; r++) {
        await Promise.all(batches.map((b, i) => bus.publish(i % PARTITIONS, b, `r${r}-${i}`)));
      }
      while (done < rounds * batches.length) await new Promise((res) => setTimeout(res, 5));
      return flows;
    });
    await sub.stop();
    return m;
  };
  const memT = createMemoryBus({ partitions: PARTITIONS, maxPending: 100_000 });
  const base = await decodeOnly(memT);
  await memT.close();
  report('bus transport: in-process, decode only', base, null, 'flows');
  const js = await createJetStreamBus({ servers: NATS_URL, partitions: PARTITIONS, prefix: `acdb_${randomBytes(4).toString('hex')}` });
  try {
    report('bus transport: JetStream publish+consume+decode', await decodeOnly(js), base, 'flows', 'in-process');
  } finally {
    await js.destroy();
    await js.close();
  }
}
