/**
 * "Abroad" is checked, not declared: an operation's target is abroad when the shipped country data
 * (DB-IP, through the selection part's scope) places its address outside the country, or a domain of
 * the operation resolves to such an address. Such an operation needs the foreign ministry's
 * consultation whatever the drafter's `abroad` flag says. Addresses that are not globally routable
 * (documentation, private) are in no other country and count as at home, as the lawful gate counts them.
 * Names under the special-use top-level domains (RFC 6761, RFC 2606) are not resolved: they have no
 * addresses on the Internet.
 */
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { createScope, type Scope } from '../selection/index.js';
import type { OperationTargets } from './tables.js';
import { v6Groups } from './targets.js';

export interface AbroadConfig {
  /** the country whose address space is domestic (the config's `country`) */
  country: string;
  /** extra domestic prefixes (the config's `domestic`) */
  domestic?: readonly string[];
  /** resolve the operation's domains (default true); a resolver address host:port, else the system's */
  resolveDomains?: boolean;
  resolver?: string;
}

export interface ForeignTargets {
  abroad: boolean;
  /** the targets abroad, with the address a domain resolved to */
  foreign: string[];
  /** domains that did not resolve (nothing is known of where they are) */
  unresolved: string[];
}

const SPECIAL_USE = /(^|\.)(test|example|invalid|localhost|local|onion|arpa|internal|example\.(com|net|org))$/;

let config: AbroadConfig = { country: 'JP' };
let scope: Scope | null = null;

/** Sets the country (and domestic prefixes, resolver) the check uses; called once at start-up. */
export function configureAbroad(c: AbroadConfig): void {
  if (c.country !== config.country || JSON.stringify(c.domestic ?? []) !== JSON.stringify(config.domestic ?? [])) scope = null;
  config = c;
}

function scopeOf(): Scope {
  scope ??= createScope({ country: config.country, useCountryData: true, domesticPrefixes: config.domestic ?? [], localIsDomestic: true });
  return scope;
}

/** Whether an address is outside the country by the shipped data. */
export function isAbroadAddress(address: string): boolean {
  const s = scopeOf();
  if (isIP(address) === 4) return !s.isDomestic4(address.split('.').reduce((x, o) => x * 256 + Number(o), 0) >>> 0);
  const g = v6Groups(address);
  const b = new Uint8Array(16);
  g.forEach((v, i) => {
    b[2 * i] = v >> 8;
    b[2 * i + 1] = v & 0xff;
  });
  return !s.isDomestic6(b);
}

async function addressesOf(domain: string): Promise<string[] | null> {
  const r = new Resolver({ timeout: 2000, tries: 1 });
  if (config.resolver) {
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(config.resolver);
    if (m) r.setServers([isIP(m[1]!) === 6 ? `[${m[1]}]:${m[2]}` : `${m[1]}:${m[2]}`]);
  }
  const [a, aaaa] = await Promise.all([r.resolve4(domain).catch(() => [] as string[]), r.resolve6(domain).catch(() => [] as string[])]);
  const all = [...a, ...aaaa];
  return all.length ? all : null;
}

/** The operation's targets abroad by the country data (addresses, and the addresses its domains resolve to). */
export async function foreignTargets(targets: OperationTargets): Promise<ForeignTargets> {
  const out: ForeignTargets = { abroad: false, foreign: [], unresolved: [] };
  for (const a of targets.addresses) if (isAbroadAddress(a)) out.foreign.push(a);
  if (config.resolveDomains !== false) {
    for (const d of targets.domains) {
      if (SPECIAL_USE.test(d)) continue;
      const addrs = await addressesOf(d);
      if (!addrs) {
        out.unresolved.push(d);
        continue;
      }
      for (const a of addrs) if (isAbroadAddress(a)) out.foreign.push(`${d} (${a})`);
    }
  }
  out.abroad = out.foreign.length > 0;
  return out;
}
