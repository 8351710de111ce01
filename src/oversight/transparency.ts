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
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.js';
import { BY_LABELS, FIGURE_LABELS, FigureSchema, transparencyFigures, type Figure } from './transparency-figures.js';

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
  figures: Type.Array(FigureSchema, { description: 'the figures for a parliament, per period: key (labels in `labels`), breakdown, value' }),
  labels: Type.Record(Type.String(), Type.Object({ en: Type.String(), ja: Type.String() }), { description: 'plain-language labels (English, Japanese) of the figure keys and breakdown values' }),
  head: Type.Optional(
    Type.Union([
      Type.Object({ treeSize: Type.Integer(), rootHash: Type.String(), checkpoint: Type.String(), cosigned: Type.Boolean() }),
      Type.Null(),
    ], { description: "the audit log's latest signed (and witnessed) head when the report was made; the report's digest is recorded in the log" }),
  ),
  digest: Type.Optional(Type.String({ description: 'SHA-256 (hex) of the canonical JSON of from, to, period and figures: recorded in the audit log when the report is made, so a changed table shows' })),
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
  const figures = await transparencyFigures(db, { from, to, period });
  const labels: Record<string, { en: string; ja: string }> = {};
  for (const [k, v] of Object.entries(FIGURE_LABELS)) labels[k] = { en: v.en, ja: v.ja };
  for (const [k, v] of Object.entries(BY_LABELS)) labels[k] ??= v;
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    period,
    figures,
    labels,
    audit: audit.rows.map((r) => ({ period: iso(r.p), action: r.action, count: Number(r.n) })),
    gate,
  };
}

/** The digest the audit log records for a report: SHA-256 of the canonical JSON of what a parliament reads. */
export function transparencyDigest(r: Pick<TransparencyReport, 'from' | 'to' | 'period' | 'figures'>): string {
  return createHash('sha256').update(canonicalJson({ from: r.from, to: r.to, period: r.period, figures: r.figures }), 'utf8').digest('hex');
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
  // the figures: breakdown as key=value;… in the category column
  for (const f of r.figures) lines.push(['figure', f.period, null, Object.entries(f.by).map(([k, v]) => `${k}=${v}`).join(';'), f.key, f.value].map(csvField).join(','));
  return lines.join('\r\n') + '\r\n';
}

const esc = (v: string | number | null): string =>
  String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A printable page (print it to PDF from a browser): the figures for a parliament, labelled in Japanese and English, and the head they are tied to. */
export function transparencyHtml(r: TransparencyReport): string {
  const label = (k: string): { en: string; ja: string } => r.labels[k] ?? { en: k, ja: k };
  const by = (f: Figure): string =>
    Object.entries(f.by)
      .map(([k, v]) => `${esc(label(k).ja)}／${esc(label(k).en)}: ${esc(label(v).ja === v ? v : `${label(v).ja}（${label(v).en}）`)}`)
      .join('<br>');
  const sections: Array<[string, string, string]> = [
    ['approvals', '承認', 'Approvals'],
    ['gate', '通信記録の選別（ゲート）', 'Flow records at the lawful gate'],
    ['reidentification', '再識別', 'Re-identification'],
    ['operations', '無害化措置', 'Neutralisation operations'],
    ['refused', '拒否された試み', 'Refused attempts'],
    ['reports', 'インシデント報告', 'Incident reports'],
  ];
  const sectionOf = (key: string): string => FIGURE_LABELS[key]?.section ?? 'other';
  const body = sections
    .map(([id, ja, en]) => {
      const fs = r.figures.filter((f) => sectionOf(f.key) === id);
      const rows = fs.length === 0
        ? `<tr><td colspan="4">なし／none</td></tr>`
        : fs.map((f) => `<tr><td>${esc(f.period.slice(0, 10))}</td><td>${esc(label(f.key).ja)}<br><span class="en">${esc(label(f.key).en)}</span></td><td>${by(f)}</td><td class="n">${esc(f.value)}</td></tr>`).join('\n');
      return `<h2>${esc(ja)} <span class="en">${esc(en)}</span></h2>\n<table><thead><tr><th>期間 Period</th><th>項目 Figure</th><th>内訳 Breakdown</th><th>件数 Count</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
    })
    .join('\n');
  const head = r.head
    ? `<p>この報告は監査ログの署名付きツリーヘッド（${esc(r.head.treeSize)}件${r.head.cosigned ? '、監視者の副署あり' : ''}）に結び付けられています。 This report is tied to the audit log's signed tree head of ${esc(r.head.treeSize)} entries${r.head.cosigned ? ', cosigned by the witness' : ''}; its digest is recorded in the log.</p>
<pre class="cp">${esc(r.head.checkpoint)}</pre>`
    : '<p>監査ログの署名付きヘッドはまだありません。 No signed head of the audit log yet.</p>';
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>透明性報告 Transparency report ${esc(r.from.slice(0, 10))} – ${esc(r.to.slice(0, 10))}</title>
<style>body{font:11pt/1.5 system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #999;padding:.2em .6em;text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}.en{color:#555;font-size:.9em}pre.cp{font-size:.8em;white-space:pre-wrap}@media print{body{margin:0}}</style></head>
<body><h1>透明性報告 <span class="en">Transparency report</span></h1>
<p>${esc(r.from)} から ${esc(r.to)} まで（${esc(r.period)}ごと）。件数のみ：アドレス、個人、対象は含みません。<br><span class="en">From ${esc(r.from)} to ${esc(r.to)}, per ${esc(r.period)}. Counts only: no address, person or target appears in this report.</span></p>
${head}
${r.digest ? `<p>SHA-256: <code>${esc(r.digest)}</code></p>` : ''}
${body}
</body></html>
`;
}
