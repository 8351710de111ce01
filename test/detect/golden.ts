/**
 * A fixed input for every detector at once, and a canonical form of what they find: the golden file
 * test/detect/fixtures/golden-findings.json was written by the detectors as they were before the
 * throughput rework (commit "detect: golden findings"), and golden.test.ts checks that the current
 * detectors find exactly the same (every finding, score, subscore and piece of evidence, and every
 * beacon pair's score). Regenerate only on purpose: `ACD_WRITE_GOLDEN=1 node --import tsx --test test/detect/golden.test.ts`.
 */
import { createDetectionStage, createDetectors, OUTBOUND, INBOUND } from '../../src/detect/index.js';
import type { DetectorsConfig, Finding } from '../../src/detect/index.js';
import { MutableFlowRecord } from '../../src/flow/index.js';
import { beaconTimes, poissonTimes, prng, SYN, ACK, RST } from './synth.js';

const T0 = Date.UTC(2026, 0, 1);

interface Ev { t: number; src: number; dst: number; sp: number; dp: number; proto: number; dur: number; bytes: number; pkts: number; flags: number; dir: 0 | 1 }

function events(): Ev[] {
  const rand = prng(20261126);
  const out: Ev[] = [];
  const ok = SYN | ACK | 0x01;
  const add = (t: number, src: number, dst: number, dp: number, o: Partial<Ev> = {}): void => {
    out.push({ t, src, dst, sp: 40000 + (out.length % 20000), dp, proto: 6, dur: 200, bytes: 400 + Math.floor(rand() * 50), pkts: 6, flags: ok, dir: OUTBOUND, ...o });
  };
  const H = 3600_000;
  // beacons: 40 pairs, periods 30 s to 20 min, jitter 0 to 40 %, sizes near constant
  for (let i = 0; i < 40; i++) {
    const period = [30_000, 60_000, 300_000, 1_200_000][i % 4]!;
    const jitter = [0, 0.1, 0.2, 0.4][(i >> 2) % 4]!;
    const n = Math.min(300, Math.floor((8 * H) / period));
    for (const t of beaconTimes(rand, T0 + Math.floor(rand() * H), period, jitter, n)) add(t, 0x0a000100 + i, 0x29000000 + i, 443 + (i % 3), { bytes: 700 + Math.floor(rand() * 20) });
  }
  // Poisson pairs: 300, mean 2 min, sizes spread
  for (let i = 0; i < 300; i++) {
    for (const t of poissonTimes(rand, T0 + Math.floor(rand() * H), 120_000, 4 + Math.floor(rand() * 120))) add(t, 0x0a000200 + (i % 200), 0x50000000 + i, 443, { bytes: 100 + Math.floor(rand() * 5000) });
  }
  // sleep-then-burst: bursts of 6 at 20 s every 40 min
  for (let b = 0; b < 10; b++) for (let j = 0; j < 6; j++) add(T0 + b * 40 * 60_000 + j * 20_000, 0x0a000300, 0x2a000001, 1337, { bytes: 300 });
  // fan-in: 15 hosts beaconing to one server, 5 min ± 10 %
  for (let v = 0; v < 15; v++) for (const t of beaconTimes(rand, T0 + Math.floor(rand() * 300_000), 300_000, 0.1, 80)) add(t, 0x0a000400 + v, 0x2b000001, 8080, { bytes: 250 + Math.floor(rand() * 10) });
  // a popular server: 120 hosts, regular (prevalence discount)
  for (let v = 0; v < 120; v++) for (const t of beaconTimes(rand, T0 + Math.floor(rand() * 600_000), 600_000, 0.05, 40)) add(t, 0x0a001000 + v, 0x2c000001, 443, { bytes: 900 });
  // a strobe: 2 conn/s for 10 min
  for (let j = 0; j < 1200; j++) add(T0 + 2 * H + j * 500, 0x0a000500, 0x2d000001, 5888, { bytes: 120 });
  // outbound scan: SYNs to 300 hosts on 445, most unanswered
  for (let j = 0; j < 300; j++) add(T0 + 3 * H + j * 300, 0x0a000600, 0x5a000000 + j * 3, 445, { flags: j % 10 === 0 ? ok : SYN, pkts: 1, bytes: 60 });
  // inbound port scan: one source, 200 ports of one domestic host
  for (let j = 0; j < 200; j++) add(T0 + 4 * H + j * 100, 0x5b000001, 0x0a000700, 1 + j, { flags: SYN | RST, pkts: 1, bytes: 44, dir: INBOUND });
  // UDP probes and pings
  for (let j = 0; j < 40; j++) add(T0 + 4 * H + j * 50, 0x0a000800, 0x5c000000 + j, 161, { proto: 17, pkts: 1, bytes: 80, flags: 0 });
  for (let j = 0; j < 40; j++) add(T0 + 4 * H + j * 50, 0x0a000801, 0x5d000000 + j, 8 << 8, { proto: 1, pkts: 1, bytes: 84, flags: 0, sp: 0 });
  // DDoS: 3 000 flows of 200 packets within 5 s at one domestic host, from many sources
  for (let j = 0; j < 3000; j++) add(T0 + 5 * H + j, 0x5e000000 + j, 0x0a000900, 80, { proto: 17, pkts: 200, bytes: 12_000, flags: 0, dir: INBOUND });
  // long connection: 5 h cut into 30-minute NetFlow records
  for (let j = 0; j < 10; j++) add(T0 + j * 1800_000, 0x0a000a00, 0x2e000001, 22, { sp: 51000, dur: 1800_000, bytes: 100_000, pkts: 500 });
  // indicator hits
  for (let j = 0; j < 5; j++) add(T0 + j * 60_000, 0x0a000b00 + j, 0x2f000001, 4444);
  // churn: 20 000 one-off pairs from 2 000 hosts (population for prevalence)
  for (let j = 0; j < 20_000; j++) add(T0 + Math.floor(rand() * 8 * H), 0x0a010000 + (j % 2000), 0x60000000 + Math.floor(rand() * 1e6), 443, { bytes: 100 + Math.floor(rand() * 3000) });
  out.sort((a, b) => a.t - b.t || a.src - b.src || a.dst - b.dst);
  return out;
}

const r3 = (x: unknown): unknown => (typeof x === 'number' && !Number.isInteger(x) ? Math.round(x * 1e6) / 1e6 : x);

/** findings sorted by key, with lists whose order only reflects table iteration sorted too */
function canonical(f: Finding): unknown {
  const ev = JSON.parse(JSON.stringify(f.evidence, (_k, v: unknown) => r3(v))) as Record<string, unknown>;
  if (Array.isArray(ev.medianIntervals)) (ev.medianIntervals as number[]).sort((a, b) => a - b);
  if (Array.isArray(ev.victims)) (ev.victims as unknown[]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return { ...f, domestic: [...f.domestic].sort(), score: r3(f.score), subscores: JSON.parse(JSON.stringify(f.subscores, (_k, v: unknown) => r3(v))) as unknown, evidence: ev };
}

/**
 * Runs the fixed input through the detectors. `batch`: fed through observeBatch in chunks of that
 * many flows (prefetching) instead of observe one by one; `config`: other capacities (evictions).
 */
export function runGolden(o: { batch?: number; config?: DetectorsConfig; stage?: boolean } = {}): { findings: unknown[]; pairs: unknown[]; flows: number; evictions: number } {
  const dconfig: DetectorsConfig = { indicator: { indicators: [{ id: 'ioc-golden', address: '47.0.0.1' }] }, ...o.config };
  // `stage`: through the detection stage (detect/stage.ts: a reused record, copied into its chunks)
  const stage = o.stage ? createDetectionStage({ config: { detectors: dconfig } }) : null;
  const det = stage ? stage.detectors : createDetectors({ config: dconfig });
  const evs = events();
  const fill = (r: MutableFlowRecord, e: Ev): void => {
    r.reset();
    r.family = 4; r.src4 = e.src >>> 0; r.dst4 = e.dst >>> 0; r.srcPort = e.sp; r.dstPort = e.dp; r.proto = e.proto;
    r.start = e.t; r.end = e.t + e.dur; r.bytes = e.bytes; r.packets = e.pkts; r.tcpFlags = e.flags;
  };
  if (o.batch) {
    const recs = Array.from({ length: o.batch }, () => new MutableFlowRecord());
    const dirs = new Uint8Array(o.batch);
    for (let at = 0; at < evs.length; at += o.batch) {
      const n = Math.min(o.batch, evs.length - at);
      for (let i = 0; i < n; i++) { fill(recs[i]!, evs[at + i]!); dirs[i] = evs[at + i]!.dir; }
      det.observeBatch(recs, dirs, n);
    }
  } else if (stage) {
    const r = new MutableFlowRecord();
    for (const e of evs) { fill(r, e); stage.push(r, e.dir, 127); }
  } else {
    const r = new MutableFlowRecord();
    for (const e of evs) { fill(r, e); det.observe(r, e.dir); }
  }
  const end = (evs[evs.length - 1]?.t ?? T0) + 60_000;
  if (stage) stage.flush(end);
  else det.flush(end);
  const findings = det.findings.list().map(canonical).sort((a, b) => String((a as Finding).key).localeCompare(String((b as Finding).key)));
  const pairs = det.beacon.pairScores(end).map((p) => ({ ...p })).sort((a, b) => `${a.domestic} ${a.external} ${a.port} ${a.proto}`.localeCompare(`${b.domestic} ${b.external} ${b.port} ${b.proto}`));
  const evictions = Object.values(det.stats()).reduce((a, s) => a + s.evictions, 0);
  return { findings, pairs, flows: evs.length, evictions };
}
