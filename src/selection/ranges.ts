/**
 * Address sets as sorted, merged, non-overlapping ranges in typed arrays, looked up without allocation.
 *
 * IPv4: `starts`/`ends` Uint32Array plus an index by the top 16 bits (65,537 entries) that narrows the
 * binary search to the ranges that touch one /16, so a lookup is one table read and a few compares.
 * IPv6: four big-endian uint32 words per bound; the search compares the top 64 bits and reads the low
 * 64 only on a tie. The top 64 bits alone are not enough: 13 of DB-IP's JP ranges end inside a /64.
 * (bench: exact search 0.8x the speed of a top-64-only search, both well over 5 M lookups/s.)
 */
import { cmp128 } from './cidr.js';

export class RangeSet4 {
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;
  /** idx[h] = the first range whose end is ≥ h << 16 (n when none) */
  private readonly idx: Uint32Array;

  constructor(starts: Uint32Array, ends: Uint32Array) {
    this.starts = starts;
    this.ends = ends;
    const n = starts.length;
    this.idx = new Uint32Array(65537);
    let i = 0;
    for (let h = 0; h < 65536; h++) {
      const base = h * 65536;
      while (i < n && (ends[i] as number) < base) i++;
      this.idx[h] = i;
    }
    this.idx[65536] = n;
  }

  get size(): number {
    return this.starts.length;
  }

  has(a: number): boolean {
    const h = a >>> 16;
    let lo = this.idx[h] as number;
    let hi = Math.min(this.idx[h + 1] as number, this.starts.length - 1);
    const ends = this.ends;
    // first range in [lo, hi] whose end is ≥ a
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ends[mid] as number) < a) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.starts.length && (this.starts[lo] as number) <= a && a <= (ends[lo] as number);
  }

  /** The index of the range holding `a`, or -1. */
  find(a: number): number {
    const h = a >>> 16;
    let lo = this.idx[h] as number;
    let hi = Math.min(this.idx[h + 1] as number, this.starts.length - 1);
    const ends = this.ends;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ends[mid] as number) < a) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.starts.length && (this.starts[lo] as number) <= a && a <= (ends[lo] as number) ? lo : -1;
  }
}

export class RangeSet6 {
  /** 4 words per range */
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;
  readonly size: number;

  constructor(starts: Uint32Array, ends: Uint32Array) {
    this.starts = starts;
    this.ends = ends;
    this.size = starts.length / 4;
  }

  /** The index of the range holding the 16-byte address `b`, or -1. */
  find(b: Uint8Array): number {
    const w0 = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    const w1 = ((b[4]! << 24) | (b[5]! << 16) | (b[6]! << 8) | b[7]!) >>> 0;
    const ends = this.ends;
    const starts = this.starts;
    let lo = 0;
    let hi = this.size;
    // first range whose end is ≥ the address; the low 64 bits are read only on a tie in the top 64
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const o = mid * 4;
      const e0 = ends[o]!;
      let below: boolean;
      if (e0 !== w0) below = e0 < w0;
      else {
        const e1 = ends[o + 1]!;
        below = e1 !== w1 ? e1 < w1 : lowLess(ends[o + 2]!, ends[o + 3]!, b);
      }
      if (below) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= this.size) return -1;
    const o = lo * 4;
    const s0 = starts[o]!;
    if (s0 !== w0) return s0 < w0 ? lo : -1;
    const s1 = starts[o + 1]!;
    if (s1 !== w1) return s1 < w1 ? lo : -1;
    // start ≤ address ⇔ not (address < start)
    return lowLessAddr(b, starts[o + 2]!, starts[o + 3]!) ? -1 : lo;
  }

  has(b: Uint8Array): boolean {
    return this.find(b) >= 0;
  }
}

/** (x2, x3) < the low 64 bits of address b */
function lowLess(x2: number, x3: number, b: Uint8Array): boolean {
  const w2 = ((b[8]! << 24) | (b[9]! << 16) | (b[10]! << 8) | b[11]!) >>> 0;
  if (x2 !== w2) return x2 < w2;
  return x3 < (((b[12]! << 24) | (b[13]! << 16) | (b[14]! << 8) | b[15]!) >>> 0);
}

/** the low 64 bits of address b < (x2, x3) */
function lowLessAddr(b: Uint8Array, x2: number, x3: number): boolean {
  const w2 = ((b[8]! << 24) | (b[9]! << 16) | (b[10]! << 8) | b[11]!) >>> 0;
  if (w2 !== x2) return w2 < x2;
  return (((b[12]! << 24) | (b[13]! << 16) | (b[14]! << 8) | b[15]!) >>> 0) < x3;
}

/** Collects IPv4 ranges (in any order, overlapping or not) and builds a merged RangeSet4. */
export class RangeBuilder4 {
  private s: number[] = [];
  private e: number[] = [];
  private cut: [number, number][] = [];

  add(first: number, last: number): this {
    this.s.push(first >>> 0);
    this.e.push(last >>> 0);
    return this;
  }

  /** Removes [first, last] from the result, whatever was added (used for "not domestic" overrides). */
  remove(first: number, last: number): this {
    this.cut.push([first >>> 0, last >>> 0]);
    return this;
  }

  build(): RangeSet4 {
    const order = this.s.map((_, i) => i).sort((a, b) => this.s[a]! - this.s[b]!);
    let merged: [number, number][] = [];
    for (const i of order) {
      const s = this.s[i]!;
      const e = this.e[i]!;
      const last = merged[merged.length - 1];
      if (last && s <= last[1] + 1) last[1] = Math.max(last[1], e);
      else merged.push([s, e]);
    }
    for (const [cs, ce] of this.cut) {
      const next: [number, number][] = [];
      for (const [s, e] of merged) {
        if (e < cs || s > ce) next.push([s, e]);
        else {
          if (s < cs) next.push([s, cs - 1]);
          if (e > ce) next.push([ce + 1, e]);
        }
      }
      merged = next;
    }
    return new RangeSet4(Uint32Array.from(merged, (r) => r[0]), Uint32Array.from(merged, (r) => r[1]));
  }
}

/** Collects IPv6 ranges as bigints (building is rare; lookups use words) and builds a merged RangeSet6. */
export class RangeBuilder6 {
  private r: [bigint, bigint][] = [];
  private cut: [bigint, bigint][] = [];

  add(first: bigint, last: bigint): this {
    this.r.push([first, last]);
    return this;
  }

  addWords(first: Uint32Array, last: Uint32Array): this {
    return this.add(wordsToBig(first, 0), wordsToBig(last, 0));
  }

  remove(first: bigint, last: bigint): this {
    this.cut.push([first, last]);
    return this;
  }

  removeWords(first: Uint32Array, last: Uint32Array): this {
    return this.remove(wordsToBig(first, 0), wordsToBig(last, 0));
  }

  build(): RangeSet6 {
    const sorted = this.r.slice().sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    let merged: [bigint, bigint][] = [];
    for (const [s, e] of sorted) {
      const last = merged[merged.length - 1];
      if (last && s <= last[1] + 1n) last[1] = e > last[1] ? e : last[1];
      else merged.push([s, e]);
    }
    for (const [cs, ce] of this.cut) {
      const next: [bigint, bigint][] = [];
      for (const [s, e] of merged) {
        if (e < cs || s > ce) next.push([s, e]);
        else {
          if (s < cs) next.push([s, cs - 1n]);
          if (e > ce) next.push([ce + 1n, e]);
        }
      }
      merged = next;
    }
    const starts = new Uint32Array(merged.length * 4);
    const ends = new Uint32Array(merged.length * 4);
    merged.forEach(([s, e], i) => {
      bigToWords(s, starts, i * 4);
      bigToWords(e, ends, i * 4);
    });
    return new RangeSet6(starts, ends);
  }
}

export function wordsToBig(w: Uint32Array, o: number): bigint {
  return (BigInt(w[o] ?? 0) << 96n) | (BigInt(w[o + 1] ?? 0) << 64n) | (BigInt(w[o + 2] ?? 0) << 32n) | BigInt(w[o + 3] ?? 0);
}

export function bigToWords(v: bigint, out: Uint32Array, o: number): void {
  for (let i = 3; i >= 0; i--) {
    out[o + i] = Number(v & 0xffffffffn);
    v >>= 32n;
  }
}

export { cmp128 };
