/**
 * The transparency report's figures for a parliament (issue #19): per period, what the law's powers
 * were used for, each figure with a plain-language label in Japanese and English. Counts only: no
 * address, person, organisation or target ever leaves here, and no raw action code (those stay in the
 * audit view). Each figure is read from the table of the part that keeps it (approvals, gate_counts,
 * reidentification_requests, operations and their measures and transitions, reports) or, for refused
 * attempts, from the audit log; a table this store does not have gives no figure.
 *
 * Refused attempts are audit events whose action ends in `refused`, `denied` or `failed`
 * (`auth.login_failed`, `operation.measure.apply_refused`, `reidentification.resolve.refused`, …): the
 * convention every part follows when it audits a refusal.
 */
import { sql, type Kysely } from 'kysely';
import { Type, type Static } from '@sinclair/typebox';
import type { Database } from '../store/index.js';

export const FigureSchema = Type.Object({
  period: Type.String(),
  /** stable key, e.g. 'approvals.approved' */
  key: Type.String(),
  /** breakdown, e.g. {category: 'transit', carrier: 'carrier-a'}; {} for a total */
  by: Type.Record(Type.String(), Type.String()),
  value: Type.Integer(),
});
export type Figure = Static<typeof FigureSchema>;

/** Plain-language labels (English, Japanese) of every figure and of the breakdown values. */
export const FIGURE_LABELS: Record<string, { en: string; ja: string; section: string }> = {
  'approvals.proposed': { section: 'approvals', en: 'Approvals requested by the agency', ja: '機関が申請した承認' },
  'approvals.approved': { section: 'approvals', en: 'Approvals granted by the commission', ja: '委員会が承認した件数' },
  'approvals.rejected': { section: 'approvals', en: 'Approvals refused by the commission', ja: '委員会が不承認とした件数' },
  'gate.received': { section: 'gate', en: 'Flow records received from carriers', ja: '通信事業者から受領した通信記録' },
  'gate.outOfScope': { section: 'gate', en: 'Records dropped at once: not cross-border', ja: '国外関連でないため直ちに破棄した記録' },
  'gate.noApproval': { section: 'gate', en: 'Records dropped: no approval in force', ja: '有効な承認がないため破棄した記録' },
  'gate.discarded': { section: 'gate', en: 'Records discarded after automatic analysis (not selected)', ja: '自動分析の後に破棄した記録（選別されず）' },
  'gate.selected': { section: 'gate', en: 'Records selected and kept (under an approved criterion)', ja: '承認された基準により選別・保存した記録' },
  'reidentification.asked': { section: 'reidentification', en: 'Requests to re-identify pseudonymised addresses', ja: '仮名化されたアドレスの再識別の申請' },
  'reidentification.granted': { section: 'reidentification', en: 'Re-identifications granted by the commission', ja: '委員会が認めた再識別' },
  'reidentification.refused': { section: 'reidentification', en: 'Re-identifications refused by the commission', ja: '委員会が認めなかった再識別' },
  'operations.opened': { section: 'operations', en: 'Neutralisation operations opened', ja: '開始された無害化措置の案件' },
  'measures.applied': { section: 'operations', en: 'Measures put in force', ja: '実施された措置' },
  'operations.lifted': { section: 'operations', en: 'Operations whose measures were lifted by decision', ja: '決定により措置を解除した案件' },
  'operations.expired': { section: 'operations', en: 'Operations lifted because their approval expired or was not ratified', ja: '承認の期限切れ又は追認なしにより解除した案件' },
  'refused.attempts': { section: 'refused', en: 'Attempts refused by the system', ja: 'システムが拒否した試み' },
  'reports.received': { section: 'reports', en: 'Incident reports received from operators', ja: '事業者から受け付けたインシデント報告' },
};

export const BY_LABELS: Record<string, { en: string; ja: string }> = {
  category: { en: 'category', ja: '区分' },
  carrier: { en: 'carrier', ja: '通信事業者' },
  kind: { en: 'kind', ja: '種類' },
  emergency: { en: 'emergency', ja: '緊急' },
  abroad: { en: 'abroad', ja: '国外' },
  sector: { en: 'sector', ja: '分野' },
  what: { en: 'what', ja: '対象' },
  'foreign-domestic': { en: 'between Japan and abroad', ja: '国内外間' },
  transit: { en: 'transiting Japan', ja: '通過' },
  'out-of-scope': { en: 'domestic only', ja: '国内のみ' },
  yes: { en: 'yes', ja: 'はい' },
  no: { en: 'no', ja: 'いいえ' },
  rpz: { en: 'DNS blocking (RPZ)', ja: 'DNSによる遮断（RPZ）' },
  bgp_blackhole: { en: 'routing blackhole (BGP)', ja: '経路の遮断（BGP）' },
  flowspec: { en: 'traffic filter (FlowSpec)', ja: '通信の選別遮断（FlowSpec）' },
  blocklist: { en: 'blocklist', ja: 'ブロックリスト' },
  takedown: { en: 'takedown request', ja: 'テイクダウン要請' },
  incident: { en: 'incident', ja: 'インシデント' },
  precursor: { en: 'precursor', ja: '予兆' },
  login: { en: 'sign-in', ja: 'ログイン' },
  operation: { en: 'operation or measure', ja: '措置' },
  reidentification: { en: 're-identification', ja: '再識別' },
  access: { en: 'access to data or functions', ja: 'データ・機能へのアクセス' },
  audit_log: { en: 'audit log signing', ja: '監査ログの署名' },
  other: { en: 'other', ja: 'その他' },
};

type Row = { p: Date | string; n: number | string } & Record<string, unknown>;
const iso = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString();

async function has(db: Kysely<Database>, table: string): Promise<boolean> {
  const r = await sql<{ t: string | null }>`select to_regclass(${table})::text as t`.execute(db);
  return Boolean(r.rows[0]?.t);
}

/** which kind of refusal an action is, by its first segment */
export function refusalKind(action: string): string {
  const head = action.split('.')[0] ?? '';
  if (head === 'auth') return 'login';
  if (head === 'operation' || head === 'operations') return 'operation';
  if (head === 'reidentification') return 'reidentification';
  if (head === 'audit_log') return 'audit_log';
  if (head === 'access' || /denied$/.test(action)) return 'access';
  return 'other';
}

export async function transparencyFigures(db: Kysely<Database>, q: { from: Date; to: Date; period: string }): Promise<Figure[]> {
  const { from, to, period } = q;
  const out: Figure[] = [];
  const bucket = (col: string) => sql`date_trunc(${period}, ${sql.ref(col)} at time zone 'UTC')`;
  const push = (key: string, rows: Row[], dims: string[] = []): void => {
    for (const r of rows) {
      const by: Record<string, string> = {};
      for (const d of dims) {
        const v = r[d];
        by[d] = typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v ?? '');
      }
      out.push({ period: iso(r.p), key, by, value: Number(r.n) });
    }
  };

  if (await has(db, 'approvals')) {
    push('approvals.proposed', (await sql<Row>`select ${bucket('created_at')} as p, category, c as carrier, count(*)::bigint as n
      from approvals, unnest(carriers) as c where created_at >= ${from} and created_at < ${to} group by 1, 2, 3 order by 1, 2, 3`.execute(db)).rows, ['category', 'carrier']);
    for (const status of ['approved', 'rejected'] as const) {
      // an approval that has since ended was approved: 'ended' counts as approved when it was decided
      const statuses = status === 'approved' ? ['approved', 'ended'] : ['rejected'];
      push(`approvals.${status}`, (await sql<Row>`select ${bucket('decided_at')} as p, category, c as carrier, count(*)::bigint as n
        from approvals, unnest(carriers) as c where decided_at >= ${from} and decided_at < ${to} and decided_by is not null and status = any(${statuses}::text[])
        group by 1, 2, 3 order by 1, 2, 3`.execute(db)).rows, ['category', 'carrier']);
    }
  }
  if (await has(db, 'gate_counts')) {
    // the carriers' totals (approval_id = ''): each record counted once, whatever approvals it passed under
    const rows = (await sql<Row & { metric: string }>`select ${bucket('hour')} as p, metric, category, carrier, sum(count)::bigint as n from gate_counts
      where approval_id = '' and hour >= ${from} and hour < ${to} and metric in ('received','outOfScope','noApproval','discarded','selected')
      group by 1, 2, 3, 4 order by 1, 2, 3, 4`.execute(db)).rows;
    for (const r of rows) push(`gate.${r.metric}`, [r], ['category', 'carrier']);
  }
  if (await has(db, 'reidentification_requests')) {
    push('reidentification.asked', (await sql<Row>`select ${bucket('created_at')} as p, count(*)::bigint as n from reidentification_requests
      where created_at >= ${from} and created_at < ${to} group by 1 order by 1`.execute(db)).rows);
    push('reidentification.granted', (await sql<Row>`select ${bucket('decided_at')} as p, count(*)::bigint as n from reidentification_requests
      where decided_at >= ${from} and decided_at < ${to} and status in ('approved','resolved') group by 1 order by 1`.execute(db)).rows);
    push('reidentification.refused', (await sql<Row>`select ${bucket('decided_at')} as p, count(*)::bigint as n from reidentification_requests
      where decided_at >= ${from} and decided_at < ${to} and status = 'rejected' group by 1 order by 1`.execute(db)).rows);
  }
  if (await has(db, 'operations')) {
    push('operations.opened', (await sql<Row>`select ${bucket('created_at')} as p, emergency, abroad, count(*)::bigint as n from operations
      where created_at >= ${from} and created_at < ${to} group by 1, 2, 3 order by 1, 2, 3`.execute(db)).rows, ['emergency', 'abroad']);
    push('measures.applied', (await sql<Row>`select ${bucket('m.applied_at')} as p, m.kind, o.emergency, o.abroad, count(*)::bigint as n
      from operation_measures m join operations o on o.id = m.operation_id
      where m.applied_at >= ${from} and m.applied_at < ${to} group by 1, 2, 3, 4 order by 1, 2, 3, 4`.execute(db)).rows, ['kind', 'emergency', 'abroad']);
    // lifted by a person's decision, or by ACD itself (the expiry job: an approval that ran out, an emergency not ratified)
    const lifted = (await sql<Row & { expired: boolean }>`select ${bucket('t.at')} as p, (t.actor_user_id = 'system') as expired, o.emergency, o.abroad, count(*)::bigint as n
      from operation_transitions t join operations o on o.id = t.operation_id
      where t.to_state = 'lifted' and t.at >= ${from} and t.at < ${to} group by 1, 2, 3, 4 order by 1, 2, 3, 4`.execute(db)).rows;
    push('operations.lifted', lifted.filter((r) => !r.expired), ['emergency', 'abroad']);
    push('operations.expired', lifted.filter((r) => r.expired), ['emergency', 'abroad']);
  }
  {
    const rows = (await sql<{ p: Date | string; action: string; n: number }>`select ${bucket('at')} as p, action, count(*)::bigint as n from audit_events
      where at >= ${from} and at < ${to} and (action like '%refused' or action like '%denied' or action like '%failed') group by 1, 2 order by 1, 2`.execute(db)).rows;
    const agg = new Map<string, Figure>();
    for (const r of rows) {
      const what = refusalKind(r.action);
      const k = `${iso(r.p)}|${what}`;
      const f = agg.get(k) ?? { period: iso(r.p), key: 'refused.attempts', by: { what }, value: 0 };
      f.value += Number(r.n);
      agg.set(k, f);
    }
    out.push(...agg.values());
  }
  if (await has(db, 'reports')) {
    push('reports.received', (await sql<Row>`select ${bucket('created_at')} as p, sector, kind, count(*)::bigint as n from reports
      where created_at >= ${from} and created_at < ${to} group by 1, 2, 3 order by 1, 2, 3`.execute(db)).rows, ['sector', 'kind']);
  }
  return out;
}
