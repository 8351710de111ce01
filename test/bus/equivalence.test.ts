/**
 * The same input through the in-process bus and through NATS JetStream gives identical findings
 * (keys, types, scores, update counts) and the same selected flows; the codec round-trips the gate's
 * output; bad batches are refused with a message naming what is wrong.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  BatchEncoder,
  createBusCollector,
  createBusWorker,
  createJetStreamBus,
  createMemoryBus,
  decodeBatch,
  parsePartitions,
  RECORD_BYTES,
  type Bus,
  type BusFlow,
} from '../../src/bus/index.js';
import { createGate, copySelectedFlow, type SelectedFlow } from '../../src/selection/index.js';
import type { Finding } from '../../src/detect/index.js';
import { createPipeline } from '../../src/pipeline/index.js';
import { createMetricsRegistry, type Registry } from '../../src/shared/metrics.js';
import { NATS_URL, feed, fixture, natsReachable } from './fixture.js';

const PARTITIONS = 8;
const MINUTES = 20;

export function summary(fs: Finding[]): string[] {
  return fs.map((f) => `${f.key} ${f.type} ${f.score.toFixed(6)} ${f.updates}`).sort();
}

async function runThrough(bus: Bus, registry?: Registry): Promise<{ findings: Finding[]; selected: number; feedFlows: number; flows: number }> {
  const fx = fixture();
  const collector = createBusCollector({ ...fx, bus, config: { publisher: { batchSize: 500, producer: 'test' } } });
  const worker = createBusWorker({ bus, partitions: parsePartitions(`0-${PARTITIONS - 1}`, PARTITIONS), ...(registry ? { deps: { registry } } : {}) });
  await worker.start();
  const flows = await feed(fx, collector.sink, 0, MINUTES, () => collector.publisher.ready());
  await collector.flush({ end: true });
  // every batch acknowledged
  for (let i = 0; i < 400; i++) {
    const lag = await worker.lag();
    if ([...lag.values()].every((n) => n === 0)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual([...(await worker.lag()).values()], new Array(PARTITIONS).fill(0), 'every batch acknowledged');
  if (registry) {
    const text = await registry.metrics();
    for (let p = 0; p < PARTITIONS; p++) assert.match(text, new RegExp(`acd_bus_lag_batches\\{partition="${p}"\\} 0`), `lag of partition ${p} on /metrics`);
    assert.match(text, /acd_bus_worker_flows_total\{result="dropped"\} [1-9]/);
  }
  await worker.stop();
  const t = collector.gate.totals();
  assert.equal(worker.stats.selected, t.selected, 'the worker stored every selected flow the gate published');
  return { findings: worker.findings(), selected: worker.stats.selected, feedFlows: worker.stats.dropped, flows };
}

test('codec: the gate output round-trips through a batch, field for field', () => {
  const fx = fixture();
  const gate = createGate(fx);
  const originals: Array<SelectedFlow & { sel: boolean; detectors: number }> = [];
  const enc = new BatchEncoder(100_000);
  void feed(fx, (rec) =>
    gate.process(rec, {
      selected: (f) => {
        originals.push({ ...copySelectedFlow(f), sel: true, detectors: 0 });
        enc.add(f, true, 'carrier-sel');
      },
      feed: (f) => {
        originals.push({ ...copySelectedFlow({ ...f, criterionId: '' }), sel: false, detectors: f.detectors });
        enc.add(f, false);
      },
    }), 5, 5);
  assert.ok(originals.some((o) => o.sel) && originals.some((o) => !o.sel), 'the input has selected and feed flows');
  const msg = enc.take({ partition: 3, seq: 42, producer: 'p1', flushAt: 1234 });
  let i = 0;
  const h = decodeBatch(msg, (f) => {
    const o = originals[i++]!;
    const { sel, ...want } = o;
    assert.equal(f.selected, sel);
    // the carrier the collector resolved travels with the flow (default: the exporter)
    assert.equal(f.carrier, sel ? 'carrier-sel' : f.exporter);
    assert.deepEqual({ ...copySelectedFlow(f), detectors: f.detectors }, want);
  });
  assert.deepEqual(h, { partition: 3, count: originals.length, seq: 42, producer: 'p1', flushAt: 1234 });
  assert.equal(i, originals.length);

  // a ring of 7 flows: the 7 flows last handed out stay intact while the next are read (the worker
  // gathers its prefetch chunks so), and the 8th reuses the first's object
  const held: BusFlow[] = [];
  let j = 0;
  decodeBatch(msg, (f) => {
    held.push(f);
    if (held.length > 7) assert.equal(held.shift(), f, 'the ring reuses its objects in turn');
    for (let k = 0; k < held.length; k++) {
      const { sel: _sel, ...want } = originals[j - held.length + 1 + k]!;
      assert.deepEqual({ ...copySelectedFlow(held[k]!), detectors: held[k]!.detectors }, want);
    }
    j++;
  }, 7);
  assert.equal(j, originals.length);

  // bad batches: refused with BUS_BAD_BATCH naming the fault
  assert.throws(() => decodeBatch(msg.subarray(0, 10), () => {}), /shorter than its header/);
  const wrongMagic = Buffer.from(msg);
  wrongMagic[0] = 0;
  assert.throws(() => decodeBatch(wrongMagic, () => {}), /wrong magic/);
  assert.throws(() => decodeBatch(msg.subarray(0, msg.length - 1), () => {}), /records need/);
  const badFamily = Buffer.from(msg);
  badFamily[msg.length - RECORD_BYTES + 1] = 9;
  assert.throws(() => decodeBatch(badFamily, () => {}), /address family 9/);
  const v1 = Buffer.from(msg);
  v1[4] = 1;
  assert.throws(() => decodeBatch(v1, () => {}), /version 1 \(this build reads 2\)/);
  const badCarrier = Buffer.from(msg);
  badCarrier.writeUInt16LE(0xfffe, msg.length - RECORD_BYTES + 100);
  assert.throws(() => decodeBatch(badCarrier, () => {}), /string index 65534/);
});

test('partitions: ranges parse; bad specs are refused naming the part', () => {
  assert.deepEqual(parsePartitions('0-3,6', 8), [0, 1, 2, 3, 6]);
  assert.throws(() => parsePartitions('0-8', 8), /8 is not below the partition count 8/);
  assert.throws(() => parsePartitions('3-1', 8), /runs backwards/);
  assert.throws(() => parsePartitions('a', 8), /"a" is not N or N-M/);
});

test('the same input through the in-process bus and through JetStream gives identical findings', async (t) => {
  if (!(await natsReachable())) {
    t.skip(`NATS is not reachable at ${NATS_URL} (start nats-server -js)`);
    return;
  }
  const mem = createMemoryBus({ partitions: PARTITIONS });
  const a = await runThrough(mem);
  await mem.close();
  const js = await createJetStreamBus({ servers: NATS_URL, partitions: PARTITIONS, prefix: `acdt_${randomBytes(4).toString('hex')}` });
  try {
    const b = await runThrough(js, createMetricsRegistry());
    assert.ok(a.findings.length > 5, `findings: ${a.findings.length}`);
    assert.ok(a.selected > 0, 'some flows were selected by the port criterion');
    assert.equal(b.flows, a.flows);
    assert.equal(b.selected, a.selected);
    assert.equal(b.feedFlows, a.feedFlows);
    assert.deepEqual(summary(b.findings), summary(a.findings));

    // and the partitioned run finds what the one-process pipeline finds (its detector-rule selection
    // off, which the bus does not carry back): the same keys and types, the same scores for findings
    // about an external address; update counts differ (each partition flushes on its own event time)
    const fx = fixture();
    const one = createPipeline({ ...fx, config: { selectScore: 2 } });
    await feed(fx, one.sink, 0, MINUTES);
    one.flush();
    const keys = (fs: Finding[]): string[] => [...new Set(fs.map((f) => `${f.key} ${f.type}`))].sort();
    assert.deepEqual(keys(b.findings), keys(one.detectors.findings.list()));
    const scores = (fs: Finding[]): string[] => fs.filter((f) => f.external !== null).map((f) => `${f.key} ${f.score.toFixed(6)}`).sort();
    assert.deepEqual(scores(b.findings), scores(one.detectors.findings.list()));
    const { c2, scanner } = fixture().scenario.actors;
    assert.ok(b.findings.some((f) => f.type === 'fan-in' && f.external === c2), 'the C2 found through JetStream');
    assert.ok(b.findings.some((f) => f.type === 'scan' && f.external === scanner), 'the scanner found through JetStream');
  } finally {
    await js.destroy();
    await js.close();
  }
});

test('back-pressure on JetStream: a slow consumer leaves batches pending (lag), handles them in order, one at a time, and loses none', async (t) => {
  if (!(await natsReachable())) {
    t.skip(`NATS is not reachable at ${NATS_URL} (start nats-server -js)`);
    return;
  }
  const js = await createJetStreamBus({ servers: NATS_URL, partitions: 2, prefix: `acdt_${randomBytes(4).toString('hex')}` });
  try {
    const N = 20;
    for (let i = 0; i < N; i++) {
      for (const p of [0, 1]) await js.publish(p, Buffer.from([p, i]), `${p}-${i}`);
    }
    await js.publish(0, Buffer.from([0, 0]), '0-0'); // a re-publish inside the duplicate window is dropped by the stream
    const seen: number[][] = [[], []];
    const busy = [0, 0];
    let maxBusy = 0;
    let maxLag = 0;
    const sub = await js.subscribe([0, 1], async (b, meta) => {
      busy[meta.partition]!++;
      maxBusy = Math.max(maxBusy, busy[meta.partition]!);
      await new Promise((r) => setTimeout(r, 15));
      seen[meta.partition]!.push(b[1]!);
      busy[meta.partition]!--;
    }, { maxAckPending: 2 });
    for (let i = 0; i < 300 && seen[0]!.length + seen[1]!.length < 2 * N; i++) {
      const lag = await sub.lag();
      maxLag = Math.max(maxLag, lag.get(0)!, lag.get(1)!);
      await new Promise((r) => setTimeout(r, 20));
    }
    await sub.stop();
    const inOrder = Array.from({ length: N }, (_, i) => i);
    assert.deepEqual(seen[0], inOrder, 'partition 0: every batch once, in order');
    assert.deepEqual(seen[1], inOrder, 'partition 1: every batch once, in order');
    assert.equal(maxBusy, 1, 'one batch at a time per partition');
    assert.ok(maxLag > 2, `the slow consumer's lag showed (max ${maxLag})`);
  } finally {
    await js.destroy();
    await js.close();
  }
});
