/**
 * The transparency report's figures: for a period, how many times each audited act happened (approvals
 * granted and refused, operations, measures, re-identifications, reads … — whatever the parts record,
 * by action), and, where "The lawful gate" keeps its hourly counters (`gate_counts`), its received /
 * out of scope / selected / discarded / purged counts per approval and category. Counts only: no
 * address, no person, no target id ever leaves here.
 */
import { sql, type Kysely } from 'kysely';
import { Type, type Static } from '@sinclair/typebox';
import type { Database } from '../store/index.js';
import { AcdError } from '../shared/errors.js';

export const PERIODS = ['day', 'week', 'month', 'year'] as const;
export type Period = (typeof PERIODS)[number];

export const TransparencyQuerySchema = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'start (inclusive); default: 1 year before `to`' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'end (exclusive); default: now' })),
    period: Type.Optional(Type.Union(PERIODS.map((p) => Type.Literal(p)), { description: 'default month' })),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
  },
  { additionalProperties: false },
);
export type TransparencyQuery = Static<typeof TransparencyQuerySchema>;

export const TransparencyReportSchema = Type.Object({
  from: Type.String(),
  to: Type.String(),
  period: Type.String(),
  audit: Type.Array(Type.Object({ period: Type.String(), action: Type.String(), count: Type.Integer() })),
  gate: Type.Union([
    Type.Array(Type.Object({ period: Type.String(), approvalId: Type.Union([Type.String(), Type.Null()], { description: "null: the carriers' totals for the category" }), category: Type.Union([Type.String(), Type.Null()]), metric: Type.String(), count: Type.Integer() })),
    Type.Null(),
  ], { description: "the gate's counters; null where this store has no gate_counts table" }),
});
export type TransparencyReport = Static<typeof TransparencyReportSchema>;

const iso = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString();

export async function transparencyCounts(db: Kysely<Database>, q: Omit<TransparencyQuery, 'format'> = {}): Promise<TransparencyReport> {
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 365 * 86_400_000);
  if (Number.isNaN(from.getTime())) throw new AcdError('BAD_REQUEST', `from: ${q.from} is not a time`, { status: 400 });
  if (Number.isNaN(to.getTime())) throw new AcdError('BAD_REQUEST', `to: ${q.to} is not a time`, { status: 400 });
  if (from > to) throw new AcdError('BAD_REQUEST', `from (${from.toISOString()}) is after to (${to.toISOString()})`, { status: 400 });
  const period: Period = q.period ?? 'month';
  // periods in UTC, whatever the session's time zone
  const bucket = sql`date_trunc(${period}, at at time zone 'UTC')`;
  const audit = await sql<{ p: Date | string; action: string; n: number }>`
    select ${bucket} as p, action, count(*)::bigint as n from audit_events
    where at >= ${from} and at < ${to} group by 1, 2 order by 1, 2`.execute(db);
  let gate: TransparencyReport['gate'] = null;
  const has = await sql<{ t: string | null }>`select to_regclass('gate_counts')::text as t`.execute(db);
  if (has.rows[0]?.t) {
    const g = await sql<{ p: Date | string; approval_id: string | null; category: string | null; metric: string; n: number }>`
      select date_trunc(${period}, hour at time zone 'UTC') as p, approval_id, category, metric, sum(count)::bigint as n
      from gate_counts where hour >= ${from} and hour < ${to} group by 1, 2, 3, 4 order by 1, 2, 3, 4`.execute(db);
    gate = g.rows.map((r) => ({ period: iso(r.p), approvalId: r.approval_id === '' || r.approval_id === null ? null : r.approval_id, category: r.category, metric: r.metric, count: Number(r.n) }));
  }
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    period,
    audit: audit.rows.map((r) => ({ period: iso(r.p), action: r.action, count: Number(r.n) })),
    gate,
  };
}

const csvField = (v: string | number | null): string => {
  const s = v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** One CSV table: source,period,approval_id,category,metric,count (metric = the action for audit rows). */
export function transparencyCsv(r: TransparencyReport): string {
  const lines = ['source,period,approval_id,category,metric,count'];
  for (const a of r.audit) lines.push(['audit', a.period, null, null, a.action, a.count].map(csvField).join(','));
  for (const g of r.gate ?? []) lines.push(['gate', g.period, g.approvalId, g.category, g.metric, g.count].map(csvField).join(','));
  return lines.join('\r\n') + '\r\n';
}
