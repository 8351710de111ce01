/**
 * The robust statistics of RITA's beacon scoring (activecm/rita v5, pkg/analysis/beacon.go), written
 * over a sorted Float64Array prefix so the detectors can run them on their fixed-size reservoirs.
 * Quartiles follow the Go `montanaflynn/stats` package RITA uses: Q2 is the median; Q1 and Q3 are
 * the medians of the lower and upper halves, the middle element excluded when the count is odd.
 */

/** median of a[from, to) (sorted) */
export function medianSorted(a: Float64Array, from: number, to: number): number {
  const n = to - from;
  if (n <= 0) return NaN;
  const m = from + (n >> 1);
  return n % 2 === 1 ? (a[m] ?? NaN) : ((a[m - 1] ?? NaN) + (a[m] ?? NaN)) / 2;
}

export interface Quartiles { q1: number; q2: number; q3: number }

export function quartilesSorted(a: Float64Array, n: number, out: Quartiles): Quartiles {
  const c1 = n % 2 === 0 ? n / 2 : (n - 1) / 2;
  const c2 = n % 2 === 0 ? n / 2 : c1 + 1;
  out.q1 = medianSorted(a, 0, c1);
  out.q2 = medianSorted(a, 0, n);
  out.q3 = medianSorted(a, c2, n);
  return out;
}

const q: Quartiles = { q1: 0, q2: 0, q3: 0 };

/**
 * RITA's Bowley skewness score: skew = (Q1 + Q3 − 2·Q2) / (Q3 − Q1), taken as 0 when the
 * denominator is under `minDen` (RITA: 10, in the data's unit) or the median equals a quartile;
 * score = 1 − |skew|. Needs n ≥ 3.
 */
export function bowley(a: Float64Array, n: number, minDen = 10, out: { skew: number; score: number } = { skew: 0, score: 0 }): { skew: number; score: number } {
  if (n < 3) { out.skew = 0; out.score = 0; return out; }
  quartilesSorted(a, n, q);
  const den = q.q3 - q.q1;
  let skew = 0;
  if (den >= minDen && q.q2 !== q.q1 && q.q2 !== q.q3) skew = (q.q1 + q.q3 - 2 * q.q2) / den;
  out.skew = skew; out.score = 1 - Math.abs(skew);
  return out;
}

/** sorts a[0..n) ascending in place: insertion sort for short prefixes (no subarray view, no call out of the JIT's reach), else the typed array's sort */
export function sortPrefix(a: Float64Array, n: number): void {
  if (n > 16) { a.subarray(0, n).sort(); return; }
  for (let i = 1; i < n; i++) {
    const v = a[i] ?? 0;
    let j = i - 1;
    while (j >= 0 && (a[j] ?? 0) > v) { a[j + 1] = a[j] ?? 0; j--; }
    a[j + 1] = v;
  }
}

/**
 * RITA's median absolute deviation score: score = (median − MAD) / median when median ≥ 1, else
 * `defaultScore` (RITA: 1 for intervals, 0 for sizes); clamped to [0, 1]. `scratch` must hold n values.
 */
export function madScore(a: Float64Array, n: number, scratch: Float64Array, defaultScore: number, out: { median: number; mad: number; score: number } = { median: 0, mad: 0, score: 0 }): { median: number; mad: number; score: number } {
  if (n === 0) { out.median = NaN; out.mad = NaN; out.score = 0; return out; }
  const med = medianSorted(a, 0, n);
  for (let i = 0; i < n; i++) scratch[i] = Math.abs((a[i] ?? 0) - med);
  sortPrefix(scratch, n);
  const mad = medianSorted(scratch, 0, n);
  let score = defaultScore;
  if (med >= 1) score = (med - mad) / med;
  if (!(score >= 0)) score = 0;
  if (score > 1) score = 1;
  out.median = med; out.mad = mad; out.score = score;
  return out;
}

/** RITA's coefficient-of-variation score of a histogram: 1 − σ/μ, 0 when CV > 1 or the histogram is empty. */
export function cvScore(bins: ArrayLike<number>, from: number, to: number): number {
  const n = to - from;
  if (n <= 0) return 0;
  let total = 0;
  for (let i = from; i < to; i++) total += bins[i] ?? 0;
  if (total <= 0) return 0;
  const mean = total / n;
  let ss = 0;
  for (let i = from; i < to; i++) { const d = (bins[i] ?? 0) - mean; ss += d * d; }
  const cv = Math.sqrt(ss / n) / mean;
  return cv > 1 ? 0 : 1 - cv;
}

const GROUPS = 64;
const groupCounts = new Uint32Array(GROUPS);

/**
 * RITA's bimodal fit: bars grouped by height (bin size = ceil(max · sensitivity)); the share of the
 * non-empty bars in the two most frequent height groups, after dropping `outliers` bars; 0 when fewer
 * than `minBars` bars are non-empty. Also returns the bar count and the longest run of non-empty bars
 * (wrapping around, as RITA does).
 */
export function bimodalFit(bins: ArrayLike<number>, from: number, to: number, sensitivity = 0.05, outliers = 1, minBars = 11): { score: number; bars: number; longestRun: number } {
  const n = to - from;
  let bars = 0;
  let largest = 0;
  for (let i = from; i < to; i++) {
    const v = bins[i] ?? 0;
    if (v > 0) bars++;
    if (v > largest) largest = v;
  }
  let longestRun = 0;
  let run = 0;
  for (let i = 0; i < 2 * n; i++) {
    if ((bins[from + (i % n)] ?? 0) > 0) run++;
    else { if (run > longestRun) longestRun = run; run = 0; }
  }
  if (run > longestRun) longestRun = run;
  if (longestRun > n) longestRun = n;
  if (bars < Math.max(minBars, 1) || largest === 0) return { score: 0, bars, longestRun };
  const binSize = Math.max(1, Math.ceil(largest * sensitivity));
  let a = 0;
  let b = 0;
  const top = Math.floor(largest / binSize);
  if (top < GROUPS) {
    // the usual case (sensitivity ≥ 1/63): height groups counted in a reused array, not a Map per call
    const groups = groupCounts;
    for (let g = 0; g <= top; g++) groups[g] = 0;
    for (let i = from; i < to; i++) {
      const v = bins[i] ?? 0;
      if (v > 0) { const g = Math.floor(v / binSize); groups[g] = (groups[g] ?? 0) + 1; }
    }
    for (let g = 0; g <= top; g++) {
      const c = groups[g] ?? 0;
      if (c > a) { b = a; a = c; } else if (c > b) b = c;
    }
  } else {
    const groups = new Map<number, number>();
    for (let i = from; i < to; i++) {
      const v = bins[i] ?? 0;
      if (v <= 0) continue;
      const g = Math.floor(v / binSize);
      groups.set(g, (groups.get(g) ?? 0) + 1);
    }
    for (const c of groups.values()) {
      if (c > a) { b = a; a = c; } else if (c > b) b = c;
    }
  }
  const fit = (a + b) / Math.max(bars - outliers, 1);
  return { score: Math.min(1, Math.round(fit * 1000) / 1000), bars, longestRun };
}
