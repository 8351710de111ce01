/**
 * Matching registered products (CPE 2.3 + version) against advisories' rules: the CPE 2.3 name
 * comparison of NISTIR 7696 (the advisory's name is the source, the registered product the target; a
 * match is CPE_SUPERSET or CPE_EQUAL), then the version against the rule's range (vers) or exact version.
 *
 * An index by vendor:product keeps it to the rules that can match: a product is compared only with the
 * rules of its own vendor:product and the few whose CPE leaves vendor or product open ('*').
 */
import { cpeMatches, literal, parseCpe, productKey, type Wfn } from './cpe.js';
import { compareVersions, inRange } from './vers.js';
import type { Advisory, AffectedRule, MatchStatus } from './documents.js';

/** A registered product as matching sees it. */
export interface Target {
  /** keys it is indexed under: vendor:product from its CPE and from its names */
  keys: string[];
  wfn: Wfn | null;
  version: string | null;
}

export interface ProductLike {
  vendor?: string | undefined;
  product: string;
  version?: string | undefined;
  cpe?: string | undefined;
}

export function targetOf(p: ProductLike): Target {
  let wfn: Wfn | null = null;
  if (p.cpe) {
    try {
      wfn = parseCpe(p.cpe);
    } catch {
      wfn = null;
    }
  }
  const keys = new Set<string>();
  if (wfn) {
    const v = literal(wfn.vendor);
    const pr = literal(wfn.product);
    if (v && pr) keys.add(productKey(v, pr));
  }
  if (p.vendor) keys.add(productKey(p.vendor, p.product));
  const version = (wfn ? literal(wfn.version) : null) ?? p.version ?? null;
  return { keys: [...keys], wfn, version };
}

/** A rule made ready to test: its CPE parsed once. */
export interface CompiledRule {
  rule: AffectedRule;
  wfn: Wfn | null;
  vendor: string;
  product: string;
}

export function compileRule(rule: AffectedRule): CompiledRule {
  const [vendor = '', product = ''] = rule.key.split(':');
  return { rule, wfn: rule.cpe ? parseCpe(rule.cpe) : null, vendor, product };
}

const VERSION_ONLY = ['version'] as const;

/** Whether one rule covers one registered product. */
export function ruleMatches(c: CompiledRule, t: Target): boolean {
  const r = c.rule;
  const versioned = r.range !== null || r.exact !== null;
  if (c.wfn && t.wfn) {
    if (!cpeMatches(c.wfn, t.wfn, versioned ? VERSION_ONLY : [])) return false;
  } else if (!t.keys.includes(r.key)) {
    return false;
  }
  if (r.range) return t.version !== null && inRange(t.version, r.range);
  if (r.exact !== null) return t.version !== null && compareVersions(t.version, r.exact) === 0;
  // no range, no exact version: the CPE decided (names only: every version)
  return true;
}

export interface ProductMatch {
  status: MatchStatus;
  cve: string | null;
  rule: AffectedRule;
}

/** What an advisory's rules say of one product; affected wins over fixed (a product in both is exposed). */
export function statusOf(matches: readonly ProductMatch[]): MatchStatus | null {
  if (matches.some((m) => m.status === 'affected')) return 'affected';
  if (matches.some((m) => m.status === 'fixed')) return 'fixed';
  if (matches.some((m) => m.status === 'not_affected')) return 'not_affected';
  return null;
}

/** The rules of many advisories, indexed by vendor:product. */
export interface AdvisoryIndex {
  add(advisoryId: string, rules: readonly AffectedRule[]): void;
  remove(advisoryId: string): void;
  /** every (advisory, rule) that covers the product */
  match(t: Target): Array<{ advisoryId: string; rule: AffectedRule }>;
  size(): number;
}

function look(list: Array<{ advisoryId: string; c: CompiledRule }> | undefined, t: Target, out: Array<{ advisoryId: string; rule: AffectedRule }>): void {
  if (list) for (const x of list) if (ruleMatches(x.c, t)) out.push({ advisoryId: x.advisoryId, rule: x.c.rule });
}

export function createAdvisoryIndex(): AdvisoryIndex {
  const byKey = new Map<string, Array<{ advisoryId: string; c: CompiledRule }>>();
  // rules filed under '*:product' (none: the lookups are skipped)
  let wildVendor = 0;
  const keysOf = new Map<string, string[]>();
  let n = 0;
  return {
    add(advisoryId, rules) {
      this.remove(advisoryId);
      const keys: string[] = [];
      for (const rule of rules) {
        let c: CompiledRule;
        try {
          c = compileRule(rule);
        } catch {
          continue;
        }
        // a CPE with an open vendor but a product named goes under '*:product' (looked up by every
        // registered product of that name); only names open in both go under '*' (looked at for all)
        const product = c.wfn ? literal(c.wfn.product) : null;
        const bucket = rule.key === '*' && product ? `*:${product}` : rule.key;
        let list = byKey.get(bucket);
        if (!list) byKey.set(bucket, (list = []));
        list.push({ advisoryId, c });
        keys.push(bucket);
        if (bucket.startsWith('*:')) wildVendor++;
        n++;
      }
      keysOf.set(advisoryId, [...new Set(keys)]);
    },
    remove(advisoryId) {
      for (const k of keysOf.get(advisoryId) ?? []) {
        const list = byKey.get(k);
        if (!list) continue;
        const kept = list.filter((x) => x.advisoryId !== advisoryId);
        n -= list.length - kept.length;
        if (k.startsWith('*:')) wildVendor -= list.length - kept.length;
        if (kept.length) byKey.set(k, kept);
        else byKey.delete(k);
      }
      keysOf.delete(advisoryId);
    },
    match(t) {
      const out: Array<{ advisoryId: string; rule: AffectedRule }> = [];
      // the target's own keys (distinct: targetOf dedups), then '*:product' for each product name, then '*'
      for (const k of t.keys) look(byKey.get(k), t, out);
      for (let i = 0; i < t.keys.length; i++) {
        const k = t.keys[i]!;
        const p = k.slice(k.indexOf(':') + 1);
        let dup = false;
        for (let j = 0; j < i; j++) if (t.keys[j]!.endsWith(`:${p}`)) dup = true;
        if (!dup && wildVendor > 0) look(byKey.get(`*:${p}`), t, out);
      }
      look(byKey.get('*'), t, out);
      return out;
    },
    size: () => n,
  };
}

/** The naive scan the index is measured against: every rule of every advisory for every product. */
export function naiveMatch(advisories: ReadonlyArray<{ id: string; rules: CompiledRule[] }>, t: Target): Array<{ advisoryId: string; rule: AffectedRule }> {
  const out: Array<{ advisoryId: string; rule: AffectedRule }> = [];
  for (const a of advisories) for (const c of a.rules) if (ruleMatches(c, t)) out.push({ advisoryId: a.id, rule: c.rule });
  return out;
}

/** One advisory against one registered product: the matches grouped (for the service). */
export function matchAdvisory(advisory: Pick<Advisory, 'rules'>, t: Target): ProductMatch[] {
  const out: ProductMatch[] = [];
  for (const rule of advisory.rules) {
    let c: CompiledRule;
    try {
      c = compileRule(rule);
    } catch {
      continue;
    }
    if (ruleMatches(c, t)) out.push({ status: rule.status, cve: rule.cve, rule });
  }
  return out;
}
