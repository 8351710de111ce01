/**
 * End to end, live (#23 part b): a separate sender process offers NetFlow v5 at each rate of
 * ACD_BENCH_LIVE_RATES (default 250000 flows/s) for ACD_BENCH_LIVE_SECONDS (default 20) at once to
 * `acd demo --no-traffic` (collector → gate → detection stage → store, one process, the server's
 * default settings) and to nfcapd (nfdump's collector, writing its file), side by side in the same
 * run. Reported for both: flows received (ACD: the gate's `received` counter; nfcapd: the flows in
 * its file) as a share of those offered; for ACD the kernel's drops on its socket and its CPU per
 * flow. The kernel buffer both get is bounded by net.core.rmem_max (printed; README, Deployment).
 * Needs nfcapd/nfdump (Debian nfdump); skipped with a message without them.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasBinary, startNfcapd, nfcapdFileFlows, freeUdpPort, waitExit } from '../../test/flow/fixtures/peers.js';

const RATES = (process.env.ACD_BENCH_LIVE_RATES ?? '250000').split(',').map(Number);
const SECS = Number(process.env.ACD_BENCH_LIVE_SECONDS ?? 20);
if (!hasBinary('nfcapd') || !hasBinary('nfdump')) {
  console.log('live: nfcapd/nfdump not installed (Debian package nfdump): skipped');
  process.exit(0);
}
let rmem = '?';
try { rmem = readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim(); } catch { /* not Linux */ }
console.log(`(b) live NetFlow v5, ${SECS} s per rate; net.core.rmem_max = ${rmem} bytes`);

const root = new URL('../..', import.meta.url).pathname;
const demo = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'demo', '--no-traffic'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
demo.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
demo.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
const t0 = Date.now();
const COLLECTOR = /flow collector: udp:\/\/[^:]+:(\d+)/;
while (!COLLECTOR.test(out)) {
  if (Date.now() - t0 > 180_000 || demo.exitCode !== null) {
    console.log(`acd demo did not start:\n${out}`);
    demo.kill('SIGKILL');
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 200));
}
const acdPort = Number(COLLECTOR.exec(out)![1]);
const url = (/(http:\/\/127\.0\.0\.1:\d+)/.exec(out) ?? /(http:\/\/\S+:\d+)/.exec(out))![1]!;
const metric = async (line: string): Promise<number> => {
  const m = (await (await fetch(`${url}/metrics`)).text()).split('\n').find((l) => l.startsWith(line));
  return m ? Number(m.split(' ').pop()) : NaN;
};
/** user + system CPU seconds of the demo process (/proc, clock ticks of 10 ms) */
const cpuOf = (pid: number): number => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch { return NaN; }
};
const rssOf = (pid: number): number => {
  try { return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024; } catch { return NaN; }
};

try {
  for (const rate of RATES) {
    const dir = mkdtempSync(join(tmpdir(), 'acd-live-'));
    const nfPort = await freeUdpPort();
    const nf = await startNfcapd(nfPort, dir);
    const g0 = await metric('acd_gate_flows_total{result="received"}');
    const d0 = await metric('acd_collector_kernel_drops');
    const c0 = cpuOf(demo.pid!);
    const sender = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/e2e/v5-sender.ts'), String(rate), String(SECS), String(acdPort), String(nfPort)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let so = '';
    sender.stdout!.on('data', (d: Buffer) => { so += d.toString(); });
    await waitExit(sender, (SECS + 120) * 1000);
    await new Promise((r) => setTimeout(r, 3000)); // what is in the buffers is processed
    const g1 = await metric('acd_gate_flows_total{result="received"}');
    const d1 = await metric('acd_collector_kernel_drops');
    const c1 = cpuOf(demo.pid!);
    nf.proc.kill('SIGTERM');
    await waitExit(nf.proc, 30_000);
    const file = readdirSync(dir).find((x) => /^nfcapd\.\d+$/.test(x));
    const nfFlows = file ? nfcapdFileFlows(join(dir, file)) : 0;
    rmSync(dir, { recursive: true, force: true });
    const s = JSON.parse(so.trim().split('\n').pop() ?? '{}') as { flows: number; seconds: number };
    const pct = (n: number): string => `${((100 * n) / s.flows).toFixed(1)} %`;
    console.log(`offered ${rate} flows/s: ${s.flows} flows in ${s.seconds.toFixed(1)} s (${Math.round(s.flows / s.seconds)} flows/s achieved) to each`);
    console.log(`  nfcapd stored   ${nfFlows} (${pct(nfFlows)})`);
    console.log(`  acd received    ${g1 - g0} (${pct(g1 - g0)}) by its gate; kernel drops ${d1 - d0} datagrams (${(d1 - d0) * 30} flows); ratio acd/nfcapd ${((g1 - g0) / Math.max(1, nfFlows)).toFixed(2)}`);
    console.log(`  acd CPU ${(c1 - c0).toFixed(1)} s = ${Math.round((g1 - g0) / Math.max(0.01, c1 - c0) / 1000)} k flows per CPU second (collector, gate, detection stage, store); rss ${rssOf(demo.pid!).toFixed(0)} MiB`);
  }
} finally {
  demo.kill('SIGTERM');
  await waitExit(demo, 20_000).catch(() => demo.kill('SIGKILL'));
}
