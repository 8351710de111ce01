/**
 * The exfiltration detector's pair-age table grows (doubling from 64 KiB up to pairCapacity) instead of
 * allocating 16 MiB per detector set: it must keep what the fixed full-size table kept. The model here
 * is the fixed table it replaced (4-way buckets, the least recently seen way replaced when a bucket is
 * full), fed the same pairs; ages, tracked pairs and evictions must match.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExfilDetector } from '../../src/detect/exfil.js';
import { hashWords, OUTBOUND } from '../../src/detect/hash.js';
import type { Finding } from '../../src/detect/index.js';
import { MutableFlowRecord } from '../../src/flow/index.js';

class FixedAges {
  readonly p: Uint32Array;
  readonly mask: number;
  tracked = 0;
  evictions = 0;
  constructor(pairCapacity: number) {
    let buckets = 1;
    while (buckets * 4 < pairCapacity) buckets *= 2;
    this.mask = buckets - 1;
    this.p = new Uint32Array(buckets * 16);
  }
  /** first-seen minute of the pair (src, dst) */
  age(w: Uint32Array, now: number): number {
    const a = hashWords(w, 0, 8, 0x6578666c) >>> 0;
    const b = (hashWords(w, 0, 8, 0x2545f491) | 1) >>> 0;
    const m = Math.max(1, Math.floor(now / 60_000));
    const p = this.p;
    const base = (a & this.mask) * 16;
    let victim = 0;
    for (let i = 0; i < 4; i++) {
      if (p[base + 4 + i] === b && p[base + i] === a) {
        if (m > p[base + 12 + i]!) p[base + 12 + i] = m;
        if (m < p[base + 8 + i]!) p[base + 8 + i] = m;
        return p[base + 8 + i]!;
      }
      if (p[base + 4 + i] === 0) { victim = i; break; }
      if (p[base + 12 + i]! < p[base + 12 + victim]!) victim = i;
    }
    if (p[base + 4 + victim] !== 0) this.evictions++; else this.tracked++;
    p[base + victim] = a; p[base + 4 + victim] = b; p[base + 8 + victim] = m; p[base + 12 + victim] = m;
    return m;
  }
}

for (const [pairCapacity, pairs] of [[65_536, 20_000], [65_536, 150_000], [1_000_000, 120_000]] as const) {
  test(`pair ages in a growing table equal the fixed table's (capacity ${pairCapacity}, ${pairs} pairs, skewed, with re-visits out of time order)`, () => {
    const found: Finding[] = [];
    const d = new ExfilDetector({ pairCapacity, newMaxAgeMs: 3600_000, minBytes: 1e6, minRecordBytes: 1e6 }, (f) => found.push(f));
    const model = new FixedAges(pairCapacity);
    const r = new MutableFlowRecord();
    const w = new Uint32Array(8);
    let x = 0x2468ace1;
    const rnd = (): number => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) / 4294967296; };
    let newPairs = 0;
    // half the flows through observe, half straight to the age lookup (its answer checked)
    const inner = d as unknown as { w: Uint32Array; age(now: number): number };
    for (let i = 0; i < 300_000; i++) {
      const k = Math.floor(rnd() * rnd() * pairs);
      r.reset();
      r.family = 4; r.proto = 6; r.dstPort = 443;
      r.src4 = (0xc0a80000 + (k % 400)) >>> 0;
      r.dst4 = Math.imul(k + 1, 0x9e3779b1) >>> 0;
      r.start = 1.7e12 + i * 2000 + Math.floor(rnd() * 600_000);
      r.end = r.start + 1000;
      r.bytes = rnd() < 0.01 ? 2e6 : 800;
      w.fill(0); w[3] = r.src4; w[7] = r.dst4;
      const first = model.age(w, r.start);
      if (r.bytes >= 1e6 && r.start - first * 60_000 <= 3600_000) newPairs++;
      if (i % 2 === 0) d.observe(r, OUTBOUND);
      else { inner.w.set(w); assert.equal(inner.age(r.start), first, `age of flow ${i}`); }
      if (i % 5000 === 0) {
        const s = d.stats();
        assert.deepEqual([s.tracked, s.evictions], [model.tracked, model.evictions], `after ${i + 1} flows`);
        d.flush(r.end);
      }
    }
    d.flush(0);
    const s = d.stats();
    assert.deepEqual([s.tracked, s.evictions], [model.tracked, model.evictions]);
    assert.ok(model.evictions > 0 || pairCapacity === 1_000_000, 'the small tables evict');
    assert.ok(newPairs > 0);
    assert.ok(found.length > 0);
    for (const f of found) assert.ok((f.evidence.pairAgeHours as number) <= 1, JSON.stringify(f.evidence));
  });
}
