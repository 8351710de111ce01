/**
 * Crypto-PAn: prefix-preserving pseudonymisation of IP addresses (Xu, Fan, Ammar, Moon: "Prefix-
 * preserving IP address anonymization", ICNP 2002), as in the reference implementation
 * (panonymizer.cpp), generalised to 128 bits for IPv6 the way the published IPv6 vectors were made.
 *
 * Key: 32 bytes; the first 16 are the AES-128 key, the last 16 are encrypted under it to make the pad.
 * Output bit i is the original bit i XOR the top bit of AES(first i bits of the address ‖ the rest of
 * the pad), so two addresses sharing a k-bit prefix get pseudonyms sharing a k-bit prefix.
 *
 * Speed: all the AES inputs of one address depend only on the original address, so they go to the
 * cipher in ONE ECB call (32 blocks for IPv4, 128 for IPv6) instead of one call per bit. On top of
 * that, IPv4 results are memoised per /24 in a fixed-size two-way set-associative table: the /24's 24 flip bits
 * (from its first address), and from its second address on a 255-node trie of every flip its last 8
 * bits can need (the per-bit outputs; 36 bytes a /24, one ECB call of 255 blocks), so every further
 * address in that /24 costs eight table reads and no AES at all. Traffic with no /24 locality costs
 * what it costs uncached; traffic with locality costs almost nothing. The flips of each /16 are kept too (a full table of 65,536). For IPv6 the
 * whole address and its /64 are cached. Memory is bounded; nothing grows with the traffic.
 *
 * Inversion (`decrypt4`/`decrypt6`) recovers the original bit by bit. It is exposed to the rest of ACD
 * only through `depseudonymise` in pseudonymiser.ts, which requires a commission decision id.
 */
import { createCipheriv, type Cipher } from 'node:crypto';
import { mask32 } from './cidr.js';
import { selectionError } from './errors.js';

export interface CryptoPanOptions {
  /** log2 of the whole-address cache slots (default 16 → 65,536 addresses, 768 KiB for IPv4) */
  cacheBits?: number;
  /** false turns every cache off (for benchmarks' baselines and tests) */
  cache?: boolean;
}

export class CryptoPan {
  private readonly cipher: Cipher;
  private readonly pad: Uint8Array;
  private readonly padWords: Uint32Array;
  private readonly useCache: boolean;
  /** 128 prepared AES input blocks: the pad, of which each call overwrites the address part */
  private readonly inBuf: Buffer;
  private inBuf24: Buffer | null = null;
  /** 1 when the /24 slot's trie is filled */
  private readonly p24full: Uint8Array;
  // IPv4 caches
  private readonly mask: number;
  private readonly shift: number;
  /** /24 slots: the /24 (-1 = empty), its 24 flip bits, and the 255-node trie of the last 8 bits' flips */
  private readonly p24key: Int32Array;
  private readonly p24val: Uint32Array;
  private readonly p24trie: Uint32Array;
  /** the top 16 flip bits of each /16, -1 when not yet computed */
  private readonly p16: Int32Array;
  // IPv6 caches: whole address (4 words in, 4 words out) and /64 (2 words in, 2 flip words)
  private readonly c6key: Uint32Array;
  private readonly c6val: Uint32Array;
  private readonly c6ok: Uint8Array;
  private readonly p64key: Uint32Array;
  private readonly p64val: Uint32Array;
  private readonly p64ok: Uint8Array;
  private readonly w = new Uint32Array(4);
  private readonly f = new Uint32Array(4);

  constructor(key: Uint8Array, opts: CryptoPanOptions = {}) {
    if (key.length !== 32) throw selectionError('CRYPTOPAN_BAD_KEY', `a Crypto-PAn key is 32 bytes, got ${key.length}`);
    this.cipher = createCipheriv('aes-128-ecb', key.subarray(0, 16), null);
    this.cipher.setAutoPadding(false);
    this.pad = new Uint8Array(this.cipher.update(key.subarray(16, 32)));
    this.padWords = new Uint32Array(4);
    for (let i = 0; i < 4; i++) this.padWords[i] = readWord(this.pad, i * 4);
    this.inBuf = Buffer.alloc(128 * 16);
    for (let b = 0; b < 128; b++) this.inBuf.set(this.pad, b * 16);
    this.useCache = opts.cache !== false;
    // at least one two-way set
    const bits = this.useCache ? Math.max(1, opts.cacheBits ?? 16) : 1;
    this.shift = 32 - bits;
    this.mask = (1 << bits) - 1;
    const n = 1 << bits;
    this.p24key = new Int32Array(n).fill(-1);
    this.p24val = new Uint32Array(n);
    this.p24trie = new Uint32Array(n * 8);
    this.p24full = new Uint8Array(n);
    this.p16 = new Int32Array(this.useCache ? 65536 : 1).fill(-1);
    this.c6key = new Uint32Array(n * 4);
    this.c6val = new Uint32Array(n * 4);
    this.c6ok = new Uint8Array(n);
    this.p64key = new Uint32Array(n * 2);
    this.p64val = new Uint32Array(n * 2);
    this.p64ok = new Uint8Array(n);
  }

  /**
   * The IPv4 flip bits for bit positions [from, to) of `a` (bit 0 = most significant), in place, from
   * one ECB call. Bits outside the range are 0.
   */
  flips4(a: number, from: number, to: number): number {
    const buf = this.inBuf;
    const padw = this.padWords[0]!;
    for (let pos = from; pos < to; pos++) {
      const m = mask32(pos);
      const v = ((a & m) | (padw & ~m)) >>> 0;
      const o = (pos - from) * 16;
      buf[o] = v >>> 24;
      buf[o + 1] = (v >>> 16) & 255;
      buf[o + 2] = (v >>> 8) & 255;
      buf[o + 3] = v & 255;
    }
    const out = this.cipher.update(buf.subarray(0, (to - from) * 16));
    let r = 0;
    for (let pos = from; pos < to; pos++) r |= (out[(pos - from) * 16]! >>> 7) << (31 - pos);
    return r >>> 0;
  }

  /** The pseudonym of an IPv4 address (unsigned 32-bit in and out). */
  encrypt4(a: number): number {
    a >>>= 0;
    if (!this.useCache) return (a ^ this.flips4(a, 0, 32)) >>> 0;
    const p = a >>> 8;
    // two-way sets: a /24 lives in slot h or h + 1 of its set, so two busy /24s hashed to one set do
    // not evict each other on every flow (a direct-mapped table did: 500 misses per 65,536 flows)
    let h = (Math.imul(p, 0x9e3779b1) >>> this.shift) & ~1;
    if (this.p24key[h] !== p) {
      if (this.p24key[h + 1] === p) h++;
      else return this.first24(a, p, h);
    }
    // second address of the /24: memoise every flip its last 8 bits can need (then no more AES)
    if (this.p24full[h] === 0) this.fillTrie(a, h);
    // walk the /24's trie: node of depth d for the top d bits of the last byte
    const low = a & 255;
    const trie = this.p24trie;
    const o = h * 8;
    let f = 0;
    for (let d = 0; d < 8; d++) {
      const node = (1 << d) - 1 + (low >>> (8 - d));
      f |= ((trie[o + (node >>> 5)]! >>> (node & 31)) & 1) << (7 - d);
    }
    return (a ^ (this.p24val[h]! | f)) >>> 0;
  }

  /**
   * A /24 not in its set (slots h, h + 1): the entry in h moves to h + 1 (dropping the older one there)
   * and this /24 takes h, computed from this address alone: one ECB call of 16 or 32 blocks.
   */
  private first24(a: number, p: number, h: number): number {
    this.p24key[h + 1] = this.p24key[h]!;
    this.p24val[h + 1] = this.p24val[h]!;
    this.p24full[h + 1] = this.p24full[h]!;
    this.p24trie.copyWithin((h + 1) * 8, h * 8, h * 8 + 8);
    const f16 = this.p16[a >>> 16]!;
    let f: number;
    if (f16 >= 0) f = ((f16 << 16) | this.flips4(a, 16, 32)) >>> 0;
    else {
      f = this.flips4(a, 0, 32);
      this.p16[a >>> 16] = f >>> 16;
    }
    this.p24key[h] = p;
    this.p24val[h] = (f & 0xffffff00) >>> 0;
    this.p24full[h] = 0;
    return (a ^ f) >>> 0;
  }

  /** Fills the trie of /24 slot `h` (the /24 of `a`): the 255 flips of bits 24..31, one ECB call. */
  private fillTrie(a: number, h: number): void {
    // 255 blocks of the pad, of which each fill overwrites the first 4 bytes
    const buf = (this.inBuf24 ??= Buffer.concat(Array.from({ length: 255 }, () => this.pad)));
    const padw = this.padWords[0]!;
    const base = a & 0xffffff00;
    let k = 0;
    for (let d = 0; d < 8; d++) {
      const m = mask32(24 + d);
      for (let v = 0; v < 1 << d; v++) {
        const w = (((base | (v << (8 - d))) & m) | (padw & ~m)) >>> 0;
        const o = k++ * 16;
        buf[o] = w >>> 24;
        buf[o + 1] = (w >>> 16) & 255;
        buf[o + 2] = (w >>> 8) & 255;
        buf[o + 3] = w & 255;
      }
    }
    const out = this.cipher.update(buf);
    const trie = this.p24trie;
    const o = h * 8;
    trie.fill(0, o, o + 8);
    for (let node = 0; node < 255; node++) trie[o + (node >>> 5)]! |= (out[node * 16]! >>> 7) << (node & 31);
    this.p24full[h] = 1;
  }

  /** The original of an IPv4 pseudonym, recovered bit by bit (32 AES blocks, no cache). */
  decrypt4(p: number): number {
    let orig = 0;
    for (let pos = 0; pos < 32; pos++) {
      const bit = ((p >>> (31 - pos)) ^ (this.flips4(orig, pos, pos + 1) >>> (31 - pos))) & 1;
      orig = (orig | (bit << (31 - pos))) >>> 0;
    }
    return orig;
  }

  /** IPv6 flip words for bit positions [from, to) of the address words `w`, added into `f`. */
  flips6(w: Uint32Array, from: number, to: number, f: Uint32Array): void {
    const buf = this.inBuf;
    const pw = this.padWords;
    for (let pos = from; pos < to; pos++) {
      const o = (pos - from) * 16;
      // only the words the prefix reaches differ from the pad
      const last = Math.min(3, pos >>> 5);
      for (let i = 0; i <= last; i++) {
        const m = mask32(pos - i * 32);
        const v = ((w[i]! & m) | (pw[i]! & ~m)) >>> 0;
        const oi = o + i * 4;
        buf[oi] = v >>> 24;
        buf[oi + 1] = (v >>> 16) & 255;
        buf[oi + 2] = (v >>> 8) & 255;
        buf[oi + 3] = v & 255;
      }
      for (let i = last + 1; i < 4; i++) {
        const v = pw[i]!;
        const oi = o + i * 4;
        buf[oi] = v >>> 24;
        buf[oi + 1] = (v >>> 16) & 255;
        buf[oi + 2] = (v >>> 8) & 255;
        buf[oi + 3] = v & 255;
      }
    }
    const out = this.cipher.update(buf.subarray(0, (to - from) * 16));
    for (let pos = from; pos < to; pos++) {
      const i = pos >>> 5;
      f[i] = (f[i]! | ((out[(pos - from) * 16]! >>> 7) << (31 - (pos & 31)))) >>> 0;
    }
  }

  /** The pseudonym of a 16-byte IPv6 address, written to `out` (which may be `b` itself). */
  encrypt6(b: Uint8Array, out: Uint8Array = new Uint8Array(16)): Uint8Array {
    const w = this.w;
    const f = this.f;
    for (let i = 0; i < 4; i++) w[i] = readWord(b, i * 4);
    f.fill(0);
    if (!this.useCache) {
      this.flips6(w, 0, 128, f);
    } else {
      const h = (Math.imul(w[0]! ^ Math.imul(w[1]!, 0x85ebca6b) ^ Math.imul(w[2]!, 0xc2b2ae35) ^ w[3]!, 0x9e3779b1) >>> this.shift) & this.mask;
      const k = h * 4;
      if (this.c6ok[h] === 1 && this.c6key[k] === w[0] && this.c6key[k + 1] === w[1] && this.c6key[k + 2] === w[2] && this.c6key[k + 3] === w[3]) {
        for (let i = 0; i < 4; i++) writeWord(out, i * 4, this.c6val[k + i]!);
        return out;
      }
      const hp = (Math.imul(w[0]! ^ Math.imul(w[1]!, 0x85ebca6b), 0x9e3779b1) >>> this.shift) & this.mask;
      const kp = hp * 2;
      if (this.p64ok[hp] === 1 && this.p64key[kp] === w[0] && this.p64key[kp + 1] === w[1]) {
        f[0] = this.p64val[kp]!;
        f[1] = this.p64val[kp + 1]!;
        this.flips6(w, 64, 128, f);
      } else {
        this.flips6(w, 0, 128, f);
        this.p64key[kp] = w[0]!;
        this.p64key[kp + 1] = w[1]!;
        this.p64val[kp] = f[0]!;
        this.p64val[kp + 1] = f[1]!;
        this.p64ok[hp] = 1;
      }
      for (let i = 0; i < 4; i++) {
        this.c6key[k + i] = w[i]!;
        this.c6val[k + i] = (w[i]! ^ f[i]!) >>> 0;
      }
      this.c6ok[h] = 1;
    }
    for (let i = 0; i < 4; i++) writeWord(out, i * 4, (w[i]! ^ f[i]!) >>> 0);
    return out;
  }

  /** The original of an IPv6 pseudonym, recovered bit by bit (128 AES blocks, no cache). */
  decrypt6(p: Uint8Array, out: Uint8Array = new Uint8Array(16)): Uint8Array {
    const pw = new Uint32Array(4);
    for (let i = 0; i < 4; i++) pw[i] = readWord(p, i * 4);
    const orig = new Uint32Array(4);
    const f = new Uint32Array(4);
    for (let pos = 0; pos < 128; pos++) {
      f.fill(0);
      this.flips6(orig, pos, pos + 1, f);
      const i = pos >>> 5;
      const sh = 31 - (pos & 31);
      const bit = ((pw[i]! >>> sh) ^ (f[i]! >>> sh)) & 1;
      orig[i] = (orig[i]! | (bit << sh)) >>> 0;
    }
    for (let i = 0; i < 4; i++) writeWord(out, i * 4, orig[i]!);
    return out;
  }
}

function readWord(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function writeWord(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 255;
  b[o + 2] = (v >>> 8) & 255;
  b[o + 3] = v & 255;
}
