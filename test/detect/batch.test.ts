/**
 * observeBatch prefetches each chunk's table lines before observing its flows (read-only). These
 * tests hold it to "the same as observe, flow by flow": on the golden input (every finding type),
 * in chunks that do and do not divide the prefetch batch, and with tables small enough to evict.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGolden } from './golden.js';

test('observeBatch finds exactly what observe finds on the golden input (chunks of 64 and of 1000 flows)', () => {
  const want = runGolden();
  // the input exercises every finding type (golden.test.ts pins observe's results themselves)
  assert.equal(new Set(want.findings.map((f) => (f as { type: string }).type)).size, 7);
  for (const batch of [64, 1000]) {
    const got = runGolden({ batch });
    assert.equal(got.flows, want.flows);
    assert.equal(got.findings.length, want.findings.length, `number of findings (batch ${batch})`);
    for (let i = 0; i < want.findings.length; i++) assert.deepEqual(got.findings[i], want.findings[i]);
    assert.deepEqual(got.pairs, want.pairs);
  }
});

test('observeBatch equals observe when every table evicts (small capacities)', () => {
  const config = { beacon: { capacity: 400, prevalenceCapacity: 64 }, scan: { sourceCapacity: 64, thresholdCapacity: 64 } };
  const one = runGolden({ config });
  const many = runGolden({ config, batch: 100 });
  // the small tables did evict, or the comparison would not cover the insert path
  assert.ok(one.evictions > 10_000, `evictions ${one.evictions}`);
  assert.equal(many.evictions, one.evictions);
  assert.deepEqual(many.findings, one.findings);
  assert.deepEqual(many.pairs, one.pairs);
});
