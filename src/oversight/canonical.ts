/**
 * The audit entry and its one byte form. A leaf of the log is the RFC 8785 (JSON Canonicalization
 * Scheme) serialisation of an entry, UTF-8 encoded: keys sorted, no whitespace, ECMAScript number form.
 * Anyone can recompute it from the entry with any JCS implementation, which is what makes the log
 * checkable by the commission's own tools.
 *
 *   {"basis":"appr-17","on":{"id":"op-3","type":"operation"},"what":"operation.approve",
 *    "when":"2026-11-25T17:00:00.000Z","who":{"org":"org-1","roles":["commission"],"user":"u-9"},
 *    "why":"urgent: botnet C2","details":{}}            (shown wrapped; canonical keys sorted)
 */
import canonicalizeModule from 'canonicalize';
import { hashLeaf } from './merkle.js';
import { auditError } from './errors.js';

export interface AuditEntry {
  /** who acted; null when nobody was authenticated (a failed login) */
  who: { user: string | null; org: string | null; roles: string[] } | null;
  /** what was done, dotted: 'approval.decide', 'flow.read' … */
  what: string;
  /** when, RFC 3339 in UTC with milliseconds (Date.prototype.toISOString) */
  when: string;
  /** on what */
  on: { type: string; id: string | null };
  /** why: the reason given, if any */
  why: string | null;
  /** the id of the approval or decision the act rests on, if any */
  basis: string | null;
  /** further facts (never secrets, never flow content) */
  details: Record<string, unknown>;
}

/** The columns of an `audit_events` row the entry is made from (structural: any row shape with these fits). */
export interface AuditRowLike {
  at: Date | string;
  actor_user_id: string | null;
  actor_org_id: string | null;
  actor_roles: string[] | null;
  action: string;
  target_type: string;
  target_id: string | null;
  reason: string | null;
  basis_id: string | null;
  details: Record<string, unknown> | null;
}

// canonicalize is CommonJS whose types say `export default`: under NodeNext the default import is
// module.exports, the function itself, which the types do not know
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const KEYS = ['basis', 'details', 'on', 'what', 'when', 'who', 'why'];

/** An audit entry from a stored row. Nobody-authenticated rows (no user, no org, no roles) have who = null. */
export function auditEntryFromRow(row: AuditRowLike): AuditEntry {
  const at = row.at instanceof Date ? row.at : new Date(row.at);
  const roles = row.actor_roles ?? [];
  const anonymous = row.actor_user_id === null && row.actor_org_id === null && roles.length === 0;
  return {
    who: anonymous ? null : { user: row.actor_user_id, org: row.actor_org_id, roles: [...roles] },
    what: row.action,
    when: at.toISOString(),
    on: { type: row.target_type, id: row.target_id },
    why: row.reason,
    basis: row.basis_id,
    details: row.details ?? {},
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strOrNull = (v: unknown): boolean => v === null || typeof v === 'string';

/** Checks that a value is an audit entry, naming the first field that is not as it should be. */
export function validateAuditEntry(value: unknown, where = 'audit entry'): AuditEntry {
  const bad = (msg: string): never => {
    throw auditError('AUDIT_ENTRY_INVALID', `${where}: ${msg}`);
  };
  if (!isObject(value)) return bad('is not a JSON object');
  for (const k of Object.keys(value)) if (!KEYS.includes(k)) bad(`has an unknown field "${k}"`);
  for (const k of KEYS) if (!(k in value)) bad(`lacks the field "${k}"`);
  const { who, what, when, on, why, basis, details } = value;
  if (who !== null) {
    if (!isObject(who)) bad('"who" is neither null nor an object');
    const w = who as Record<string, unknown>;
    if (Object.keys(w).sort().join() !== 'org,roles,user') bad('"who" must have exactly user, org and roles');
    if (!strOrNull(w.user) || !strOrNull(w.org)) bad('"who.user" and "who.org" must be strings or null');
    if (!Array.isArray(w.roles) || !w.roles.every((r) => typeof r === 'string')) bad('"who.roles" must be an array of strings');
  }
  if (typeof what !== 'string' || what.length === 0) bad('"what" must be a non-empty string');
  if (typeof when !== 'string' || !ISO_UTC.test(when) || Number.isNaN(Date.parse(when)) || new Date(when).toISOString() !== when) {
    bad(`"when" must be an RFC 3339 UTC time with milliseconds such as 2026-11-25T17:00:00.000Z, not ${JSON.stringify(when)}`);
  }
  if (!isObject(on) || Object.keys(on).sort().join() !== 'id,type' || typeof on.type !== 'string' || !strOrNull(on.id)) {
    bad('"on" must be {type: string, id: string | null}');
  }
  if (!strOrNull(why)) bad('"why" must be a string or null');
  if (!strOrNull(basis)) bad('"basis" must be a string or null');
  if (!isObject(details)) bad('"details" must be an object');
  return value as unknown as AuditEntry;
}

/** RFC 8785 canonical JSON of any JSON value (throws on NaN, Infinity, undefined at the top). */
export function canonicalJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = canonicalize(value);
  } catch (e) {
    throw auditError('AUDIT_ENTRY_INVALID', `value cannot be canonicalised: ${(e as Error).message}`);
  }
  if (text === undefined) throw auditError('AUDIT_ENTRY_INVALID', 'value cannot be canonicalised: it is not JSON');
  return text;
}

/** The canonical text of an audit entry: what the log hashes. */
export function canonicalAuditEntry(entry: AuditEntry): string {
  return canonicalJson(validateAuditEntry(entry));
}

/**
 * Reads an entry as exported: it must be JSON, a valid entry, and already in canonical form (a text
 * that differs from its canonical form has been re-serialised, so its bytes are not the logged bytes).
 */
export function parseCanonicalEntry(text: string, where = 'audit entry'): AuditEntry {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw auditError('AUDIT_ENTRY_INVALID', `${where}: not JSON (${(e as Error).message})`);
  }
  const entry = validateAuditEntry(value, where);
  if (canonicalJson(entry) !== text) throw auditError('AUDIT_ENTRY_NOT_CANONICAL', `${where}: the text is not the RFC 8785 canonical form of its JSON`);
  return entry;
}

// RFC 9162 §2.1.1 leaf hash of an entry: SHA-256(0x00 ‖ UTF-8(canonical JSON))
export function entryLeafHash(entry: AuditEntry | string): Buffer {
  const text = typeof entry === 'string' ? (parseCanonicalEntry(entry), entry) : canonicalAuditEntry(entry);
  return hashLeaf(Buffer.from(text, 'utf8'));
}
