/**
 * The canonical text of an audit row, fast: the same bytes as canonicalAuditEntry(auditEntryFromRow(row))
 * (RFC 8785), written out field by field in JCS key order instead of validated and sorted generically.
 * The row's columns already have the entry's types, so only `details` (free JSON) goes through the
 * generic canonicaliser, and an empty one not even that. Strings are serialised as JSON.stringify does,
 * which is what RFC 8785 §3.2.2.2 prescribes. test/oversight/row-canonical.test.ts checks the equality.
 */
import { auditEntryFromRow, canonicalAuditEntry, canonicalJson, type AuditRowLike } from './canonical.js';

const str = JSON.stringify as (s: string) => string;
const strOrNull = (s: string | null): string => (s === null ? 'null' : str(s));

export function canonicalRow(row: AuditRowLike): string {
  const at = row.at instanceof Date ? row.at : new Date(row.at);
  const y = at.getUTCFullYear();
  if (Number.isNaN(y) || y < 0 || y > 9999 || row.action === '') return fallback(row);
  const roles = row.actor_roles ?? [];
  const anonymous = row.actor_user_id === null && row.actor_org_id === null && roles.length === 0;
  const details = row.details ?? {};
  if (typeof details !== 'object' || Array.isArray(details)) return fallback(row);
  let d = '{}';
  for (const _k in details) {
    d = canonicalJson(details);
    break;
  }
  // JCS: keys sorted by UTF-16 code units — basis, details, on{id, type}, what, when, who{org, roles, user}, why
  const who = anonymous ? 'null' : `{"org":${strOrNull(row.actor_org_id)},"roles":[${roles.map(str).join(',')}],"user":${strOrNull(row.actor_user_id)}}`;
  return `{"basis":${strOrNull(row.basis_id)},"details":${d},"on":{"id":${strOrNull(row.target_id)},"type":${str(row.target_type)}},"what":${str(row.action)},"when":"${at.toISOString()}","who":${who},"why":${strOrNull(row.reason)}}`;
}

/** anything unusual (a bad time, details that are not an object): the validating path, which names the fault */
function fallback(row: AuditRowLike): string {
  return canonicalAuditEntry(auditEntryFromRow(row));
}
