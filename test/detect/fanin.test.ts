import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDetectors, OUTBOUND } from '../../src/detect/index.js';
import { beaconTimes, flow, poissonTimes, prng } from './synth.js';

const T0 = Date.UTC(2026, 0, 1);

test('a botnet: 50 of 550 domestic hosts beaconing to one server is a fan-in finding naming them', () => {
  const rand = prng(50);
  const det = createDetectors();
  const events: { t: number; src: number; dst: string; port: number; bytes: number }[] = [];
  for (let h = 0; h < 50; h++) {
    for (const t of beaconTimes(rand, T0 + Math.floor(rand() * 300_000), 300_000, 0.15, 30)) events.push({ t, src: (0x0a010000 + h) >>> 0, dst: '91.219.236.18', port: 443, bytes: 700 + Math.floor(rand() * 20) });
  }
  // 500 other hosts browse 20 popular servers at random
  for (let h = 0; h < 500; h++) {
    for (const t of poissonTimes(rand, T0, 600_000, 15)) events.push({ t, src: (0x0a020000 + h) >>> 0, dst: `93.184.216.${Math.floor(rand() * 20)}`, port: 443, bytes: 2000 + Math.floor(rand() * 50_000) });
  }
  events.sort((a, b) => a.t - b.t);
  const r = flow({ src: 0, dst: 0, start: 0 });
  for (const e of events) det.observe(flow({ src: e.src, dst: e.dst, dstPort: e.port, start: e.t, bytes: e.bytes }, r), OUTBOUND);
  det.flush(events[events.length - 1]!.t);
  const fi = det.findings.list('fan-in');
  assert.equal(fi.length, 1);
  const f = fi[0]!;
  assert.equal(f.external, '91.219.236.18');
  assert.ok(f.domesticCount >= 45, `victims ${f.domesticCount}`);
  assert.ok(f.domestic.every((d) => d.startsWith('10.1.0.')));
  assert.ok(f.score >= 0.8, `score ${f.score}`);
  assert.ok(f.subscores.victims! > 0.98);
  // the botnet server ranks above every other server
  assert.equal(det.findings.list()[0]?.external, '91.219.236.18');
});

test('fan-in score rises with the number of victims', () => {
  const scoreFor = (hosts: number): number => {
    const rand = prng(hosts);
    const det = createDetectors();
    const ev: { t: number; h: number }[] = [];
    for (let h = 0; h < hosts; h++) for (const t of beaconTimes(rand, T0 + h * 1000, 120_000, 0.1, 25)) ev.push({ t, h });
    ev.sort((a, b) => a.t - b.t);
    for (const e of ev) det.observe(flow({ src: (0x0a030000 + e.h) >>> 0, dst: '185.220.101.1', start: e.t }), OUTBOUND);
    det.flush(ev[ev.length - 1]!.t);
    return det.findings.list('fan-in')[0]?.score ?? 0;
  };
  const s5 = scoreFor(5);
  const s10 = scoreFor(10);
  const s40 = scoreFor(40);
  assert.ok(s5 > 0 && s5 < s10 && s10 < s40, `${s5} ${s10} ${s40}`);
  // 2 victims are not enough for a fan-in finding (minVictims 3, and 3 score under the threshold)
  assert.equal(scoreFor(2), 0);
});
