/**
 * `npm run bench -- vuln`: 100 000 registered system versions (CPE 2.3 + version) matched against the
 * rules of 50 000 advisories (an affected and a fixed vers range each, over 5 000 vendor:product pairs,
 * plus 20 advisories whose CPE leaves the vendor open), with the vendor:product index (src/vuln/match.ts),
 * against the naive scan of every rule for every system in the same run. The naive scan runs on a sample
 * (it would take hours on all) whose results must equal the index's; its rate is per system. Memory: the
 * heap the compiled index holds. VULN_BENCH_SYSTEMS / VULN_BENCH_ADVISORIES scale it down.
 */
import assert from 'node:assert/strict';
import { compileRule, createAdvisoryIndex, naiveMatch, targetOf, type AffectedRule, type CompiledRule, type Target } from '../../src/vuln/index.js';
import { parseVers } from '../../src/vuln/vers.js';
import { heapMiB, measure, report } from '../lib.js';

const SYSTEMS = Number(process.env.VULN_BENCH_SYSTEMS ?? 100_000);
const ADVISORIES = Number(process.env.VULN_BENCH_ADVISORIES ?? 50_000);
const PRODUCTS = 5_000;
const SAMPLE = Number(process.env.VULN_BENCH_SAMPLE ?? 40);

let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = (n: number) => Math.floor(rnd() * n);
const gc = () => (globalThis as { gc?: () => void }).gc?.();

const vendorOf = (p: number) => `vendor${p % 1500}`;
const productOf = (p: number) => `product${p}`;
const version = () => `${pick(10)}.${pick(20)}.${pick(30)}`;

// advisories: rules as parseCsaf produces them
gc();
const heap0 = heapMiB();
const advisories: Array<{ id: string; rules: AffectedRule[] }> = [];
for (let i = 0; i < ADVISORIES; i++) {
  const wildcard = i < 20;
  const p = pick(PRODUCTS);
  const cpe = wildcard ? `cpe:2.3:a:*:${productOf(p)}:*:*:*:*:*:*:*:*` : `cpe:2.3:a:${vendorOf(p)}:${productOf(p)}:*:*:*:*:*:*:*:*`;
  const lo = `${pick(10)}.${pick(20)}.0`;
  const hi = `${lo.split('.')[0]}.${Number(lo.split('.')[1]) + 1 + pick(5)}.${pick(30)}`;
  const scheme = i % 2 ? 'semver' : 'generic';
  const key = wildcard ? '*' : `${vendorOf(p)}:${productOf(p)}`;
  const base = { cpe, key, exact: null, cve: `CVE-2026-${100000 + i}`, productId: null, remediations: [] };
  advisories.push({
    id: `ADV-${i}`,
    rules: [
      { ...base, range: parseVers(`vers:${scheme}/>=${lo}|<${hi}`), status: 'affected' },
      { ...base, range: parseVers(`vers:${scheme}/>=${hi}`), status: 'fixed' },
    ],
  });
}
const systems: Target[] = [];
for (let i = 0; i < SYSTEMS; i++) {
  const known = rnd() < 0.8;
  const p = pick(PRODUCTS);
  const v = version();
  systems.push(targetOf(known ? { vendor: vendorOf(p), product: productOf(p), version: v, cpe: `cpe:2.3:a:${vendorOf(p)}:${productOf(p)}:${v}:*:*:*:*:*:*:*` } : { vendor: `other${p}`, product: `thing${p}`, version: v }));
}
gc();
const heapData = heapMiB();

const index = createAdvisoryIndex();
const build = await measure(() => {
  for (const a of advisories) index.add(a.id, a.rules);
  return advisories.length;
});
gc();
const heapIndex = heapMiB();
const compiled: Array<{ id: string; rules: CompiledRule[] }> = advisories.map((a) => ({ id: a.id, rules: a.rules.map(compileRule) }));
gc();
const heapNaive = heapMiB();

let hits = 0;
let affected = 0;
const cpu0 = process.cpuUsage();
const indexed = await measure(() => {
  for (const t of systems) {
    const m = index.match(t);
    hits += m.length;
    for (const x of m) if (x.rule.status === 'affected') affected++;
  }
  return systems.length;
});

const cpuIndexed = process.cpuUsage(cpu0);
const sample = systems.filter((_, i) => i % Math.floor(SYSTEMS / SAMPLE) === 0).slice(0, SAMPLE);
let naiveHits = 0;
const cpu1 = process.cpuUsage();
const naive = await measure(() => {
  for (const t of sample) {
    const a = naiveMatch(compiled, t);
    const b = index.match(t);
    const key = (x: { advisoryId: string; rule: AffectedRule }) => `${x.advisoryId}/${x.rule.status}`;
    assert.deepEqual(b.map(key).sort(), a.map(key).sort(), 'the index and the naive scan disagree');
    naiveHits += a.length;
  }
  return sample.length;
});

const cpuNaive = process.cpuUsage(cpu1);
const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
console.log(`${SYSTEMS} system versions, ${ADVISORIES} advisories (${index.size()} rules over ${PRODUCTS} vendor:product pairs); ${hits} matching rules, ${affected} affected (system, advisory) pairs`);
console.log(`build the index: ${build.ms.toFixed(0)} ms; heap: advisories+systems ${(heapData - heap0).toFixed(0)} MiB, index +${(heapIndex - heapData).toFixed(0)} MiB, naive's compiled list +${(heapNaive - heapIndex).toFixed(0)} MiB`);
report('match with the vendor:product index', indexed, naive, 'systems', `naive scan (${sample.length}-system sample, same results)`);
console.log(`CPU per system: index ${((cpuMs(cpuIndexed) / SYSTEMS) * 1000).toFixed(1)} µs, naive scan ${((cpuMs(cpuNaive) / sample.length) * 1000).toFixed(0)} µs (${(cpuMs(cpuNaive) / sample.length / (cpuMs(cpuIndexed) / SYSTEMS)).toFixed(0)}x)`);
console.log(`all ${SYSTEMS} systems: index ${(indexed.ms / 1000).toFixed(2)} s; naive scan would take ~${((naive.ms / sample.length) * SYSTEMS / 1000 / 60).toFixed(0)} min (${naiveHits} hits in the sample)`);
