/**
 * Address words and hashing for the detectors' tables. An address is held as four 32-bit words
 * (IPv4: three zero words then the address; IPv6: the 16 bytes big-endian), so both families share
 * one fixed-size key layout and no string is built per flow.
 */
import type { FlowRecord } from '../flow/index.js';
import { ipv4ToString, ipv6ToString } from '../flow/index.js';

/** Which side of a flow is domestic: the gate tells the detectors, they never guess. */
export type Direction = 0 | 1;
/** src is domestic, dst is external (a domestic host talks out) */
export const OUTBOUND: Direction = 0;
/** src is external, dst is domestic (an external host talks in) */
export const INBOUND: Direction = 1;

export function directionName(d: Direction): 'outbound' | 'inbound' {
  return d === OUTBOUND ? 'outbound' : 'inbound';
}

function v6word(b: Uint8Array, i: number): number {
  return (((b[i] ?? 0) << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0)) >>> 0;
}

/** Writes the source address into out[at..at+3]. */
export function srcWords(r: FlowRecord, out: Uint32Array, at: number): void {
  if (r.family === 4) {
    out[at] = 0; out[at + 1] = 0; out[at + 2] = 0; out[at + 3] = r.src4 >>> 0;
  } else {
    const b = r.src6;
    out[at] = v6word(b, 0); out[at + 1] = v6word(b, 4); out[at + 2] = v6word(b, 8); out[at + 3] = v6word(b, 12);
  }
}

/** Writes the destination address into out[at..at+3]. */
export function dstWords(r: FlowRecord, out: Uint32Array, at: number): void {
  if (r.family === 4) {
    out[at] = 0; out[at + 1] = 0; out[at + 2] = 0; out[at + 3] = r.dst4 >>> 0;
  } else {
    const b = r.dst6;
    out[at] = v6word(b, 0); out[at + 1] = v6word(b, 4); out[at + 2] = v6word(b, 8); out[at + 3] = v6word(b, 12);
  }
}

const tmp6 = new Uint8Array(16);

/** Formats four address words of the given family as text. */
export function wordsToString(family: number, w: Uint32Array, at: number): string {
  if (family === 4) return ipv4ToString((w[at + 3] ?? 0) >>> 0);
  for (let i = 0; i < 4; i++) {
    const x = w[at + i] ?? 0;
    tmp6[i * 4] = x >>> 24; tmp6[i * 4 + 1] = (x >>> 16) & 255; tmp6[i * 4 + 2] = (x >>> 8) & 255; tmp6[i * 4 + 3] = x & 255;
  }
  return ipv6ToString(tmp6);
}

/** murmur3's 32-bit finaliser: a cheap, well-mixed hash step. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of words[at..at+n): murmur3-style mixing, seedable. */
export function hashWords(words: Uint32Array, at: number, n: number, seed = 0x9747b28c): number {
  let h = seed;
  for (let i = 0; i < n; i++) {
    let k = words[at + i] ?? 0;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return fmix32(h ^ n);
}

/** xorshift32: the detectors' only randomness (reservoir sampling, eviction sampling); seeded, so runs repeat. */
export class Rng {
  private s: number;
  constructor(seed = 0x2545f491) { this.s = seed >>> 0 || 1; }
  /** uniform integer in [0, n) */
  int(n: number): number {
    let x = this.s;
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    this.s = x >>> 0;
    return (this.s % n) >>> 0;
  }
}
