/**
 * Version ranges as `vers` (the version range specifier CSAF 2.0 recommends for product_version_range:
 * `vers:<scheme>/<constraint>|<constraint>…`) and the comparison of versions. Semantic versions are
 * compared with `semver` (npm's parser); other versions ("generic": 2.4.57, 10.2(1)e, R2.1a) segment by
 * segment, numbers as numbers. No npm package implements vers containment, so that is written here, after
 * the vers spec's algorithm ("Checking if a version is contained within a range").
 */
import semver from 'semver';
import { vulnError } from './errors.js';

export type Comparator = '=' | '!=' | '<' | '<=' | '>' | '>=';
export interface Constraint {
  comparator: Comparator;
  version: string;
}
export interface VersRange {
  scheme: string;
  /** null: `*`, every version */
  constraints: Constraint[] | null;
}

const SEMVER_SCHEMES = new Set(['semver', 'npm', 'cargo', 'nuget', 'golang', 'composer']);

/** Generic segments: runs of digits and runs of letters; separators (. - _ + ~ ( ) space) split. */
function segments(v: string): Array<number | string> {
  const out: Array<number | string> = [];
  const re = /(\d+)|([a-z]+)/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(v))) out.push(m[1] !== undefined ? Number(m[1]) : m[2]!.toLowerCase());
  return out;
}

/** Generic comparison: segment by segment, numbers as numbers; a number sorts after letters at the same
 * place, and a missing segment counts as 0 and sorts after letters: 1.0rc1 < 1.0 = 1.0.0 < 1.0.1. */
export function compareGeneric(a: string, b: string): number {
  const x = segments(a);
  const y = segments(b);
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const p = x[i];
    const q = y[i];
    if (p === q) continue;
    // a missing segment is 0 against a number (1.0 = 1.0.0) and after letters (1.0rc1 < 1.0)
    if (p === undefined) {
      if (typeof q === 'string') return 1;
      if (q === 0) continue;
      return -1;
    }
    if (q === undefined) {
      if (typeof p === 'string') return -1;
      if (p === 0) continue;
      return 1;
    }
    if (typeof p === 'number' && typeof q === 'number') return p < q ? -1 : 1;
    if (typeof p === 'string' && typeof q === 'string') return p < q ? -1 : 1;
    return typeof p === 'number' ? 1 : -1;
  }
  return 0;
}

// semver's parse of a version string, remembered: matching compares the same few versions many times
// (bounded: cleared when full)
const parsed = new Map<string, semver.SemVer | null>();
function semverOf(v: string): semver.SemVer | null {
  let p = parsed.get(v);
  if (p === undefined) {
    if (parsed.size >= 50_000) parsed.clear();
    p = semver.parse(v, { loose: true });
    parsed.set(v, p);
  }
  return p;
}

/** Compares two versions under a scheme: semver where both parse (loosely), generic otherwise. */
export function compareVersions(a: string, b: string, scheme = 'generic'): number {
  if (SEMVER_SCHEMES.has(scheme) || scheme === 'generic') {
    const x = semverOf(a);
    const y = x ? semverOf(b) : null;
    if (x && y) return x.compare(y);
  }
  return compareGeneric(a, b);
}

const COMPARATOR = /^(<=|>=|!=|<|>|=)?\s*(.+)$/;

function parseConstraints(text: string, where: string): Constraint[] | null {
  const t = text.trim();
  if (t === '*') return null;
  const out: Constraint[] = [];
  for (const raw of t.split('|')) {
    const c = raw.trim();
    const m = COMPARATOR.exec(c);
    if (!c || !m || !m[2]!.trim()) throw vulnError('VULN_INVALID_VERS', `${where}: "${text.slice(0, 200)}" has an empty constraint`);
    out.push({ comparator: (m[1] ?? '=') as Comparator, version: decodeURIComponent(m[2]!.trim()) });
  }
  return out;
}

/**
 * Parses `vers:<scheme>/<constraints>`; also the plain comparator lists CSAF producers write where
 * they do not use vers (`>=1.2|<1.4`, `<= 4.2.4`), read with the generic scheme.
 */
export function parseVers(text: string, where = 'range'): VersRange {
  const s = text.trim();
  if (s.toLowerCase().startsWith('vers:')) {
    const slash = s.indexOf('/');
    if (slash < 0) throw vulnError('VULN_INVALID_VERS', `${where}: "${s.slice(0, 200)}" has no scheme/constraints separator`);
    const scheme = s.slice(5, slash).toLowerCase();
    if (!/^[a-z0-9.+-]+$/.test(scheme)) throw vulnError('VULN_INVALID_VERS', `${where}: "${s.slice(0, 200)}" has no versioning scheme`);
    return { scheme, constraints: parseConstraints(s.slice(slash + 1), where) };
  }
  if (/^(<=|>=|<|>|!=|=)/.test(s)) return { scheme: 'generic', constraints: parseConstraints(s, where) };
  throw vulnError('VULN_INVALID_VERS', `${where}: "${s.slice(0, 200)}" is neither a vers: range nor a comparator list (>=1.2|<1.4)`);
}

// the range's < <= > >= constraints sorted by version, computed once per range (ranges are reused for
// every product matched; a WeakMap keeps them out of the stored JSON)
const sortedBounds = new WeakMap<VersRange, Constraint[]>();
function boundsOf(range: VersRange): Constraint[] {
  let b = sortedBounds.get(range);
  if (!b) {
    b = range.constraints!.filter((c) => c.comparator !== '=' && c.comparator !== '!=');
    b.sort((x, y) => compareVersions(x.version, y.version, range.scheme));
    sortedBounds.set(range, b);
  }
  return b;
}

const isLower = (c: Constraint): boolean => c.comparator === '>' || c.comparator === '>=';
const isUpper = (c: Constraint): boolean => c.comparator === '<' || c.comparator === '<=';

/** The vers spec's containment check: is `version` in the range? */
export function inRange(version: string, range: VersRange): boolean {
  const all = range.constraints;
  if (all === null) return true;
  const scheme = range.scheme;
  // 1. equality constraints (=, <=, >=) hold for an equal version; != excludes it
  for (let i = 0; i < all.length; i++) {
    const c = all[i]!;
    if (compareVersions(version, c.version, scheme) === 0) {
      if (c.comparator === '!=') return false;
      if (c.comparator === '=' || c.comparator === '<=' || c.comparator === '>=') return true;
    }
  }
  const rest = boundsOf(range);
  if (rest.length === 0) return false;
  if (rest.length === 1) {
    const c = rest[0]!;
    const d = compareVersions(version, c.version, scheme);
    return isUpper(c) ? d < 0 : d > 0;
  }
  // 2. pairwise over the sorted constraints
  for (let i = 0; i + 1 < rest.length; i++) {
    const cur = rest[i]!;
    const next = rest[i + 1]!;
    const dc = compareVersions(version, cur.version, scheme);
    if (i === 0 && isUpper(cur) && dc < 0) return true;
    const dn = compareVersions(version, next.version, scheme);
    if (i + 2 === rest.length && isLower(next) && dn > 0) return true;
    if (isLower(cur) && isUpper(next) && dc > 0 && dn < 0) return true;
  }
  return false;
}

/** A vers string of the CVE JSON 5 range form: from `version` (0 = the beginning) to lessThan / lessThanOrEqual. */
export function cveRangeToVers(v: { version: string; lessThan?: string | undefined; lessThanOrEqual?: string | undefined; versionType?: string | undefined }): VersRange {
  const scheme = v.versionType && SEMVER_SCHEMES.has(v.versionType) ? 'semver' : 'generic';
  const constraints: Constraint[] = [];
  const from = v.version.trim();
  const to = v.lessThan ?? v.lessThanOrEqual;
  if (to === undefined) return { scheme, constraints: [{ comparator: '=', version: from }] };
  if (from !== '0' && from !== '*' && from !== '') constraints.push({ comparator: '>=', version: from });
  if (to.trim() !== '*') constraints.push({ comparator: v.lessThan !== undefined ? '<' : '<=', version: to.trim() });
  return { scheme, constraints: constraints.length ? constraints : null };
}

export function formatVers(r: VersRange): string {
  return `vers:${r.scheme}/${r.constraints === null ? '*' : r.constraints.map((c) => `${c.comparator === '=' ? '' : c.comparator}${c.version}`).join('|')}`;
}
