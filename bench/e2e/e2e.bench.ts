/**
 * End to end (#23), each subject with its baseline in the same run:
 * (a) a generated 24-hour Zeek conn.log day (~260 k flows, 400 hosts) through `analyze` (parse →
 *     gate → detectors → findings) against the same file through `import` (the same parser, counting
 *     only). Both in this process, interleaved, best of ROUNDS; CPU from process.cpuUsage (user +
 *     system: the detectors' tables are faulted in page by page, which is system time).
 * `acd analyze` itself prints the same flows/s and flows per CPU-second figures at its end.
 * (c) the bus worker per core: the demo scenario's gate output (BUS_BENCH_MINUTES, default 120),
 *     published into the in-process bus before the clock starts; timed: one worker holding all 8
 *     partitions decoding the batches and running the detection stage (no store writes), CPU of
 *     this process. Its start-up (eight detector sets allocated) is timed apart on an empty bus and
 *     printed; the per-core figure is given with and without it.
 * (b), live NetFlow against nfcapd side by side, is live.bench.ts (same filter: `npm run bench -- e2e`).
 *
 * ACD_BENCH_E2E_ROUNDS (default 2) sets the rounds. On a shared box the figures are noisy: compare
 * the ratio, measured in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeFiles } from '../../src/pipeline/index.js';
import { importFlowFile } from '../../src/flow/index.js';
import { loadAsnTable4 } from '../../src/selection/index.js';
import { writeZeekDay } from './zeek-day.js';
import { createBusCollector, createBusWorker, createMemoryBus, parsePartitions } from '../../src/bus/index.js';
import { fixture, records } from '../../test/bus/fixture.js';

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

// the IPv4 ASN table (beacon vendorAsns) is read once per process on its first lookup: timed here,
// before the rounds, so the rounds show the per-flow cost; a single `acd analyze` pays it once
const asn = await timed(async () => { loadAsnTable4(); return 1; });
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
console.log(`import  (parse, count)          ${fmt(bestImport!)}`);
console.log(`analyze (parse, gate, detect)   ${fmt(bestAnalyze!)}; ${findings} findings`);
console.log(`ratio analyze/import: ${(cpu(bestImport!) / cpu(bestAnalyze!)).toFixed(2)}x per CPU-s, ${(bestImport!.wall / bestAnalyze!.wall).toFixed(2)}x wall (target >= 0.5)`);
console.log(`  not in the analyze figure: the IPv4 ASN table's one-time load per process (beacon vendorAsns), ${cpu(asn).toFixed(2)} s CPU`);
console.log(`rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
rmSync(dir, { recursive: true, force: true });

// (c) the bus worker per core
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const input = await records(fixture(), 0, Number(process.env.BUS_BENCH_MINUTES ?? 120));
async function filledBus(): Promise<ReturnType<typeof createMemoryBus>> {
  const bus = createMemoryBus({ partitions: 8 });
  const collector = createBusCollector({ ...fixture(), bus, config: { publisher: { batchSize: 1000, maxInflight: 1 << 20 } } });
  for (let i = 0; i < input.length; i++) {
    collector.sink(input[i]!);
    if ((i & 1023) === 0) await collector.publisher.ready();
  }
  await collector.flush({ end: true });
  return bus;
}
let bestWorker: Run | null = null;
let bestStart: Run | null = null;
for (let i = 0; i < ROUNDS + 1; i++) {
  const empty = createMemoryBus({ partitions: 8 });
  gc();
  const st = await timed(async () => {
    const w = createBusWorker({ bus: empty, partitions: parsePartitions('0-7', 8) });
    await w.start();
    await w.stop();
    return 0;
  });
  await empty.close();
  const bus = await filledBus();
  gc();
  const run = await timed(async () => {
    const w = createBusWorker({ bus, partitions: parsePartitions('0-7', 8), config: { maxAckPending: 64 } });
    await w.start();
    for (;;) {
      let lag = 0;
      for (const n of (await w.lag()).values()) lag += n;
      if (lag === 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const n = w.stats.selected + w.stats.dropped;
    await w.stop();
    return n;
  });
  await bus.close();
  if (!bestWorker || cpu(run) < cpu(bestWorker)) bestWorker = run;
  if (!bestStart || cpu(st) < cpu(bestStart)) bestStart = st;
}
const w = bestWorker!;
const steady = Math.max(1e-3, cpu(w) - cpu(bestStart!));
console.log(`(c) bus worker, 8 partitions in one thread, ${w.flows} gate-output flows (demo scenario), no store writes:`);
console.log(`  start-up (8 detector sets): ${(cpu(bestStart!) * 1000).toFixed(0)} ms CPU`);
console.log(`  with start-up: ${fmt(w)}`);
console.log(`  without it: ${Math.round(w.flows / steady / 1000)} k flows/CPU-s (target >= 500 k)`);
