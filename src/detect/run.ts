/**
 * The regular-run subscore of the beacon detector: the longest run of consecutive intervals of a pair
 * each within ±5 % of the one before it (a reconnect loop, one burst of a sleep-then-burst beacon),
 * scored by how unlikely such a run is in random traffic. beacon.ts keeps, per pair, 4 bytes for it:
 * the last interval as a log code (u16), the current run and the longest run, in steps (u8 each).
 *
 * Null model: Poisson connection times (intervals i.i.d. exponential, any mean μ); sizes play no part,
 * so constant-size random traffic gets no free pass. A step is "interval x within a factor e^±u of the
 * previous interval r". Given r, P(step) = e^(−a·e^−u) − e^(−a·e^u) with a = r/μ; its maximum over a
 * (at a = u / sinh u) is f(u), ≈ 2u/e for small u. Intervals being independent, every step has
 * conditional probability ≤ f whatever came before, so a run of ≥ k steps starting at a given interval
 * has probability ≤ f^k, and the longest run of a pair with n intervals is ≥ k with probability
 * ≤ n·f^k (union over where it starts). The run subscore is that bound, L = −log10(n·f^k): 0.2 per
 * decade up to 0.8 at n·f^k = 10⁻⁴, then 0.05 per decade to 1 at 10⁻⁸. So a Poisson pair reaches the
 * beacon threshold (0.8) through its run with probability ≤ 10⁻⁴, whatever its connection count: a
 * hundredth of the 1 % the main score is allowed (test/detect/beacon.test.ts simulates both nulls).
 *
 * The tolerance, 5 %, was chosen on synthetic loops (test/detect/beacon.test.ts; a sweep of 3-20 % in
 * src/detect/README.md): the run is for loops too short for the main score (under ~30 connections),
 * which, at 10⁻⁴, only a tight tolerance can catch: at 5 % a loop with ≤ ±2.5 % noise is found from 6
 * connections; at 7.5 % it needs 8, at 20 % 10 or more, while deliberately jittered beacons (≥ 5 %
 * jitter) are the main score's. The code is the interval's log2 in 1/2048 octave (u = ln 1.05 is 144
 * codes); the bound is computed for 145 codes (rounding) plus 0.004 (millisecond timestamps on
 * intervals ≥ 1 s). Intervals under 1 s end a run: sources with coarser timestamps (whole seconds)
 * would make short equal intervals common.
 */

/** relative tolerance between consecutive intervals of a run */
export const RUN_TOLERANCE = 0.05;
/** interval codes per octave */
const CODES = 2048;
/** |code − previous code| allowed in a run */
export const RUN_TOL_CODE = Math.round(Math.log2(1 + RUN_TOLERANCE) * CODES);

/** max over the interval/mean ratio of the chance that an exponential interval falls within e^±u of a given one */
export function stepChance(u: number): number {
  const a = u / Math.sinh(u);
  return Math.exp(-a * Math.exp(-u)) - Math.exp(-a * Math.exp(u));
}

/** the bound f per step used by runScore: tolerance + code rounding + millisecond timestamps */
export const RUN_STEP_CHANCE = stepChance(((RUN_TOL_CODE + 1) / CODES) * Math.LN2 + 0.004);
const LOG_F = -Math.log10(RUN_STEP_CHANCE);

/** the interval's code (1..65535; 0: under 1 s, no run) */
export function runCode(sec: number): number {
  if (!(sec >= 1)) return 0;
  const c = 1 + Math.round(Math.log2(sec) * CODES);
  return c > 65535 ? 65535 : c;
}

/** −log10 of the chance bound n·f^k for the longest run of k steps among n intervals */
export function runEvidence(steps: number, intervals: number): number {
  return steps * LOG_F - Math.log10(intervals > 1 ? intervals : 1);
}

/** the run subscore in [0, 1]: 0.8 at a chance bound of 10⁻⁴ (see above) */
export function runScore(steps: number, intervals: number): number {
  if (steps <= 0) return 0;
  const l = runEvidence(steps, intervals);
  const s = l <= 4 ? 0.2 * l : 0.8 + 0.05 * (l - 4);
  return s <= 0 ? 0 : s >= 1 ? 1 : s;
}
