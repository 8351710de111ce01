import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDetectors, BeaconDetector, OUTBOUND } from '../../src/detect/index.js';
import { MutableFlowRecord } from '../../src/flow/index.js';
import { FindingStore } from '../../src/detect/index.js';
import type { Finding } from '../../src/detect/index.js';

const T0 = Date.UTC(2026, 0, 1);

test('a million distinct pairs keep every detector within its cap; a beacon pair survives the churn', () => {
  const cap = 20_000;
  const det = createDetectors({ config: { beacon: { capacity: cap }, scan: { sourceCapacity: cap, thresholdCapacity: cap }, ddos: { capacity: cap }, longConnection: { capacity: cap } } });
  const r = new MutableFlowRecord();
  r.family = 4; r.proto = 6; r.tcpFlags = 0x1b; r.packets = 4; r.bytes = 400; r.srcPort = 50000;
  for (let i = 0; i < 1_000_000; i++) {
    r.start = T0 + i * 2; r.end = r.start + 10;
    if (i % 1000 === 0) { r.src4 = 0x0a0000fe; r.dst4 = 0x29000001; r.dstPort = 1177; } // 1 every 2 s: a strobe-free beacon
    else { r.src4 = (0x0a000000 + (i % 65_000)) >>> 0; r.dst4 = (0x50000000 + i) >>> 0; r.dstPort = 443; }
    det.observe(r, OUTBOUND);
  }
  det.flush(r.end);
  const st = det.stats();
  for (const [name, s] of Object.entries(st)) assert.ok(s.tracked <= s.capacity, `${name} ${s.tracked} > ${s.capacity}`);
  assert.equal(st.beacon!.tracked, cap);
  assert.ok(st.beacon!.evictions >= 1_000_000 - 1000 - cap - 1, `evictions ${st.beacon!.evictions}`);
  assert.ok(st.beacon!.bytesPerKey <= 200, `bytes per pair ${st.beacon!.bytesPerKey}`);
  // the regular pair (1000 connections) is the most useful state and was never evicted
  const probe = new MutableFlowRecord();
  probe.family = 4; probe.src4 = 0x0a0000fe; probe.dst4 = 0x29000001; probe.dstPort = 1177; probe.proto = 6;
  assert.ok(det.beacon.slotOf(probe) >= 0);
});

test('idle pairs are dropped at flush after idleTimeoutMs', () => {
  const d = new BeaconDetector({ capacity: 100, idleTimeoutMs: 3600_000 }, () => {});
  const r = new MutableFlowRecord();
  r.family = 4; r.proto = 6; r.src4 = 1; r.dst4 = 2; r.dstPort = 80; r.srcPort = 40000; r.start = T0; r.end = T0;
  d.observe(r, OUTBOUND);
  d.flush(T0 + 1000);
  assert.equal(d.table.size, 1);
  d.flush(T0 + 2 * 3600_000);
  assert.equal(d.table.size, 0);
  assert.equal(d.stats().expired, 1);
});

test('the finding store is bounded: the lowest score goes first, an update keeps first seen', () => {
  const s = new FindingStore({ capacity: 2 });
  const mk = (key: string, score: number, first: number): Finding => ({ type: 'beacon', key, external: '1.2.3.4', port: 1, proto: 6, direction: 'outbound', domestic: [], domesticCount: 0, firstSeen: first, lastSeen: first, score, subscores: {}, evidence: {}, updates: 1 });
  s.upsert(mk('a', 0.9, 10));
  s.upsert(mk('b', 0.5, 10));
  s.upsert(mk('a', 0.95, 20));
  assert.equal(s.get('a')?.firstSeen, 10);
  assert.equal(s.get('a')?.updates, 2);
  s.upsert(mk('c', 0.7, 30));
  assert.deepEqual(s.list().map((f) => f.key), ['a', 'c']);
  assert.equal(s.dropped, 1);
});
