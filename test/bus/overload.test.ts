/**
 * A collector fed by UDP cannot wait for the bus: beyond `dropAboveInflight` unacknowledged publishes
 * a batch is dropped and counted, never queued without bound, and every gate output flow is either
 * published or counted as dropped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createBusCollector, createMemoryBus } from '../../src/bus/index.js';
import { feed, fixture } from './fixture.js';

const MINUTES = 3;

test('overload: batches beyond the in-flight cap are dropped and counted; published + dropped = everything the gate let through', async () => {
  // reference: a source that waits for the bus loses nothing
  const fx0 = fixture();
  const ref = createBusCollector({ ...fx0, bus: createMemoryBus({ partitions: 4 }), config: { publisher: { batchSize: 20, producer: 'ref' } } });
  await feed(fx0, ref.sink, 0, MINUTES, () => ref.publisher.ready());
  await ref.flush({ end: true });
  assert.equal(ref.publisher.dropped.flows, 0);
  const everything = ref.publisher.published.flows;
  assert.ok(everything > 1000, `the scenario gave ${everything} flows`);

  // the same input from a source that never waits, with at most 2 publishes in flight
  const fx = fixture();
  const registry = new Registry();
  const c = createBusCollector({
    ...fx,
    bus: createMemoryBus({ partitions: 4 }),
    config: { publisher: { batchSize: 20, producer: 'udp', dropAboveInflight: 2 } },
    deps: { registry },
  });
  await feed(fx, c.sink, 0, MINUTES);
  await c.flush({ end: true });
  const { published, dropped } = c.publisher;
  assert.ok(dropped.overload > 0, 'some batches were dropped');
  assert.equal(dropped.failed, 0);
  assert.equal(published.flows + dropped.flows, everything, 'every flow is published or counted as dropped');
  const text = await registry.metrics();
  assert.match(text, new RegExp(`acd_bus_dropped_flows_total\\{reason="overload"\\} ${dropped.overload}\\b`));
});
