import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bimodalFit, bowley, cvScore, madScore, quartilesSorted } from '../../src/detect/stats.js';
import { hllAdd, hllCount } from '../../src/detect/hll.js';
import { fmix32 } from '../../src/detect/hash.js';

const f = (xs: number[]): Float64Array => Float64Array.from(xs);

test('quartiles follow montanaflynn/stats (RITA): halves exclude the median when n is odd', () => {
  const q = quartilesSorted(f([1, 2, 3, 4, 5, 6, 7]), 7, { q1: 0, q2: 0, q3: 0 });
  assert.deepEqual(q, { q1: 2, q2: 4, q3: 6 });
  const q2 = quartilesSorted(f([1, 2, 3, 4, 5, 6, 7, 8]), 8, { q1: 0, q2: 0, q3: 0 });
  assert.deepEqual(q2, { q1: 2.5, q2: 4.5, q3: 6.5 });
});

test('Bowley skew: (Q1 + Q3 − 2 Q2) / (Q3 − Q1), 0 when the spread is under 10 or the median sits on a quartile', () => {
  // q1 10, q2 20, q3 60: (10 + 60 − 40) / 50 = 0.6
  const b = bowley(f([5, 10, 15, 20, 40, 60, 80]), 7);
  assert.equal(b.skew, 0.6);
  assert.ok(Math.abs(b.score - 0.4) < 1e-12);
  assert.equal(bowley(f([1, 2, 3, 4, 5, 6, 7]), 7).skew, 0); // spread 4 < 10
  assert.equal(bowley(f([10, 10, 10, 50, 90]), 5).skew, 0); // q1 = q2
});

test('MAD score: (median − MAD) / median, the default below a median of 1', () => {
  const s = new Float64Array(8);
  const m = madScore(f([58, 59, 60, 61, 62]), 5, s, 1);
  assert.equal(m.median, 60);
  assert.equal(m.mad, 1);
  assert.ok(Math.abs(m.score - 59 / 60) < 1e-12);
  assert.equal(madScore(f([0.1, 0.2, 0.3]), 3, s, 1).score, 1);
  assert.equal(madScore(f([0.1, 0.2, 0.3]), 3, s, 0).score, 0);
});

test('histogram scores: CV of a flat histogram is 1, of one spike 0; bimodal fit of two plateaus is 1', () => {
  assert.equal(cvScore([5, 5, 5, 5], 0, 4), 1);
  assert.equal(cvScore([20, 0, 0, 0, 0], 0, 5), 0);
  const two = [10, 10, 10, 10, 10, 10, 2, 2, 2, 2, 2, 2];
  const b = bimodalFit(two, 0, 12, 0.05, 1, 11);
  assert.equal(b.score, 1);
  assert.equal(b.bars, 12);
  assert.equal(b.longestRun, 12);
  assert.equal(bimodalFit([1, 0, 1], 0, 3, 0.05, 1, 11).score, 0);
});

test('HyperLogLog with 32 registers counts 1000 distinct within 35 %, and repeats do not count', () => {
  const r = new Uint8Array(32);
  for (let i = 0; i < 1000; i++) hllAdd(r, 0, 32, fmix32(i + 1));
  const once = hllCount(r, 0, 32);
  assert.ok(once > 650 && once < 1350, `${once}`);
  for (let i = 0; i < 1000; i++) hllAdd(r, 0, 32, fmix32(i + 1));
  assert.equal(hllCount(r, 0, 32), once);
});
