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
 * intervals ≥ 1 s). Intervals under 1 s end a run.
 *
 * Coarser timestamps. An exporter with whole-second timestamps (or 100 ms, 10 ms) rounds every
 * interval by up to its resolution q, which widens the window a step can fall in: with whole
 * seconds and a 3 s mean, 3.5 % of Poisson pairs of 200 connections reached 0.8 through their run.
 * Each pair therefore keeps the coarsest resolution its timestamps allow (all multiples of 1 s,
 * 100 ms, 10 ms, or finer: `resolutionClass`, the finest seen wins), a run counts intervals of at
 * least T = max(1 s, 20 q) only, and its bound uses the window widened by q/T on the low side,
 * u' = −ln(e^−u − q/T) (q/T = 0.05 for 1 s and 100 ms, 0.01 for 10 ms): f' = stepChance(u'), so a
 * short loop needs one or two more steps at those resolutions.
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

/** the window's half-width in log terms: tolerance + code rounding */
const U_CODE = ((RUN_TOL_CODE + 1) / CODES) * Math.LN2;
/** the bound f per step for millisecond (or finer) timestamps: tolerance + code rounding + 1 ms on intervals ≥ 1 s */
export const RUN_STEP_CHANCE = stepChance(U_CODE + 0.004);

/** timestamp resolution classes, coarsest first: 0 whole seconds, 1 multiples of 100 ms, 2 of 10 ms, 3 finer */
export function resolutionClass(ms: number): number {
  return ms % 10 !== 0 ? 3 : ms % 100 !== 0 ? 2 : ms % 1000 !== 0 ? 1 : 0;
}
/** per resolution class: the shortest interval (s) a run counts, T = max(1 s, 20 q) */
export const RUN_MIN_SECONDS: readonly number[] = [20, 2, 1, 1];
/** per resolution class: the bound f per step (the window widened by q/T: 0.05, 0.05, 0.01; class 3 as above) */
export const RUN_STEP_CHANCES: readonly number[] = [0.05, 0.05, 0.01].map((w) => stepChance(-Math.log(Math.exp(-U_CODE) - w))).concat([RUN_STEP_CHANCE]);
const LOG_F = RUN_STEP_CHANCES.map((f) => -Math.log10(f));

/** the interval's code (1..65535; 0: under `min` seconds (default 1), no run) */
export function runCode(sec: number, min = 1): number {
  if (!(sec >= min)) return 0;
  const c = 1 + Math.round(Math.log2(sec) * CODES);
  return c > 65535 ? 65535 : c;
}

/** −log10 of the chance bound n·f^k for the longest run of k steps among n intervals (f of the resolution class, default the finest) */
export function runEvidence(steps: number, intervals: number, resolution = 3): number {
  return steps * (LOG_F[resolution] ?? 0) - Math.log10(intervals > 1 ? intervals : 1);
}

/** the run subscore in [0, 1]: 0.8 at a chance bound of 10⁻⁴ (see above) */
export function runScore(steps: number, intervals: number, resolution = 3): number {
  if (steps <= 0) return 0;
  const l = runEvidence(steps, intervals, resolution);
  const s = l <= 4 ? 0.2 * l : 0.8 + 0.05 * (l - 4);
  return s <= 0 ? 0 : s >= 1 ? 1 : s;
}
