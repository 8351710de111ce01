/**
 * Order independence (issue #21, item 9): the same flows in time order and in Zeek's native order
 * (logged when a connection ends: out of start order by up to a minute) give the same confirmed
 * finding keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDetectors, INBOUND, OUTBOUND } from '../../src/detect/index.js';
import { MutableFlowRecord } from '../../src/flow/index.js';
import { beaconTimes, flow, poissonTimes, prng, SYN } from './synth.js';

const T0 = Date.UTC(2026, 4, 1);
const H = 3600_000;

interface Ev { t: number; dur: number; src: string | number; dst: string | number; dp: number; bytes: number; flags?: number; pkts?: number; dir: 0 | 1 }

function events(): Ev[] {
  const rand = prng(99);
  const ev: Ev[] = [];
  const dur = (): number => Math.floor(rand() * 60_000);
  // fan-in: 12 hosts beaconing to one server every 2 min; one host's beacon to an indicator address
  for (let v = 0; v < 12; v++) for (const t of beaconTimes(rand, T0 + rand() * 600_000, 120_000, 0.05, 150)) ev.push({ t, dur: dur(), src: `10.0.3.${v + 1}`, dst: '45.9.1.1', dp: 8080, bytes: 400 + Math.floor(rand() * 20), dir: OUTBOUND });
  for (const t of beaconTimes(rand, T0, 300_000, 0.05, 60)) ev.push({ t, dur: dur(), src: '10.0.4.1', dst: '77.1.2.3', dp: 443, bytes: 800, dir: OUTBOUND });
  // background: Poisson pairs from 60 hosts
  for (let i = 0; i < 200; i++) for (const t of poissonTimes(rand, T0 + rand() * H, 90_000, 10 + Math.floor(rand() * 80))) ev.push({ t, dur: dur(), src: `10.0.5.${i % 60}`, dst: 0x50000000 + i, dp: 443, bytes: 100 + Math.floor(rand() * 9000), dir: OUTBOUND });
  // an inbound scan
  for (let j = 0; j < 300; j++) ev.push({ t: T0 + 2 * H + j * 200, dur: 0, src: '91.2.2.2', dst: `10.0.6.${j % 250}`, dp: 445, bytes: 44, flags: SYN, pkts: 1, dir: INBOUND });
  return ev;
}

function confirmedKeys(order: 'start' | 'end'): string[] {
  const ev = events();
  if (order === 'start') ev.sort((a, b) => a.t - b.t); else ev.sort((a, b) => a.t + a.dur - (b.t + b.dur));
  const det = createDetectors({ config: { beacon: { capacity: 20_000 }, indicator: { indicators: [{ id: 'ioc', address: '77.1.2.3' }] } } });
  const r = new MutableFlowRecord();
  for (const e of ev) det.observe(flow({ src: e.src, dst: e.dst, dstPort: e.dp, start: e.t, durationMs: e.dur, bytes: e.bytes, ...(e.flags ? { flags: e.flags } : {}), ...(e.pkts ? { packets: e.pkts } : {}) }, r), e.dir);
  det.flush();
  return det.findings.list().filter((f) => f.tier === 'confirmed').map((f) => f.key).sort();
}

test('time order and Zeek\'s native order (by end, up to a minute apart) give the same confirmed finding keys', () => {
  const a = confirmedKeys('start');
  const b = confirmedKeys('end');
  assert.ok(a.some((k) => k.startsWith('fan-in|45.9.1.1')), `the fan-in is confirmed: ${a.join(' ')}`);
  assert.ok(a.some((k) => k.startsWith('beacon|77.1.2.3')), 'the indicator-corroborated beacon is confirmed');
  assert.deepEqual(b, a);
});
