/**
 * CPE 2.3: unbinding a formatted string into a well-formed name (NISTIR 7695 §6.2) and name matching
 * (NISTIR 7696). No npm package does both (the CPE parsers on the registry split on colons and do not
 * match), so this is written here, one function per operation of the specs.
 */
import { vulnError } from './errors.js';

/** The eleven attributes of a WFN, in the order of the formatted string (NISTIR 7695 §5.2). */
export const CPE_ATTRIBUTES = ['part', 'vendor', 'product', 'version', 'update', 'edition', 'language', 'sw_edition', 'target_sw', 'target_hw', 'other'] as const;
export type CpeAttribute = (typeof CPE_ATTRIBUTES)[number];

/** A WFN attribute value: ANY, NA, or a string with its wildcards (NISTIR 7695 §5.3). */
export type WfnValue =
  | { kind: 'any' }
  | { kind: 'na' }
  | {
      kind: 'value';
      /** the value, unquoted, lower case (matching is case-insensitive, NISTIR 7696 §6.1.3) */
      text: string;
      /** leading wildcard: -1 for `*`, n for n `?`, 0 for none */
      begins: number;
      /** trailing wildcard: -1 for `*`, n for n `?`, 0 for none */
      ends: number;
    };

export type Wfn = Record<CpeAttribute, WfnValue>;

const ANY: WfnValue = { kind: 'any' };
const NA: WfnValue = { kind: 'na' };

/** NISTIR 7695 §6.2.3 unbind_value_fs: one attribute of a formatted string to its WFN value. */
export function unbindValueFs(s: string, where = 'cpe'): WfnValue {
  if (s === '*') return ANY;
  if (s === '-') return NA;
  if (s === '') throw vulnError('VULN_INVALID_CPE', `${where}: an attribute is empty`);
  let text = '';
  let begins = 0;
  let ends = 0;
  let i = 0;
  // leading wildcards
  if (s[0] === '*') {
    begins = -1;
    i = 1;
  } else {
    while (s[i] === '?') {
      begins++;
      i++;
    }
  }
  let literalSeen = false;
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      const next = s[i + 1];
      if (next === undefined) throw vulnError('VULN_INVALID_CPE', `${where}: "${s}" ends in a lone backslash`);
      text += next;
      i++;
      literalSeen = true;
      continue;
    }
    if (c === '*' || c === '?') {
      // only at the end (NISTIR 7695 §5.3.2: special characters at the beginning or end only)
      const rest = s.slice(i);
      if (c === '*' && rest === '*') ends = -1;
      else if (/^\?+$/.test(rest)) ends = rest.length;
      else throw vulnError('VULN_INVALID_CPE', `${where}: "${s}" has an unquoted ${c} inside the value (wildcards may only begin or end it)`);
      break;
    }
    text += c;
    literalSeen = true;
  }
  if (!literalSeen && begins === 0 && ends === 0) throw vulnError('VULN_INVALID_CPE', `${where}: "${s}" has no value`);
  return { kind: 'value', text: text.toLowerCase(), begins, ends };
}

/** Splits a formatted string at its unescaped colons. */
function splitFs(fs: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < fs.length; i++) {
    const c = fs[i]!;
    if (c === '\\' && i + 1 < fs.length) {
      cur += c + fs[i + 1]!;
      i++;
    } else if (c === ':') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** NISTIR 7695 §6.2.2 unbind_fs: a CPE 2.3 formatted string to a WFN. */
export function parseCpe(fs: string): Wfn {
  const parts = splitFs(fs);
  if (parts.length !== 13 || parts[0] !== 'cpe' || parts[1] !== '2.3') {
    throw vulnError('VULN_INVALID_CPE', `"${fs.slice(0, 200)}" is not a CPE 2.3 formatted string (cpe:2.3: and 11 attributes separated by colons)`);
  }
  const wfn = {} as Wfn;
  CPE_ATTRIBUTES.forEach((a, i) => {
    wfn[a] = unbindValueFs(parts[i + 2]!, `${fs.slice(0, 200)} ${a}`);
  });
  const part = wfn.part;
  if (part.kind === 'value' && (part.begins !== 0 || part.ends !== 0 || !['a', 'o', 'h'].includes(part.text))) {
    throw vulnError('VULN_INVALID_CPE', `"${fs.slice(0, 200)}": part must be a, o, h, * or -`);
  }
  return wfn;
}

/** The attribute comparison relations of NISTIR 7696 §6.1.2. */
export type Relation = 'SUPERSET' | 'SUBSET' | 'EQUAL' | 'DISJOINT' | 'UNDEFINED';

const hasWildcard = (v: WfnValue): boolean => v.kind === 'value' && (v.begins !== 0 || v.ends !== 0);

/** NISTIR 7696 §6.1.3.2 compareStrings: a source value with wildcards against a target without. */
function compareStrings(source: Extract<WfnValue, { kind: 'value' }>, target: string): Relation {
  const s = source.text;
  const t = target;
  if (source.begins === 0 && source.ends === 0) return s === t ? 'EQUAL' : 'DISJOINT';
  // the literal part must occur at an index that leaves at most `begins` characters before it
  // (any number for *) and at most `ends` after it (any number for *)
  let from = 0;
  for (;;) {
    const index = t.indexOf(s, from);
    if (index < 0) return 'DISJOINT';
    if (source.begins !== -1 && index > source.begins) return 'DISJOINT';
    const leftover = t.length - index - s.length;
    if (source.ends === -1 || leftover <= source.ends) return 'SUPERSET';
    from = index + 1;
  }
}

/** NISTIR 7696 §6.1.3.1 compare: the relation of one source attribute value to one target value (Table 6-2). */
export function compareAttribute(source: WfnValue, target: WfnValue): Relation {
  if (hasWildcard(target)) return 'UNDEFINED'; // rows 4, 8, 13, 17
  if (source.kind === 'any') return target.kind === 'any' ? 'EQUAL' : 'SUPERSET'; // rows 1-3
  if (target.kind === 'any') return 'SUBSET'; // rows 5, 9, 14
  if (source.kind === 'na') return target.kind === 'na' ? 'EQUAL' : 'DISJOINT'; // rows 6, 7
  if (target.kind === 'na') return 'DISJOINT'; // rows 10, 15
  return compareStrings(source, target.text); // rows 11, 12, 16
}

/** NISTIR 7696 §6.1.2: every attribute's relation. */
export function compareWfns(source: Wfn, target: Wfn): Record<CpeAttribute, Relation> {
  const out = {} as Record<CpeAttribute, Relation>;
  for (const a of CPE_ATTRIBUTES) out[a] = compareAttribute(source[a], target[a]);
  return out;
}

/** NISTIR 7696 §6.2: the name comparison relation from the attribute relations. */
export type NameRelation = 'CPE_EQUAL' | 'CPE_SUBSET' | 'CPE_SUPERSET' | 'CPE_DISJOINT' | 'CPE_UNDEFINED';

export function nameRelation(rel: Record<CpeAttribute, Relation>): NameRelation {
  const vals = CPE_ATTRIBUTES.map((a) => rel[a]);
  if (vals.includes('DISJOINT')) return 'CPE_DISJOINT';
  if (vals.every((v) => v === 'EQUAL')) return 'CPE_EQUAL';
  if (vals.every((v) => v === 'EQUAL' || v === 'SUBSET')) return 'CPE_SUBSET';
  if (vals.every((v) => v === 'EQUAL' || v === 'SUPERSET')) return 'CPE_SUPERSET';
  return 'CPE_UNDEFINED';
}

/**
 * Whether the source name (an advisory's affected product, with wildcards) covers the target (a
 * registered product): CPE_SUPERSET or CPE_EQUAL (NISTIR 7696 §6.2, "isSuperset/isEqual").
 * `ignore` skips attributes another rule decides (the version, when a range says it).
 */
export function cpeMatches(source: Wfn, target: Wfn, ignore: readonly CpeAttribute[] = []): boolean {
  for (const a of CPE_ATTRIBUTES) {
    if (ignore.includes(a)) continue;
    const r = compareAttribute(source[a], target[a]);
    if (r !== 'EQUAL' && r !== 'SUPERSET') return false;
  }
  return true;
}

/** The literal of an attribute (vendor, product, version) or null for ANY/NA/wildcards. */
export function literal(v: WfnValue): string | null {
  return v.kind === 'value' && v.begins === 0 && v.ends === 0 ? v.text : null;
}

/** vendor/product as one key for indexing (lower case, spaces as underscores as in CPE names). */
export const productKey = (vendor: string, product: string): string => `${normName(vendor)}:${normName(product)}`;
export const normName = (s: string): string => s.trim().toLowerCase().replace(/\s+/g, '_');
