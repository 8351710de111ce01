/**
 * Requests derived from a route's own schemas (issue #20): fast-check arbitraries built from the JSON
 * Schema (TypeBox) of its params, querystring and body, mostly well-formed, with hostile values mixed in
 * at any depth (NUL, lone surrogates, huge and non-finite numbers, impossible dates, wrong types,
 * deep nesting, long text). Used by test/server/fuzz.test.ts (seeded, bounded) and bench/server/fuzz.bench.ts.
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import type { DeclaredRoute } from '../../src/server/access.js';
import type { Role } from '../../src/auth/index.js';
import type { TestPerson } from './app.js';

type Schema = Record<string, unknown>;

/** A value sent as raw JSON text (so it can be what JSON.stringify cannot write: 1e400, 2^63). */
export class RawJson {
  constructor(readonly text: string) {}
}

const HOSTILE_STRINGS = ['\u0000', 'a\u0000b', '\uD800', 'x\uDFFFy', '%00', '', ' '.repeat(12), 'x'.repeat(5000), '0000-01-01T00:00:00Z', '2016-12-31T23:59:60Z', '0001-01-01T00:00:00Z', '2023-02-31', '../../etc/passwd', '<script>', "'; drop table reports; --", '00000000-0000-0000-0000-000000000000', '\u202e', '🙂'];
const HOSTILE_NUMBERS = [new RawJson('1e400'), new RawJson('-1e400'), new RawJson('9223372036854775808'), 2 ** 53, -1, 0, 1.5, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];

const deepValue = (n: number): RawJson => new RawJson('['.repeat(n) + ']'.repeat(n));

export function hostileValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom<unknown>(...HOSTILE_STRINGS, ...HOSTILE_NUMBERS, null, true, false, {}, [], { __proto__x: 1 }, deepValue(10_000), deepValue(70)),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
    fc.double(),
    fc.integer(),
  );
}

function wellFormedString(s: Schema): fc.Arbitrary<string> {
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const max = Math.min(typeof s.maxLength === 'number' ? s.maxLength : 60, Math.max(min, 60));
  switch (s.format) {
    case 'uuid': return fc.uuid();
    case 'date-time': return fc.date({ min: new Date(-62135596800000), max: new Date(253402300799000), noInvalidDate: true }).map((d) => d.toISOString());
    case 'date': return fc.date({ min: new Date(0), max: new Date(4102444800000), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    case 'ipv4': return fc.ipV4();
    case 'ipv6': return fc.ipV6();
    case 'uri': return fc.webUrl();
    case 'email': return fc.emailAddress();
    default:
      if (typeof s.pattern === 'string') {
        try {
          return fc.stringMatching(new RegExp(s.pattern)).filter((x) => x.length >= min && x.length <= max);
        } catch { /* a pattern fast-check cannot read: plain text */ }
      }
      return fc.string({ minLength: min, maxLength: max });
  }
}

/** An arbitrary for values of `s`; `hostileRate` of the values at any depth are hostile instead. */
export function arbitraryOf(s: Schema | undefined, hostileRate = 0.1, depth = 0): fc.Arbitrary<unknown> {
  const good = wellFormed(s ?? {}, hostileRate, depth);
  if (hostileRate <= 0) return good;
  const weight = Math.max(1, Math.round(hostileRate * 100));
  return fc.oneof({ arbitrary: good, weight: 100 - weight }, { arbitrary: hostileValue(), weight });
}

function wellFormed(s: Schema, rate: number, depth: number): fc.Arbitrary<unknown> {
  if (depth > 6) return fc.constant(null);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  const alts = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (alts?.length) return fc.oneof(...alts.map((a) => arbitraryOf(a, rate, depth + 1)));
  if (Array.isArray(s.allOf) && s.allOf.length) return arbitraryOf(s.allOf[0] as Schema, rate, depth + 1);
  const type = Array.isArray(s.type) ? (s.type[0] as string) : (s.type as string | undefined);
  switch (type) {
    case 'string': return wellFormedString(s);
    case 'integer': {
      const min = typeof s.minimum === 'number' ? s.minimum : -1_000_000;
      const max = typeof s.maximum === 'number' ? s.maximum : 1_000_000;
      return fc.integer({ min: Math.max(min, -2147483648), max: Math.min(max, 2147483647) });
    }
    case 'number': {
      const min = typeof s.minimum === 'number' ? s.minimum : -1e9;
      const max = typeof s.maximum === 'number' ? s.maximum : 1e9;
      return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
    }
    case 'boolean': return fc.boolean();
    case 'null': return fc.constant(null);
    case 'array': {
      const items = (s.items ?? {}) as Schema;
      const minLength = typeof s.minItems === 'number' ? s.minItems : 0;
      const maxLength = Math.min(typeof s.maxItems === 'number' ? s.maxItems : 4, Math.max(minLength, 4));
      return fc.array(arbitraryOf(items, rate, depth + 1), { minLength, maxLength });
    }
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const required = new Set((s.required ?? []) as string[]);
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) model[k] = arbitraryOf(v, rate, depth + 1);
      const keys = Object.keys(props);
      const base = fc.record(model, { requiredKeys: keys.filter((k) => required.has(k)) });
      if (rate <= 0) return base;
      // now and then a key the schema does not know, or one the store cannot hold
      return fc.tuple(base, fc.option(fc.constantFrom('extra', 'k\u0000', '\uD800', '__proto__x'), { freq: 8 }), hostileValue()).map(([o, k, v]) => (k === null ? o : { ...(o as object), [k]: v }));
    }
    default:
      // anything (Type.Unknown, Type.Any): JSON of any shape
      return fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileValue());
  }
}

/** JSON text of a value holding RawJson pieces (written as they are). */
export function toJsonText(v: unknown): string {
  if (v instanceof RawJson) return v.text;
  if (Array.isArray(v)) return `[${v.map(toJsonText).join(',')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${toJsonText(x)}`).join(',')}}`;
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v); // NaN / Infinity: not JSON either, refused as such
  return JSON.stringify(v) ?? 'null';
}

/** encodeURIComponent, with lone surrogates written as their WTF-8 bytes (which it refuses to encode). */
function encodePathPart(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    let out = '';
    for (const ch of v) {
      const c = ch.charCodeAt(0);
      if (ch.length === 1 && c >= 0xd800 && c <= 0xdfff) out += `%${(0xe0 | (c >> 12)).toString(16)}%${(0x80 | ((c >> 6) & 0x3f)).toString(16)}%${(0x80 | (c & 0x3f)).toString(16)}`;
      else out += encodeURIComponent(ch);
    }
    return out;
  }
}

const asText = (v: unknown): string => (v instanceof RawJson ? v.text : typeof v === 'string' ? v : v !== null && typeof v === 'object' ? toJsonText(v) : String(v));

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** The fuzzable routes of a server: every declared route but the docs and the web pages. */
export function fuzzableRoutes(routes: DeclaredRoute[]): DeclaredRoute[] {
  return routes.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS' && (r.url.startsWith('/api/v1') || r.url.startsWith('/taxii2')) && !r.url.startsWith('/api/docs'));
}

/** Requests to one route, from its schema, made by a person whose role the route admits. */
export function requestArbitrary(route: DeclaredRoute, people: Record<Role, TestPerson>, hostileRate = 0.1): fc.Arbitrary<FuzzRequest> {
  const schema = (route.schema ?? {}) as Record<string, Schema | undefined>;
  const access = route.access;
  const roles: Role[] = access && 'roles' in access ? (access.roles === 'any' ? ['admin'] : [...access.roles]) : ['admin'];
  const paramNames = [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
  const paramSchemas = ((schema.params?.properties ?? {}) as Record<string, Schema>);
  const params = fc.tuple(...paramNames.map((n) => arbitraryOf(paramSchemas[n] ?? { type: 'string', minLength: 1 }, hostileRate)));
  const query = schema.querystring ? arbitraryOf(schema.querystring, hostileRate) : fc.constant(undefined);
  const body = schema.body ? arbitraryOf(schema.body, hostileRate) : fc.option(hostileValue(), { freq: 4 });
  const taxii = route.url.startsWith('/taxii2');
  return fc.tuple(fc.constantFrom(...roles), params, query, body, fc.boolean()).map(([role, ps, q, b, ownOrg]) => {
    const person = people[role];
    let url = route.url;
    paramNames.forEach((n, i) => {
      let v = asText(ps[i]);
      if (ownOrg && n === 'orgId') v = person.orgId;
      if (ownOrg && n === 'userId') v = person.userId;
      url = url.replace(`:${n}`, encodePathPart(v === '' ? 'x' : v));
    });
    if (q !== undefined && q !== null && typeof q === 'object' && !(q instanceof RawJson)) {
      const parts: string[] = [];
      for (const [k, v] of Object.entries(q)) if (v !== undefined) parts.push(`${encodePathPart(k)}=${encodePathPart(asText(v))}`);
      const s = parts.join('&');
      if (s) url += `?${s}`;
    }
    const headers: Record<string, string> = { authorization: `Bearer ${person.token}` };
    if (taxii) headers.accept = 'application/taxii+json;version=2.1';
    const req: FuzzRequest = { method: route.method, url, headers };
    if (route.method !== 'GET' && route.method !== 'DELETE' && b !== undefined && b !== null) {
      headers['content-type'] = taxii ? 'application/taxii+json;version=2.1' : 'application/json';
      req.payload = toJsonText(b);
    }
    return req;
  });
}

export interface FuzzOutcome {
  requests: number;
  byStatus: Map<number, number>;
  /** the first few 5xx answers, to repeat */
  failures: Array<{ req: FuzzRequest; status: number; body: string }>;
}

/** Sends `perRoute` requests to every fuzzable route (seeded) and tallies the statuses. */
export async function fuzzRoutes(app: FastifyInstance, routes: DeclaredRoute[], people: Record<Role, TestPerson>, opts: { seed: number; perRoute: number; hostileRate?: number; onProgress?: (n: number) => void }): Promise<FuzzOutcome> {
  const out: FuzzOutcome = { requests: 0, byStatus: new Map(), failures: [] };
  let i = 0;
  for (const route of fuzzableRoutes(routes)) {
    const samples = fc.sample(requestArbitrary(route, people, opts.hostileRate ?? 0.1), { seed: opts.seed + i++, numRuns: opts.perRoute });
    for (const req of samples) {
      const r = await app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, ...(req.payload !== undefined ? { payload: req.payload } : {}) });
      out.requests++;
      out.byStatus.set(r.statusCode, (out.byStatus.get(r.statusCode) ?? 0) + 1);
      if (r.statusCode >= 500 && out.failures.length < 20) out.failures.push({ req, status: r.statusCode, body: r.body.slice(0, 300) });
      if (opts.onProgress && out.requests % 1000 === 0) opts.onProgress(out.requests);
    }
  }
  return out;
}
