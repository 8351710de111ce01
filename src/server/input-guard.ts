/**
 * Hostile input, refused once at the edge for every route (issue #20): whatever a client sends is
 * answered with a 4xx naming the field, never a 500, and nothing of it is stored.
 *
 * - JSON nested deeper than `maxDepth` is refused before it is parsed (a 10 000-deep object would
 *   overflow the stack of whatever walks it later: the validator, the canonical JSON, a batch insert).
 * - Text the store cannot hold is refused in every string and object key of body, query and params:
 *   NUL (PostgreSQL text and jsonb cannot hold it) and lone UTF-16 surrogates (not Unicode).
 * - Numbers the store or JavaScript cannot hold exactly are refused: not finite (1e400 parses as
 *   Infinity) or beyond ±(2^53 − 1) (an afterSeq of 2^63 overflows bigint).
 * - Bodies are validated without type coercion (`title: 5` is not a string); query and path
 *   parameters, which are text on the wire, are still coerced to the schema's numbers and booleans.
 * - `date-time` and `date` are strict: years 0001–9999, seconds 00–59 (no leap second, which a
 *   JavaScript Date cannot hold), and a day that exists in its month.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Ajv, type Options as AjvOptions } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { AcdError } from '../shared/errors.js';

// ajv-formats is CommonJS with a default export
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** The deepest JSON nesting a request body may have (objects and arrays together). */
export const MAX_JSON_DEPTH = 64;

/**
 * Throws BODY_TOO_DEEP when `text` (JSON) nests deeper than `max`. One pass over the characters,
 * strings skipped, no recursion: run before JSON.parse.
 */
export function checkJsonDepth(text: string, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) throw new AcdError('BODY_TOO_DEEP', `request body nests deeper than ${max} levels (at character ${i})`, { details: { maxDepth: max, position: i } });
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

// NUL, a high surrogate not followed by a low one, a low surrogate not preceded by a high one
// eslint-disable-next-line no-control-regex -- NUL is what this looks for
const BAD_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What is wrong with a string, or null when the store can hold it. */
export function badText(s: string): string | null {
  const m = BAD_TEXT.exec(s);
  if (!m) return null;
  return m[0] === '\u0000' ? `contains a NUL character (at ${m.index})` : `contains a lone UTF-16 surrogate (at ${m.index}): not Unicode text`;
}

function pathOf(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(badText(key) ? key.replace(BAD_TEXT, '?') : key)}]`;
}

/**
 * Walks a parsed value and throws VALIDATION for the first string, key or number the store cannot
 * hold, naming it as `body.report.title`. Recursion is bounded by the depth check before parsing
 * (and by `max` here, for values that did not come through the JSON parser).
 */
export function checkValue(v: unknown, where: string, depth = 0, max = MAX_JSON_DEPTH + 2): void {
  if (typeof v === 'string') {
    const bad = badText(v);
    if (bad) throw new AcdError('VALIDATION', `${where} ${bad}`, { details: { field: where } });
    return;
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new AcdError('VALIDATION', `${where} must be a finite number`, { details: { field: where } });
    if (Math.abs(v) > Number.MAX_SAFE_INTEGER) throw new AcdError('VALIDATION', `${where} must lie within ±${Number.MAX_SAFE_INTEGER}`, { details: { field: where } });
    return;
  }
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return;
  if (depth > max) throw new AcdError('BODY_TOO_DEEP', `${where} nests deeper than ${max} levels`);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) checkValue(v[i], pathOf(where, i), depth + 1, max);
    return;
  }
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const bad = badText(k);
    if (bad) throw new AcdError('VALIDATION', `${where} has a key that ${bad}`, { details: { field: where } });
    checkValue(x, pathOf(where, k), depth + 1, max);
  }
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function validDay(y: number, m: number, d: number): boolean {
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
  return d <= days;
}

/** RFC 3339 date-time within years 0001–9999, without leap seconds (a JavaScript Date has none). */
export function isStrictDateTime(s: string): boolean {
  const m = DATE_TIME.exec(s);
  if (!m) return false;
  if (!validDay(Number(m[1]), Number(m[2]), Number(m[3]))) return false;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59) return false;
  if (m[7] && (Number(m[8]) > 23 || Number(m[9]) > 59)) return false;
  return Number.isFinite(Date.parse(s.replace(' ', 'T')));
}

export function isStrictDate(s: string): boolean {
  const m = DATE.exec(s);
  return !!m && validDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

function makeAjv(coerce: boolean): Ajv {
  const opts: AjvOptions = { removeAdditional: false, useDefaults: true, allErrors: false, coerceTypes: coerce ? 'array' : false, strict: false };
  const ajv = addFormats(new Ajv(opts));
  ajv.addFormat('date-time', { type: 'string', validate: isStrictDateTime });
  ajv.addFormat('date', { type: 'string', validate: isStrictDate });
  return ajv;
}

/**
 * Installs the guards on `app`: call before any route is registered. The JSON parser calls
 * checkJsonDepth itself (see app.ts).
 */
export function installInputGuard(app: FastifyInstance): void {
  const strict = makeAjv(false);
  const coercing = makeAjv(true);
  // the same schema object is compiled once per instance (TypeBox schemas are shared between routes)
  const cache = new WeakMap<object, ReturnType<Ajv['compile']>>();
  const coercedCache = new WeakMap<object, ReturnType<Ajv['compile']>>();
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const body = httpPart === 'body';
    const ajv = body ? strict : coercing;
    const c = body ? cache : coercedCache;
    const key = schema as object;
    let fn = c.get(key);
    if (!fn) {
      fn = ajv.compile(schema);
      c.set(key, fn);
    }
    return fn;
  });
  // path and query text before anything reads them (route hooks such as TAXII's look an API root up
  // in onRequest); numbers again after the schema has coerced them
  app.addHook('onRequest', async (req: FastifyRequest) => {
    checkValue(req.params, 'params');
    checkValue(req.query, 'querystring');
  });
  app.addHook('preHandler', async (req: FastifyRequest) => {
    checkValue(req.params, 'params');
    checkValue(req.query, 'querystring');
    checkValue(req.body, 'body');
  });
}
