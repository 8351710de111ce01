/**
 * The lawful gate's hot path: scope lookups, Crypto-PAn, and the whole gate.
 *   npm run bench -- selection
 * Baselines, measured in the same run:
 *   scope:      the same merged ranges searched by a plain binary search (no /16 index)
 *   Crypto-PAn: the same cipher with every cache off (one ECB call of 32 blocks per address), and the
 *               reference implementation's way (one AES call per bit)
 *   gate:       the same gate with the Crypto-PAn caches off
 */
import { createCipheriv } from 'node:crypto';
import { MutableFlowRecord } from '../../src/flow/index.js';
import {
  ApprovalSet,
  createGate,
  createPseudonymiser,
  createScope,
  CryptoPan,
  type ApprovalInput,
  type GateOutput,
} from '../../src/selection/index.js';
import { loadCountry4 } from '../../src/selection/geodata.js';
import { measure as measureWall, report, type Measurement } from '../lib.js';

/**
 * The machine is shared (other processes compete for its 2 cores), so every figure is measured by
 * this process's CPU time (user + system) as well as by the wall clock, best of 3 runs; "per core"
 * means per CPU second. `report` prints the CPU-time figure; the wall-clock one follows in brackets.
 */
async function measure(fn: () => number, repeat = 3): Promise<Measurement & { wallMs: number }> {
  // best of `repeat` runs: on a shared machine the slower runs measure the neighbours
  let best: (Measurement & { wallMs: number }) | null = null;
  for (let i = 0; i < repeat; i++) {
    const c0 = process.cpuUsage();
    const m = await measureWall(fn);
    const c = process.cpuUsage(c0);
    const r = { ops: m.ops, ms: (c.user + c.system) / 1000, wallMs: m.ms };
    if (!best || r.ms < best.ms) best = r;
  }
  return best!;
}
function show(name: string, m: Measurement & { wallMs: number }, base: Measurement | null, unit: string, baseName: string): void {
  report(name, m, base, unit, baseName);
  console.log(`${''.padEnd(44)} (wall clock: ${((m.ops / m.wallMs) * 1000 / 1e6).toFixed(2)} M ${unit}/s)`);
}

// a small deterministic generator (xorshift32), so every run sees the same addresses
let seed = 2463534242;
const rnd = (): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
};

const t0 = performance.now();
const scope = createScope({ country: 'JP', useCountryData: true });
const loadMs = performance.now() - t0;
console.log(`JP country data: ${scope.size.v4} IPv4 + ${scope.size.v6} IPv6 ranges loaded in ${loadMs.toFixed(0)} ms`);

// ---- scope lookups ----
const jp = loadCountry4('JP').build();
const N = 2_000_000;
const addrs = new Uint32Array(N);
for (let i = 0; i < N; i++) {
  // half inside JP ranges, half anywhere
  if (i & 1) {
    const r = rnd() % jp.size;
    addrs[i] = jp.starts[r]! + (rnd() % (jp.ends[r]! - jp.starts[r]! + 1));
  } else addrs[i] = rnd();
}
const plainSearch = (a: number): boolean => {
  const ends = jp.ends;
  let lo = 0;
  let hi = ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ends[mid]! < a) lo = mid + 1;
    else hi = mid;
  }
  return lo < ends.length && jp.starts[lo]! <= a;
};
let hits = 0;
for (let r = 0; r < 2; r++) for (let i = 0; i < N; i++) if (scope.isDomestic4(addrs[i]!)) hits++; // warm-up
const base4 = await measure(() => {
  let h = 0;
  for (let r = 0; r < 3; r++) for (let i = 0; i < N; i++) if (plainSearch(addrs[i]!)) h++;
  hits += h;
  return 3 * N;
});
const idx4 = await measure(() => {
  let h = 0;
  for (let r = 0; r < 3; r++) for (let i = 0; i < N; i++) if (scope.isDomestic4(addrs[i]!)) h++;
  hits += h;
  return 3 * N;
});
show('scope IPv4 lookup (/24 map, else binary search)', idx4, base4, 'lookups', 'plain binary search');

const N6 = 200_000;
const addrs6: Uint8Array[] = [];
for (let i = 0; i < N6; i++) {
  const b = new Uint8Array(16);
  for (let j = 0; j < 16; j += 4) {
    const v = rnd();
    b[j] = v >>> 24;
    b[j + 1] = (v >>> 16) & 255;
    b[j + 2] = (v >>> 8) & 255;
    b[j + 3] = v & 255;
  }
  if (i & 1) {
    b[0] = 0x24; // 2400::/12 .. much of it APNIC, some JP
    b[1] = 0x00 + (rnd() & 15);
  } else b[0] = 0x20 + (b[0]! & 15);
  addrs6.push(b);
}
const v6 = await measure(() => {
  let h = 0;
  for (let r = 0; r < 10; r++) for (let i = 0; i < N6; i++) if (scope.isDomestic6(addrs6[i]!)) h++;
  hits += h;
  return 10 * N6;
});
// the brief's alternative for IPv6: compare only the top 64 bits (two words). Not exact for DB-IP's
// data (13 JP ranges end inside a /64), measured here to show what exactness costs.
const { RangeBuilder6 } = await import('../../src/selection/ranges.js');
const { loadCountry6 } = await import('../../src/selection/geodata.js');
const jp6 = loadCountry6('JP', new RangeBuilder6()).build();
const hiS = new Uint32Array(jp6.size * 2);
const hiE = new Uint32Array(jp6.size * 2);
for (let i = 0; i < jp6.size; i++) {
  hiS[i * 2] = jp6.starts[i * 4]!;
  hiS[i * 2 + 1] = jp6.starts[i * 4 + 1]!;
  hiE[i * 2] = jp6.ends[i * 4]!;
  hiE[i * 2 + 1] = jp6.ends[i * 4 + 1]!;
}
const top64 = (b: Uint8Array): boolean => {
  const w0 = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  const w1 = ((b[4]! << 24) | (b[5]! << 16) | (b[6]! << 8) | b[7]!) >>> 0;
  let lo = 0;
  let hi = jp6.size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const e0 = hiE[mid * 2]!;
    if (e0 < w0 || (e0 === w0 && hiE[mid * 2 + 1]! < w1)) lo = mid + 1;
    else hi = mid;
  }
  if (lo >= jp6.size) return false;
  const s0 = hiS[lo * 2]!;
  return s0 < w0 || (s0 === w0 && hiS[lo * 2 + 1]! <= w1);
};
const v6top = await measure(() => {
  let h = 0;
  for (let r = 0; r < 10; r++) for (let i = 0; i < N6; i++) if (top64(addrs6[i]!)) h++;
  hits += h;
  return 10 * N6;
});
show('scope IPv6 lookup (exact 128-bit search)', v6, v6top, 'lookups', 'top-64-bit (2-word) search');

// ASN: the whole table (all ASes, not one country), loaded on first use
const ta = performance.now();
scope.asn4(0);
console.log(`ASN table loaded in ${(performance.now() - ta).toFixed(0)} ms`);
const asnM = await measure(() => {
  let h = 0;
  for (let r = 0; r < 2; r++) for (let i = 0; i < N; i++) h += scope.asn4(addrs[i]!) & 1;
  hits += h;
  return 2 * N;
});
show('ASN IPv4 lookup (/16 index + binary search)', asnM, base4, 'lookups', 'JP scope plain binary search');

// ---- Crypto-PAn ----
const key = new Uint8Array(32).map((_, i) => (i * 73 + 5) & 255);
const cached = new CryptoPan(key);
const uncached = new CryptoPan(key, { cache: false });
// traffic-like: 50 000 domestic hosts in 2 000 /24s, drawn with a skew (low indexes far more often)
const hosts = new Uint32Array(50_000);
const nets = new Uint32Array(2000);
for (let i = 0; i < nets.length; i++) nets[i] = addrs[2 * i + 1]! & 0xffffff00;
for (let i = 0; i < hosts.length; i++) hosts[i] = (nets[rnd() % nets.length]! | (rnd() & 255)) >>> 0;
const M = 1_000_000;
const stream = new Uint32Array(M);
for (let i = 0; i < M; i++) stream[i] = hosts[Math.floor(hosts.length * (rnd() / 4294967296) ** 3)]!;

let sink = 0;
const perBitCipher = createCipheriv('aes-128-ecb', key.subarray(0, 16), null);
perBitCipher.setAutoPadding(false);
const pad = perBitCipher.update(key.subarray(16));
const block = Buffer.alloc(16);
const perBit = (a: number): number => {
  const padw = pad.readUInt32BE(0);
  let f = 0;
  for (let pos = 0; pos < 32; pos++) {
    const m = pos === 0 ? 0 : (0xffffffff << (32 - pos)) >>> 0;
    block.writeUInt32BE(((a & m) | (padw & ~m)) >>> 0, 0);
    pad.copy(block, 4, 4);
    f |= (perBitCipher.update(block)[0]! >>> 7) << (31 - pos);
  }
  return (a ^ f) >>> 0;
};
const refCheck = stream.subarray(0, 1000).every((a) => perBit(a) === uncached.encrypt4(a));
if (!refCheck) throw new Error('per-bit baseline disagrees with CryptoPan');
const panPerBit = await measure(() => {
  for (let i = 0; i < 20_000; i++) sink ^= perBit(stream[i]!);
  return 20_000;
}, 1);
const panPlain = await measure(() => {
  for (let i = 0; i < 100_000; i++) sink ^= uncached.encrypt4(stream[i]!);
  return 100_000;
});
for (let i = 0; i < M; i++) sink ^= cached.encrypt4(stream[i]!); // warm-up (fills the /24 slots once)
const panCached = await measure(() => {
  for (let i = 0; i < M; i++) sink ^= cached.encrypt4(stream[i]!);
  return M;
});
const panCold = new CryptoPan(key);
const panUnique = await measure(() => {
  for (let i = 0; i < 100_000; i++) sink ^= panCold.encrypt4(addrs[2 * i + 1]!);
  return 100_000;
}, 1); // once: a second run would find the caches warm
show('Crypto-PAn IPv4, one ECB call per address', panPlain, panPerBit, 'addresses', 'one AES call per bit');
show('Crypto-PAn IPv4, cached, skewed 50k hosts', panCached, panPlain, 'addresses', 'no cache');
show('Crypto-PAn IPv4, cached, all different', panUnique, panPlain, 'addresses', 'no cache');
const a6 = addrs6.slice(0, 20_000);
const c6 = new CryptoPan(key);
const u6 = new CryptoPan(key, { cache: false });
const out6 = new Uint8Array(16);
const pan6u = await measure(() => {
  for (let i = 0; i < 5_000; i++) u6.encrypt6(a6[i]!, out6);
  return 5_000;
});
const pan6c = await measure(() => {
  for (let r = 0; r < 20; r++) for (let i = 0; i < 5_000; i++) c6.encrypt6(a6[i]!, out6);
  return 100_000;
});
show('Crypto-PAn IPv6, cached, 5k hosts repeated', pan6c, pan6u, 'addresses', 'no cache');

// ---- the whole gate ----
const T = Date.parse('2026-03-01T00:00:00Z');
const indicators = Array.from({ length: 500 }, (_, i) => ({ id: `ind-${i}`, kind: 'address' as const, address: ipv4(rnd()) }));
const approvals: ApprovalInput[] = [
  {
    id: 'A-fd',
    category: 'foreign-domestic',
    carriers: ['carrier-a'],
    criteria: [
      ...indicators,
      { id: 'pfx-1', kind: 'prefix', prefix: '198.51.100.0/24' },
      { id: 'pfx-2', kind: 'prefix', prefix: '203.0.0.0/16' },
      { id: 'port-1', kind: 'port', port: 4444, proto: 6 },
      { id: 'beacon', kind: 'detector', detector: 'beacon' },
      { id: 'scan', kind: 'detector', detector: 'scan' },
    ],
    start: new Date(T - 86_400_000).toISOString(),
    approvedBy: 'commission:1',
    status: 'approved',
  },
  {
    id: 'T-1',
    category: 'transit',
    carriers: ['carrier-a'],
    criteria: [{ id: 't-pfx', kind: 'prefix', prefix: '192.0.2.0/24' }, { id: 't-fanin', kind: 'detector', detector: 'fan-in' }],
    start: new Date(T - 86_400_000).toISOString(),
    approvedBy: 'commission:1',
    status: 'approved',
  },
];
function ipv4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}
// 65 536 flows cycled: 70 % foreign↔domestic (domestic end from the skewed hosts), 15 % transit, 10 % domestic↔domestic, 5 % from an unapproved carrier
const P = 65_536;
const flows: MutableFlowRecord[] = [];
for (let i = 0; i < P; i++) {
  const r = new MutableFlowRecord();
  const k = rnd() % 100;
  const dom = stream[rnd() % M]!;
  let foreign = rnd();
  while (scope.isDomestic4(foreign)) foreign = rnd();
  r.exporter = k < 95 ? 'carrier-a' : 'carrier-z';
  r.family = 4;
  if (k < 70 || k >= 95) {
    if (k & 1) {
      r.src4 = foreign;
      r.dst4 = dom;
    } else {
      r.src4 = dom;
      r.dst4 = foreign;
    }
  } else if (k < 85) {
    r.src4 = foreign;
    r.dst4 = rnd() & 0x7fffffff;
  } else {
    r.src4 = dom;
    r.dst4 = stream[rnd() % M]!;
  }
  r.srcPort = 1024 + (rnd() % 60000);
  r.dstPort = [443, 80, 53, 4444][rnd() & 3]!;
  r.proto = 6;
  r.end = T + (i % 3600) * 1000;
  r.start = r.end - 5000;
  flows.push(r);
}
let nSel = 0;
let nFeed = 0;
const out: GateOutput = { selected: () => nSel++, feed: () => nFeed++ };
function runGate(cache: boolean, rounds: number): ReturnType<typeof measure> {
  const set = new ApprovalSet({ approvals, asn: null });
  const pseudonymiser = createPseudonymiser({ keys: [{ id: 'k', key, validFrom: T - 86_400_000, validTo: T + 86_400_000 }], cache: { cache } });
  const gate = createGate({ scope, approvals: set, pseudonymiser });
  for (let i = 0; i < P; i++) gate.process(flows[i]!, out); // warm-up
  return measure(() => {
    for (let r = 0; r < rounds; r++) for (let i = 0; i < P; i++) gate.process(flows[i]!, out);
    return rounds * P;
  }, cache ? 3 : 1);
}
const gateUncached = await runGate(false, 2);
nSel = 0;
nFeed = 0;
const gateCached = await runGate(true, 20);
show('gate: classify + approvals + criteria + pseudonyms', gateCached, gateUncached, 'flows', 'Crypto-PAn caches off');
console.log(`  (per ${P} flows: ${(nSel / 61).toFixed(0)} selected, ${(nFeed / 61).toFixed(0)} to the detector feed; ${hits > 0 && sink !== 0.5 ? 'checked' : ''})`);
