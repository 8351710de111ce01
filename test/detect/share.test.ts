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
});

test('detectors built for one of 8 partitions hold about a quarter of the one-process beacon table', () => {
  const full = createDetectors().stats().beacon!.capacity;
  const part = createDetectors({ config: configForShare({}, 8) }).stats().beacon!.capacity;
  assert.ok(full >= DEFAULT_BEACON_CONFIG.capacity);
  assert.ok(part >= 250_000 && part < full / 2, `partition beacon capacity ${part} vs ${full}`);
});
