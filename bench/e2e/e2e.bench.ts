/**
 * End to end (#23), each subject with its baseline in the same run:
 * (a) a generated 24-hour Zeek conn.log day (~260 k flows, 400 hosts) through `analyze` (parse →
 *     gate → detectors → findings) against the same file through `import` (the same parser, counting
 *     only). Both in this process, interleaved, best of ROUNDS; CPU from process.cpuUsage (user +
 *     system: the detectors' tables are faulted in page by page, which is system time).
 * `acd analyze` itself prints the same flows/s and flows per CPU-second figures at its end.
 *
 * ACD_BENCH_E2E_ROUNDS (default 2) sets the rounds. On a shared box the figures are noisy: compare
 * the ratio, measured in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeFiles } from '../../src/pipeline/index.js';
import { importFlowFile } from '../../src/flow/index.js';
import { loadAsnTable } from '../../src/selection/geodata.js';
import { writeZeekDay } from './zeek-day.js';

const ROUNDS = Number(process.env.ACD_BENCH_E2E_ROUNDS ?? 2);
const dir = mkdtempSync(join(tmpdir(), 'acd-e2e-'));
const file = join(dir, 'conn.log');
const day = writeZeekDay(file);
console.log(`(a) offline day: ${day.flows} flows, ${(day.bytes / 1048576).toFixed(1)} MiB Zeek TSV, 400 hosts, 24 h`);

interface Run { wall: number; user: number; sys: number; flows: number }
async function timed(fn: () => Promise<number>): Promise<Run> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const flows = await fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { wall, user: c.user / 1e6, sys: c.system / 1e6, flows };
}
const cpu = (r: Run): number => r.user + r.sys;
const fmt = (r: Run): string =>
  `${Math.round(r.flows / r.wall / 1000)} k flows/s wall, ${Math.round(r.flows / cpu(r) / 1000)} k flows/CPU-s (user ${r.user.toFixed(2)} s, sys ${r.sys.toFixed(2)} s)`;

let bestImport: Run | null = null;
let bestAnalyze: Run | null = null;
let findings = 0;
for (let i = 0; i < ROUNDS; i++) {
  const imp = await timed(async () => { let n = 0; await importFlowFile(file, { sink: () => { n++; } }); return n; });
  const an = await timed(async () => {
    const r = await analyzeFiles({ files: [file], domestic: [day.domestic] });
    findings = r.findings.length;
    return r.imports.reduce((s, x) => s + x.records, 0);
  });
  if (!bestImport || cpu(imp) < cpu(bestImport)) bestImport = imp;
  if (!bestAnalyze || cpu(an) < cpu(bestAnalyze)) bestAnalyze = an;
}
const asn = await timed(async () => { loadAsnTable(); return 1; });
console.log(`import  (parse, count)          ${fmt(bestImport!)}`);
console.log(`analyze (parse, gate, detect)   ${fmt(bestAnalyze!)}; ${findings} findings`);
console.log(`ratio analyze/import: ${(cpu(bestImport!) / cpu(bestAnalyze!)).toFixed(2)}x per CPU-s, ${(bestImport!.wall / bestAnalyze!.wall).toFixed(2)}x wall (target >= 0.5)`);
console.log(`  of analyze's CPU, a one-time load of the ASN table (beacon vendorAsns): ${cpu(asn).toFixed(2)} s`);
console.log(`rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
rmSync(dir, { recursive: true, force: true });
