/**
 * Infrastructure, not pairs (issue #21): findings grouped by external server, and servers by network
 * (/24 for IPv4, /48 for IPv6) and by AS where they act together — several addresses of one network
 * in findings of the same kind (a C2 that moves within a /24, fast-flux across neighbouring
 * addresses, scanners of one /24), and scanners or DDoS sources of one AS each doing a little (a
 * distributed scan spread over a provider's networks). A group is reported when at least
 * `minServers` distinct external addresses of it are in findings of one kind; the members keep their
 * own findings and tiers (a group is a view for a person, it selects nothing by itself).
 *
 * Computed on demand from the finding store's list (no state in the hot path): O(findings).
 */
import type { Finding } from './finding.js';
import { parsePrefix } from './addrset.js';
import type { AsnLookup } from './beacon.js';

export interface InfraGroup {
  /** 'net': a /24 (v4) or /48 (v6); 'asn': an autonomous system */
  by: 'net' | 'asn';
  /** '203.0.113.0/24', '2001:db8:1::/48' or 'AS64512' */
  key: string;
  /** the kind of behaviour the members share: beacon (beacon, strobe, fan-in), scan, ddos, indicator, exfiltration, long-connection (AS groups: scan and ddos only) */
  kind: string;
  /** distinct external addresses, sorted */
  servers: string[];
  /** the member findings' keys, sorted */
  findings: string[];
  /** distinct domestic hosts listed by the members (pseudonyms) */
  domesticHosts: number;
  firstSeen: number;
  lastSeen: number;
  /** the highest member score */
  score: number;
  /** 'confirmed' when any member is */
  tier: 'confirmed' | 'suspected';
}

export interface InfraOptions {
  /** distinct servers of one network or AS before it is a group (default 2) */
  minServers?: number;
  /** the AS of an address; without it only networks are grouped */
  asn?: AsnLookup;
}

function kindOf(f: Finding): string {
  return f.type === 'strobe' || f.type === 'fan-in' ? 'beacon' : f.type;
}

/** the /24 (v4) or /48 (v6) of an address as text, and its AS (0 when unknown) */
function networkOf(addr: string, asn: AsnLookup | undefined): { net: string; as: number } | null {
  let p;
  try { p = parsePrefix(addr); } catch { return null; }
  if (p.family === 4) {
    const a = (p.words[3] ?? 0) >>> 0;
    const n = (a & 0xffffff00) >>> 0;
    return { net: `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.0/24`, as: asn ? asn.asn4(a) : 0 };
  }
  const w0 = p.words[0] ?? 0;
  const w1 = p.words[1] ?? 0;
  const h = (x: number): string => x.toString(16);
  const net = `${h(w0 >>> 16)}:${h(w0 & 0xffff)}:${h(w1 >>> 16)}::/48`;
  let as = 0;
  if (asn) {
    const b = new Uint8Array(16);
    for (let i = 0; i < 4; i++) { const w = p.words[i] ?? 0; b[i * 4] = w >>> 24; b[i * 4 + 1] = (w >>> 16) & 255; b[i * 4 + 2] = (w >>> 8) & 255; b[i * 4 + 3] = w & 255; }
    as = asn.asn6(b);
  }
  return { net, as };
}

/** groups of findings about several servers of one network or AS, largest first */
export function groupInfrastructure(findings: readonly Finding[], o: InfraOptions = {}): InfraGroup[] {
  const min = o.minServers ?? 2;
  const acc = new Map<string, { by: 'net' | 'asn'; key: string; kind: string; servers: Set<string>; findings: string[]; domestic: Set<string>; first: number; last: number; score: number; confirmed: boolean }>();
  const add = (by: 'net' | 'asn', key: string, f: Finding, kind: string): void => {
    const id = `${by}|${key}|${kind}`;
    let g = acc.get(id);
    if (!g) { g = { by, key, kind, servers: new Set(), findings: [], domestic: new Set(), first: f.firstSeen, last: f.lastSeen, score: 0, confirmed: false }; acc.set(id, g); }
    g.servers.add(f.external!);
    g.findings.push(f.key);
    for (const d of f.domestic) g.domestic.add(d);
    g.first = Math.min(g.first, f.firstSeen);
    g.last = Math.max(g.last, f.lastSeen);
    g.score = Math.max(g.score, f.score);
    if (f.tier === 'confirmed') g.confirmed = true;
  };
  for (const f of findings) {
    // a finding about a network already (a distributed scan names its /24) is its own group
    if (!f.external || f.external.includes('/')) continue;
    const n = networkOf(f.external, o.asn);
    if (!n) continue;
    const kind = kindOf(f);
    add('net', n.net, f, kind);
    // an AS is large (a cloud provider hosts anyone): its addresses act together as scanners or DDoS
    // sources; timers to several addresses of one cloud are what any host with two apps shows (the
    // generated days: one AS group of 48-60 benign servers), so they are grouped by /24 only
    if (n.as > 0 && (kind === 'scan' || kind === 'ddos')) add('asn', `AS${n.as}`, f, kind);
  }
  const out: InfraGroup[] = [];
  for (const g of acc.values()) {
    if (g.servers.size < min) continue;
    out.push({ by: g.by, key: g.key, kind: g.kind, servers: [...g.servers].sort(), findings: [...g.findings].sort(), domesticHosts: g.domestic.size, firstSeen: g.first, lastSeen: g.last, score: g.score, tier: g.confirmed ? 'confirmed' : 'suspected' });
  }
  return out.sort((a, b) => b.servers.length - a.servers.length || (a.by === b.by ? 0 : a.by === 'net' ? -1 : 1) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) || (a.kind < b.kind ? -1 : 1));
}
