/**
 * RITA's original beacon score (activecm/rita v5, pkg/analysis/beacon.go, default configuration),
 * computed from the full lists of a pair's timestamps and sizes. It is the baseline the streaming
 * beacon detector is compared with (tests, `npm run eval`); it keeps whole lists, so it is never
 * used on live traffic.
 *
 *   ts   = (Bowley score + MAD score) / 2 over the non-zero intervals (s); MAD default 1
 *   ds   = (Bowley score + MAD score) / 2 over the sizes (bytes); MAD default 0
 *   hist = max(1 − CV, bimodal fit) of connections in 24 equal bins over the dataset's span
 *   dur  = max(coverage, longest run / 12) once ≥ 6 of the 24 bins have connections, else 0
 *   score = (ts + ds + hist + dur) / 4, each rounded to 1/1000; needs ≥ 4 timestamps, 3 non-zero intervals
 */
import { bimodalFit, bowley, cvScore, madScore } from './stats.js';

export interface RitaScore {
  score: number;
  ts: number;
  ds: number;
  hist: number;
  dur: number;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/** tsSec: connection start times in whole seconds (any order); bytes: per-connection sizes. null when RITA would not score the pair. */
export function ritaScore(tsSec: number[], bytes: number[], datasetMin: number, datasetMax: number): RitaScore | null {
  if (tsSec.length < 4 || datasetMax <= datasetMin) return null;
  const ts = Float64Array.from(tsSec, (x) => Math.floor(x)).sort();
  const deltas: number[] = [];
  for (let i = 0; i + 1 < ts.length; i++) {
    const d = (ts[i + 1] ?? 0) - (ts[i] ?? 0);
    if (d > 0) deltas.push(d);
  }
  if (deltas.length < 3) return null;
  const dv = Float64Array.from(deltas).sort();
  const scratch = new Float64Array(Math.max(dv.length, bytes.length));
  const tsScore = r3((bowley(dv, dv.length).score + madScore(dv, dv.length, scratch, 1).score) / 2);
  if (bytes.length < 3) return null;
  const bv = Float64Array.from(bytes).sort();
  const dsScore = r3((bowley(bv, bv.length).score + madScore(bv, bv.length, scratch, 0).score) / 2);

  const bins = new Array<number>(24).fill(0);
  const step = (datasetMax - datasetMin) / 24;
  for (const t of ts) {
    let b = Math.floor((t - datasetMin) / step);
    if (b < 0) b = 0;
    if (b > 23) b = 23;
    bins[b] = (bins[b] ?? 0) + 1;
  }
  const cv = Math.round(cvScore(bins, 0, 24) * 1000) / 1000;
  const bi = bimodalFit(bins, 0, 24, 0.05, 1, 11);
  const hist = Math.max(cv, bi.score);

  let dur = 0;
  const first = ts[0] ?? 0;
  const last = ts[ts.length - 1] ?? 0;
  if (bi.bars >= 6 && last > first) {
    const coverage = Math.min(1, Math.ceil(((last - first) / (datasetMax - datasetMin)) * 1000) / 1000);
    const consistency = Math.min(1, Math.ceil((bi.longestRun / 12) * 1000) / 1000);
    dur = Math.max(coverage, consistency);
  }
  return { score: r3((tsScore + dsScore + hist + dur) / 4), ts: tsScore, ds: dsScore, hist, dur };
}
