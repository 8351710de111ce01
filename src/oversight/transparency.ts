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
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('html')], { description: 'html: a printable page' })),
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
  // (#20) the default start never goes before year 1, which the store cannot take (fuzz: to=0001-01-01 was a 500)
  const from = q.from ? new Date(q.from) : new Date(Math.max(to.getTime() - 365 * 86_400_000, -62135596800000));
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

const esc = (v: string | number | null): string =>
  String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A printable page (print it to PDF from a browser): the same figures as the JSON, two tables. */
export function transparencyHtml(r: TransparencyReport): string {
  const rows = (cells: Array<string | number | null>[]): string => cells.map((c) => `<tr>${c.map((x, i) => `<td${i === c.length - 1 ? ' class="n"' : ''}>${esc(x)}</td>`).join('')}</tr>`).join('\n');
  const gate = r.gate === null
    ? '<p>This store keeps no gate counters.</p>'
    : `<table><thead><tr><th>Period</th><th>Approval</th><th>Category</th><th>Count of</th><th>Flows</th></tr></thead><tbody>\n${rows(r.gate.map((g) => [g.period.slice(0, 10), g.approvalId ?? 'all (carrier totals)', g.category, g.metric, g.count]))}\n</tbody></table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Transparency report ${esc(r.from.slice(0, 10))} to ${esc(r.to.slice(0, 10))}</title>
<style>body{font:11pt/1.4 system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #999;padding:.2em .6em;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}@media print{body{margin:0}}</style></head>
<body><h1>Transparency report</h1>
<p>From ${esc(r.from)} to ${esc(r.to)}, per ${esc(r.period)}. Counts only: no address, person or target appears in this report.</p>
<h2>Acts recorded in the audit log</h2>
<table><thead><tr><th>Period</th><th>Act</th><th>Count</th></tr></thead><tbody>
${rows(r.audit.map((a) => [a.period.slice(0, 10), a.action, a.count]))}
</tbody></table>
<h2>The lawful gate</h2>
${gate}
</body></html>
`;
}
