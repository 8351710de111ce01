/**
 * Detector throughput, memory per tracked pair, and heap over a long run.
 *  - all detectors together (createDetectors, default capacities) vs a baseline in the same run that
 *    generates the same flows and counts them per pair key in a Map (the least a per-pair detector does)
 *  - bytes per tracked beacon pair: declared (typed-array layout) and measured (arrayBuffers growth)
 *  - heap, array buffers and RSS every few million flows over ACD_BENCH_FLOWS flows (default 50 M),
 *    with a million-pair key space churning through the beacon table's cap
 */
import { createDetectors, BeaconDetector, OUTBOUND, INBOUND } from '../../src/detect/index.js';
import { MutableFlowRecord } from '../../src/flow/index.js';
import { measure, report } from '../lib.js';
import type { Measurement } from '../lib.js';

/** runs fn, returning wall-clock and CPU-time measurements of it (the box may be shared: CPU time is steadier) */
async function measureCpu(fn: () => number): Promise<{ wall: Measurement; cpu: Measurement }> {
  const c0 = process.cpuUsage();
  const wall = await measure(fn);
  const c = process.cpuUsage(c0);
  return { wall, cpu: { ops: wall.ops, ms: (c.user + c.system) / 1000 } };
}

const T0 = Date.UTC(2026, 0, 1);
const gc = (globalThis as { gc?: () => void }).gc;
const mib = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`;

/**
 * Two traffic mixes. 'churn': 2 % of flows from 2 000 beaconing pairs, the rest random pairs over
 * 65 k domestic hosts × 2^20 external addresses, so nearly every flow is a new pair and every table
 * evicts on every flow (the worst case). 'typical': 80 % of flows from a working set of 200 k pairs
 * (active conversations), 20 % random. Both: ~6 % inbound, 1/64 failed SYNs, 1/16 UDP.
 */
function makeGen(seed: number, hot = 0): (r: MutableFlowRecord, i: number) => number {
  let s = seed >>> 0;
  const rnd = (): number => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return s >>> 0; };
  return (r, i) => {
    const x = rnd();
    const t = T0 + i * 0.1; // 10 k flows per second of event time
    r.start = t; r.end = t + (x & 1023);
    r.family = 4;
    r.proto = (x & 15) === 0 ? 17 : 6;
    r.srcPort = 32768 + (x >>> 17);
    r.packets = 1 + (x & 31);
    r.bytes = 60 + (x & 4095);
    r.tcpFlags = (x & 63) === 0 ? 0x02 : 0x1b;
    let dir = OUTBOUND as 0 | 1;
    if ((x & 63) < 1) { // beacon pairs
      const b = (x >>> 8) % 2000;
      r.src4 = (0x0a000000 + b) >>> 0; r.dst4 = (0x29000000 + b) >>> 0; r.dstPort = 443;
    } else {
      const y = rnd();
      r.src4 = (0x0a000000 + (y & 0xffff)) >>> 0;
      r.dst4 = (0x50000000 + (rnd() & 0xfffff)) >>> 0;
      if (hot > 0 && (x >>> 24) < 205) { const p = y % hot; r.src4 = (0x0a000000 + (p & 0xffff)) >>> 0; r.dst4 = (0x50000000 + ((p * 2654435761) >>> 12)) >>> 0; }
      r.dstPort = (y >>> 16) % 10 === 0 ? 80 : 443;
      if ((y >>> 28) === 0) { dir = INBOUND; const a = r.src4; r.src4 = r.dst4; r.dst4 = a; r.srcPort = r.dstPort; r.dstPort = 40000; }
    }
    return dir;
  };
}

const N = Number(process.env.ACD_BENCH_N ?? 3_000_000);
/** flows go to the detectors in chunks, as a decoded datagram or a bus batch brings them */
const CHUNK = 256;
const chunk = Array.from({ length: CHUNK }, () => new MutableFlowRecord());
const dirs = new Uint8Array(CHUNK);
type Gen = ReturnType<typeof makeGen>;
/** flows [from, from + n) of gen through det: `batch` by observeBatch per chunk, else observe one by one */
function feed(det: ReturnType<typeof createDetectors>, gen: Gen, from: number, n: number, batch: boolean): void {
  for (let i = from, end = from + n; i < end; i += CHUNK) {
    const m = Math.min(CHUNK, end - i);
    for (let j = 0; j < m; j++) dirs[j] = gen(chunk[j]!, i + j);
    if (batch) det.observeBatch(chunk, dirs, m);
    else for (let j = 0; j < m; j++) det.observe(chunk[j]!, dirs[j] as 0 | 1);
  }
}

// the long run's detector set, made (and its typed arrays measured) before the other runs, while
// no other set exists to be collected meanwhile
gc?.();
const abLong = process.memoryUsage().arrayBuffers;
const long = createDetectors();
const setBytes = process.memoryUsage().arrayBuffers - abLong;
console.log(`one full detector set (createDetectors, default capacities): ${mib(setBytes)} of typed arrays allocated up front`);

// bytes per beacon pair: declared layout and measured array-buffer growth for 1 M pairs
// (measured first, while no other detector set exists to be collected meanwhile)
gc?.();
const ab0 = process.memoryUsage().arrayBuffers;
let one: BeaconDetector | null = new BeaconDetector({ capacity: 1_000_000, prevalenceCapacity: 1024 }, () => {});
const ab1 = process.memoryUsage().arrayBuffers;
console.log(`bytes per tracked beacon pair: declared ${one.bytesPerKey().toFixed(1)}, measured ${((ab1 - ab0) / 1_000_000).toFixed(1)} (1 M pairs: ${mib(ab1 - ab0)})`);

// dropped explicitly: a block-scoped const at module level stays reachable for the whole run
one = null;

// issue #21: the new detectors (exfiltration, slow / distributed / repeated-failure scans, tiers)
// against the set before them, same flows, same run, observeBatch; ACD_BENCH_ONLY_NEW=1 stops after it
for (const [mix, hot] of [['typical', 200_000], ['churn', 0]] as const) {
  const cpu: number[] = [];
  for (const cfg of [{ disable: ['exfiltration' as const], slowScan: false as const }, {}]) {
    const det = createDetectors({ config: cfg });
    const g = makeGen(1, hot);
    feed(det, g, 0, 1_000_000, true);
    const r = await measureCpu(() => { feed(det, g, 1_000_000, N, true); return N; });
    cpu.push(r.cpu.ops / (r.cpu.ms / 1000));
    const st = det.stats();
    console.log(`${mix}: ${cfg.slowScan === false ? 'set before #21' : 'with #21 detectors'}: ${(r.cpu.ops / r.cpu.ms / 1e3).toFixed(3)} M flows per CPU-second; exfil pairs ${st.exfiltration!.tracked} (${st.exfiltration!.bytesPerKey} B each, cap ${st.exfiltration!.capacity}), slow-scan keys ${st.slowScan!.tracked}/${st.slowScan!.capacity}`);
  }
  console.log(`${mix}: per-flow cost of #21's detectors: ${((1 / cpu[1]! - 1 / cpu[0]!) * 1e9).toFixed(0)} ns (${((1 / cpu[0]!) * 1e9).toFixed(0)} -> ${((1 / cpu[1]!) * 1e9).toFixed(0)} ns a flow)`);
}
if (process.env.ACD_BENCH_ONLY_NEW === '1') process.exit(0);

for (const [mix, hot] of [['typical', 200_000], ['churn', 0]] as const) {
  // baseline: the same flows, generated in the same chunks, each pair key hashed into a Map of counts
  const gen0 = makeGen(1, hot);
  const base = await measureCpu(() => {
    const m = new Map<number, number>();
    for (let i = 0; i < N; i += CHUNK) {
      for (let j = 0; j < CHUNK; j++) dirs[j] = gen0(chunk[j]!, i + j);
      for (let j = 0; j < CHUNK; j++) {
        const c = chunk[j]!;
        const k = (Math.imul(c.src4, 0x9e3779b1) ^ Math.imul(c.dst4, 0x85ebca6b) ^ c.dstPort) >>> 0;
        m.set(k, (m.get(k) ?? 0) + 1);
      }
      if (m.size > 1_000_000) m.clear();
    }
    return N;
  });
  report(`${mix}: baseline (generate + Map count per pair)`, base.wall, null, 'flows');
  // the same flows through two detector sets: observe one flow at a time, and observeBatch (prefetching per chunk)
  for (const batch of [false, true]) {
    const det = createDetectors();
    const gen1 = makeGen(1, hot);
    const how = batch ? 'observeBatch' : 'observe';
    // warm-up: the JIT compiles the hot paths, the tables' pages are touched
    feed(det, gen1, 0, 1_000_000, batch);
    const all = await measureCpu(() => { feed(det, gen1, 1_000_000, N, batch); return N; });
    report(`${mix}: all detectors, ${how}`, all.wall, base.wall, 'flows', 'baseline');
    report(`${mix}: all detectors, ${how}, per CPU-second`, all.cpu, base.cpu, 'flows', 'baseline per CPU-second');
    const st = det.stats();
    console.log(`  tracked: beacon ${st.beacon!.tracked}/${st.beacon!.capacity} (${st.beacon!.evictions} evicted), scan ${st.scan!.tracked}, ddos ${st.ddos!.tracked}, findings ${det.findings.size}`);
  }
}

// long run: heap and buffers stay flat while the key space churns through the caps
// 50 M flows, as the issue asks: at ~1.1 M flows/s about 45 s (ACD_BENCH_FLOWS for a shorter run); the
// arrayBuffers column also holds the mixes' detector sets the GC has not freed yet
const total = Number(process.env.ACD_BENCH_FLOWS ?? 50_000_000);
const every = Math.max(1_000_000, Math.floor(total / 10));
const gen2 = makeGen(7, 200_000);
gc?.();
const t0 = process.hrtime.bigint();
for (let i = 0; i < total; i += CHUNK) {
  feed(long, gen2, i, Math.min(CHUNK, total - i), true);
  const done = Math.min(total, i + CHUNK);
  if (done % every < CHUNK) {
    gc?.();
    const m = process.memoryUsage();
    const s = long.stats();
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`  ${(done / 1e6).toFixed(0).padStart(3)} M flows  heapUsed ${mib(m.heapUsed).padStart(10)}  arrayBuffers ${mib(m.arrayBuffers).padStart(10)}  rss ${mib(m.rss).padStart(10)}  beacon pairs ${s.beacon!.tracked} (evicted ${s.beacon!.evictions})  findings ${long.findings.size}  ${(done / secs / 1e6).toFixed(2)} M flows/s`);
  }
}
