/**
 * Benchmark helpers. Every benchmark measures its subject and a baseline in the same run and prints
 * both with their ratio, so figures from different machines compare by the ratio.
 */
export interface Measurement {
  /** operations (records, rows, lookups...) done */
  ops: number;
  /** wall time in milliseconds */
  ms: number;
}

export async function measure(fn: () => Promise<number> | number): Promise<Measurement> {
  const t0 = process.hrtime.bigint();
  const ops = await fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ops, ms };
}

export function rate(m: Measurement): number {
  return m.ops / (m.ms / 1000);
}

export function fmtRate(perSecond: number, unit = 'ops'): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M ${unit}/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k ${unit}/s`;
  return `${perSecond.toFixed(1)} ${unit}/s`;
}

/** Prints one line: name, figure, and the ratio to the baseline measured in the same run. */
export function report(name: string, subject: Measurement, baseline: Measurement | null, unit = 'ops', baselineName = 'baseline'): void {
  const r = rate(subject);
  const parts = [`${name.padEnd(44)} ${fmtRate(r, unit).padStart(18)}  (${subject.ops} in ${subject.ms.toFixed(1)} ms)`];
  if (baseline) parts.push(`  ratio ${(r / rate(baseline)).toFixed(2)}x vs ${baselineName} ${fmtRate(rate(baseline), unit)}`);
  console.log(parts.join(''));
}

export function heapMiB(): number {
  return process.memoryUsage().heapUsed / 1048576;
}
