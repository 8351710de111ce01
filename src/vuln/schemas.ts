/**
 * Schema validation of incoming documents, with the schemas kept in the repository (vendor/, with their
 * licences; see vendor/README.md): the CSAF 2.0 JSON schema (OASIS, JSON Schema 2020-12, with FIRST's
 * CVSS 2.0/3.0/3.1 schemas it references), the CVE Program's CVE JSON 5 record schema (CVE_Record_Format.json
 * with the tag and CVSS schemas it references), and the shape of CISA's Known
 * Exploited Vulnerabilities catalogue. A document that fails is refused with the field that failed.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { vulnError, type VulnErrorCode } from './errors.js';

// ajv-formats is CommonJS: its default export is the function (or wraps it)
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

const vendor = (rel: string): unknown => JSON.parse(readFileSync(fileURLToPath(new URL(`../../vendor/${rel}`, import.meta.url)), 'utf8'));

let csaf: ValidateFunction | null = null;
let cve: { record: ValidateFunction; published: ValidateFunction; rejected: ValidateFunction } | null = null;
let kev: ValidateFunction | null = null;

function csafValidator(): ValidateFunction {
  if (csaf) return csaf;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv as unknown as Ajv);
  ajv.addSchema(vendor('csaf/cvss-v2.0.json') as object, 'https://www.first.org/cvss/cvss-v2.0.json');
  ajv.addSchema(vendor('csaf/cvss-v3.0.json') as object, 'https://www.first.org/cvss/cvss-v3.0.json');
  ajv.addSchema(vendor('csaf/cvss-v3.1.json') as object, 'https://www.first.org/cvss/cvss-v3.1.json');
  csaf = ajv.compile(vendor('csaf/csaf_json_schema.json') as object);
  return csaf;
}

function cveValidator(): { record: ValidateFunction; published: ValidateFunction; rejected: ValidateFunction } {
  if (cve) return cve;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // the CVE Program's record schema names its parts by relative `file:` references (schema/tags, schema/imports);
  // (FIRST's CVSS schemas as the CVE Program keeps them: draft-07, and draft-04 for CVSS 2.0, whose meta-schema
  // ajv does not carry, so that one file is added without checking it against its meta-schema)
  // ajv 8 refuses the draft-04 `id` keyword the CVSS 2.0/3.x files still carry: it is dropped in memory (the
  // files stay as published; each is added under the `file:` name the record schema refers to it by)
  const withoutLegacyId = (x: unknown): object => {
    const { id: _legacyId, ...rest } = x as Record<string, unknown>;
    return rest;
  };
  for (const f of ['tags/reference-tags.json', 'tags/cna-tags.json', 'tags/adp-tags.json', 'imports/cvss/cvss-v3.0.json', 'imports/cvss/cvss-v3.1.json', 'imports/cvss/cvss-v4.0.json']) {
    ajv.addSchema(withoutLegacyId(vendor(`cve/${f}`)), `file:${f}`);
  }
  ajv.addSchema(withoutLegacyId(vendor('cve/imports/cvss/cvss-v2.0.json')), 'file:imports/cvss/cvss-v2.0.json', undefined, false);
  const schema = vendor('cve/CVE_Record_Format.json') as { $id: string };
  const record = ajv.compile(schema);
  // the record is oneOf Published / Rejected: a refusal reports the branch the record says it is
  cve = { record, published: ajv.compile({ $ref: `${schema.$id}#/oneOf/0` }), rejected: ajv.compile({ $ref: `${schema.$id}#/oneOf/1` }) };
  return cve;
}

/** CISA KEV catalogue (known_exploited_vulnerabilities.json): the fields ACD reads, as CISA publishes them. */
const KEV_SCHEMA = {
  type: 'object',
  required: ['catalogVersion', 'dateReleased', 'vulnerabilities'],
  properties: {
    title: { type: 'string' },
    catalogVersion: { type: 'string', minLength: 1 },
    dateReleased: { type: 'string', format: 'date-time' },
    count: { type: 'integer', minimum: 0 },
    vulnerabilities: {
      type: 'array',
      items: {
        type: 'object',
        required: ['cveID', 'vendorProject', 'product', 'dateAdded', 'requiredAction', 'dueDate'],
        properties: {
          cveID: { type: 'string', pattern: '^CVE-[0-9]{4}-[0-9]{4,19}$' },
          vendorProject: { type: 'string' },
          product: { type: 'string' },
          vulnerabilityName: { type: 'string' },
          dateAdded: { type: 'string', format: 'date' },
          shortDescription: { type: 'string' },
          requiredAction: { type: 'string' },
          dueDate: { type: 'string', format: 'date' },
          knownRansomwareCampaignUse: { type: 'string' },
          notes: { type: 'string' },
        },
      },
    },
  },
} as const;

function kevValidator(): ValidateFunction {
  if (kev) return kev;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  kev = ajv.compile(KEV_SCHEMA);
  return kev;
}

export interface SchemaFailure {
  /** JSON pointer of the field */
  field: string;
  message: string;
}

function failures(errors: ErrorObject[] | null | undefined): SchemaFailure[] {
  return (errors ?? []).map((e) => {
    const p = e.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
    const field = p.missingProperty ? `${e.instancePath}/${p.missingProperty}` : p.additionalProperty ? `${e.instancePath}/${p.additionalProperty}` : e.instancePath || '/';
    const allowed = p.allowedValues ? ` (${p.allowedValues.map((v) => JSON.stringify(v)).join(', ')})` : '';
    return { field, message: `${e.message ?? 'is not valid'}${allowed}` };
  });
}

/** The most telling failure first: a missing or wrong field before the combinators that report on their parent. */
function refuse(code: VulnErrorCode, what: string, errors: ErrorObject[] | null | undefined): never {
  const all = failures(errors);
  const combinators = new Set(['anyOf', 'oneOf', 'if', 'not', 'allOf']);
  const specific = (errors ?? []).filter((e) => !combinators.has(e.keyword));
  // the deepest field; among equals, the one most branches of a oneOf agree on (CVSS 3.0 or 3.1: the score
  // out of range fails both, the 3.1 vector fails only the 3.0 branch)
  const sf = failures(specific);
  const count = new Map<string, number>();
  for (const f of sf) count.set(f.field, (count.get(f.field) ?? 0) + 1);
  const depth = (f: SchemaFailure) => f.field.split('/').length;
  const first = sf.sort((a, b) => depth(b) - depth(a) || count.get(b.field)! - count.get(a.field)!)[0] ?? all[0] ?? { field: '/', message: 'is not valid' };
  throw vulnError(code, `${what}: ${first.field} ${first.message}`, { details: { field: first.field, failures: all.slice(0, 20) } });
}

export function checkCsaf(doc: unknown): void {
  const v = csafValidator();
  if (!v(doc)) refuse('VULN_INVALID_CSAF', 'not a valid CSAF 2.0 document', v.errors);
}

export function checkCveRecord(doc: unknown): void {
  const v = cveValidator();
  if (v.record(doc)) return;
  const state = (doc as { cveMetadata?: { state?: unknown } } | null)?.cveMetadata?.state;
  const branch = state === 'REJECTED' ? v.rejected : v.published;
  refuse('VULN_INVALID_CVE', 'not a valid CVE JSON 5 record', branch(doc) ? v.record.errors : branch.errors);
}

export function checkKev(doc: unknown): void {
  const v = kevValidator();
  if (!v(doc)) refuse('VULN_INVALID_KEV', 'not a valid CISA KEV catalogue', v.errors);
}
