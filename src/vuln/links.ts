/**
 * Findings linked to exposed networks: a detector finding whose domestic address (a victim, a target, a
 * host talking to a C2) lies in a range registered by an operator with an open vulnerability alert is
 * shown on that alert, and the agency sees on the finding which exposed operators it reached.
 *
 * Domestic addresses in findings are Crypto-PAn pseudonyms, and the operator registered its ranges in
 * clear. Crypto-PAn preserves prefixes, so each range is turned into its pseudonym block under every
 * pseudonym key (selection's `pseudonymisedRanges`; the key bytes stay in selection/) and a finding's
 * addresses are compared with the blocks of the keys in force while it was seen (a stored finding does
 * not name its key). Nothing is re-identified. A range of the whole organisation counts for every open
 * alert of it, a range of one registered system for that system's alerts only.
 *
 * What each reader gets: the operator, for its own alerts, the finding's type, direction, times and
 * score, which of its own ranges were reached and how many of its addresses — not the finding's key, its
 * external address or any other operator's address. The agency gets the finding key and external
 * address too, and, per finding, every operator it reached.
 *
 * Cost: every finding is considered once per read (in key order, 1 000 a page), narrowed in the store by
 * the text prefix of each IPv4 pseudonym block of /8 or longer (IPv6 ranges, or more than 2 000 blocks,
 * scan them all). Storing links when findings are written is the step after this one.
 */
import type { Kysely } from 'kysely';
import { findingsPage, getFinding, type StoredFinding } from '../findings/index.js';
import { parseIpv4, parseIpv6 } from '../flow/index.js';
import { pseudonymisedRanges, type Prefix, type PseudonymisedRanges } from '../selection/index.js';
import type { Database } from '../store/index.js';
import { rangesOf } from './ranges.js';

export interface LinkedFinding {
  /** the agency's view only */
  findingKey?: string;
  external?: string | null;
  type: string;
  direction: string;
  firstSeen: string;
  lastSeen: string;
  score: number;
  /** the operator's ranges the finding's domestic addresses fell in */
  ranges: string[];
  /** how many of the finding's domestic addresses fell in them */
  addresses: number;
}

export interface OrgLink {
  orgId: string;
  rangeIds: string[];
  cidrs: string[];
  /** systems of those ranges (null: a range of the whole organisation) */
  systemIds: Array<string | null>;
  /** addresses in each of those ranges */
  counts: number[];
  addresses: number;
  finding: StoredFinding;
}

type RangeRef = Awaited<ReturnType<typeof rangesOf>>[number];

const PAGE = 1000;
const MAX_PATTERNS = 2000;

function words(a: string): { family: 4; v: number } | { family: 6; w: number[] } | null {
  const v4 = parseIpv4(a);
  if (v4 >= 0) return { family: 4, v: v4 >>> 0 };
  const b = parseIpv6(a);
  if (!b) return null;
  const w: number[] = [];
  for (let i = 0; i < 4; i++) w.push((((b[i * 4] ?? 0) << 24) | ((b[i * 4 + 1] ?? 0) << 16) | ((b[i * 4 + 2] ?? 0) << 8) | (b[i * 4 + 3] ?? 0)) >>> 0);
  return { family: 6, w };
}

function inPrefix(a: NonNullable<ReturnType<typeof words>>, p: Prefix): boolean {
  if (a.family === 4) return p.family === 4 && p.first <= a.v && a.v <= p.last;
  if (p.family !== 6) return false;
  for (let i = 0; i < 4; i++) {
    const x = a.w[i]!;
    if (x < p.first[i]! || x > p.last[i]!) return false;
  }
  return true;
}

/** The addresses of a finding that say whom it reached: its domestic addresses and a DDoS's target. */
function victimAddresses(f: StoredFinding): string[] {
  const t = f.evidence?.target;
  return typeof t === 'string' && !f.domestic.includes(t) ? [...f.domestic, t] : f.domestic;
}

/** Text prefixes every address of the blocks starts with, or null when they cannot narrow the scan. */
function textPrefixes(keyed: PseudonymisedRanges[]): string[] | null {
  const out = new Set<string>();
  for (const k of keyed) {
    for (const p of k.prefixes) {
      if (p.family !== 4 || p.length < 8) return null;
      const octets = Math.floor(p.length / 8);
      const parts = [p.first >>> 24, (p.first >>> 16) & 255, (p.first >>> 8) & 255, p.first & 255].slice(0, octets);
      out.add(octets === 4 ? parts.join('.') : `${parts.join('.')}.`);
      if (out.size > MAX_PATTERNS) return null;
    }
  }
  return [...out];
}

function matchFinding(f: StoredFinding, keyed: PseudonymisedRanges[], ranges: RangeRef[]): Map<number, number> {
  const hits = new Map<number, Set<string>>();
  const addrs = victimAddresses(f)
    .map((a) => ({ a, w: words(a) }))
    .filter((x): x is { a: string; w: NonNullable<ReturnType<typeof words>> } => x.w !== null);
  if (addrs.length === 0) return new Map();
  for (const k of keyed) {
    // the key was in force some time while the finding was seen
    if (!(k.validFrom <= f.lastSeen && f.firstSeen < k.validTo)) continue;
    for (let i = 0; i < ranges.length; i++) {
      const p = k.prefixes[i]!;
      for (const { a, w } of addrs) {
        if (!inPrefix(w, p)) continue;
        const s = hits.get(i) ?? new Set<string>();
        s.add(a);
        hits.set(i, s);
      }
    }
  }
  return new Map([...hits].map(([i, s]) => [i, s.size]));
}

function orgLinks(f: StoredFinding, hits: Map<number, number>, ranges: RangeRef[]): OrgLink[] {
  const byOrg = new Map<string, OrgLink>();
  for (const [i, n] of hits) {
    const r = ranges[i]!;
    const l = byOrg.get(r.orgId) ?? { orgId: r.orgId, rangeIds: [], cidrs: [], systemIds: [], counts: [], addresses: 0, finding: f };
    l.rangeIds.push(r.id);
    l.cidrs.push(r.cidr);
    l.systemIds.push(r.systemId);
    l.counts.push(n);
    l.addresses += n;
    byOrg.set(r.orgId, l);
  }
  return [...byOrg.values()];
}

/**
 * Every link between findings and the ranges of these organisations (all when none are named), per
 * organisation. Unaudited: the caller's read is audited.
 */
export async function linksOfOrgs(db: Kysely<Database>, orgIds?: readonly string[]): Promise<Map<string, OrgLink[]>> {
  const out = new Map<string, OrgLink[]>();
  const ranges = await rangesOf(db, orgIds);
  if (ranges.length === 0) return out;
  const keyed = await pseudonymisedRanges(db, ranges.map((r) => r.prefix));
  if (keyed.length === 0) return out;
  const prefixes = textPrefixes(keyed);
  let after: string | undefined;
  for (;;) {
    const page = await findingsPage(db, { limit: PAGE, ...(after !== undefined ? { afterKey: after } : {}), ...(prefixes ? { addressPrefixes: prefixes } : {}) });
    for (const f of page) {
      const hits = matchFinding(f, keyed, ranges);
      for (const l of orgLinks(f, hits, ranges)) out.set(l.orgId, [...(out.get(l.orgId) ?? []), l]);
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.key;
  }
  for (const l of out.values()) l.sort((a, b) => b.finding.lastSeen - a.finding.lastSeen);
  return out;
}

/** The operators whose ranges one finding reached (the agency's view of a finding). */
export async function linksOfFinding(db: Kysely<Database>, key: string): Promise<{ finding: StoredFinding | undefined; links: OrgLink[] }> {
  const finding = await getFinding(db, key);
  if (!finding) return { finding, links: [] };
  const ranges = await rangesOf(db);
  if (ranges.length === 0) return { finding, links: [] };
  const keyed = await pseudonymisedRanges(db, ranges.map((r) => r.prefix), { from: new Date(finding.firstSeen), to: new Date(finding.lastSeen) });
  return { finding, links: orgLinks(finding, matchFinding(finding, keyed, ranges), ranges) };
}

/** One link as a reader sees it on an alert (the agency with the finding's key and external address). */
export function linkedFindingView(l: OrgLink, forAgency: boolean): LinkedFinding {
  const f = l.finding;
  return {
    ...(forAgency ? { findingKey: f.key, external: f.external } : {}),
    type: f.type,
    direction: f.direction,
    firstSeen: new Date(f.firstSeen).toISOString(),
    lastSeen: new Date(f.lastSeen).toISOString(),
    score: f.score,
    ranges: [...new Set(l.cidrs)],
    addresses: l.addresses,
  };
}

/** The links that concern one alert: ranges of the whole organisation, or of the alert's system. */
export function linksForAlert(links: readonly OrgLink[] | undefined, systemId: string): OrgLink[] {
  const out: OrgLink[] = [];
  for (const l of links ?? []) {
    const keep = l.systemIds.map((s, i) => (s === null || s === systemId ? i : -1)).filter((i) => i >= 0);
    if (keep.length === 0) continue;
    if (keep.length === l.systemIds.length) {
      out.push(l);
      continue;
    }
    // the finding reached ranges of other systems too: only this alert's ranges count here (an address is in
    // one range of an operator at most: an operator's ranges do not overlap)
    const counts = keep.map((i) => l.counts[i]!);
    out.push({ ...l, rangeIds: keep.map((i) => l.rangeIds[i]!), cidrs: keep.map((i) => l.cidrs[i]!), systemIds: keep.map((i) => l.systemIds[i]!), counts, addresses: counts.reduce((a, b) => a + b, 0) });
  }
  return out;
}
