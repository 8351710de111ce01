/**
 * TAXII 2.1 (OASIS, 2021) on the server side, without HTTP: media types and content negotiation
 * (§1.6.8), the error resource (§3.6.1), filtering parameters (§3.4), and the resources the endpoints
 * answer with. The HTTP routes (src/server/routes/taxii.ts) are a thin layer over these.
 */
import { AcdError } from '../shared/errors.js';
import { timeUs } from './store.js';

export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';
export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';
/** The largest page the server gives, whatever limit is asked (§3.4.1: the server may give fewer). */
export const MAX_PAGE = 1000;
export const DEFAULT_PAGE = 100;

interface MediaRange {
  type: string;
  subtype: string;
  params: Record<string, string>;
  q: number;
}

function parseMediaRanges(header: string): MediaRange[] {
  return header
    .split(',')
    .map((part) => {
      const [mt, ...ps] = part.split(';').map((s) => s.trim());
      const [type = '', subtype = ''] = (mt ?? '').toLowerCase().split('/');
      const params: Record<string, string> = {};
      let q = 1;
      for (const p of ps) {
        const eq = p.indexOf('=');
        if (eq < 0) continue;
        const k = p.slice(0, eq).trim().toLowerCase();
        const v = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
        if (k === 'q') q = Number(v);
        else params[k] = v;
      }
      return { type, subtype, params, q: Number.isFinite(q) ? q : 0 };
    })
    .filter((r) => r.type !== '');
}

/**
 * §1.6.8.1: does an Accept header admit `application/taxii+json;version=2.1`? A missing header admits
 * anything; `application/taxii+json` without a version means the latest, which is 2.1.
 */
export function acceptsTaxii(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return parseMediaRanges(accept).some((r) => {
    if (r.q <= 0) return false;
    if (r.type === '*' && r.subtype === '*') return true;
    if (r.type !== 'application') return false;
    if (r.subtype === '*') return true;
    return r.subtype === 'taxii+json' && (r.params.version === undefined || r.params.version === '2.1');
  });
}

/** Is a request's Content-Type the TAXII 2.1 media type (version 2.1 or none)? */
export function isTaxiiContentType(ct: string | undefined): boolean {
  if (!ct) return false;
  const [r] = parseMediaRanges(ct);
  return r !== undefined && r.type === 'application' && r.subtype === 'taxii+json' && (r.params.version === undefined || r.params.version === '2.1');
}

/** §3.6.1 the error resource. http_status is a string in TAXII 2.1. */
export interface TaxiiError {
  title: string;
  description?: string;
  error_id?: string;
  error_code?: string;
  http_status?: string;
  external_details?: string;
  details?: Record<string, unknown>;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

export function errorResource(status: number, code: string, description: string, details?: Record<string, unknown>): TaxiiError {
  return { title: TITLES[status] ?? `HTTP ${status}`, description, error_code: code, http_status: String(status), ...(details ? { details } : {}) };
}

/** The filtering parameters of §3.4 as ACD's object query takes them. */
export interface TaxiiFilter {
  addedAfterUs?: number;
  limit: number;
  next?: string;
  ids?: string[];
  types?: string[];
  versions?: string[];
  specVersions?: string[];
}

const list = (v: string | string[] | undefined): string[] | undefined => {
  if (v === undefined) return undefined;
  const out = (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  return out.length ? out : undefined;
};

export type TaxiiQuery = Partial<Record<'added_after' | 'limit' | 'next' | 'match[id]' | 'match[type]' | 'match[version]' | 'match[spec_version]', string | string[]>>;

/** Reads §3.4's URL parameters; a bad one is a 400 naming it. */
export function parseFilter(q: TaxiiQuery): TaxiiFilter {
  const one = (k: keyof TaxiiQuery): string | undefined => {
    const v = q[k];
    if (Array.isArray(v)) {
      if (v.length > 1) throw new AcdError('TAXII_BAD_PARAMETER', `${k} may be given once`);
      return v[0];
    }
    return v;
  };
  const f: TaxiiFilter = { limit: DEFAULT_PAGE };
  const aa = one('added_after');
  if (aa !== undefined) {
    try {
      f.addedAfterUs = timeUs(aa);
    } catch {
      throw new AcdError('TAXII_BAD_PARAMETER', `added_after=${JSON.stringify(aa)} is not a timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z)`);
    }
  }
  const lim = one('limit');
  if (lim !== undefined) {
    if (!/^[1-9][0-9]{0,8}$/.test(lim)) throw new AcdError('TAXII_BAD_PARAMETER', `limit=${JSON.stringify(lim)} is not a positive integer`);
    f.limit = Math.min(Number(lim), MAX_PAGE);
  }
  const next = one('next');
  if (next !== undefined) f.next = next;
  const ids = list(q['match[id]']);
  if (ids) f.ids = ids;
  const types = list(q['match[type]']);
  if (types) {
    for (const t of types) if (!/^[a-z0-9][a-z0-9-]*[a-z0-9]$/.test(t)) throw new AcdError('TAXII_BAD_PARAMETER', `match[type]=${t} is not a STIX type name`);
    f.types = types;
  }
  const versions = list(q['match[version]']);
  if (versions) {
    for (const v of versions) {
      if (v === 'first' || v === 'last' || v === 'all') continue;
      try {
        timeUs(v);
      } catch {
        throw new AcdError('TAXII_BAD_PARAMETER', `match[version]=${v} is not first, last, all or a timestamp`);
      }
    }
    f.versions = versions;
  }
  const specs = list(q['match[spec_version]']);
  if (specs) {
    for (const s of specs) if (s !== '2.0' && s !== '2.1') throw new AcdError('TAXII_BAD_PARAMETER', `match[spec_version]=${s} is not 2.0 or 2.1`);
    f.specVersions = specs;
  }
  return f;
}
