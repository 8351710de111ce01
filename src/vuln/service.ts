/**
 * Vulnerability exposure: advisories in, matched against what operators registered, alerts to the right
 * people only.
 *
 * - Import (the agency): a CSAF 2.0 document or CVE JSON 5 record becomes an advisory (a new version
 *   replaces the old; every version is kept) and is matched at once against every registered system; a
 *   KEV catalogue marks the alerts of its CVEs known-exploited.
 * - Matching reruns for a system whose version changed since it was last matched (`syncSystems`, run
 *   before every read and after every import), so a change made anywhere is seen. Each alert keeps the
 *   advisory version and system version its match came from, and a history row per change.
 * - Tenancy: an operator sees its own systems' alerts (with remediation, known-exploited first); its
 *   sector's ministry sees the sector's exposure in aggregate and per operator (no alert details); the
 *   agency sees all; everyone else nothing. Alert states are set by the operator. Every read and every
 *   change is audited.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Actor } from '../auth/index.js';
import { SYSTEM_ACTOR } from '../auth/index.js';
import { recordAudit } from '../oversight/index.js';
import { scopeOf, type Scope } from '../reports/index.js';
import type { ReportsTables } from '../reports/index.js';
import type { Database } from '../store/index.js';
import { withTables } from '../store/index.js';
import { AcdError, forbidden, notFound } from '../shared/errors.js';
import { parseDocument, type Advisory, type AffectedRule, type KevCatalogue, type MatchStatus, type Remediation } from './documents.js';
import { createAdvisoryIndex, statusOf, targetOf, type ProductLike, type ProductMatch } from './match.js';
import type { VulnTables } from './tables.js';
import { vulnError } from './errors.js';
import { vulnerabilityId } from './ids.js';
import { linkedFindingView, linksForAlert, linksOfFinding, linksOfOrgs, type LinkedFinding } from './links.js';

export type AnyDb = Kysely<Database> | Transaction<Database>;
type VDb = Kysely<Database & ReportsTables & VulnTables> | Transaction<Database & ReportsTables & VulnTables>;
const vdb = (db: AnyDb): VDb => withTables<ReportsTables & VulnTables>(db as Kysely<Database>);
const base = (db: AnyDb | VDb): Kysely<Database> => db as unknown as Kysely<Database>;

export const ALERT_STATES = ['new', 'acknowledged', 'mitigated', 'not_affected'] as const;
export type AlertState = (typeof ALERT_STATES)[number];
const OPEN_STATES: readonly string[] = ['new', 'acknowledged'];
const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'none', 'unknown'];

const isAgency = (actor: Actor): boolean => actor.orgKind === 'agency' && actor.roles.some((r) => r === 'agency_analyst' || r === 'agency_lead');

function requireAgency(actor: Actor, what: string): void {
  if (actor.via !== 'system' && !isAgency(actor)) throw forbidden(`${what} is for the agency`);
}

// ---------------------------------------------------------------------------------------------------------
// Import

export interface ImportResult {
  kind: 'advisory' | 'kev';
  id: string;
  version: string;
  /** new: first version; updated: a new version; unchanged: this version was already here */
  status: 'new' | 'updated' | 'unchanged';
  rules: number;
  notes: string[];
  /** alerts written or changed by the match */
  alertsChanged: number;
  /** systems the advisory now affects */
  affected: number;
}

/** Imports one document (CSAF 2.0, CVE JSON 5 or KEV), refused naming the field if it fails its schema. */
export async function importDocument(db: AnyDb, actor: Actor, doc: unknown, now = new Date()): Promise<ImportResult> {
  requireAgency(actor, 'importing advisories');
  let parsed;
  try {
    parsed = parseDocument(doc);
  } catch (e) {
    if (e instanceof AcdError) await recordAudit(base(db), { actor, action: 'vuln.import.refused', target: { type: 'advisory', id: '-' }, details: { code: e.code, message: e.message.slice(0, 500) } });
    throw e;
  }
  if (parsed.kind === 'kev') return importKev(db, actor, parsed.catalogue, now);
  return importAdvisory(db, actor, parsed.advisory, doc, now);
}

async function importAdvisory(db: AnyDb, actor: Actor, a: Advisory, doc: unknown, now: Date): Promise<ImportResult> {
  const r = vdb(db);
  const prior = await r.selectFrom('vuln_advisories').select(['version']).where('id', '=', a.id).executeTakeFirst();
  const have = await r.selectFrom('vuln_advisory_versions').select('version').where('advisory_id', '=', a.id).where('version', '=', a.version).executeTakeFirst();
  if (have) {
    await recordAudit(base(db), { actor, action: 'vuln.advisory.import', target: { type: 'advisory', id: a.id }, details: { version: a.version, status: 'unchanged' }, at: now });
    return { kind: 'advisory', id: a.id, version: a.version, status: 'unchanged', rules: a.rules.length, notes: a.notes, alertsChanged: 0, affected: 0 };
  }
  const row = {
    version: a.version,
    format: a.format,
    title: a.title.slice(0, 1000),
    publisher: a.publisher.slice(0, 500),
    severity: a.severity,
    cvss: a.cvss,
    cves: JSON.stringify(a.cves),
    released_at: a.releasedAt,
    tlp: a.tlp,
    rules: JSON.stringify(a.rules),
    notes: JSON.stringify(a.notes),
    imported_by: actor.userId,
    imported_at: now,
  };
  await r.transaction().execute(async (trx) => {
    if (prior) await trx.updateTable('vuln_advisories').set(row).where('id', '=', a.id).execute();
    else await trx.insertInto('vuln_advisories').values({ id: a.id, ...row }).execute();
    await trx.insertInto('vuln_advisory_versions').values({ advisory_id: a.id, version: a.version, document: JSON.stringify(doc), imported_by: actor.userId, imported_at: now }).execute();
    await recordAudit(base(trx), { actor, action: 'vuln.advisory.import', target: { type: 'advisory', id: a.id }, details: { version: a.version, status: prior ? 'updated' : 'new', format: a.format, rules: a.rules.length, cves: a.cves.slice(0, 50) }, at: now });
  });
  await syncSystems(db, now);
  const m = await matchAdvisoryToSystems(db, a, now);
  return { kind: 'advisory', id: a.id, version: a.version, status: prior ? 'updated' : 'new', rules: a.rules.length, notes: a.notes, ...m };
}

async function importKev(db: AnyDb, actor: Actor, k: KevCatalogue, now: Date): Promise<ImportResult> {
  const r = vdb(db);
  let changed = 0;
  await r.transaction().execute(async (trx) => {
    for (let i = 0; i < k.entries.length; i += 500) {
      const chunk = k.entries.slice(i, i + 500).map((e) => ({
        cve_id: e.cveId,
        vendor_project: e.vendorProject,
        product: e.product,
        name: e.name,
        date_added: e.dateAdded,
        due_date: e.dueDate,
        required_action: e.requiredAction,
        ransomware: e.ransomware,
        catalog_version: k.catalogVersion,
        updated_at: now,
      }));
      if (chunk.length)
        await trx
          .insertInto('vuln_kev')
          .values(chunk)
          .onConflict((oc) =>
            oc.column('cve_id').doUpdateSet((eb) => ({
              due_date: eb.ref('excluded.due_date'),
              required_action: eb.ref('excluded.required_action'),
              ransomware: eb.ref('excluded.ransomware'),
              catalog_version: eb.ref('excluded.catalog_version'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
    }
    await recordAudit(base(trx), { actor, action: 'vuln.kev.import', target: { type: 'kev', id: k.catalogVersion }, details: { entries: k.entries.length }, at: now });
  });
  // alerts of these CVEs become known-exploited
  const kevSet = new Set(k.entries.map((e) => e.cveId));
  const alerts = await r.selectFrom('vuln_alerts').select(['id', 'cves', 'known_exploited', 'org_id']).where('known_exploited', '=', false).execute();
  const orgs = new Set<string>();
  for (const al of alerts) {
    if ((al.cves as string[]).some((c) => kevSet.has(c))) {
      await r.updateTable('vuln_alerts').set({ known_exploited: true, updated_at: now }).where('id', '=', al.id).execute();
      changed++;
      orgs.add(al.org_id);
    }
  }
  for (const o of orgs) await snapshotOrg(db, o, now);
  return { kind: 'kev', id: 'cisa-kev', version: k.catalogVersion, status: 'updated', rules: 0, notes: [], alertsChanged: changed, affected: 0 };
}

// ---------------------------------------------------------------------------------------------------------
// Matching

interface SystemRow {
  id: string;
  org_id: string;
  sector: string;
  version: number;
  name: string;
  products: ProductLike[];
}

async function currentSystems(db: AnyDb, ids?: readonly string[]): Promise<SystemRow[]> {
  let q = vdb(db)
    .selectFrom('systems')
    .innerJoin('organisations', 'organisations.id', 'systems.org_id')
    .innerJoin('system_versions', (j) => j.onRef('system_versions.system_id', '=', 'systems.id').onRef('system_versions.version', '=', 'systems.version'))
    .select(['systems.id', 'systems.org_id', 'organisations.sector', 'systems.version', 'system_versions.name', 'system_versions.products']);
  if (ids) {
    if (ids.length === 0) return [];
    q = q.where('systems.id', 'in', [...ids]);
  }
  const rows = await q.execute();
  return rows.map((s) => ({ id: s.id, org_id: s.org_id, sector: s.sector ?? '', version: s.version, name: s.name, products: s.products as ProductLike[] }));
}

async function kevOf(db: AnyDb, cves: readonly string[]): Promise<Map<string, { dueDate: string; requiredAction: string }>> {
  if (cves.length === 0) return new Map();
  const rows = await vdb(db).selectFrom('vuln_kev').select(['cve_id', 'due_date', 'required_action']).where('cve_id', 'in', [...cves]).execute();
  return new Map(rows.map((r) => [r.cve_id, { dueDate: r.due_date, requiredAction: r.required_action }]));
}

interface MatchedProduct {
  product: string;
  vendor: string | null;
  version: string | null;
  cpe: string | null;
  status: MatchStatus;
  cves: string[];
}

/** The matches of one advisory on one system: per product, what the advisory says. */
function systemMatches(s: SystemRow, index: (t: ReturnType<typeof targetOf>) => ProductMatch[]): { status: MatchStatus | null; products: MatchedProduct[]; cves: string[]; remediations: Remediation[] } {
  const products: MatchedProduct[] = [];
  const all: ProductMatch[] = [];
  for (const p of s.products) {
    const t = targetOf(p);
    const ms = index(t);
    if (ms.length === 0) continue;
    const st = statusOf(ms)!;
    all.push(...ms);
    products.push({ product: p.product, vendor: p.vendor ?? null, version: t.version, cpe: p.cpe ?? null, status: st, cves: [...new Set(ms.filter((m) => m.status === st && m.cve).map((m) => m.cve!))] });
  }
  const status = statusOf(products.map((p) => ({ status: p.status, cve: null, rule: null as unknown as AffectedRule })));
  const affectedCves = [...new Set(products.filter((p) => p.status === 'affected').flatMap((p) => p.cves))];
  const seen = new Set<string>();
  const remediations: Remediation[] = [];
  for (const m of all) {
    if (m.status !== 'affected' && m.status !== 'fixed') continue;
    for (const r of m.rule.remediations) {
      const k = `${r.category}|${r.details}|${r.url ?? ''}`;
      if (!seen.has(k)) {
        seen.add(k);
        remediations.push(r);
      }
    }
  }
  return { status, products, cves: affectedCves.length ? affectedCves : [...new Set(products.flatMap((p) => p.cves))], remediations };
}

/** Writes the alert of (system, advisory) for a match result; returns whether it changed. */
async function writeAlert(
  db: AnyDb,
  s: SystemRow,
  a: { id: string; version: string; severity: string; cves: string[] },
  m: ReturnType<typeof systemMatches>,
  kev: Map<string, { dueDate: string; requiredAction: string }>,
  now: Date,
): Promise<{ changed: boolean; affected: boolean }> {
  const r = vdb(db);
  const existing = await r.selectFrom('vuln_alerts').selectAll().where('system_id', '=', s.id).where('advisory_id', '=', a.id).executeTakeFirst();
  const status: MatchStatus | 'unmatched' = m.status ?? 'unmatched';
  if (!existing) {
    // an alert is opened only when the system is exposed; "fixed" or "not affected" on first sight tells nothing
    if (status !== 'affected') return { changed: false, affected: false };
    const id = randomUUID();
    await r.transaction().execute(async (trx) => {
      await trx
        .insertInto('vuln_alerts')
        .values({
          id,
          org_id: s.org_id,
          sector: s.sector,
          system_id: s.id,
          system_version: s.version,
          advisory_id: a.id,
          advisory_version: a.version,
          match_status: status,
          cves: JSON.stringify(m.cves),
          products: JSON.stringify(m.products),
          remediations: JSON.stringify(m.remediations),
          severity: a.severity,
          known_exploited: m.cves.some((c) => kev.has(c)),
          state: 'new',
          state_reason: null,
          state_by: null,
          state_at: null,
          first_seen: now,
          updated_at: now,
          closed_at: null,
        })
        .execute();
      await trx.insertInto('vuln_match_history').values({ alert_id: id, at: now, advisory_version: a.version, system_version: s.version, match_status: status }).execute();
      await recordAudit(base(trx), { actor: SYSTEM_ACTOR, action: 'vuln.alert.open', target: { type: 'vuln_alert', id }, details: { systemId: s.id, advisoryId: a.id, advisoryVersion: a.version, systemVersion: s.version, cves: m.cves.slice(0, 50) }, at: now });
    });
    return { changed: true, affected: true };
  }
  const same = existing.match_status === status && existing.advisory_version === a.version && existing.system_version === s.version;
  if (same) return { changed: false, affected: status === 'affected' };
  const open = status === 'affected' && OPEN_STATES.includes(existing.state);
  await r.transaction().execute(async (trx) => {
    await trx
      .updateTable('vuln_alerts')
      .set({
        system_version: s.version,
        advisory_version: a.version,
        match_status: status,
        ...(status === 'unmatched' ? {} : { cves: JSON.stringify(m.cves), products: JSON.stringify(m.products), remediations: JSON.stringify(m.remediations) }),
        severity: a.severity,
        known_exploited: m.cves.some((c) => kev.has(c)) || (status === 'unmatched' && existing.known_exploited),
        updated_at: now,
        closed_at: open ? null : existing.closed_at ?? now,
      })
      .where('id', '=', existing.id)
      .execute();
    await trx.insertInto('vuln_match_history').values({ alert_id: existing.id, at: now, advisory_version: a.version, system_version: s.version, match_status: status }).execute();
    await recordAudit(base(trx), { actor: SYSTEM_ACTOR, action: 'vuln.alert.rematch', target: { type: 'vuln_alert', id: existing.id }, details: { from: existing.match_status, to: status, advisoryVersion: a.version, systemVersion: s.version }, at: now });
  });
  return { changed: true, affected: status === 'affected' };
}

/** Matches one advisory (just imported) against every registered system. */
async function matchAdvisoryToSystems(db: AnyDb, a: Advisory, now: Date): Promise<{ alertsChanged: number; affected: number }> {
  const systems = await currentSystems(db);
  const idx = createAdvisoryIndex();
  idx.add(a.id, a.rules);
  const kev = await kevOf(db, a.cves);
  // systems with an alert of this advisory are looked at even when nothing matches now (they may be unmatched)
  const withAlert = new Set((await vdb(db).selectFrom('vuln_alerts').select('system_id').where('advisory_id', '=', a.id).execute()).map((x) => x.system_id));
  let alertsChanged = 0;
  let affected = 0;
  const orgs = new Set<string>();
  for (const s of systems) {
    const m = systemMatches(s, (t) => idx.match(t).map((x) => ({ status: x.rule.status, cve: x.rule.cve, rule: x.rule })));
    if (m.status === null && !withAlert.has(s.id)) continue;
    const w = await writeAlert(db, s, a, m, kev, now);
    if (w.changed) {
      alertsChanged++;
      orgs.add(s.org_id);
    }
    if (w.affected) affected++;
  }
  for (const o of orgs) await snapshotOrg(db, o, now);
  return { alertsChanged, affected };
}

function advisoryFromRow(r: { id: string; version: string; severity: string; cves: unknown; rules: unknown }): Pick<Advisory, 'id' | 'version' | 'severity' | 'cves' | 'rules'> {
  return { id: r.id, version: r.version, severity: r.severity as Advisory['severity'], cves: r.cves as string[], rules: r.rules as AffectedRule[] };
}

/**
 * Rematches every system whose version is not the one last matched (registered or changed since),
 * against every advisory. Cheap when nothing changed: one query.
 */
export async function syncSystems(db: AnyDb, now = new Date()): Promise<number> {
  const r = vdb(db);
  const stale = await r
    .selectFrom('systems')
    .leftJoin('vuln_system_state', 'vuln_system_state.system_id', 'systems.id')
    .select(['systems.id', 'systems.version', 'vuln_system_state.version as matched'])
    .where((eb) => eb.or([eb('vuln_system_state.version', 'is', null), eb('vuln_system_state.version', '<>', eb.ref('systems.version'))]))
    .execute();
  if (stale.length === 0) return 0;
  const systems = await currentSystems(db, stale.map((s) => s.id));
  const advisories = (await r.selectFrom('vuln_advisories').select(['id', 'version', 'severity', 'cves', 'rules']).execute()).map(advisoryFromRow);
  const idx = createAdvisoryIndex();
  const byId = new Map(advisories.map((a) => [a.id, a]));
  for (const a of advisories) idx.add(a.id, a.rules);
  const kev = await kevOf(db, [...new Set(advisories.flatMap((a) => a.cves))]);
  const orgs = new Set<string>();
  for (const s of systems) {
    const existing = new Set((await r.selectFrom('vuln_alerts').select('advisory_id').where('system_id', '=', s.id).execute()).map((x) => x.advisory_id));
    const hits = new Map<string, ProductMatch[]>();
    for (const p of s.products) {
      for (const h of idx.match(targetOf(p))) {
        let list = hits.get(h.advisoryId);
        if (!list) hits.set(h.advisoryId, (list = []));
        list.push({ status: h.rule.status, cve: h.rule.cve, rule: h.rule });
      }
    }
    for (const id of new Set([...hits.keys(), ...existing])) {
      const a = byId.get(id);
      if (!a) continue;
      const m = systemMatches(s, (t) => idx.match(t).filter((x) => x.advisoryId === id).map((x) => ({ status: x.rule.status, cve: x.rule.cve, rule: x.rule })));
      const w = await writeAlert(db, s, a, m, kev, now);
      if (w.changed) orgs.add(s.org_id);
    }
    await r
      .insertInto('vuln_system_state')
      .values({ system_id: s.id, version: s.version, matched_at: now })
      .onConflict((oc) => oc.column('system_id').doUpdateSet({ version: s.version, matched_at: now }))
      .execute();
  }
  for (const o of orgs) await snapshotOrg(db, o, now);
  return systems.length;
}

// ---------------------------------------------------------------------------------------------------------
// Exposure over time

const dayOf = (d: Date): string => d.toISOString().slice(0, 10);

/** Today's exposure row of an operator (open alerts by severity, known-exploited), rewritten on every change. */
export async function snapshotOrg(db: AnyDb, orgId: string, now = new Date()): Promise<void> {
  const r = vdb(db);
  const rows = await r.selectFrom('vuln_alerts').select(['severity', 'known_exploited', 'sector']).where('org_id', '=', orgId).where('match_status', '=', 'affected').where('state', 'in', [...OPEN_STATES]).execute();
  const org = await r.selectFrom('organisations').select('sector').where('id', '=', orgId).executeTakeFirst();
  const c = { critical: 0, high: 0, medium: 0, low: 0, other: 0, known_exploited: 0 };
  for (const x of rows) {
    if (x.severity === 'critical' || x.severity === 'high' || x.severity === 'medium' || x.severity === 'low') c[x.severity]++;
    else c.other++;
    if (x.known_exploited) c.known_exploited++;
  }
  const day = dayOf(now);
  await r
    .insertInto('vuln_exposure_daily')
    .values({ day, org_id: orgId, sector: org?.sector ?? '', ...c })
    .onConflict((oc) => oc.columns(['day', 'org_id']).doUpdateSet(c))
    .execute();
}

// ---------------------------------------------------------------------------------------------------------
// Reads and the operator's states

export interface AlertView {
  id: string;
  orgId: string;
  sector: string;
  systemId: string;
  systemName: string;
  systemVersion: number;
  advisoryId: string;
  advisoryVersion: string;
  advisoryTitle: string;
  publisher: string;
  matchStatus: string;
  cves: string[];
  /** the STIX `vulnerability` object of each CVE (intel; shared by TLP with POST /api/v1/vuln/advisories/{id}/stix) */
  stixVulnerabilityIds: string[];
  products: unknown[];
  remediations: unknown[];
  severity: string;
  cvss: number | null;
  knownExploited: boolean;
  kev: Array<{ cveId: string; dueDate: string; requiredAction: string }>;
  state: string;
  stateReason: string | null;
  stateAt: string | null;
  firstSeen: string;
  updatedAt: string;
  closedAt: string | null;
  history?: Array<{ at: string; advisoryVersion: string; systemVersion: number; matchStatus: string }>;
  /**
   * open alerts: detector findings that reached the operator's registered ranges (links.ts); the operator
   * sees its own ranges and counts, the agency also the finding's key and external address
   */
  linkedFindings?: LinkedFinding[];
}

const isOpen = (v: AlertView): boolean => v.matchStatus === 'affected' && OPEN_STATES.includes(v.state);

/** The findings linked to each open alert (none for closed ones). */
async function withLinks(db: AnyDb, views: AlertView[], forAgency: boolean): Promise<AlertView[]> {
  const orgs = [...new Set(views.filter(isOpen).map((v) => v.orgId))];
  const links = orgs.length ? await linksOfOrgs(base(db), orgs) : new Map();
  return views.map((v) => ({ ...v, linkedFindings: isOpen(v) ? linksForAlert(links.get(v.orgId), v.systemId).map((l) => linkedFindingView(l, forAgency)) : [] }));
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

function sortAlerts(a: AlertView, b: AlertView): number {
  const open = (x: AlertView) => (x.matchStatus === 'affected' && OPEN_STATES.includes(x.state) ? 0 : 1);
  return open(a) - open(b) || Number(b.knownExploited) - Number(a.knownExploited) || SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) || (b.cvss ?? 0) - (a.cvss ?? 0) || a.firstSeen.localeCompare(b.firstSeen);
}

async function alertViews(db: AnyDb, where: { orgId?: string; id?: string; openOnly?: boolean }): Promise<AlertView[]> {
  let q = vdb(db)
    .selectFrom('vuln_alerts')
    .innerJoin('vuln_advisories', 'vuln_advisories.id', 'vuln_alerts.advisory_id')
    .innerJoin('system_versions', (j) => j.onRef('system_versions.system_id', '=', 'vuln_alerts.system_id').onRef('system_versions.version', '=', 'vuln_alerts.system_version'))
    .selectAll('vuln_alerts')
    .select(['vuln_advisories.title', 'vuln_advisories.publisher', 'vuln_advisories.cvss', 'system_versions.name as system_name'])
    .limit(2000);
  if (where.orgId) q = q.where('vuln_alerts.org_id', '=', where.orgId);
  if (where.id) q = q.where('vuln_alerts.id', '=', where.id);
  if (where.openOnly) q = q.where('vuln_alerts.closed_at', 'is', null);
  const rows = await q.execute();
  const kev = await kevOf(db, [...new Set(rows.flatMap((r) => r.cves as string[]))]);
  return rows
    .map((r) => ({
      id: r.id,
      orgId: r.org_id,
      sector: r.sector,
      systemId: r.system_id,
      systemName: r.system_name,
      systemVersion: r.system_version,
      advisoryId: r.advisory_id,
      advisoryVersion: r.advisory_version,
      advisoryTitle: r.title,
      publisher: r.publisher,
      matchStatus: r.match_status,
      cves: r.cves as string[],
      stixVulnerabilityIds: (r.cves as string[]).map(vulnerabilityId),
      products: r.products as unknown[],
      remediations: r.remediations as unknown[],
      severity: r.severity,
      cvss: r.cvss,
      knownExploited: r.known_exploited,
      kev: (r.cves as string[]).filter((c) => kev.has(c)).map((c) => ({ cveId: c, ...kev.get(c)! })),
      state: r.state,
      stateReason: r.state_reason,
      stateAt: iso(r.state_at),
      firstSeen: iso(r.first_seen)!,
      updatedAt: iso(r.updated_at)!,
      closedAt: iso(r.closed_at),
    }))
    .sort(sortAlerts);
}

/** The alerts one may see in detail: an operator its own, the agency all; ministries see aggregates only. */
async function detailScope(db: AnyDb, actor: Actor): Promise<Scope> {
  const scope = await scopeOf(db, actor);
  if (scope.kind === 'sectors') throw forbidden("a ministry sees its sectors' exposure in aggregate and per operator (GET /api/v1/vuln/exposure), not the operators' alerts");
  if (scope.kind === 'none') throw forbidden('vulnerability alerts are for the operator whose systems they concern, its ministry and the agency');
  return scope;
}

export async function listAlerts(db: AnyDb, actor: Actor, opts: { openOnly?: boolean } = {}): Promise<AlertView[]> {
  await syncSystems(db);
  const scope = await detailScope(db, actor);
  const views = await withLinks(db, await alertViews(db, { ...(scope.kind === 'org' ? { orgId: scope.orgId } : {}), ...(opts.openOnly ? { openOnly: true } : {}) }), scope.kind === 'all');
  await recordAudit(base(db), { actor, action: 'vuln.alerts.read', target: { type: 'vuln_alert', id: scope.kind === 'org' ? `org:${scope.orgId}` : '*' }, details: { count: views.length, ids: views.slice(0, 100).map((v) => v.id), linkedFindings: views.reduce((n, v) => n + (v.linkedFindings?.length ?? 0), 0) } });
  return views;
}

export async function getAlert(db: AnyDb, actor: Actor, id: string): Promise<AlertView> {
  await syncSystems(db);
  const scope = await scopeOf(db, actor);
  const [v] = await alertViews(db, { id });
  // not one's own: 404 (its existence is not told)
  if (!v || !(scope.kind === 'all' || (scope.kind === 'org' && scope.orgId === v.orgId))) throw notFound('alert', id);
  const history = await vdb(db).selectFrom('vuln_match_history').selectAll().where('alert_id', '=', id).orderBy('id').execute();
  const [linked] = await withLinks(db, [v], scope.kind === 'all');
  await recordAudit(base(db), { actor, action: 'vuln.alert.read', target: { type: 'vuln_alert', id }, details: { linkedFindings: linked!.linkedFindings!.map((l) => l.findingKey ?? `${l.type}@${l.lastSeen}`).slice(0, 50) } });
  return { ...linked!, history: history.map((h) => ({ at: iso(h.at)!, advisoryVersion: h.advisory_version, systemVersion: h.system_version, matchStatus: h.match_status })) };
}

/** The operator sets an alert's state; not_affected needs a reason. Audited. */
export async function setAlertState(db: AnyDb, actor: Actor, id: string, state: AlertState, reason?: string, now = new Date()): Promise<AlertView> {
  if (actor.orgKind !== 'operator' || !actor.roles.includes('operator')) throw vulnError('VULN_OPERATOR_ONLY', "an alert's state is set by the operator whose system it concerns", { status: 403 });
  if (!(ALERT_STATES as readonly string[]).includes(state)) throw vulnError('VULN_INVALID_STATE', `state: "${state}" is not one of ${ALERT_STATES.join(', ')}`);
  if (state === 'not_affected' && !reason?.trim()) throw vulnError('VULN_INVALID_STATE', 'reason: "not_affected" needs the reason the system is not affected (e.g. the vulnerable module is not loaded)');
  const r = vdb(db);
  await r.transaction().execute(async (trx) => {
    const a = await trx.selectFrom('vuln_alerts').select(['org_id', 'state', 'match_status', 'closed_at']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!a || a.org_id !== actor.orgId) throw notFound('alert', id);
    const open = a.match_status === 'affected' && OPEN_STATES.includes(state);
    await trx
      .updateTable('vuln_alerts')
      .set({ state, state_reason: reason?.trim() || null, state_by: actor.userId, state_at: now, updated_at: now, closed_at: open ? null : a.closed_at ?? now })
      .where('id', '=', id)
      .execute();
    await recordAudit(base(trx), { actor, action: 'vuln.alert.state', target: { type: 'vuln_alert', id }, details: { from: a.state, to: state, ...(reason ? { reason: reason.slice(0, 1000) } : {}) }, at: now });
  });
  await snapshotOrg(db, actor.orgId, now);
  const [v] = await alertViews(db, { id });
  return v!;
}

export interface ExposureCounts {
  critical: number;
  high: number;
  medium: number;
  low: number;
  other: number;
  knownExploited: number;
  total: number;
}

export interface ExposureView {
  scope: 'operator' | 'sectors' | 'all';
  sectors?: string[];
  totals: ExposureCounts;
  /** per operator (ministry and agency) */
  operators?: Array<{ orgId: string; name: string; sector: string } & ExposureCounts>;
  /** the operator's open alerts, known-exploited first, then by severity, with what to do */
  alerts?: AlertView[];
}

const zero = (): ExposureCounts => ({ critical: 0, high: 0, medium: 0, low: 0, other: 0, knownExploited: 0, total: 0 });
function add(c: ExposureCounts, severity: string, kev: boolean): void {
  if (severity === 'critical' || severity === 'high' || severity === 'medium' || severity === 'low') c[severity]++;
  else c.other++;
  if (kev) c.knownExploited++;
  c.total++;
}

/** Exposure: the operator's own (with its open alerts), a ministry's sectors per operator, the agency's all. */
export async function exposure(db: AnyDb, actor: Actor): Promise<ExposureView> {
  await syncSystems(db);
  const scope = await scopeOf(db, actor);
  if (scope.kind === 'none') throw forbidden('vulnerability exposure is for the operator, its ministry and the agency');
  const r = vdb(db);
  let q = r
    .selectFrom('vuln_alerts')
    .innerJoin('organisations', 'organisations.id', 'vuln_alerts.org_id')
    .select(['vuln_alerts.org_id', 'vuln_alerts.severity', 'vuln_alerts.known_exploited', 'organisations.name', 'organisations.sector'])
    .where('vuln_alerts.match_status', '=', 'affected')
    .where('vuln_alerts.state', 'in', [...OPEN_STATES]);
  if (scope.kind === 'org') q = q.where('vuln_alerts.org_id', '=', scope.orgId);
  if (scope.kind === 'sectors') q = q.where('organisations.sector', 'in', scope.sectors);
  const rows = await q.execute();
  const totals = zero();
  const per = new Map<string, { orgId: string; name: string; sector: string } & ExposureCounts>();
  for (const x of rows) {
    add(totals, x.severity, x.known_exploited);
    let p = per.get(x.org_id);
    if (!p) per.set(x.org_id, (p = { orgId: x.org_id, name: x.name, sector: x.sector ?? '', ...zero() }));
    add(p, x.severity, x.known_exploited);
  }
  let view: ExposureView;
  if (scope.kind === 'org') {
    view = { scope: 'operator', totals, alerts: await withLinks(db, (await alertViews(db, { orgId: scope.orgId, openOnly: true })).filter((a) => a.matchStatus === 'affected'), false) };
  } else {
    // operators of the scope with nothing open are listed too (zero is news as well)
    let oq = r.selectFrom('organisations').select(['id', 'name', 'sector']).where('kind', '=', 'operator');
    if (scope.kind === 'sectors') oq = oq.where('sector', 'in', scope.sectors);
    for (const o of await oq.execute()) if (!per.has(o.id)) per.set(o.id, { orgId: o.id, name: o.name, sector: o.sector ?? '', ...zero() });
    const operators = [...per.values()].sort((a, b) => b.knownExploited - a.knownExploited || b.critical - a.critical || b.total - a.total || a.name.localeCompare(b.name));
    view = { scope: scope.kind === 'all' ? 'all' : 'sectors', ...(scope.kind === 'sectors' ? { sectors: scope.sectors } : {}), totals, operators };
  }
  await recordAudit(base(db), { actor, action: 'vuln.exposure.read', target: { type: 'vuln_exposure', id: scope.kind === 'org' ? `org:${scope.orgId}` : scope.kind === 'sectors' ? `sectors:${scope.sectors.join(',')}` : '*' }, details: { total: totals.total } });
  return view;
}

export interface HistoryPoint extends ExposureCounts {
  day: string;
}

/** Exposure per day over the last `days` days (each day the last snapshot on or before it), for the scope. */
export async function exposureHistory(db: AnyDb, actor: Actor, days = 30, now = new Date()): Promise<{ scope: string; points: HistoryPoint[] }> {
  await syncSystems(db);
  const scope = await scopeOf(db, actor);
  if (scope.kind === 'none') throw forbidden('vulnerability exposure is for the operator, its ministry and the agency');
  const n = Math.max(1, Math.min(366, Math.floor(days)));
  const first = new Date(now.getTime() - (n - 1) * 86400_000);
  const r = vdb(db);
  let q = r.selectFrom('vuln_exposure_daily').selectAll().orderBy('day');
  if (scope.kind === 'org') q = q.where('org_id', '=', scope.orgId);
  if (scope.kind === 'sectors') q = q.where('sector', 'in', scope.sectors);
  const rows = await q.execute();
  const lastByOrg = new Map<string, (typeof rows)[number]>();
  let i = 0;
  const points: HistoryPoint[] = [];
  for (let d = 0; d < n; d++) {
    const day = dayOf(new Date(first.getTime() + d * 86400_000));
    while (i < rows.length && rows[i]!.day <= day) {
      lastByOrg.set(rows[i]!.org_id, rows[i]!);
      i++;
    }
    const p: HistoryPoint = { day, ...zero() };
    for (const x of lastByOrg.values()) {
      p.critical += x.critical;
      p.high += x.high;
      p.medium += x.medium;
      p.low += x.low;
      p.other += x.other;
      p.knownExploited += x.known_exploited;
      p.total += x.critical + x.high + x.medium + x.low + x.other;
    }
    points.push(p);
  }
  await recordAudit(base(db), { actor, action: 'vuln.exposure.history.read', target: { type: 'vuln_exposure', id: scope.kind === 'org' ? `org:${scope.orgId}` : scope.kind === 'sectors' ? `sectors:${scope.sectors.join(',')}` : '*' }, details: { days: n } });
  return { scope: scope.kind === 'org' ? 'operator' : scope.kind, points };
}

export interface AdvisorySummary {
  id: string;
  version: string;
  format: string;
  title: string;
  publisher: string;
  severity: string;
  cvss: number | null;
  cves: string[];
  releasedAt: string;
  tlp: string | null;
  rules: number;
  notes: string[];
  importedAt: string;
  affectedSystems: number;
}

/** The advisories imported (the agency only), newest first. */
export async function listAdvisories(db: AnyDb, actor: Actor): Promise<AdvisorySummary[]> {
  requireAgency(actor, 'the list of advisories');
  const r = vdb(db);
  const rows = await r.selectFrom('vuln_advisories').selectAll().orderBy('imported_at', 'desc').limit(1000).execute();
  const counts = await r.selectFrom('vuln_alerts').select(['advisory_id']).select((eb) => eb.fn.countAll<string>().as('n')).where('match_status', '=', 'affected').groupBy('advisory_id').execute();
  const byId = new Map(counts.map((c) => [c.advisory_id, Number(c.n)]));
  await recordAudit(base(db), { actor, action: 'vuln.advisories.read', target: { type: 'advisory', id: '*' }, details: { count: rows.length } });
  return rows.map((a) => ({
    id: a.id,
    version: a.version,
    format: a.format,
    title: a.title,
    publisher: a.publisher,
    severity: a.severity,
    cvss: a.cvss,
    cves: a.cves as string[],
    releasedAt: a.released_at,
    tlp: a.tlp,
    rules: (a.rules as unknown[]).length,
    notes: a.notes as string[],
    importedAt: iso(a.imported_at)!,
    affectedSystems: byId.get(a.id) ?? 0,
  }));
}

/** Open, known-exploited alerts (for reminders). */
export async function openKnownExploited(db: AnyDb): Promise<Array<{ id: string; orgId: string; sector: string; systemId: string; advisoryId: string; cves: string[]; severity: string }>> {
  const rows = await vdb(db)
    .selectFrom('vuln_alerts')
    .select(['id', 'org_id', 'sector', 'system_id', 'advisory_id', 'cves', 'severity'])
    .where('known_exploited', '=', true)
    .where('match_status', '=', 'affected')
    .where('state', 'in', [...OPEN_STATES])
    .execute();
  return rows.map((r) => ({ id: r.id, orgId: r.org_id, sector: r.sector, systemId: r.system_id, advisoryId: r.advisory_id, cves: r.cves as string[], severity: r.severity }));
}

export { vdb as vulnDb };

export interface FindingExposureView {
  findingKey: string;
  /** operators with an open alert whose registered ranges the finding's domestic addresses reached */
  operators: Array<{
    orgId: string;
    name: string;
    sector: string;
    ranges: string[];
    addresses: number;
    alerts: Array<{ id: string; advisoryId: string; advisoryTitle: string; severity: string; knownExploited: boolean; systemId: string; systemName: string }>;
  }>;
}

/** The agency's view of one finding: which exposed operators it reached, through which of their ranges. Audited. */
export async function findingExposure(db: AnyDb, actor: Actor, key: string): Promise<FindingExposureView> {
  const scope = await scopeOf(db, actor);
  if (scope.kind !== 'all') throw forbidden("which operators a finding reached is the agency's to see; an operator sees the findings that reached its own ranges on its alerts");
  await syncSystems(db);
  const { finding, links } = await linksOfFinding(base(db), key);
  if (!finding) throw notFound('finding', key);
  const orgs = links.map((l) => l.orgId);
  const alerts = orgs.length ? (await alertViews(db, { openOnly: true })).filter((a) => isOpen(a) && orgs.includes(a.orgId)) : [];
  const names = orgs.length ? await vdb(db).selectFrom('organisations').select(['id', 'name', 'sector']).where('id', 'in', orgs).execute() : [];
  const operators: FindingExposureView['operators'] = [];
  for (const l of links) {
    const mine = alerts.filter((a) => a.orgId === l.orgId && linksForAlert([l], a.systemId).length > 0);
    if (mine.length === 0) continue;
    const o = names.find((n) => n.id === l.orgId);
    operators.push({
      orgId: l.orgId,
      name: o?.name ?? '',
      sector: o?.sector ?? '',
      ranges: [...new Set(l.cidrs)],
      addresses: l.addresses,
      alerts: mine.map((a) => ({ id: a.id, advisoryId: a.advisoryId, advisoryTitle: a.advisoryTitle, severity: a.severity, knownExploited: a.knownExploited, systemId: a.systemId, systemName: a.systemName })),
    });
  }
  await recordAudit(base(db), { actor, action: 'vuln.finding.links.read', target: { type: 'finding', id: key }, details: { operators: operators.map((o) => o.orgId) } });
  return { findingKey: key, operators };
}
