/**
 * Keys selected by detector rules. When a detector fires on a key (an address, a pair of addresses,
 * or a server address:port/protocol) under an approval's detector-rule criterion, the gate keeps that
 * key's flows from then on, under that criterion, for as long as the approval is in force.
 *
 * Keys are written as the detectors see them: domestic addresses as pseudonyms (flagged), foreign
 * addresses as they are. The flag is part of the key, so a pseudonym never matches a real foreign
 * address that happens to have the same value. IPv4 keys are numbers (address + flag·2³²) for speed;
 * IPv6 keys are strings. The number of keys is capped (default 1 M) so memory stays bounded.
 */
import { parseIpv4, parseIpv6, type FlowRecord } from '../flow/index.js';
import { selectionError } from './errors.js';

export type KeyKind = 'address' | 'pair' | 'server';

export interface AddressKey {
  address: string;
  /** true when `address` is a pseudonym (a domestic address as the detectors see it) */
  pseudonym: boolean;
}
export interface PairKey {
  a: AddressKey;
  b: AddressKey;
}
export interface ServerKey extends AddressKey {
  port: number;
  proto: number;
}
export type KeyOf<K extends KeyKind> = K extends 'address' ? AddressKey : K extends 'pair' ? PairKey : ServerKey;

export interface KeyEntry {
  readonly approvalId: string;
  readonly criterionId: string;
  /** index of the criterion in its approval */
  readonly criterion: number;
  /**
   * event time (ms) the selection ends unless renewed (issue #21: a finding selects for a bounded
   * time); selecting the key again moves it later. Infinity: for as long as the approval is in force.
   */
  until?: number;
}

/** A flow as the detectors see it: addresses pseudonymised where flagged. */
export interface FlaggedFlow extends FlowRecord {
  readonly srcPseudonym: boolean;
  readonly dstPseudonym: boolean;
}

const TWO32 = 4294967296;

export class SelectedKeys {
  private readonly addr4 = new Map<number, KeyEntry[]>();
  private readonly pair4 = new Map<number, Map<number, KeyEntry[]>>();
  private readonly server4 = new Map<number, Map<number, KeyEntry[]>>();
  private readonly v6 = new Map<string, KeyEntry[]>();
  private n = 0;

  constructor(private readonly maxKeys = 1_000_000) {}

  get size(): number {
    return this.n;
  }

  add<K extends KeyKind>(kind: K, key: KeyOf<K>, entry: KeyEntry): void {
    const where = `selectKey(${kind})`;
    let list: KeyEntry[] | undefined;
    let put: (l: KeyEntry[]) => void;
    if (kind === 'address') {
      const k = key as AddressKey;
      const v4 = addr4Key(k, where);
      if (v4 !== null) {
        list = this.addr4.get(v4);
        put = (l) => this.addr4.set(v4, l);
      } else {
        const s = `a|${addr6Key(k, where)}`;
        list = this.v6.get(s);
        put = (l) => this.v6.set(s, l);
      }
    } else if (kind === 'pair') {
      const k = key as PairKey;
      const a = addr4Key(k.a, `${where}.a`);
      const b = addr4Key(k.b, `${where}.b`);
      if ((a === null) !== (b === null)) throw selectionError('GATE_BAD_KEY', `${where}: both addresses of a pair are of one family`);
      if (a !== null && b !== null) {
        const lo = Math.min(a, b);
        const hi = Math.max(a, b);
        let m = this.pair4.get(lo);
        if (!m) this.pair4.set(lo, (m = new Map()));
        const mm = m;
        list = mm.get(hi);
        put = (l) => mm.set(hi, l);
      } else {
        const [x, y] = [addr6Key(k.a, `${where}.a`), addr6Key(k.b, `${where}.b`)].sort();
        const s = `p|${x}|${y}`;
        list = this.v6.get(s);
        put = (l) => this.v6.set(s, l);
      }
    } else {
      const k = key as ServerKey;
      if (!Number.isInteger(k.port) || k.port < 0 || k.port > 65535) throw selectionError('GATE_BAD_KEY', `${where}.port: ${k.port} is not a port`);
      if (!Number.isInteger(k.proto) || k.proto < 0 || k.proto > 255) throw selectionError('GATE_BAD_KEY', `${where}.proto: ${k.proto} is not a protocol number`);
      const pp = k.port * 256 + k.proto;
      const v4 = addr4Key(k, where);
      if (v4 !== null) {
        let m = this.server4.get(v4);
        if (!m) this.server4.set(v4, (m = new Map()));
        const mm = m;
        list = mm.get(pp);
        put = (l) => mm.set(pp, l);
      } else {
        const s = `s|${addr6Key(k, where)}|${pp}`;
        list = this.v6.get(s);
        put = (l) => this.v6.set(s, l);
      }
    }
    const had = list?.find((e) => e.approvalId === entry.approvalId && e.criterionId === entry.criterionId);
    if (had) {
      // renewed: the later end wins
      had.until = Math.max(had.until ?? Infinity, entry.until ?? Infinity);
      return;
    }
    if (this.n >= this.maxKeys) throw selectionError('GATE_TOO_MANY_KEYS', `selectKey: ${this.maxKeys} selected keys already; end or narrow an approval`);
    this.n++;
    if (list) list.push(entry);
    else put([entry]);
  }

  /** Drops every key selected under an approval (when it ends or is replaced). */
  removeApproval(approvalId: string): number {
    let removed = 0;
    const strip = (l: KeyEntry[]): KeyEntry[] => {
      const kept = l.filter((e) => e.approvalId !== approvalId);
      removed += l.length - kept.length;
      return kept;
    };
    const clean = <T>(m: Map<T, KeyEntry[]>): void => {
      for (const [k, l] of m) {
        const kept = strip(l);
        if (kept.length) m.set(k, kept);
        else m.delete(k);
      }
    };
    clean(this.addr4);
    clean(this.v6);
    for (const outer of [this.pair4, this.server4]) {
      for (const [k, inner] of outer) {
        clean(inner);
        if (inner.size === 0) outer.delete(k);
      }
    }
    this.n -= removed;
    return removed;
  }

  /** The first entry for a flow's keys that `accept` allows: addresses, then the pair, then servers. */
  find(f: FlaggedFlow, accept: (e: KeyEntry) => boolean): KeyEntry | null {
    if (this.n === 0) return null;
    if (f.family === 4) {
      const s = f.src4 + (f.srcPseudonym ? TWO32 : 0);
      const d = f.dst4 + (f.dstPseudonym ? TWO32 : 0);
      return (
        pick(this.addr4.get(s), accept) ??
        pick(this.addr4.get(d), accept) ??
        pick(this.pair4.get(Math.min(s, d))?.get(Math.max(s, d)), accept) ??
        pick(this.server4.get(d)?.get(f.dstPort * 256 + f.proto), accept) ??
        pick(this.server4.get(s)?.get(f.srcPort * 256 + f.proto), accept)
      );
    }
    if (this.v6.size === 0) return null;
    const s = hex6(f.src6) + (f.srcPseudonym ? 'p' : '');
    const d = hex6(f.dst6) + (f.dstPseudonym ? 'p' : '');
    const [x, y] = s < d ? [s, d] : [d, s];
    return (
      pick(this.v6.get(`a|${s}`), accept) ??
      pick(this.v6.get(`a|${d}`), accept) ??
      pick(this.v6.get(`p|${x}|${y}`), accept) ??
      pick(this.v6.get(`s|${d}|${f.dstPort * 256 + f.proto}`), accept) ??
      pick(this.v6.get(`s|${s}|${f.srcPort * 256 + f.proto}`), accept)
    );
  }
}

function pick(l: KeyEntry[] | undefined, accept: (e: KeyEntry) => boolean): KeyEntry | null {
  if (!l) return null;
  for (const e of l) if (accept(e)) return e;
  return null;
}

function addr4Key(k: AddressKey, where: string): number | null {
  if (typeof k?.address !== 'string') throw selectionError('GATE_BAD_KEY', `${where}.address: is required`);
  if (typeof k.pseudonym !== 'boolean') throw selectionError('GATE_BAD_KEY', `${where}.pseudonym: must be true or false`);
  const v = parseIpv4(k.address);
  return v < 0 ? null : v + (k.pseudonym ? TWO32 : 0);
}

function addr6Key(k: AddressKey, where: string): string {
  const b = parseIpv6(k.address);
  if (!b) throw selectionError('GATE_BAD_KEY', `${where}.address: '${k.address}' is not an IP address`);
  return hex6(b) + (k.pseudonym ? 'p' : '');
}

function hex6(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < 16; i++) s += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
  return s;
}
