/**
 * Advisories in their standard formats, turned into what matching needs: CSAF 2.0 (product tree with
 * CPEs and version ranges, product_status per vulnerability, remediations, scores), CVE JSON 5 records
 * (affected products with versions and ranges, CPEs, CVSS metrics) and CISA's KEV catalogue. Each is
 * checked against its schema first (schemas.ts); a rule that cannot be matched (a range that is not
 * `vers`) is kept as a note, not dropped silently.
 */
import { checkCsaf, checkCveRecord, checkKev } from './schemas.js';
import { literal, normName, parseCpe, productKey, type Wfn } from './cpe.js';
import { cveRangeToVers, parseVers, type VersRange } from './vers.js';
import { vulnError } from './errors.js';

export type MatchStatus = 'affected' | 'fixed' | 'not_affected';
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'none', 'unknown'] as const;
export type VulnSeverity = (typeof SEVERITIES)[number];

/** One product an advisory speaks of, with what it says about it for one CVE. */
export interface AffectedRule {
  /** the CPE 2.3 name of the product (wildcards allowed), where the advisory gives one */
  cpe: string | null;
  /** vendor:product (lower case), the index key; '*' when the CPE leaves vendor or product open */
  key: string;
  /** the versions it covers: a range, one exact version, or (both null) what the CPE says */
  range: VersRange | null;
  exact: string | null;
  status: MatchStatus;
  cve: string | null;
  /** the CSAF product id, where it came from CSAF */
  productId: string | null;
  /** remediations that apply (vendor fix, mitigation, workaround) */
  remediations: Remediation[];
}

export interface Remediation {
  category: string;
  details: string;
  url?: string;
}

export interface Advisory {
  /** CSAF document/tracking/id, or the CVE id */
  id: string;
  /** CSAF document/tracking/version, or the CVE record's dateUpdated */
  version: string;
  format: 'csaf' | 'cve';
  title: string;
  publisher: string;
  severity: VulnSeverity;
  cvss: number | null;
  cves: string[];
  releasedAt: string;
  /** the document's TLP (CSAF distribution/tlp/label), as TLP 2.0 */
  tlp: 'clear' | 'green' | 'amber' | 'red' | null;
  rules: AffectedRule[];
  /** what could not be turned into a rule, with the field */
  notes: string[];
}

export interface KevEntry {
  cveId: string;
  vendorProject: string;
  product: string;
  name: string;
  dateAdded: string;
  dueDate: string;
  requiredAction: string;
  ransomware: string;
}

export interface KevCatalogue {
  catalogVersion: string;
  dateReleased: string;
  entries: KevEntry[];
}

export type ParsedDocument = { kind: 'advisory'; advisory: Advisory } | { kind: 'kev'; catalogue: KevCatalogue };

export function severityOfScore(score: number | null): VulnSeverity {
  if (score === null) return 'unknown';
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'none';
}

function severityOfText(text: unknown): VulnSeverity | null {
  const t = typeof text === 'string' ? text.trim().toLowerCase() : '';
  if (t === 'important') return 'high';
  if (t === 'moderate') return 'medium';
  return (SEVERITIES as readonly string[]).includes(t) ? (t as VulnSeverity) : null;
}

type J = Record<string, unknown>;
const obj = (x: unknown): J => (x && typeof x === 'object' && !Array.isArray(x) ? (x as J) : {});
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);

/** What kind of document this is, by the fields each format requires. */
export function detectFormat(doc: unknown): 'csaf' | 'cve' | 'kev' {
  const d = obj(doc);
  if (obj(d.document).csaf_version !== undefined || d.document !== undefined) return 'csaf';
  if (d.dataType === 'CVE_RECORD' || d.cveMetadata !== undefined) return 'cve';
  if (d.catalogVersion !== undefined || (Array.isArray(d.vulnerabilities) && d.dateReleased !== undefined)) return 'kev';
  throw vulnError('VULN_UNKNOWN_FORMAT', 'the document is neither CSAF 2.0 (document/csaf_version), a CVE JSON 5 record (dataType CVE_RECORD) nor a CISA KEV catalogue (catalogVersion)');
}

/** Checks a document against its schema and turns it into an advisory or a KEV catalogue. */
export function parseDocument(doc: unknown): ParsedDocument {
  const f = detectFormat(doc);
  if (f === 'csaf') return { kind: 'advisory', advisory: parseCsaf(doc) };
  if (f === 'cve') return { kind: 'advisory', advisory: parseCveRecord(doc) };
  return { kind: 'kev', catalogue: parseKev(doc) };
}

interface ProductInfo {
  id: string;
  cpe: string | null;
  wfn: Wfn | null;
  vendor: string | null;
  product: string | null;
  range: VersRange | null;
  exact: string | null;
}

function keyOf(wfn: Wfn | null, vendor: string | null, product: string | null): string | null {
  if (wfn) {
    const v = literal(wfn.vendor);
    const p = literal(wfn.product);
    if (v && p) return productKey(v, p);
    return '*';
  }
  return vendor && product ? productKey(vendor, product) : null;
}

/** CSAF 2.0 §3.1.2 / §3.2.2: the product tree's leaves with the vendor, product and version branches above them. */
function csafProducts(tree: J, notes: string[]): Map<string, ProductInfo> {
  const out = new Map<string, ProductInfo>();
  const leaf = (p: J, path: string, ctx: { vendor: string | null; product: string | null; version: string | null; range: string | null }) => {
    const id = str(p.product_id);
    if (!id) return;
    const cpe = str(obj(p.product_identification_helper).cpe);
    let wfn: Wfn | null = null;
    if (cpe) {
      try {
        wfn = parseCpe(cpe);
      } catch (e) {
        notes.push(`${path}/product_identification_helper/cpe: ${(e as Error).message}`);
      }
    }
    let range: VersRange | null = null;
    if (ctx.range) {
      try {
        range = parseVers(ctx.range, `${path} product_version_range`);
      } catch (e) {
        notes.push((e as Error).message);
        return;
      }
    }
    // a version in the CPE counts as the exact version when no branch names one
    const cpeVersion = wfn ? literal(wfn.version) : null;
    const exact = range ? null : ctx.version ?? cpeVersion;
    out.set(id, { id, cpe, wfn, vendor: ctx.vendor, product: ctx.product, range, exact });
  };
  const walk = (branches: unknown[], path: string, ctx: { vendor: string | null; product: string | null; version: string | null; range: string | null }) => {
    branches.forEach((b0, i) => {
      const b = obj(b0);
      const here = `${path}/${i}`;
      const name = str(b.name) ?? '';
      const next = { ...ctx };
      switch (b.category) {
        case 'vendor':
          next.vendor = name;
          break;
        case 'product_name':
          next.product = name;
          break;
        case 'product_version':
          next.version = name;
          break;
        case 'product_version_range':
          next.range = name;
          break;
        default:
          break;
      }
      if (b.product) leaf(obj(b.product), `${here}/product`, next);
      walk(arr(b.branches), `${here}/branches`, next);
    });
  };
  walk(arr(tree.branches), '/product_tree/branches', { vendor: null, product: null, version: null, range: null });
  arr(tree.full_product_names).forEach((p, i) => leaf(obj(p), `/product_tree/full_product_names/${i}`, { vendor: null, product: null, version: null, range: null }));
  return out;
}

const TLP_MAP: Record<string, Advisory['tlp']> = { WHITE: 'clear', CLEAR: 'clear', GREEN: 'green', AMBER: 'amber', RED: 'red' };

export function parseCsaf(doc: unknown): Advisory {
  checkCsaf(doc);
  const d = obj(doc);
  const document = obj(d.document);
  const tracking = obj(document.tracking);
  const notes: string[] = [];
  const products = csafProducts(obj(d.product_tree), notes);
  const rules: AffectedRule[] = [];
  const cves: string[] = [];
  let best: number | null = null;
  arr(d.vulnerabilities).forEach((v0, vi) => {
    const v = obj(v0);
    const cve = str(v.cve);
    if (cve) cves.push(cve);
    for (const s of arr(v.scores)) {
      const sc = obj(s);
      const score = Number(obj(sc.cvss_v3).baseScore ?? obj(sc.cvss_v2).baseScore);
      if (Number.isFinite(score)) best = Math.max(best ?? 0, score);
    }
    const remFor = (pid: string): Remediation[] =>
      arr(v.remediations)
        .map(obj)
        .filter((r) => arr(r.product_ids).includes(pid))
        .map((r) => ({ category: String(r.category), details: String(r.details ?? ''), ...(str(r.url) ? { url: str(r.url)! } : {}) }));
    const status = obj(v.product_status);
    const lists: Array<[string, MatchStatus]> = [
      ['known_affected', 'affected'],
      ['first_affected', 'affected'],
      ['last_affected', 'affected'],
      ['fixed', 'fixed'],
      ['first_fixed', 'fixed'],
      ['known_not_affected', 'not_affected'],
    ];
    for (const [list, st] of lists) {
      arr(status[list]).forEach((pid0, pi) => {
        const pid = String(pid0);
        const p = products.get(pid);
        const key = p ? keyOf(p.wfn, p.vendor, p.product) : null;
        if (!p || !key) {
          notes.push(`/vulnerabilities/${vi}/product_status/${list}/${pi}: product ${pid} has neither a CPE nor vendor and product branches to match on`);
          return;
        }
        rules.push({ cpe: p.cpe, key, range: p.range, exact: p.exact, status: st, cve, productId: pid, remediations: remFor(pid) });
      });
    }
  });
  const aggregate = severityOfText(obj(document.aggregate_severity).text);
  const severity = best !== null ? severityOfScore(best) : aggregate ?? 'unknown';
  const label = str(obj(obj(document.distribution).tlp).label);
  return {
    id: String(tracking.id),
    version: String(tracking.version),
    format: 'csaf',
    title: String(document.title),
    publisher: String(obj(document.publisher).name),
    severity,
    cvss: best,
    cves: [...new Set(cves)],
    releasedAt: String(tracking.current_release_date),
    tlp: label ? TLP_MAP[label.toUpperCase()] ?? null : null,
    rules,
    notes,
  };
}

export function parseCveRecord(doc: unknown): Advisory {
  checkCveRecord(doc);
  const d = obj(doc);
  const meta = obj(d.cveMetadata);
  const cveId = String(meta.cveId);
  const containers = obj(d.containers);
  const cna = obj(containers.cna);
  const notes: string[] = [];
  const rules: AffectedRule[] = [];
  if (meta.state !== 'PUBLISHED') notes.push('/cveMetadata/state: REJECTED, nothing to match');
  const remediations: Remediation[] = [
    ...arr(cna.solutions).map((s) => ({ category: 'vendor_fix', details: String(obj(s).value) })),
    ...arr(cna.workarounds).map((s) => ({ category: 'workaround', details: String(obj(s).value) })),
  ];
  const affected = [...arr(cna.affected), ...arr(containers.adp).flatMap((a) => arr(obj(a).affected))];
  affected.forEach((a0, ai) => {
    const a = obj(a0);
    const vendor = str(a.vendor);
    const product = str(a.product) ?? str(a.packageName);
    const cpes = arr(a.cpes).map(String);
    const targets: Array<{ cpe: string | null; key: string }> = [];
    for (const c of cpes) {
      try {
        const w = parseCpe(c);
        targets.push({ cpe: c, key: keyOf(w, null, null)! });
      } catch (e) {
        notes.push(`/containers/cna/affected/${ai}/cpes: ${(e as Error).message}`);
      }
    }
    if (targets.length === 0 && vendor && product) targets.push({ cpe: null, key: productKey(vendor, product) });
    if (targets.length === 0) {
      notes.push(`/containers/cna/affected/${ai}: neither CPEs nor vendor and product to match on`);
      return;
    }
    const versions = arr(a.versions).map(obj);
    const push = (range: VersRange | null, exact: string | null, status: MatchStatus) => {
      for (const t of targets) rules.push({ cpe: t.cpe, key: t.key, range, exact, status, cve: cveId, productId: null, remediations });
    };
    if (versions.length === 0 && a.defaultStatus === 'affected') push({ scheme: 'generic', constraints: null }, null, 'affected');
    for (const v of versions) {
      const status: MatchStatus | null = v.status === 'affected' ? 'affected' : v.status === 'unaffected' ? 'fixed' : null;
      if (!status) continue;
      const range = cveRangeToVers({ version: String(v.version), lessThan: str(v.lessThan) ?? undefined, lessThanOrEqual: str(v.lessThanOrEqual) ?? undefined, versionType: str(v.versionType) ?? undefined });
      const single = range.constraints?.length === 1 && range.constraints[0]!.comparator === '=';
      push(single ? null : range, single ? range.constraints![0]!.version : null, status);
    }
  });
  let best: number | null = null;
  let sevText: VulnSeverity | null = null;
  for (const m of [...arr(cna.metrics), ...arr(containers.adp).flatMap((a) => arr(obj(a).metrics))]) {
    const mm = obj(m);
    for (const k of ['cvssV4_0', 'cvssV3_1', 'cvssV3_0', 'cvssV2_0']) {
      const c = obj(mm[k]);
      const score = Number(c.baseScore);
      if (Number.isFinite(score)) best = Math.max(best ?? 0, score);
      sevText ??= severityOfText(c.baseSeverity);
    }
  }
  const title = str(cna.title) ?? str(obj(arr(cna.descriptions)[0]).value)?.slice(0, 200) ?? cveId;
  return {
    id: cveId,
    version: String(meta.dateUpdated ?? obj(cna.providerMetadata).dateUpdated ?? meta.datePublished ?? '1'),
    format: 'cve',
    title,
    publisher: String(meta.assignerShortName ?? obj(cna.providerMetadata).shortName ?? meta.assignerOrgId),
    severity: best !== null ? severityOfScore(best) : sevText ?? 'unknown',
    cvss: best,
    cves: [cveId],
    releasedAt: String(meta.datePublished ?? meta.dateUpdated ?? ''),
    tlp: 'clear',
    rules,
    notes,
  };
}

export function parseKev(doc: unknown): KevCatalogue {
  checkKev(doc);
  const d = obj(doc);
  return {
    catalogVersion: String(d.catalogVersion),
    dateReleased: String(d.dateReleased),
    entries: arr(d.vulnerabilities).map((v0) => {
      const v = obj(v0);
      return {
        cveId: String(v.cveID),
        vendorProject: String(v.vendorProject),
        product: String(v.product),
        name: String(v.vulnerabilityName ?? ''),
        dateAdded: String(v.dateAdded),
        dueDate: String(v.dueDate),
        requiredAction: String(v.requiredAction),
        ransomware: String(v.knownRansomwareCampaignUse ?? 'Unknown'),
      };
    }),
  };
}

export { normName };
