/** What is due: the open reports the actor may see, with each milestone not yet met, soonest first. */
import type { Actor } from '../auth/index.js';
import { recordAuditBatch } from '../oversight/index.js';
import type { MilestoneState } from './deadlines.js';
import { statusOf } from './reports.js';
import { loadRules } from './rules.js';
import { base, rdb, scopeOf, type AnyDb } from './scope.js';

export interface DueItem {
  reportId: string;
  orgId: string;
  sector: string;
  kind: string;
  title: string;
  stage: string;
  milestone: string;
  dueAt: string;
  dueAtJst: string;
  state: MilestoneState;
}

export async function dueView(db: AnyDb, actor: Actor, now = new Date(), opts: { withinHours?: number; soonHours?: number } = {}): Promise<DueItem[]> {
  const scope = await scopeOf(db, actor);
  if (scope.kind === 'none') return [];
  let q = rdb(db).selectFrom('reports').selectAll().where('final_at', 'is', null).orderBy('detected_at').limit(2000);
  if (scope.kind === 'org') q = q.where('org_id', '=', scope.orgId);
  if (scope.kind === 'sectors') q = q.where('sector', 'in', scope.sectors);
  const [rows, rules] = await Promise.all([q.execute(), loadRules(db)]);
  const horizon = opts.withinHours === undefined ? Infinity : now.getTime() + opts.withinHours * 3600_000;
  const items: DueItem[] = [];
  for (const r of rows) {
    for (const m of statusOf(r, rules, now)) {
      if (m.metAt || m.dueAt.getTime() > horizon) continue;
      items.push({ reportId: r.id, orgId: r.org_id, sector: r.sector, kind: r.kind, title: r.title, stage: r.stage, milestone: m.milestone, dueAt: m.dueAt.toISOString(), dueAtJst: m.dueAtJst, state: m.state });
    }
  }
  items.sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  const seen = [...new Set(items.map((i) => i.reportId))];
  await recordAuditBatch(base(db), seen.map((id) => ({ actor, action: 'report.read', target: { type: 'report', id }, details: { view: 'due' }, at: now })));
  return items;
}
