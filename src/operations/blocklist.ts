/**
 * Blocklists for operators: the measures in force as plain text (one address or domain a line), CSV
 * (RFC 4180) and a STIX 2.1 bundle of indicators (plain JSON objects). The blocklist measure's driver
 * only records: the list is read from the measures in force, so lifting removes an entry at once.
 */
import { createHash, randomUUID } from 'node:crypto';
import { odb, type AnyDb } from './db.js';
import { measuresInForce, type Measure, type MeasureDriver, type MeasureKind } from './measures.js';
import { decisionInForce } from './operations.js';

export interface BlocklistEntry {
  type: 'ipv4' | 'ipv6' | 'domain';
  value: string;
  /** the kinds of measure in force on it */
  kinds: MeasureKind[];
  operations: string[];
  since: string;
  /** when the decision it rests on ends (null: an emergency awaiting the commission) */
  until: string | null;
}

export const BLOCKLIST_KINDS: readonly MeasureKind[] = ['blocklist', 'rpz', 'bgp_blackhole', 'flowspec'];

/**
 * The entries in force at `now`: measures applied whose operation still has a decision in force (so an
 * approval that has ended drops off the list at once, before the expiry job has lifted it).
 */
export async function blocklistEntries(db: AnyDb, now = new Date()): Promise<BlocklistEntry[]> {
  const all = await measuresInForce(db, BLOCKLIST_KINDS);
  const opIds = [...new Set(all.map((m) => m.operationId))];
  const ops = opIds.length ? await odb(db).selectFrom('operations').selectAll().where('id', 'in', opIds).execute() : [];
  const until = new Map<string, string | null>();
  for (const op of ops) {
    const d = await decisionInForce(db, op, now).catch(() => null);
    if (d) until.set(op.id, d.until ? d.until.toISOString() : null);
  }
  const ms = all.filter((m) => until.has(m.operationId));
  const byValue = new Map<string, BlocklistEntry>();
  for (const m of ms) {
    const type = m.targetType === 'domain' ? 'domain' : m.target.includes(':') ? 'ipv6' : 'ipv4';
    const u = until.get(m.operationId) ?? null;
    const e = byValue.get(m.target);
    if (!e) {
      byValue.set(m.target, { type, value: m.target, kinds: [m.kind], operations: [m.operationId], since: m.appliedAt.toISOString(), until: u });
      continue;
    }
    if (!e.kinds.includes(m.kind)) e.kinds.push(m.kind);
    if (!e.operations.includes(m.operationId)) e.operations.push(m.operationId);
    if (m.appliedAt.toISOString() < e.since) e.since = m.appliedAt.toISOString();
    if (e.until !== null && (u === null || u > e.until)) e.until = u;
  }
  return [...byValue.values()].sort((a, b) => (a.type === b.type ? (a.value < b.value ? -1 : 1) : a.type < b.type ? -1 : 1));
}

export function blocklistText(entries: BlocklistEntry[], now = new Date()): string {
  return `# ACD blocklist: measures in force at ${now.toISOString()} (${entries.length} entries)\n${entries.map((e) => e.value).join('\n')}${entries.length ? '\n' : ''}`;
}

const csvField = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function blocklistCsv(entries: BlocklistEntry[]): string {
  const rows = [['type', 'value', 'measures', 'operations', 'since', 'until']];
  for (const e of entries) rows.push([e.type, e.value, e.kinds.join(' '), e.operations.join(' '), e.since, e.until ?? '']);
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** A name-based UUID (version 5, RFC 9562 §5.5) so the same entry keeps the same STIX id. */
function uuidV5(name: string): string {
  const ns = Buffer.from('9f2c8e52-3e8a-4f5e-9d41-7a3c0b1d2e6f'.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const stixString = (s: string) => s.replace(/\\/g, '\\\\').replace(/'/g, "\\'");

/** A STIX 2.1 bundle with one indicator per entry (pattern on ipv4-addr, ipv6-addr or domain-name). */
export function blocklistStix(entries: BlocklistEntry[], now = new Date()): { type: 'bundle'; id: string; objects: Array<Record<string, unknown>> } {
  const ts = now.toISOString();
  const objects = entries.map((e) => {
    const obj = e.type === 'domain' ? 'domain-name' : `${e.type}-addr`;
    const o: Record<string, unknown> = {
      type: 'indicator',
      spec_version: '2.1',
      id: `indicator--${uuidV5(`${e.type}:${e.value}:${e.since}`)}`,
      created: e.since,
      modified: ts,
      name: `ACD measure in force: ${e.value}`,
      indicator_types: ['malicious-activity'],
      pattern: `[${obj}:value = '${stixString(e.value)}']`,
      pattern_type: 'stix',
      valid_from: e.since,
      labels: e.kinds.map((k) => `acd-measure-${k}`),
    };
    if (e.until) o.valid_until = e.until;
    return o;
  });
  return { type: 'bundle', id: `bundle--${randomUUID()}`, objects };
}

/** The blocklist measure's driver: the list is the measures in force, so apply and lift only record. */
export function createBlocklistDriver(db: AnyDb): MeasureDriver {
  return {
    kind: 'blocklist',
    scope: 'none',
    async apply() {},
    async lift() {},
    async verify(m: Measure) {
      const ok = (await blocklistEntries(db)).some((e) => e.value === m.target);
      return { ok, detail: ok ? 'on the blocklist served to operators' : 'not on the blocklist' };
    },
  };
}
