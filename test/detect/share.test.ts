import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configForShare, createDetectors, sizeForShare, DEFAULT_BEACON_CONFIG } from '../../src/detect/index.js';

test('a partition gets 2x its share of each table, capped at the one-process size, floored, and an explicit size is kept', () => {
  assert.equal(sizeForShare(1_000_000, 1), 1_000_000, 'one share: the one-process default');
  assert.equal(sizeForShare(1_000_000, 2), 1_000_000, 'two shares: 2x a half is the whole, not more');
  assert.equal(sizeForShare(1_000_000, 8), 250_000);
  assert.equal(sizeForShare(20_000, 256), 4096, 'never below the floor');
  assert.throws(() => sizeForShare(1000, 0), /positive integer/);

  const c = configForShare({ beacon: { capacity: 12_345, minConnections: 6 } }, 8);
  assert.equal(c.beacon?.capacity, 12_345, 'a configured size is kept');
  assert.equal(c.beacon?.minConnections, 6, 'other settings pass through');
  assert.equal(c.ddos?.capacity, 62_500);
  assert.equal(c.scan?.sourceCapacity, 62_500);
  assert.equal(c.exfiltration?.pairCapacity, 250_000, 'exfiltration pair ages by share too (#23)');
  assert.equal(configForShare({ exfiltration: { pairCapacity: 777 } }, 8).exfiltration?.pairCapacity, 777);
});

test('a beacon table fills past its first allocation: records grow with the pairs, findings and lookups intact', () => {
  const det = createDetectors({ config: { beacon: { capacity: 100_000 } } });
  // SET_TABLE_FIRST_RECORDS (4096) records first, so 12 000 pairs make the store grow twice
  const r = { exporter: 'x', domain: 0, start: 0, end: 0, family: 4 as const, src4: 0, dst4: 0, src6: new Uint8Array(16), dst6: new Uint8Array(16), srcPort: 40000, dstPort: 443, proto: 6, tcpFlags: 0x1b, packets: 4, bytes: 500, inIf: 0, outIf: 0 };
  const T0 = Date.UTC(2026, 2, 1);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 12_000; i++) {
      r.src4 = 0x0a000000 + (i % 97); r.dst4 = 0x2c000000 + i; r.srcPort = 40000 + round; r.start = r.end = T0 + round * 600_000 + i;
      det.observe(r, 0);
    }
  }
  const st = det.stats().beacon!;
  assert.equal(st.tracked, 12_000, 'every pair kept (12 % of the cap: no set fills)');
  assert.equal(st.evictions, 0);
  for (const i of [0, 4095, 4096, 8191, 8192, 11_999]) {
    r.src4 = 0x0a000000 + (i % 97); r.dst4 = 0x2c000000 + i;
    const s = det.beacon.slotOf(r);
    assert.ok(s >= 0, `pair ${i} found after the store grew`);
  }
});

test('detectors built for one of 8 partitions hold about a quarter of the one-process beacon table', () => {
  const full = createDetectors().stats().beacon!.capacity;
  const part = createDetectors({ config: configForShare({}, 8) }).stats().beacon!.capacity;
  assert.ok(full >= DEFAULT_BEACON_CONFIG.capacity);
  assert.ok(part >= 250_000 && part < full / 2, `partition beacon capacity ${part} vs ${full}`);
});
