/**
 * The detection stage (detect/stage.ts, #23): the one path flows take to the detectors in the
 * pipeline and the bus worker. Same findings as observing flow by flow; `disable` and the mask
 * honoured; a finding at or above selectScore handed to onSelect; the batch's lag bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDetectionStage, DETECTOR_MASK, OUTBOUND, INBOUND, PREFETCH_BATCH } from '../../src/detect/index.js';
import type { Finding } from '../../src/detect/index.js';
import { MutableFlowRecord } from '../../src/flow/index.js';
import { runGolden } from './golden.js';
import { beaconTimes, flow, prng } from './synth.js';

const T0 = Date.UTC(2026, 2, 2);

test('the stage finds exactly what observe finds, flow by flow, on the golden input', () => {
  const want = runGolden();
  const got = runGolden({ stage: true });
  assert.equal(got.findings.length, want.findings.length);
  for (let i = 0; i < want.findings.length; i++) assert.deepEqual(got.findings[i], want.findings[i]);
  assert.deepEqual(got.pairs, want.pairs);
});

/** a 10-host beacon (60 s) and an inbound scan, through a stage */
function feed(stage: ReturnType<typeof createDetectionStage>, mask = 127): void {
  const rand = prng(5);
  const r = new MutableFlowRecord();
  const times = beaconTimes(rand, T0, 60_000, 0.05, 200);
  for (let i = 0; i < times.length; i++) {
    for (let h = 0; h < 10; h++) { flow({ src: 0x0a000001 + h, dst: 0x2c000001, dstPort: 4444, start: times[i]! + h }, r); stage.push(r, OUTBOUND, mask); }
    for (let k = 0; k < 30; k++) { flow({ src: 0x2d000009, dst: 0x0a000100 + ((i * 30 + k) & 4095), srcPort: 40000, dstPort: 22, start: times[i]! + k, flags: 0x02 }, r); stage.push(r, INBOUND, mask); }
  }
  stage.flush();
}

test('disable and the per-flow mask: a detector turned off or outside the mask keeps no state', () => {
  const all = createDetectionStage();
  feed(all);
  const types = new Set(all.detectors.findings.list().map((f) => f.type));
  assert.ok(types.has('beacon') && types.has('scan'), [...types].join());
  const off = createDetectionStage({ config: { detectors: { disable: ['scan'] } } });
  feed(off);
  assert.equal(off.detectors.findings.list().filter((f) => f.type === 'scan').length, 0);
  assert.equal(off.detectors.scan.stats().tracked, 0);
  const beaconOnly = createDetectionStage();
  feed(beaconOnly, DETECTOR_MASK.beacon);
  assert.equal(beaconOnly.detectors.scan.stats().tracked, 0);
  assert.ok(beaconOnly.detectors.findings.list().some((f) => f.type === 'beacon'));
});

test('a confirmed finding at or above selectScore about an external server goes to onSelect (default 0.7); a suspected one does not (#21)', () => {
  const selected: Finding[] = [];
  const seen: Finding[] = [];
  const stage = createDetectionStage({ deps: { onSelect: (f) => selected.push(f), onFinding: (f) => seen.push(f) } });
  assert.equal(stage.selectScore, 0.7);
  feed(stage);
  const want = seen.filter((f) => f.score >= 0.7 && f.external && f.tier === 'confirmed');
  assert.ok(want.length > 0);
  assert.ok(seen.some((f) => f.score >= 0.7 && f.external && f.tier === 'suspected'), 'a suspected finding above the score is seen');
  assert.deepEqual(selected.map((f) => f.key), want.map((f) => f.key));
  const high = createDetectionStage({ config: { selectScore: 1.01 }, deps: { onSelect: () => assert.fail('nothing reaches 1.01') } });
  feed(high);
});

test('the batch lag: at most PREFETCH_BATCH - 1 flows wait, and a partial chunk is observed when the task ends', async () => {
  const stage = createDetectionStage();
  const r = new MutableFlowRecord();
  for (let i = 0; i < PREFETCH_BATCH * 3 + 5; i++) {
    flow({ src: 0x0a000001, dst: 0x2c000002, start: T0 + i * 1000 }, r);
    stage.push(r, OUTBOUND, 127);
    assert.ok(stage.pending < PREFETCH_BATCH);
  }
  assert.equal(stage.pending, 5);
  assert.equal(stage.detectors.beacon.stats().flows, PREFETCH_BATCH * 3);
  await Promise.resolve();
  assert.equal(stage.pending, 0);
  assert.equal(stage.detectors.beacon.stats().flows, PREFETCH_BATCH * 3 + 5);
  // the chunk's records are copies: the caller's reused record changing does not change them
  const s2 = createDetectionStage();
  flow({ src: 0x0a000001, dst: 0x2c000003, dstPort: 7777, start: T0 }, r);
  s2.push(r, OUTBOUND, 127);
  flow({ src: 0x0a000001, dst: 0x2c000004, dstPort: 7778, start: T0 + 1 }, r);
  s2.drain();
  const probe = flow({ src: 0x0a000001, dst: 0x2c000003, dstPort: 7777, start: T0 });
  assert.ok(s2.detectors.beacon.slotOf(probe) >= 0);
});
