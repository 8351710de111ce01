/**
 * The OASIS STIX 2.1 JSON schemas (vendor/stix2-json-schemas, BSD-3-Clause, with its LICENSE) as the
 * check every incoming object passes: the schema of its type (sdos/, sros/, observables/, common/),
 * common/core.json for a custom object type. Each type's validator is compiled the first time an object
 * of that type arrives (ajv, JSON Schema 2020-12), then kept.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020Module, { type ValidateFunction, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// CommonJS default exports under NodeNext
const Ajv2020 = Ajv2020Module as unknown as typeof Ajv2020Module.default;
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** src/intel/ and dist/intel/ are both two levels below the repository root. */
export const STIX_SCHEMA_DIR = fileURLToPath(new URL('../../vendor/stix2-json-schemas/schemas/', import.meta.url));
const BASE = 'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/';

type Loaded = { ajv: InstanceType<typeof Ajv2020>; byType: Map<string, string> };
let loaded: Loaded | undefined;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.json') ? [p] : [];
  });
}

function load(): Loaded {
  if (loaded) return loaded;
  const ajv = new Ajv2020({ strict: false, allErrors: false, unicodeRegExp: false, logger: false });
  addFormats(ajv);
  const byType = new Map<string, string>();
  for (const f of files(STIX_SCHEMA_DIR)) {
    const schema = JSON.parse(readFileSync(f, 'utf8')) as { $id: string };
    ajv.addSchema(schema);
    const rel = f.slice(STIX_SCHEMA_DIR.length).replace(/\\/g, '/');
    const [dir, name] = rel.split('/');
    if (dir === 'sdos' || dir === 'sros' || dir === 'observables') byType.set(name!.replace(/\.json$/, ''), schema.$id);
    if (dir === 'common' && ['marking-definition.json', 'language-content.json', 'extension-definition.json'].includes(name!)) byType.set(name!.replace(/\.json$/, ''), schema.$id);
  }
  loaded = { ajv, byType };
  return loaded;
}

const validators = new Map<string, ValidateFunction>();

function validatorFor(type: string): ValidateFunction {
  let v = validators.get(type);
  if (v) return v;
  const { ajv, byType } = load();
  const id = byType.get(type) ?? `${BASE}common/core.json`;
  v = ajv.getSchema(id);
  if (!v) throw new Error(`no OASIS schema ${id}`);
  validators.set(type, v);
  return v;
}

function describe(e: ErrorObject): string {
  const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : 'the object';
  const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : e.keyword === 'enum' ? ` (${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)})` : '';
  return `${where} ${e.message ?? 'is invalid'}${extra}`;
}

/** The OASIS schema's verdict on one object of a known type name: null when valid, else the first fault. */
export function schemaFault(type: string, o: unknown): string | null {
  const v = validatorFor(type);
  if (v(o)) return null;
  const errs = v.errors ?? [];
  // the deepest fault says most (an allOf/oneOf wrapper's own error says only that a branch failed)
  const best = errs.find((e) => e.keyword !== 'allOf' && e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if') ?? errs[0];
  return best ? `does not match the STIX 2.1 schema: ${describe(best)}` : 'does not match the STIX 2.1 schema';
}
