/**
 * Decode throughput on one core, NetFlow v5, v9 and IPFIX, in flows/s: large synthetic datagram
 * arrays are built once, then decoded in a loop into a sink that sums bytes. Baseline, measured in the
 * same run: nfdump reading and aggregating the same flows (`nfdump -r FILE -s srcip/bytes`), the file
 * made by sending the same datagrams to nfcapd. Then memory: heap before and after a long v9 run.
 * Each figure twice: per wall-clock second, and per CPU second (user + system of the process, and of
 * nfdump for the baseline) — on a shared machine the CPU figure is the one-core throughput.
 *
 *   npm run bench -- flow/decode          (ACD_BENCH_FLOWS=N flows per measurement, default 10 M;
 *                                          ACD_BENCH_LONG_FLOWS=N for the memory run, default 20 M)
 */
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { measure, report, heapMiB, type Measurement } from '../lib.js';
import { createFlowDecoder } from '../../src/flow/decode/index.js';
import type { FlowRecord } from '../../src/flow/record.js';
import {
  v5Datagram, v9Datagram, ipfixMessage, templateRecord, set, dataRecord, V9_FIELDS, IPFIX_FIELDS, v9Values, ipfixValues, type SimpleFlow,
} from '../../test/flow/fixtures/build.js';
import { prng } from '../../test/flow/fixtures/fuzz.js';
import { hasBinary, startNfcapd, nfcapdFileFlows, freeUdpPort, waitExit, binPath } from '../../test/flow/fixtures/peers.js';

const FLOWS = Number(process.env.ACD_BENCH_FLOWS ?? 10_000_000);
const LONG = Number(process.env.ACD_BENCH_LONG_FLOWS ?? 20_000_000);
const DATAGRAMS = 1000;
const rng = prng(42);
const rnd32 = (): number => Math.floor(rng() * 4294967296);

function randomFlow(): SimpleFlow {
  const tcp = rng() < 0.8;
  return {
    src4: rnd32(), dst4: rnd32(), srcPort: Math.floor(rng() * 65536), dstPort: [443, 80, 53, 22][Math.floor(rng() * 4)]!,
    proto: tcp ? 6 : 17, tcpFlags: tcp ? 0x1b : 0, packets: 1 + Math.floor(rng() * 1000), bytes: 40 + Math.floor(rng() * 1_500_000),
    inIf: 1 + Math.floor(rng() * 64), outIf: 1 + Math.floor(rng() * 64),
  };
}

interface Workload { name: string; template: Buffer | null; datagrams: Buffer[]; flowsPerPass: number }

function v5Workload(): Workload {
  const datagrams: Buffer[] = [];
  for (let i = 0; i < DATAGRAMS; i++) {
    datagrams.push(v5Datagram({ seq: i * 30, uptime: 3_600_000, secs: 1_700_000_000 + i }, Array.from({ length: 30 }, () => ({ ...randomFlow(), first: 3_500_000, last: 3_599_000 }))));
  }
  return { name: 'v5', template: null, datagrams, flowsPerPass: DATAGRAMS * 30 };
}

function v9Workload(): Workload {
  const template = v9Datagram({ seq: 0, uptime: 3_600_000, secs: 1_700_000_000 }, set(0, templateRecord(256, V9_FIELDS)));
  const datagrams: Buffer[] = [];
  for (let i = 0; i < DATAGRAMS; i++) {
    const recs = Array.from({ length: 30 }, () => dataRecord(V9_FIELDS, v9Values(randomFlow(), 3_500_000, 3_599_000)));
    datagrams.push(v9Datagram({ seq: i + 1, uptime: 3_600_000, secs: 1_700_000_000 + i }, set(256, ...recs)));
  }
  return { name: 'v9', template, datagrams, flowsPerPass: DATAGRAMS * 30 };
}

function ipfixWorkload(): Workload {
  const template = ipfixMessage({ seq: 0, exportTime: 1_700_000_000 }, set(2, templateRecord(256, IPFIX_FIELDS)));
  const datagrams: Buffer[] = [];
  for (let i = 0; i < DATAGRAMS; i++) {
    const recs = Array.from({ length: 22 }, () => dataRecord(IPFIX_FIELDS, ipfixValues(randomFlow(), 1_699_999_000_000, 1_699_999_999_000)));
    datagrams.push(ipfixMessage({ seq: i * 22, exportTime: 1_700_000_000 + i }, set(256, ...recs)));
  }
  return { name: 'IPFIX', template, datagrams, flowsPerPass: DATAGRAMS * 22 };
}

let sum = 0;
const sink = (r: FlowRecord): void => { sum += r.bytes; };

const cpuMs = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1000;

async function decodeFlows(w: Workload, flows: number): Promise<{ wall: Measurement; cpu: Measurement }> {
  const d = createFlowDecoder();
  if (w.template) d.decode(w.template, '192.0.2.1:2055', sink);
  // warm up (JIT), then measure
  for (let k = 0; k < 3; k++) for (const dg of w.datagrams) d.decode(dg, '192.0.2.1:2055', sink);
  const c0 = process.cpuUsage();
  const wall = await measure(() => {
    let n = 0;
    while (n < flows) {
      for (let i = 0; i < w.datagrams.length; i++) n += d.decode(w.datagrams[i]!, '192.0.2.1:2055', sink).flows;
    }
    return n;
  });
  return { wall, cpu: { ops: wall.ops, ms: cpuMs(process.cpuUsage(c0)) } };
}

/** Sends the workload's datagrams (several passes) to a fresh nfcapd; returns the file it wrote. */
async function nfcapdFile(w: Workload, passes: number, dir: string): Promise<string> {
  const port = await freeUdpPort();
  const nf = await startNfcapd(port, dir);
  const s = createSocket('udp4');
  const send = (b: Buffer): Promise<void> => new Promise((resolve) => s.send(b, port, '127.0.0.1', () => resolve()));
  if (w.template) await send(w.template);
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < w.datagrams.length; i++) {
      await send(w.datagrams[i]!);
      if (i % 50 === 49) await sleep(1); // nfcapd must keep up: this measures reading, not UDP drops
    }
  }
  await sleep(300);
  s.close();
  nf.proc.kill('SIGTERM');
  await waitExit(nf.proc, 20000);
  const f = readdirSync(dir).find((x) => /^nfcapd\.\d+$/.test(x));
  if (!f) throw new Error(`nfcapd wrote no file: ${nf.log()}`);
  return join(dir, f);
}

/** `nfdump -r FILE -s srcip/bytes` timed by bash's `time` (wall, user + system). */
function nfdumpAggregate(file: string): { wall: Measurement; cpu: Measurement } {
  const flows = nfcapdFileFlows(file);
  const script = `TIMEFORMAT='%3R %3U %3S'; time ${binPath('nfdump')} -r "$1" -s srcip/bytes -n 10 -q > /dev/null`;
  const r = spawnSync('bash', ['-c', script, 'bash', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nfdump failed: ${r.stderr}`);
  const [real, user, sys] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { wall: { ops: flows, ms: real! * 1000 }, cpu: { ops: flows, ms: (user! + sys!) * 1000 } };
}

const workloads = [v5Workload(), v9Workload(), ipfixWorkload()];
if (process.env.ACD_BENCH_ORDER === "rev") workloads.reverse();
const haveNfdump = hasBinary('nfcapd') && hasBinary('nfdump');
if (!haveNfdump) console.log('nfcapd/nfdump not installed (apt-get install nfdump): no baseline');
console.log(`decode: ${FLOWS} flows per measurement, one core, sink sums bytes; baseline nfdump -r FILE -s srcip/bytes`);
for (const w of workloads) {
  const m = await decodeFlows(w, FLOWS);
  let base: { wall: Measurement; cpu: Measurement } | null = null;
  if (haveNfdump) {
    const dir = mkdtempSync(join(tmpdir(), 'acd-bench-nfcapd-'));
    try {
      base = nfdumpAggregate(await nfcapdFile(w, 40, dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  report(`decode ${w.name}, per wall second (${w.datagrams[0]!.length} B dgrams)`, m.wall, base?.wall ?? null, 'flows', 'nfdump -r -s');
  report(`decode ${w.name}, per CPU second`, m.cpu, base?.cpu ?? null, 'flows', 'nfdump -r -s');
}

// memory: a long v9 run must leave the heap where it was (no per-flow or per-datagram retention)
const w9 = workloads[1]!;
const d = createFlowDecoder();
d.decode(w9.template!, '192.0.2.1:2055', sink);
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const before = heapMiB();
const c0 = process.cpuUsage();
const long = await measure(() => {
  let n = 0;
  while (n < LONG) for (let i = 0; i < w9.datagrams.length; i++) n += d.decode(w9.datagrams[i]!, '192.0.2.1:2055', sink).flows;
  return n;
});
gc?.();
const after = heapMiB();
report(`decode v9, long run (${(LONG / 1e6).toFixed(0)} M flows), wall`, long, null, 'flows');
report(`decode v9, long run, per CPU second`, { ops: long.ops, ms: cpuMs(process.cpuUsage(c0)) }, null, 'flows');
console.log(`heap used before ${before.toFixed(1)} MiB, after ${after.toFixed(1)} MiB (${gc ? 'after gc' : 'no --expose-gc'}): ${(after - before).toFixed(2)} MiB difference over ${long.ops} flows`);
console.log(`(checksum ${sum})`);
