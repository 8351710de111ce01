/**
 * AddressSet: addresses and CIDR prefixes (IPv4 and IPv6) matched against a flow's address words,
 * used by the indicator detector and the beacon allowlist. A lookup costs one hash probe per distinct
 * prefix length in the set (an exact address is a /32 or /128), and builds no string for IPv4.
 */
import { AcdError } from '../shared/errors.js';
import { parseIpv4, parseIpv6 } from '../flow/index.js';

export interface ParsedPrefix { family: 4 | 6; words: Uint32Array; len: number }

/** Parses "a.b.c.d", "a.b.c.d/n", an IPv6 address or "v6/n"; throws DETECT_BAD_PREFIX naming the entry. */
export function parsePrefix(text: string, where = 'address set'): ParsedPrefix {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text.trim() : text.slice(0, slash).trim();
  const lenText = slash < 0 ? '' : text.slice(slash + 1).trim();
  const v4 = parseIpv4(addr);
  if (v4 >= 0) {
    const len = lenText === '' ? 32 : Number(lenText);
    if (!Number.isInteger(len) || len < 0 || len > 32) throw new AcdError('DETECT_BAD_PREFIX', `${where}: "${text}" has a bad IPv4 prefix length`);
    return { family: 4, words: Uint32Array.of(0, 0, 0, v4), len };
  }
  const b = parseIpv6(addr);
  if (!b) throw new AcdError('DETECT_BAD_PREFIX', `${where}: "${text}" is neither an IPv4 nor an IPv6 address or prefix`);
  const len = lenText === '' ? 128 : Number(lenText);
  if (!Number.isInteger(len) || len < 0 || len > 128) throw new AcdError('DETECT_BAD_PREFIX', `${where}: "${text}" has a bad IPv6 prefix length`);
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) w[i] = (((b[i * 4] ?? 0) << 24) | ((b[i * 4 + 1] ?? 0) << 16) | ((b[i * 4 + 2] ?? 0) << 8) | (b[i * 4 + 3] ?? 0)) >>> 0;
  return { family: 6, words: w, len };
}

function mask32(len: number): number {
  return len <= 0 ? 0 : len >= 32 ? 0xffffffff : (0xffffffff << (32 - len)) >>> 0;
}

/** The entries of an AddressSet carry a value (e.g. the indicator's id). */
export class AddressSet<V = true> {
  /** per IPv4 prefix length: masked address → value */
  private readonly v4 = new Map<number, Map<number, V>>();
  private v4Lens: number[] = [];
  private readonly v6 = new Map<number, Map<string, V>>();
  private v6Lens: number[] = [];
  size = 0;

  add(text: string, value: V, where?: string): void {
    const p = parsePrefix(text, where);
    if (p.family === 4) {
      let m = this.v4.get(p.len);
      if (!m) { m = new Map(); this.v4.set(p.len, m); this.v4Lens = [...this.v4.keys()].sort((a, b) => b - a); }
      m.set(((p.words[3] ?? 0) & mask32(p.len)) >>> 0, value);
    } else {
      let m = this.v6.get(p.len);
      if (!m) { m = new Map(); this.v6.set(p.len, m); this.v6Lens = [...this.v6.keys()].sort((a, b) => b - a); }
      m.set(AddressSet.v6Key(p.words, 0, p.len), value);
    }
    this.size++;
  }

  private static v6Key(w: Uint32Array, at: number, len: number): string {
    let s = '';
    for (let i = 0; i < 4; i++) {
      const bits = Math.max(0, Math.min(32, len - i * 32));
      s += (((w[at + i] ?? 0) & mask32(bits)) >>> 0).toString(16) + ':';
    }
    return s;
  }

  /** the value of the longest matching entry, or undefined */
  match(family: number, w: Uint32Array, at: number): V | undefined {
    if (family === 4) {
      const a = w[at + 3] ?? 0;
      const lens = this.v4Lens;
      for (let i = 0; i < lens.length; i++) {
        const len = lens[i] ?? 32;
        const v = this.v4.get(len)?.get((a & mask32(len)) >>> 0);
        if (v !== undefined) return v;
      }
      return undefined;
    }
    const lens = this.v6Lens;
    for (let i = 0; i < lens.length; i++) {
      const len = lens[i] ?? 128;
      const v = this.v6.get(len)?.get(AddressSet.v6Key(w, at, len));
      if (v !== undefined) return v;
    }
    return undefined;
  }

  get hasV4(): boolean { return this.v4Lens.length > 0; }
  get hasV6(): boolean { return this.v6Lens.length > 0; }
}
