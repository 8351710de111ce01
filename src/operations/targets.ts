/**
 * What a measure may act on: the attacker's own server addresses (as host routes /32, /128) and its
 * domains. Malformed input is refused naming the field; an address or domain the operation does not
 * name is an unknown server.
 */
import { isIP } from 'node:net';
import type { OperationTargets } from './tables.js';
import { operationsError } from './errors.js';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A domain name in lower-case ASCII (IDN as punycode), at least two labels, no trailing dot. */
export function normaliseDomain(input: string, field: string): string {
  const d = input.trim().toLowerCase().replace(/\.$/, '');
  const labels = d.split('.');
  if (d.length === 0 || d.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^[0-9]+$/.test(labels[labels.length - 1]!)) {
    throw operationsError('MALFORMED_DOMAIN', `${field}: "${input}" is not a domain name (lower-case labels of letters, digits and hyphens, at least two, 253 characters at most)`);
  }
  return d;
}

export function isDomain(s: string): boolean {
  try {
    normaliseDomain(s, 'x');
    return true;
  } catch {
    return false;
  }
}

/** An IPv4 or IPv6 address in canonical text (v6 compressed, lower case). */
export function normaliseAddress(input: string, field: string): string {
  const a = input.trim();
  const v = isIP(a);
  if (v === 4) return a.split('.').map((o) => String(Number(o))).join('.');
  if (v === 6) return canonicalV6(a);
  throw operationsError('MALFORMED_ADDRESS', `${field}: "${input}" is not an IPv4 or IPv6 address`);
}

/** 16-bit groups of an IPv6 address (8 of them). */
export function v6Groups(a: string): number[] {
  let s = a.toLowerCase();
  // an embedded IPv4 tail (::ffff:192.0.2.1)
  const m = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (m) {
    const o = m[1]!.split('.').map(Number);
    s = s.slice(0, -m[1]!.length) + `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  return [...h, ...Array<string>(fill).fill('0'), ...t].map((g) => parseInt(g, 16));
}

/** RFC 5952 text: lower case, no leading zeros, the longest run (≥ 2) of zero groups as ::. */
export function canonicalV6(a: string): string {
  const g = v6Groups(a);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export interface HostPrefix {
  address: string;
  family: 4 | 6;
  length: 32 | 128;
}

/**
 * An address or a host prefix (a.b.c.d/32, x::y/128). Shorter prefixes are refused: a measure acts on
 * the attacker's server, not on the neighbours sharing its network.
 */
export function parseHostPrefix(input: string, field: string): HostPrefix {
  const s = input.trim();
  const slash = s.indexOf('/');
  const addrText = slash < 0 ? s : s.slice(0, slash);
  const family = isIP(addrText);
  if (family === 0) throw operationsError('MALFORMED_PREFIX', `${field}: "${input}" is not an address or prefix (a.b.c.d/32 or x::y/128)`);
  const full = family === 4 ? 32 : 128;
  if (slash >= 0) {
    const lenText = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > full) throw operationsError('MALFORMED_PREFIX', `${field}: "${input}" has a bad prefix length (0-${full})`);
    if (Number(lenText) !== full) {
      throw operationsError('PREFIX_TOO_BROAD', `${field}: "${input}" covers more than one host; measures act on the attacker's server only (/${full})`);
    }
  }
  return { address: normaliseAddress(addrText, field), family: family as 4 | 6, length: full as 32 | 128 };
}

export function normaliseTargets(t: { addresses?: string[]; domains?: string[] }): OperationTargets {
  const addresses = [...new Set((t.addresses ?? []).map((a, i) => normaliseAddress(a, `targets/addresses/${i}`)))];
  const domains = [...new Set((t.domains ?? []).map((d, i) => normaliseDomain(d, `targets/domains/${i}`)))];
  if (addresses.length + domains.length === 0) throw operationsError('NO_TARGET', 'targets: name at least one server address or domain');
  return { addresses, domains };
}

export type MeasureTarget = { type: 'address'; value: string; family: 4 | 6 } | { type: 'domain'; value: string };

/** Parses a measure's target and checks it is a server or domain of the operation (else UNKNOWN_SERVER). */
export function resolveTarget(input: string, targets: OperationTargets, field = 'target'): MeasureTarget {
  const looksLikeAddress = input.includes('/') || isIP(input.trim()) !== 0 || /^[0-9.:/]+$/.test(input.trim()) || input.includes(':');
  if (looksLikeAddress) {
    const p = parseHostPrefix(input, field);
    if (!targets.addresses.includes(p.address)) {
      throw operationsError('UNKNOWN_SERVER', `${field}: ${p.address} is not a server of this operation (its servers: ${targets.addresses.join(', ') || 'none'})`, { status: 404 });
    }
    return { type: 'address', value: p.address, family: p.family };
  }
  const d = normaliseDomain(input, field);
  if (!targets.domains.some((t) => d === t || d.endsWith(`.${t}`))) {
    throw operationsError('UNKNOWN_SERVER', `${field}: ${d} is not a domain of this operation (its domains: ${targets.domains.join(', ') || 'none'})`, { status: 404 });
  }
  return { type: 'domain', value: d };
}
