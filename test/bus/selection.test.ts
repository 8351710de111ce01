/**
 * Detector-rule selection across the bus: a worker's finding at or above selectScore goes back to the
 * collectors, whose gate selects the server's flows under the approval's detector criterion from then
 * on, as the one-process pipeline does. The worker sends them at the detection stage's selectScore, 0.7 by default (#23).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createBusCollector, createBusWorker, createJetStreamBus, createMemoryBus, parsePartitions, type Bus } from '../../src/bus/index.js';
import { ipv4ToString } from '../../src/flow/index.js';
import { NATS_URL, feed, fixture, natsReachable } from './fixture.js';

async function run(bus: Bus, selectScore: number | undefined): Promise<{ selections: number; byRule: number; c2ByRule: number }> {
  const fx = fixture();
  const collector = createBusCollector({ ...fx, bus });
  const listening = await collector.listen();
  const worker = createBusWorker({ bus, partitions: parsePartitions('0-3', 4), config: selectScore === undefined ? {} : { selectScore } });
  await worker.start();
  const drain = async (): Promise<void> => {
    for (let i = 0; i < 400 && [...(await worker.lag()).values()].some((n) => n > 0); i++) await new Promise((r) => setTimeout(r, 20));
  };
  await feed(fx, collector.sink, 0, 15, () => collector.publisher.ready());
  await collector.flush({ end: true });
  await drain();
  await new Promise((r) => setTimeout(r, 200)); // the selections travel on core NATS
  // from now on the gate selects the servers the detectors named
  let byRule = 0;
  let c2ByRule = 0;
  const { c2 } = fx.scenario.actors;
  const gateOut = collector.gate;
  await feed(fx, (rec) => gateOut.process(rec, {
    selected: (f) => {
      if (f.criterionId.startsWith('rule-')) {
        byRule++;
        if (ipv4ToString(f.family === 4 ? (f.scope === 'foreign-domestic' ? f.src4 : f.dst4) : 0) === c2) c2ByRule++;
      }
    },
    feed: () => {},
  }), 15, 5);
  await worker.stop();
  await listening.stop();
  return { selections: collector.selections, byRule, c2ByRule };
}

// #23: the worker's selectScore is the detection stage's, 0.7 by default as in one process (it used to
// send nothing unless given one): nothing is sent only above every score
test('in-process bus: the C2 found by a worker is selected at the collector under the detector rule, by default; nothing above every score', async () => {
  const off = await run(createMemoryBus({ partitions: 4 }), 1.01);
  assert.deepEqual(off, { selections: 0, byRule: 0, c2ByRule: 0 });
  const on = await run(createMemoryBus({ partitions: 4 }), 0.7);
  assert.ok(on.selections > 0, 'selections made');
  assert.ok(on.c2ByRule > 0, `the C2's flows selected by rule (${JSON.stringify(on)})`);
  const byDefault = await run(createMemoryBus({ partitions: 4 }), undefined);
  assert.deepEqual(byDefault, on);
});

test('JetStream: the same selection travels back to the collector', async (t) => {
  if (!(await natsReachable())) {
    t.skip(`NATS is not reachable at ${NATS_URL} (start nats-server -js)`);
    return;
  }
  const js = await createJetStreamBus({ servers: NATS_URL, partitions: 4, prefix: `acdt_${randomBytes(4).toString('hex')}` });
  try {
    const on = await run(js, 0.7);
    assert.ok(on.c2ByRule > 0, `the C2's flows selected by rule (${JSON.stringify(on)})`);
  } finally {
    await js.destroy();
    await js.close();
  }
});
