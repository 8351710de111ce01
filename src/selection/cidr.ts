/**
 * CIDR prefixes as numbers: IPv4 as an unsigned 32-bit first/last address, IPv6 as four big-endian
 * unsigned 32-bit words for the first and the last address. Parsing returns null on bad text (callers
 * name the field in their own error message).
 */
import { parseIpv4, parseIpv6 } from '../flow/index.js';

export interface Prefix4 {
  readonly family: 4;
  /** first and last address of the prefix, unsigned 32-bit */
  readonly first: number;
  readonly last: number;
  readonly length: number;
}

export interface Prefix6 {
  readonly family: 6;
  /** first and last address as four big-endian uint32 words each */
  readonly first: Uint32Array;
  readonly last: Uint32Array;
  readonly length: number;
}

export type Prefix = Prefix4 | Prefix6;

/** The mask of the top `len` bits of a 32-bit word, as an unsigned number (len 0..32). */
export function mask32(len: number): number {
  return len <= 0 ? 0 : len >= 32 ? 0xffffffff : (0xffffffff << (32 - len)) >>> 0;
}

/** Reads 16 address bytes as four big-endian uint32 words. */
export function bytesToWords(b: Uint8Array, out: Uint32Array = new Uint32Array(4)): Uint32Array {
  for (let i = 0; i < 4; i++) {
    const o = i * 4;
    out[i] = (((b[o] ?? 0) << 24) | ((b[o + 1] ?? 0) << 16) | ((b[o + 2] ?? 0) << 8) | (b[o + 3] ?? 0)) >>> 0;
  }
  return out;
}

export function wordsToBytes(w: Uint32Array, out: Uint8Array = new Uint8Array(16)): Uint8Array {
  for (let i = 0; i < 4; i++) {
    const v = w[i] ?? 0;
    const o = i * 4;
    out[o] = v >>> 24;
    out[o + 1] = (v >>> 16) & 255;
    out[o + 2] = (v >>> 8) & 255;
    out[o + 3] = v & 255;
  }
  return out;
}

/**
 * Parses "a.b.c.d/len", "x:y::/len" or a bare address (a /32 or /128). Host bits must be zero when
 * `strict` (the default), so "10.0.0.1/8" is rejected as a likely typo.
 */
export function parsePrefix(text: string, strict = true): Prefix | null {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const lenText = slash < 0 ? null : text.slice(slash + 1);
  if (lenText !== null && !/^\d{1,3}$/.test(lenText)) return null;
  if (addr.includes(':')) {
    const bytes = parseIpv6(addr);
    if (!bytes) return null;
    const length = lenText === null ? 128 : Number(lenText);
    if (length > 128) return null;
    const w = bytesToWords(bytes);
    const first = new Uint32Array(4);
    const last = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      const m = mask32(length - i * 32);
      const v = w[i] ?? 0;
      if (strict && ((v & ~m) >>> 0) !== 0) return null;
      first[i] = (v & m) >>> 0;
      last[i] = ((v & m) | ~m) >>> 0;
    }
    return { family: 6, first, last, length };
  }
  const v = parseIpv4(addr);
  if (v < 0) return null;
  const length = lenText === null ? 32 : Number(lenText);
  if (length > 32) return null;
  const m = mask32(length);
  if (strict && ((v & ~m) >>> 0) !== 0) return null;
  return { family: 4, first: (v & m) >>> 0, last: ((v & m) | ~m) >>> 0, length };
}

/** Compares two 4-word addresses stored at offsets `ia` of `a` and `ib` of `b`: -1, 0 or 1. */
export function cmp128(a: Uint32Array, ia: number, b: Uint32Array, ib: number): number {
  for (let i = 0; i < 4; i++) {
    const x = a[ia + i] ?? 0;
    const y = b[ib + i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Parses a decimal 128-bit number (as in the *-num.csv files) into four words at `out[o..o+3]`. */
export function decimalToWords(text: string, out: Uint32Array, o: number): void {
  let v = BigInt(text);
  for (let i = 3; i >= 0; i--) {
    out[o + i] = Number(v & 0xffffffffn);
    v >>= 32n;
  }
}
