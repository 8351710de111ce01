/**
 * A person's reads of findings: every read is audited (`findings.read` with the count, `finding.read`
 * with the key), and what they get is the API's view (times as ISO text). Who may read is ./access.ts;
 * the server checks it before these run.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import type { Actor } from '../auth/index.js';
import { recordAudit } from '../oversight/index.js';
import { ipv6ToString, parseIpv4, parseIpv6 } from '../flow/index.js';
import { notFound } from '../shared/errors.js';
import { findingsAbout, findingsSince, getFinding, listFindings, type FindingQuery } from './queries.js';
import { groupInfrastructure, type AsnLookup } from '../detect/index.js';
import type { StoredFinding } from './tables.js';
import { findingsError } from './errors.js';

/** the infrastructure page shows at most this many findings (newest first) */
export const INFRASTRUCTURE_LIMIT = 500;

/** The API's view of a stored finding: times as ISO text. */
export type FindingView = Omit<StoredFinding, 'firstSeen' | 'lastSeen'> & { firstSeen: string; lastSeen: string };

export function findingView(f: StoredFinding): FindingView {
  return { ...f, firstSeen: new Date(f.firstSeen).toISOString(), lastSeen: new Date(f.lastSeen).toISOString() };
}

/** An address as the detectors write it (IPv6 in its canonical text), or a 400 naming the parameter. */
export function canonicalAddress(text: string): string {
  if (parseIpv4(text) >= 0) return text;
  const v6 = text.includes(':') && !text.includes('%') ? parseIpv6(text) : null;
  if (v6) return ipv6ToString(v6);
  throw findingsError('BAD_ADDRESS', `address: '${text.slice(0, 64)}' is not an IPv4 or IPv6 address (a prefix or a name is not accepted)`);
}

/** Findings, highest score first; audited `findings.read` with the count. */
export async function readFindings(db: Kysely<Database>, actor: Actor, q: FindingQuery): Promise<FindingView[]> {
  const rows = await listFindings(db, q);
  await recordAudit(db, { actor, action: 'findings.read', target: { type: 'findings' }, details: { count: rows.length } });
  return rows.map(findingView);
}

/** One finding with its evidence, or a 404; audited `finding.read` with its key. */
export async function readFinding(db: Kysely<Database>, actor: Actor, key: string): Promise<FindingView> {
  const f = await getFinding(db, key);
  if (!f) throw notFound('finding', key);
  await recordAudit(db, { actor, action: 'finding.read', target: { type: 'finding', id: f.key } });
  return findingView(f);
}

export interface InfrastructureView {
  address: string;
  findings: FindingView[];
  truncated: boolean;
  summary: {
    findings: number;
    types: Record<string, number>;
    firstSeen: string | null;
    lastSeen: string | null;
    /** distinct domestic pseudonyms named in the findings (each detector keeps a bounded sample) */
    pseudonymsNamed: number;
    /** the most domestic hosts any one finding counted (estimated by the detector when large) */
    largestDomesticCount: number;
    /** at least this many domestic hosts were involved */
    victimsAtLeast: number;
  };
}

/**
 * An external address (attacker infrastructure): its findings of every type, newest first (at most
 * INFRASTRUCTURE_LIMIT), with a summary; audited `findings.read` naming the address and the count.
 * `address` is any text: one that is not an IPv4 or IPv6 address is a 400 (BAD_ADDRESS).
 */
export async function readInfrastructure(db: Kysely<Database>, actor: Actor, text: string): Promise<InfrastructureView> {
  const address = canonicalAddress(text);
  const findings = (await findingsAbout(db, address, INFRASTRUCTURE_LIMIT)).map(findingView);
  const types: Record<string, number> = {};
  const pseudonyms = new Set<string>();
  let firstSeen: string | null = null;
  let lastSeen: string | null = null;
  let largestCount = 0;
  for (const f of findings) {
    types[String(f.type)] = (types[String(f.type)] ?? 0) + 1;
    for (const d of (f.domestic as string[] | null) ?? []) pseudonyms.add(d);
    largestCount = Math.max(largestCount, Number(f.domesticCount ?? 0));
    if (firstSeen === null || f.firstSeen < firstSeen) firstSeen = f.firstSeen;
    if (lastSeen === null || f.lastSeen > lastSeen) lastSeen = f.lastSeen;
  }
  await recordAudit(db, { actor, action: 'findings.read', target: { type: 'infrastructure', id: address }, details: { count: findings.length } });
  return {
    address,
    findings,
    truncated: findings.length === INFRASTRUCTURE_LIMIT,
    summary: {
      findings: findings.length,
      types,
      firstSeen,
      lastSeen,
      pseudonymsNamed: pseudonyms.size,
      largestDomesticCount: largestCount,
      victimsAtLeast: Math.max(pseudonyms.size, largestCount),
    },
  };
}

/** the groups page considers at most this many findings (newest last seen first) */
export const GROUPS_FINDING_LIMIT = 5000;
/** the groups page looks back at most this many hours */
export const GROUPS_MAX_HOURS = 720;

export interface InfrastructureGroupView {
  /** 'net': a /24 (IPv4) or /48 (IPv6); 'asn': an autonomous system */
  by: 'net' | 'asn';
  /** '203.0.113.0/24', '2001:db8:1::/48' or 'AS64512' */
  key: string;
  /** the AS number of an 'asn' group, null for a network */
  asn: number | null;
  /** the behaviour the members share: beacon (beacon, strobe, fan-in), scan, ddos, indicator, exfiltration, long-connection */
  kind: string;
  /** the member servers (external addresses), each with its findings in the group counted by type */
  servers: Array<{ address: string; findings: number; types: Record<string, number> }>;
  /** the member findings' keys */
  findings: string[];
  /** distinct domestic hosts (pseudonyms) the members name */
  domesticHosts: number;
  firstSeen: string;
  lastSeen: string;
  /** the highest member score */
  score: number;
}

export interface InfrastructureGroupsView {
  hours: number;
  /** the findings considered (last seen within `hours`, at most GROUPS_FINDING_LIMIT) */
  considered: number;
  truncated: boolean;
  groups: InfrastructureGroupView[];
}

/**
 * Infrastructure, not pairs (issue #21): the findings last seen in the past `hours` (default 24) grouped by
 * network (/24, /48) and, for scanners and DDoS sources, by AS (detect's groupInfrastructure); audited
 * `findings.read` on `infrastructure-groups` with the counts. A group selects nothing: it is a view.
 */
export async function readInfrastructureGroups(
  db: Kysely<Database>,
  actor: Actor,
  o: { hours?: number; asn?: AsnLookup; now?: number } = {},
): Promise<InfrastructureGroupsView> {
  const hours = o.hours ?? 24;
  if (!Number.isInteger(hours) || hours < 1 || hours > GROUPS_MAX_HOURS) throw findingsError('BAD_HOURS', `hours: ${String(hours).slice(0, 32)} is not a whole number of hours from 1 to ${GROUPS_MAX_HOURS}`);
  const now = o.now ?? Date.now();
  const rows = await findingsSince(db, now - hours * 3600_000, GROUPS_FINDING_LIMIT);
  const byKey = new Map(rows.map((f) => [f.key, f]));
  const groups = groupInfrastructure(rows, o.asn ? { asn: o.asn } : {}).map((g): InfrastructureGroupView => {
    const servers = new Map<string, { address: string; findings: number; types: Record<string, number> }>();
    for (const s of g.servers) servers.set(s, { address: s, findings: 0, types: {} });
    for (const k of g.findings) {
      const f = byKey.get(k);
      const s = f?.external ? servers.get(f.external) : undefined;
      if (!f || !s) continue;
      s.findings++;
      s.types[f.type] = (s.types[f.type] ?? 0) + 1;
    }
    return {
      by: g.by,
      key: g.key,
      asn: g.by === 'asn' ? Number(g.key.slice(2)) : null,
      kind: g.kind,
      servers: [...servers.values()],
      findings: g.findings,
      domesticHosts: g.domesticHosts,
      firstSeen: new Date(g.firstSeen).toISOString(),
      lastSeen: new Date(g.lastSeen).toISOString(),
      score: g.score,
    };
  });
  await recordAudit(db, { actor, action: 'findings.read', target: { type: 'infrastructure-groups' }, details: { count: rows.length, groups: groups.length, hours } });
  return { hours, considered: rows.length, truncated: rows.length === GROUPS_FINDING_LIMIT, groups };
}
