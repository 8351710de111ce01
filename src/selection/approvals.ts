/**
 * Approvals and their criteria as typed data: typebox schemas (the contract the API will serve and
 * the store will hold) and a validator whose messages name the wrong field, e.g.
 *   approval.criteria[2].prefix: '10.0.0.0/33' is not a CIDR prefix
 *
 * An approval is in force for a flow when its status is 'approved' and start ≤ flow time < end.
 */
import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parsePrefix } from './cidr.js';
import type { Category } from './scope.js';
import { selectionError } from './errors.js';

export const DETECTORS = ['beacon', 'fan-in', 'scan', 'ddos', 'indicator', 'long-connection', 'strobe', 'exfiltration'] as const;
export type DetectorName = (typeof DETECTORS)[number];
/** bit of each detector in a detector mask */
export const DETECTOR_BIT: Readonly<Record<DetectorName, number>> = Object.fromEntries(DETECTORS.map((d, i) => [d, 1 << i])) as Record<DetectorName, number>;

export const CATEGORIES = ['foreign-domestic', 'transit'] as const;
export const APPROVAL_STATUSES = ['proposed', 'approved', 'rejected', 'ended'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

const literals = <T extends readonly string[]>(values: T): TUnion<TLiteral<T[number]>[]> =>
  Type.Union(values.map((v) => Type.Literal(v))) as TUnion<TLiteral<T[number]>[]>;

export const IdSchema = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]*$' });

export const AddressCriterionSchema = Type.Object(
  { id: IdSchema, kind: Type.Literal('address'), address: Type.String({ description: 'an IPv4 or IPv6 address' }) },
  { additionalProperties: false, description: 'an indicator address: a flow with it at either end' },
);
export const PrefixCriterionSchema = Type.Object(
  { id: IdSchema, kind: Type.Literal('prefix'), prefix: Type.String({ description: 'a CIDR prefix, host bits zero' }) },
  { additionalProperties: false, description: 'an indicator prefix: a flow with an address in it at either end' },
);
export const AsnCriterionSchema = Type.Object(
  { id: IdSchema, kind: Type.Literal('asn'), asn: Type.Integer({ minimum: 1, maximum: 4294967295 }) },
  { additionalProperties: false, description: 'an autonomous system: a flow with an address it announces at either end' },
);
export const PortCriterionSchema = Type.Object(
  {
    id: IdSchema,
    kind: Type.Literal('port'),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    proto: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
  },
  { additionalProperties: false, description: 'a port (either end) and/or an IANA protocol number; at least one' },
);
export const DetectorCriterionSchema = Type.Object(
  { id: IdSchema, kind: Type.Literal('detector'), detector: literals(DETECTORS) },
  { additionalProperties: false, description: 'a detector rule: keys the detector fires on are selected from then on' },
);

export const CRITERION_SCHEMAS = {
  address: AddressCriterionSchema,
  prefix: PrefixCriterionSchema,
  asn: AsnCriterionSchema,
  port: PortCriterionSchema,
  detector: DetectorCriterionSchema,
} as const;
export type CriterionKind = keyof typeof CRITERION_SCHEMAS;
export const CRITERION_KINDS = Object.keys(CRITERION_SCHEMAS) as CriterionKind[];

export const CriterionSchema = Type.Union([
  AddressCriterionSchema,
  PrefixCriterionSchema,
  AsnCriterionSchema,
  PortCriterionSchema,
  DetectorCriterionSchema,
]);
export type Criterion = Static<typeof CriterionSchema>;

export const ApprovalSchema = Type.Object(
  {
    id: IdSchema,
    category: literals(CATEGORIES),
    /** carrier or link ids: the gate maps each flow's exporter to one of these */
    carriers: Type.Array(IdSchema, { minItems: 1, maxItems: 1000 }),
    criteria: Type.Array(CriterionSchema, { minItems: 1, maxItems: 100000 }),
    /** ISO 8601 date-time */
    start: Type.String(),
    /** ISO 8601 date-time; defaults from the category (3 months foreign-domestic, 6 months transit) */
    end: Type.Optional(Type.String()),
    /** who approved it (a commission member's id); required once approved */
    approvedBy: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    status: literals(APPROVAL_STATUSES),
  },
  { additionalProperties: false },
);
/** An approval as proposed or stored: `end` may be missing in input; `parseApproval` fills it. */
export type ApprovalInput = Static<typeof ApprovalSchema>;
export type Approval = ApprovalInput & { end: string };

export interface ApprovalDefaults {
  /** months an approval runs when it names no end */
  foreignDomesticMonths: number;
  transitMonths: number;
}
export const DEFAULT_APPROVAL_DEFAULTS: ApprovalDefaults = { foreignDomesticMonths: 3, transitMonths: 6 };

/** "/criteria/2/prefix" → "approval.criteria[2].prefix" */
function fieldName(root: string, path: string): string {
  let out = root;
  for (const part of path.split('/').slice(1)) out += /^\d+$/.test(part) ? `[${part}]` : `.${part.replace(/~1/g, '/').replace(/~0/g, '~')}`;
  return out;
}

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 80 ? `${v.slice(0, 80)}…` : v}'`;
  if (v === undefined) return 'missing';
  const j = JSON.stringify(v);
  return j === undefined ? String(v) : j.length > 80 ? `${j.slice(0, 80)}…` : j;
}

/** Every problem of `value` against a typebox schema, each naming its field from `root` (e.g. "approval.carriers[0]"). */
export function schemaErrors(root: string, schema: TSchema, value: unknown, skip?: (path: string) => boolean): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const e of Value.Errors(schema, value)) {
    if (skip?.(e.path) || seen.has(e.path)) continue;
    seen.add(e.path);
    const field = fieldName(root, e.path);
    const anyOf = (e.schema as { anyOf?: { const?: unknown }[] }).anyOf;
    if (anyOf && anyOf.every((s) => typeof s.const === 'string')) {
      out.push(`${field}: ${show(e.value)} is not one of ${anyOf.map((s) => s.const).join(', ')}`);
    } else if (e.message === 'Expected required property') {
      out.push(`${field}: is required`);
    } else if (e.message === 'Unexpected property') {
      out.push(`${field}: is not an allowed field`);
    } else {
      out.push(`${field}: ${show(e.value)}: ${e.message.replace(/^Expected/, 'expected')}`);
    }
  }
  return out;
}

/** ISO 8601 date-time with a zone → ms since the epoch; NaN for anything else. */
export function parseTime(s: string): number {
  // ISO 8601 with a date, a time and a zone (Z or ±hh:mm); Date.parse alone accepts too much
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(s)) return NaN;
  return Date.parse(s);
}

function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.getTime();
}

/** Every problem with one criterion, named as `root` (e.g. "approval.criteria[2]"). */
export function criterionErrors(c: unknown, root: string): string[] {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return [`${root}: must be an object`];
  const kind = (c as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !(kind in CRITERION_SCHEMAS)) {
    return [`${root}.kind: ${show(kind)} is not one of ${CRITERION_KINDS.join(', ')}`];
  }
  const errs = schemaErrors(root, CRITERION_SCHEMAS[kind as CriterionKind], c);
  if (errs.length) return errs;
  const k = c as Criterion;
  if (k.kind === 'address') {
    const p = parsePrefix(k.address);
    if (!p || (p.family === 4 ? p.length !== 32 : p.length !== 128) || k.address.includes('/')) {
      errs.push(`${root}.address: '${k.address}' is not an IP address`);
    }
  } else if (k.kind === 'prefix') {
    if (!parsePrefix(k.prefix, false) || !k.prefix.includes('/')) errs.push(`${root}.prefix: '${k.prefix}' is not a CIDR prefix`);
    else if (!parsePrefix(k.prefix)) errs.push(`${root}.prefix: '${k.prefix}' has host bits set (not a network address)`);
  } else if (k.kind === 'port') {
    if (k.port === undefined && k.proto === undefined) errs.push(`${root}: a port criterion needs a port, a proto or both`);
  }
  return errs;
}

/** Every problem with an approval, each naming its field; empty when it is valid. */
export function approvalErrors(input: unknown): string[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return ['approval: must be an object'];
  const errs = schemaErrors('approval', ApprovalSchema, input, (p) => /^\/criteria\/\d+/.test(p));
  const a = input as Partial<ApprovalInput>;
  if (Array.isArray(a.criteria)) {
    const ids = new Map<string, number>();
    a.criteria.forEach((c: unknown, i) => {
      errs.push(...criterionErrors(c, `approval.criteria[${i}]`));
      const id = (c as { id?: unknown } | null)?.id;
      if (typeof id === 'string') {
        const prev = ids.get(id);
        if (prev !== undefined) errs.push(`approval.criteria[${i}].id: '${id}' is also the id of approval.criteria[${prev}]`);
        else ids.set(id, i);
      }
    });
  }
  const start = typeof a.start === 'string' ? parseTime(a.start) : NaN;
  if (typeof a.start === 'string' && Number.isNaN(start)) errs.push(`approval.start: '${a.start}' is not an ISO 8601 date-time with a zone`);
  if (typeof a.end === 'string') {
    const end = parseTime(a.end);
    if (Number.isNaN(end)) errs.push(`approval.end: '${a.end}' is not an ISO 8601 date-time with a zone`);
    else if (!Number.isNaN(start) && end <= start) errs.push(`approval.end: '${a.end}' is not after approval.start '${a.start}'`);
  }
  if (a.status === 'approved' && a.approvedBy === undefined) errs.push('approval.approvedBy: is required when status is approved');
  if (Array.isArray(a.carriers)) {
    const seen = new Set<unknown>();
    a.carriers.forEach((c: unknown, i) => {
      if (seen.has(c)) errs.push(`approval.carriers[${i}]: ${show(c)} is listed twice`);
      seen.add(c);
    });
  }
  return errs;
}

/**
 * Validates an approval and fills its defaults (the end date). Throws AcdError APPROVAL_INVALID whose
 * message is the first problem and whose details list them all.
 */
export function parseApproval(input: unknown, defaults: ApprovalDefaults = DEFAULT_APPROVAL_DEFAULTS): Approval {
  const errs = approvalErrors(input);
  if (errs.length) throw selectionError('APPROVAL_INVALID', errs[0]!, { details: errs });
  const a = input as ApprovalInput;
  let end = a.end;
  if (end === undefined) {
    const months = a.category === 'transit' ? defaults.transitMonths : defaults.foreignDomesticMonths;
    end = new Date(addMonths(parseTime(a.start), months)).toISOString();
  }
  return { ...structuredClone(a), end };
}

/** Start and end of an approval in milliseconds. */
export function approvalPeriod(a: Approval): { start: number; end: number } {
  return { start: parseTime(a.start), end: parseTime(a.end) };
}

/**
 * The approvals `acd analyze` runs under offline: one per category for the given carriers, selecting
 * by every detector rule and nothing else, marked as an evaluation by their ids and approver.
 */
export function evaluationApprovals(carriers: readonly string[], start: number, end: number): Approval[] {
  return CATEGORIES.map((category) =>
    parseApproval({
      id: `evaluation-${category}`,
      category,
      carriers: [...carriers],
      criteria: DETECTORS.map((d) => ({ id: `detector-${d}`, kind: 'detector', detector: d })),
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      approvedBy: 'evaluation (offline analysis, no commission decision)',
      status: 'approved',
    }),
  );
}

export type { Category };
