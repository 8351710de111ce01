/**
 * The approval proposal form's rules, apart from React: the choices the server's body schema offers,
 * and the criteria typed into the form as the API takes them (or the first problem, naming the row).
 */
import type { JsonSchema } from './api.js';
import { parseAddress, parsePrefix } from './cidr.js';

type Row = Record<string, unknown>;

export const CATEGORIES = [
  { value: 'foreign-domestic', label: 'foreign ↔ domestic (3 months by default)' },
  { value: 'transit', label: 'transit, foreign ↔ foreign (6 months by default)' },
];
export const KINDS = ['address', 'prefix', 'asn', 'port', 'detector'] as const;
export type Kind = (typeof KINDS)[number];
export const KIND_NAMES: Record<Kind, string> = { address: 'address', prefix: 'prefix (CIDR)', asn: 'autonomous system', port: 'port / protocol', detector: 'detector rule' };
export const DETECTORS = ['beacon', 'fan-in', 'scan', 'ddos', 'indicator', 'long-connection', 'strobe'];
export const ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;

export interface DraftCriterion {
  kind: Kind;
  value: string;
  proto: string;
}

/** the criteria as the API takes them, or the first problem, naming the criterion */
export function criteriaBody(rows: DraftCriterion[]): { criteria: Row[] } | { problem: string } {
  const out: Row[] = [];
  for (const [i, c] of rows.entries()) {
    const n = `criterion ${i + 1}`;
    const v = c.value.trim();
    const id = `${c.kind}-${i + 1}`;
    if (c.kind === 'address') {
      if (!parseAddress(v)) return { problem: `${n}: '${v}' is not an IPv4 or IPv6 address` };
      out.push({ id, kind: 'address', address: v });
    } else if (c.kind === 'prefix') {
      if (!parsePrefix(v)) return { problem: `${n}: '${v}' is not a CIDR prefix (e.g. 203.0.113.0/24)` };
      out.push({ id, kind: 'prefix', prefix: v });
    } else if (c.kind === 'asn') {
      const asn = Number(v.replace(/^AS/i, ''));
      if (!Number.isInteger(asn) || asn < 1 || asn > 4294967295) return { problem: `${n}: '${v}' is not an AS number` };
      out.push({ id, kind: 'asn', asn });
    } else if (c.kind === 'port') {
      const port = v === '' ? undefined : Number(v);
      const proto = c.proto.trim() === '' ? undefined : Number(c.proto);
      if (port === undefined && proto === undefined) return { problem: `${n}: give a port, a protocol number or both` };
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) return { problem: `${n}: port '${v}' is not 0–65535` };
      if (proto !== undefined && (!Number.isInteger(proto) || proto < 0 || proto > 255)) return { problem: `${n}: protocol '${c.proto}' is not 0–255` };
      out.push({ id, kind: 'port', ...(port !== undefined ? { port } : {}), ...(proto !== undefined ? { proto } : {}) });
    } else {
      if (!v) return { problem: `${n}: choose a detector` };
      out.push({ id, kind: 'detector', detector: v });
    }
  }
  if (out.length === 0) return { problem: 'an approval needs at least one criterion' };
  return { criteria: out };
}

/** the literal values a schema allows (enum, const, or a union of them), or null */
function literals(s: JsonSchema | undefined): string[] | null {
  if (!s) return null;
  if (s.enum) return s.enum.map(String);
  if (s.const !== undefined) return [String(s.const)];
  const alts = s.anyOf ?? s.oneOf;
  if (!alts) return null;
  const out = alts.flatMap((a) => literals(a) ?? []);
  return out.length ? out : null;
}

/**
 * The choices the server's own body schema offers (categories, criterion kinds, detectors); the form's
 * built-in lists where the schema does not name them (a server whose route takes any object).
 */
export function proposalChoices(schema: JsonSchema | null): { categories: string[]; kinds: Kind[]; detectors: string[] } {
  const props = schema?.properties ?? {};
  const items = props.criteria?.items;
  const alts = items?.anyOf ?? items?.oneOf ?? [];
  const kinds = alts.flatMap((a) => literals(a.properties?.kind) ?? []).filter((k): k is Kind => (KINDS as readonly string[]).includes(k));
  const detector = alts.find((a) => literals(a.properties?.kind)?.includes('detector'))?.properties?.detector;
  return {
    categories: literals(props.category) ?? CATEGORIES.map((c) => c.value),
    kinds: kinds.length ? kinds : [...KINDS],
    detectors: literals(detector) ?? DETECTORS,
  };
}

