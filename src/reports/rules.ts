/** Deadline rules kept in the store: per sector and kind ('*' for all), overriding the default profile. */
import type { Actor } from '../auth/index.js';
import { recordAudit } from '../oversight/index.js';
import { MILESTONES, REPORT_KINDS, type DeadlineRule, type Milestone } from './deadlines.js';
import { checkSector } from './sectors.js';
import { base, rdb, type AnyDb } from './scope.js';
import { reportsError } from './errors.js';

/**
 * Rules change rarely and are read on every report view: kept for a few seconds per store (a change
 * made through this process is seen at once; one made by another process within RULES_TTL_MS).
 */
const RULES_TTL_MS = 5000;
const cache = new WeakMap<object, { at: number; rules: DeadlineRule[] }>();

export async function loadRules(db: AnyDb): Promise<DeadlineRule[]> {
  const hit = cache.get(db);
  if (hit && Date.now() - hit.at < RULES_TTL_MS) return hit.rules;
  const rules = await readRules(db);
  cache.set(db, { at: Date.now(), rules });
  return rules;
}

async function readRules(db: AnyDb): Promise<DeadlineRule[]> {
  const rows = await rdb(db).selectFrom('deadline_rules').select(['sector', 'kind', 'milestone', 'hours', 'months']).execute();
  // the table holds only what setRule checked (a sector or '*', a kind or '*')
  return rows.map((r) => ({ sector: r.sector as DeadlineRule['sector'], kind: r.kind as DeadlineRule['kind'], milestone: r.milestone as Milestone, hours: r.hours, months: r.months }));
}

export async function setRule(db: AnyDb, actor: Actor, rule: DeadlineRule): Promise<DeadlineRule> {
  if (rule.sector !== '*') checkSector(rule.sector);
  if (rule.kind !== '*' && !(REPORT_KINDS as readonly string[]).includes(rule.kind)) throw reportsError('INVALID_KIND', `kind "${rule.kind}" is not one of *, ${REPORT_KINDS.join(', ')}`);
  if (!(MILESTONES as readonly string[]).includes(rule.milestone)) throw reportsError('INVALID_MILESTONE', `milestone "${rule.milestone}" is not one of ${MILESTONES.join(', ')}`);
  if (rule.hours < 0 || rule.months < 0 || rule.hours + rule.months === 0) throw reportsError('INVALID_PERIOD', 'hours and months: a deadline is a positive period after detection');
  await rdb(db).transaction().execute(async (trx) => {
    const at = new Date();
    await trx
      .insertInto('deadline_rules')
      .values({ ...rule, updated_by: actor.userId, updated_at: at })
      .onConflict((oc) => oc.columns(['sector', 'kind', 'milestone']).doUpdateSet({ hours: rule.hours, months: rule.months, updated_by: actor.userId, updated_at: at }))
      .execute();
    await recordAudit(base(trx), { actor, action: 'report.rule.set', target: { type: 'deadline_rule', id: `${rule.sector}/${rule.kind}/${rule.milestone}` }, details: { hours: rule.hours, months: rule.months } });
  });
  cache.delete(db);
  return rule;
}
