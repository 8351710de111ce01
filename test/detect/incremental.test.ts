/**
 * Flushes cost what changed, not the tables' capacity (#23): the detectors keep lists of the slots
 * flagged since the last flush (SlotList) and of the pairs that can go idle, instead of sweeping a
 * 1 M-slot table every 60 s of flow time. Same findings (golden.test.ts, batch.test.ts); here: the
 * work a day of flushes does, and idle expiry at exactly the flushes a sweep would expire at.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BeaconDetector, createDetectors, OUTBOUND, INBOUND } from '../../src/detect/index.js';
import { SlotList } from '../../src/detect/table.js';
import { MutableFlowRecord } from '../../src/flow/index.js';
import { flow, prng } from './synth.js';

const T0 = Date.UTC(2026, 2, 1);

test('a day of automatic flushes visits about as many slots as there were flows, not 1 440 × the tables', () => {
  const det = createDetectors();
  const rand = prng(23);
  const r = new MutableFlowRecord();
  let flows = 0;
  // 200 hosts each calling one server every 5 min ± 10 %, 100 of them over a day; some inbound noise
  const next: number[] = [];
  for (let i = 0; i < 200; i++) next.push(T0 + Math.floor(rand() * 300_000));
  for (;;) {
    let i = 0;
    for (let j = 1; j < next.length; j++) if (next[j]! < next[i]!) i = j;
    const t = next[i]!;
    if (t > T0 + 86_400_000) break;
    flow({ src: 0x0a000000 + i, dst: 0x2a000000 + (i % 50), dstPort: 8443, start: t, bytes: 300 + (i % 7) }, r);
    det.observe(r, OUTBOUND);
    flow({ src: 0x5b000000 + Math.floor(rand() * 1e6), dst: 0x0a000000 + i, srcPort: 40000, dstPort: 22, start: t, flags: 0x02 }, r);
    det.observe(r, INBOUND);
    flows += 2;
    next[i] = t + Math.round(300_000 * (0.9 + 0.2 * rand()));
  }
  det.flush();
  assert.ok(det.beacon.table.capacity >= 1_000_000);
  // a sweep per flush would be 1 440 × 1 M slots for the beacon table alone
  assert.ok(det.beacon.flushVisited <= 2 * flows, `beacon visited ${det.beacon.flushVisited} slots for ${flows} flows`);
  assert.ok(det.scan.flushVisited <= flows, `scan visited ${det.scan.flushVisited}`);
  assert.ok(det.ddos.flushVisited <= 2 * flows, `ddos visited ${det.ddos.flushVisited}`);
  // and the flushes still score: the regular pairs are beacons
  assert.ok(det.findings.list().filter((f) => f.type === 'beacon').length >= 100);
});

test('idle pairs expire at the same flushes as a sweep of the table would expire them, across days and out-of-order flows', () => {
  const idle = 3600_000;
  const d = new BeaconDetector({ capacity: 8192, idleTimeoutMs: idle }, () => {});
  const rand = prng(7);
  const r = new MutableFlowRecord();
  // the model: a pair's last connection (UDP: no continuation rule), dropped at a flush once idle
  const model = new Map<number, number>();
  let expired = 0;
  let now = T0;
  let sweeps = 0;
  for (let step = 0; step < 6000; step++) {
    now += Math.floor(rand() * 60_000);
    const pair = Math.floor(rand() * 400);
    // one flow in 20 is 0.5-3 h late: a new pair then starts below the expiry horizon
    const late = rand() < 0.05 ? 1800_000 + Math.floor(rand() * 3 * 3600_000) : 0;
    const ts = now - late;
    flow({ src: 0x0a000000 + pair, dst: 0x2b000000 + pair, proto: 17, srcPort: 50000, dstPort: 5353 + (pair % 3), start: ts }, r);
    d.observe(r, OUTBOUND);
    const last = model.get(pair);
    model.set(pair, last === undefined || ts > last ? ts : last);
    if (rand() < 0.15) {
      const before = d.flushVisited;
      d.flush(now, rand() < 0.3);
      if (d.flushVisited - before >= d.table.capacity) sweeps++;
      for (const [p, l] of model) if (now - l > idle) { model.delete(p); expired++; }
      assert.equal(d.table.size, model.size, `pairs tracked at flush ${step}`);
      assert.equal(d.stats().expired, expired);
      for (const p of [0, 1, 2, 399].concat([...model.keys()].slice(0, 5))) {
        flow({ src: 0x0a000000 + p, dst: 0x2b000000 + p, proto: 17, srcPort: 50000, dstPort: 5353 + (p % 3), start: now }, r);
        assert.equal(d.slotOf(r) >= 0, model.has(p), `pair ${p} at flush ${step}`);
      }
    }
  }
  assert.ok(expired > 100, `expired ${expired}`);
  // about 3.5 days of flow time: one table sweep per hour of it at most, not one per flush
  assert.ok(sweeps <= Math.ceil((now - T0) / 3600_000) + 1, `sweeps ${sweeps}`);
});

test('SlotList: drained sorted and once each, bounded when pushed far more often than it holds slots', () => {
  const l = new SlotList(100);
  const rand = prng(3);
  const want = new Set<number>();
  for (let i = 0; i < 10_000; i++) { const s = Math.floor(rand() * 100); l.push(s); want.add(s); assert.ok(l.length <= 125); }
  const got = [...l.drain()];
  assert.deepEqual(got, [...want].sort((a, b) => a - b));
  assert.equal(l.length, 0);
  // pushes during a walk of the drained view go to the next drain, not into the view
  l.push(5); l.push(1);
  const v = l.drain();
  l.push(9);
  assert.deepEqual([...v], [1, 5]);
  assert.deepEqual([...l.drain()], [9]);
});
