/**
 * Generated network days for `npm run eval` (issue #21): a population of domestic hosts with the
 * benign periodic traffic that made false beacons on real hosts (popular services polled by many
 * hosts; per-host timers to addresses no other host calls: a websocket heartbeat, a poll server, an
 * hourly updater; some of them started only on day 2, i.e. new destinations), browsing, and the
 * attacks issue #21 names. Seeded: the tuning seeds and the held-out seeds are fixed in eval.ts.
 *
 * Truth: `attacks` lists each attack's external address (or /24) and the kind of finding expected;
 * every finding about anything else is false.
 */
import { MutableFlowRecord, parseIpv4 } from '../src/flow/index.js';
import type { FlowRecord } from '../src/flow/index.js';

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ScenarioEvent { t: number; src: number; dst: number; sp: number; dp: number; proto: number; dur: number; bytes: number; pkts: number; flags: number; dir: 0 | 1 }
export interface Attack { name: string; external: string; expect: string }
export interface Scenario { events: ScenarioEvent[]; attacks: Attack[]; hosts: number; days: number; asn: (a: number) => number }

const H = 3600_000;
const OK = 0x02 | 0x10 | 0x01;
const SYN = 0x02;
const RST = 0x04;
const ip = (s: string): number => parseIpv4(s) >>> 0;
const str = (a: number): string => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;

/** `hosts` domestic hosts (10.1.0.0/16) over `days` days from t0; vendor AS 8075 is 20.0.0.0/8 */
export function generateScenario(seed: number, t0: number, hosts = 50, days = 3): Scenario {
  const rand = prng(seed);
  const ev: ScenarioEvent[] = [];
  let sp = 40000;
  const add = (t: number, src: number, dst: number, dp: number, o: Partial<ScenarioEvent> = {}): void => {
    sp = sp >= 65000 ? 40000 : sp + 1;
    ev.push({ t: Math.round(t), src, dst, sp, dp, proto: 6, dur: 300, bytes: 1500, pkts: 8, flags: OK, dir: 0, ...o });
  };
  const end = t0 + days * 24 * H;
  const periodic = (src: number, dst: number, dp: number, from: number, period: number, jitter: number, bytes: number, o: Partial<ScenarioEvent> = {}): void => {
    for (let t = from; t < end; t += period * (1 + jitter * (2 * rand() - 1))) add(t, src, dst, dp, { bytes: Math.round(bytes * (0.95 + 0.1 * rand())), ...o });
  };
  const dom = (h: number): number => ip('10.1.0.0') + 256 + h;
  // popular services: 6 update/telemetry endpoints in the vendor AS, 4 elsewhere (a CDN), polled by most hosts
  const popular = [...Array.from({ length: 6 }, (_, i) => ip('20.40.0.10') + i * 257), ...Array.from({ length: 4 }, (_, i) => ip('151.101.1.10') + i)];
  for (let h = 0; h < hosts; h++) {
    for (const p of popular) if (rand() < 0.7) periodic(dom(h), p, 443, t0 + rand() * H, [300_000, 900_000, H, 4 * H][Math.floor(rand() * 4)]!, 0.02, 3000);
    // per-host timers to addresses only this host calls (benign apps); 1 in 10 started on day 2
    const apps = 2 + Math.floor(rand() * 3);
    for (let a = 0; a < apps; a++) {
      const dst = ip('100.64.0.0') + Math.floor(rand() * 0x3fffff) + 0x01000000 * (1 + Math.floor(rand() * 60));
      const vendor = rand() < 0.3;
      const dstA = vendor ? ip('20.128.0.0') + Math.floor(rand() * 0xfffff) : dst;
      const from = rand() < 0.1 ? t0 + 24 * H + rand() * 12 * H : t0 + rand() * H;
      periodic(dom(h), dstA, [443, 443, 5222, 8883][Math.floor(rand() * 4)]!, from, [60_000, 300_000, 900_000, H][Math.floor(rand() * 4)]!, 0.01 + 0.05 * rand(), 400 + Math.floor(rand() * 2000));
    }
    // browsing: Poisson, new sites
    for (let t = t0 + rand() * H; t < end; t += -Math.log(1 - rand()) * 300_000) add(t, dom(h), ip('130.0.0.0') + Math.floor(rand() * 0x3ffffff), 443, { bytes: 2000 + Math.floor(rand() * 200_000), pkts: 40 });
    // an occasional large download from a popular CDN (bidirectional records: counted as bytes of the pair)
    if (rand() < 0.2) add(t0 + rand() * days * 24 * H, dom(h), popular[6]!, 443, { bytes: 4e8, pkts: 300_000, dur: 600_000 });
  }
  const attacks: Attack[] = [];
  const victim = (i: number): number => dom(Math.floor(rand() * hosts) + 0 * i);
  // 1. single-host C2, 5 min ± 10 %, from day 2
  const c2 = ip('185.220.10.5');
  periodic(victim(1), c2, 8443, t0 + 30 * H, 300_000, 0.1, 700);
  attacks.push({ name: 'C2 beacon (one host)', external: str(c2), expect: 'beacon' });
  // 2. vendor-hosted C2: one host, 10 min ± 5 %, to an address in the vendor AS nobody else calls
  const vc2 = ip('20.99.7.7');
  periodic(victim(2), vc2, 443, t0 + 2 * H, 600_000, 0.05, 900);
  attacks.push({ name: 'vendor-hosted C2', external: str(vc2), expect: 'beacon' });
  // 3. slow vertical scan: 40 ports of one host, every 20 min
  const sv = ip('45.155.205.3');
  const svT = dom(3);
  for (let i = 0; i < 40; i++) add(t0 + 10 * H + i * 20 * 60_000, sv, svT, 1000 + i * 13, { flags: SYN | RST, pkts: 1, bytes: 44, dir: 1 });
  attacks.push({ name: 'slow vertical scan', external: str(sv), expect: 'scan' });
  // 4. distributed scan: 30 sources of one /24, each one port on 20 hosts, within 2 h
  for (let s = 0; s < 30; s++) for (let k = 0; k < 20; k++) add(t0 + 40 * H + rand() * 2 * H, ip('193.32.162.0') + 10 + s, dom(k), 23 + (s % 4), { flags: SYN, pkts: 1, bytes: 40, dir: 1 });
  attacks.push({ name: 'distributed scan', external: '193.32.162.0', expect: 'scan' });
  // 5. repeated failures: 382 SYNs to one port of one host in a day
  const bf = ip('80.94.95.44');
  for (let i = 0; i < 382; i++) add(t0 + 24 * H + i * 226_000, bf, dom(5), 3389, { flags: SYN, pkts: 2, bytes: 120, dir: 1 });
  attacks.push({ name: 'repeated failures', external: str(bf), expect: 'scan' });
  // 6. exfiltration: 3 GB to a new server on day 3
  const ex = ip('89.248.165.20');
  for (let i = 0; i < 30; i++) add(t0 + 50 * H + i * 70_000, dom(7), ex, 443, { bytes: 1e8, pkts: 70_000, dur: 60_000 });
  attacks.push({ name: 'exfiltration', external: str(ex), expect: 'exfiltration' });
  ev.sort((a, b) => a.t - b.t || a.src - b.src);
  return { events: ev, attacks, hosts, days, asn: (a) => (a >>> 24 === 20 ? 8075 : 64512) };
}

export function fillRecord(r: MutableFlowRecord, e: ScenarioEvent): FlowRecord {
  r.reset();
  r.family = 4; r.src4 = e.src; r.dst4 = e.dst; r.srcPort = e.sp; r.dstPort = e.dp; r.proto = e.proto;
  r.start = e.t; r.end = e.t + e.dur; r.bytes = e.bytes; r.packets = e.pkts; r.tcpFlags = e.flags;
  return r;
}
