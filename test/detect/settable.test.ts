/**
 * SetTable hands records out densely (#23) but must keep the geometry of the table it replaced, where
 * a key's record was its position (set × 8 + way): the same way taken, the same way evicted, the same
 * flush order. Checked against that older table, written out here as a model, over random inserts,
 * lookups, utility updates and removals (idle expiry) on a table small enough that sets fill and
 * evict, with the store growing from a small first allocation; and a SlotList over the table drains
 * in position order, stale entries (removed or reused records) included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SetTable, SlotList } from '../../src/detect/table.js';
import { hashWords } from '../../src/detect/hash.js';
import { prng } from './synth.js';

/** the pre-#23 table: the record of a key is its position */
class PositionModel {
  readonly sets: number;
  readonly tags: Uint32Array;
  readonly utils: Uint32Array;
  readonly keys: Map<number, string> = new Map();
  evictions = 0;
  constructor(capacity: number) {
    this.sets = Math.ceil(capacity / 8);
    this.tags = new Uint32Array(this.sets * 8);
    this.utils = new Uint32Array(this.sets * 8);
  }
  setOf(h: number): number { return (((h >>> 0) * this.sets) / 4294967296) | 0; }
  find(h: number, key: string): number {
    const set = this.setOf(h);
    for (let i = 0; i < 8; i++) if (this.tags[set * 8 + i] === ((h | 1) >>> 0) && this.keys.get(set * 8 + i) === key) return set * 8 + i;
    return -1;
  }
  insert(h: number, key: string): number {
    const set = this.setOf(h);
    let way = -1;
    for (let i = 0; i < 8; i++) if (this.tags[set * 8 + i] === 0) { way = i; break; }
    if (way < 0) {
      way = 0;
      for (let i = 1; i < 8; i++) if (this.utils[set * 8 + i]! < this.utils[set * 8 + way]!) way = i;
      this.evictions++;
    }
    const p = set * 8 + way;
    this.tags[p] = (h | 1) >>> 0; this.utils[p] = 0; this.keys.set(p, key);
    return p;
  }
  remove(p: number): void { this.tags[p] = 0; this.keys.delete(p); }
}

test('dense records keep the position table\'s ways, evictions and order (random operations, growing store)', () => {
  const rand = prng(11);
  const CAP = 512;
  let store = new Uint32Array(16 * 2);
  const t = new SetTable({ capacity: CAP, words: 2, store, stride: 2, keyAt: 0, grow: (records) => { const s = new Uint32Array(records * 2); s.set(store); store = s; return s; } });
  const m = new PositionModel(CAP);
  const list = new SlotList(t.capacity, t);
  // listed records and their positions; an owner checks its flag on drain, so a record removed since it
  // was listed (and perhaps reused by another key) is the owner's to skip, in the old table as here
  const listed = new Map<number, number>();
  const recOfPos = new Map<number, number>();
  for (let step = 0; step < 40_000; step++) {
    const a = Math.floor(rand() * 3000);
    t.key[0] = a; t.key[1] = a * 7 + 1;
    const h = t.hash();
    assert.equal(h, hashWords(t.key, 0, 2));
    const key = `${a}`;
    const op = rand();
    let r = t.find(h);
    const p = m.find(h, key);
    assert.equal(r >= 0, p >= 0, `step ${step}: found in one table only`);
    if (r >= 0) assert.equal(t.orderKey(r), p, `step ${step}: record ${r} at position ${t.orderKey(r)}, model ${p}`);
    if (op < 0.1 && r >= 0) {
      t.remove(r); m.remove(p); recOfPos.delete(p); listed.delete(r);
      assert.equal(t.isUsed(r), false);
      continue;
    }
    if (r < 0) {
      r = t.insert(h);
      const q = m.insert(h, key);
      assert.equal(t.orderKey(r), q, `step ${step}: inserted at ${t.orderKey(r)}, model ${q}`);
      recOfPos.set(q, r);
    }
    const u = Math.floor(rand() * 1000);
    t.setUtility(r, u); m.utils[t.orderKey(r)] = u;
    if (rand() < 0.05) { list.push(r); listed.set(r, t.orderKey(r)); }
    if (rand() < 0.002) {
      // a drain: the listed records still held, in position order
      const got = [...list.drain()].filter((x) => t.isUsed(x)).map((x) => t.orderKey(x));
      const want = [...listed.values()].sort((x, y) => x - y);
      for (let i = 1; i < got.length; i++) assert.ok(got[i - 1]! < got[i]!, 'drained in position order, each once');
      assert.ok(want.every((q) => got.includes(q)), `step ${step}: every listed record still held is drained`);
      listed.clear();
    }
  }
  assert.equal(t.evictions, m.evictions);
  assert.equal(t.size, m.keys.size);
  assert.ok(t.evictions > 1000, `the sets filled and evicted (${t.evictions})`);
  assert.ok(t.allocated > 16 && t.allocated <= t.capacity, `the store grew (${t.allocated} records)`);
  // every position the model holds is held by the table, and slotAt names the same key
  for (let q = 0; q < t.positions(); q++) {
    const r = t.slotAt(q);
    assert.equal(r >= 0, m.tags[q] !== 0, `position ${q}`);
    if (r >= 0) assert.equal(String(store[r * 2]), m.keys.get(q));
  }
});

test('a growable SetTable refuses a store that did not grow, and a fixed one a store too small', () => {
  assert.throws(() => new SetTable({ capacity: 64, words: 2, store: new Uint32Array(8), stride: 2, keyAt: 0 }), /needed/);
  const t = new SetTable({ capacity: 64, words: 2, store: new Uint32Array(2), stride: 2, keyAt: 0, grow: () => new Uint32Array(2) });
  t.key[0] = 1; t.key[1] = 1; t.insert(t.hash());
  t.key[0] = 2; assert.throws(() => t.insert(t.hash()), /grown to/);
});
