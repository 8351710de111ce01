/**
 * Reminders: a job that finds the open reports with a milestone due soon or overdue and tells the
 * operator and the recipients through a webhook (an HTTP POST of JSON to the configured URL) and/or
 * e-mail through an SMTP relay. Each (report, milestone, state) is announced once per channel; a
 * failed delivery is tried again on the next run. A reminder names the report and the deadline,
 * never its content.
 */
import { Counter, type Registry } from 'prom-client';
import { SYSTEM_ACTOR } from '../auth/index.js';
import { recordAudit } from '../oversight/index.js';
import type { Logger } from '../shared/log.js';
import { silentLogger } from '../shared/log.js';
import { statusOf } from './reports.js';
import { loadRules } from './rules.js';
import { base, rdb, type AnyDb } from './scope.js';
import { sendMail, type SmtpConfig } from './smtp.js';

export interface ReminderConfig {
  /** where reminders are POSTed; no URL, no reminders */
  webhookUrl?: string;
  /** a milestone within this many hours is "due soon" */
  soonHours?: number;
  /** how often start() runs the job */
  intervalSeconds?: number;
  /** per POST */
  timeoutMs?: number;
  /** sent as `Authorization: Bearer …` when set */
  webhookToken?: string;
  /** e-mail through an SMTP relay; no relay, no e-mail */
  smtp?: SmtpConfig;
}

export interface ReminderPayload {
  type: 'acd.report.deadline';
  reportId: string;
  orgId: string;
  sector: string;
  kind: string;
  milestone: string;
  state: 'due_soon' | 'overdue';
  dueAt: string;
  dueAtJst: string;
  /** organisations the reminder concerns: the operator, the sector's ministries */
  notify: string[];
}

export interface ReminderRunResult {
  found: number;
  sent: number;
  failed: number;
}

export interface ReminderJob {
  runOnce(now?: Date): Promise<ReminderRunResult>;
  start(): void;
  stop(): void;
}

export function createReminderJob({ config, deps }: { config: ReminderConfig; deps: { db: AnyDb; logger?: Logger; registry?: Registry } }): ReminderJob {
  const logger = deps.logger ?? silentLogger;
  const soonHours = config.soonHours ?? 6;
  const counter = new Counter({
    name: 'acd_report_reminders_total',
    help: 'report deadline reminders by channel, state and outcome',
    labelNames: ['channel', 'state', 'outcome'] as const,
    registers: deps.registry ? [deps.registry] : [],
  });
  let timer: NodeJS.Timeout | null = null;
  let running = false;

  const post = (url: string, payload: ReminderPayload): Promise<string> => postReminder(url, payload, { token: config.webhookToken, timeoutMs: config.timeoutMs });

  async function mail(smtp: SmtpConfig, p: ReminderPayload): Promise<string> {
    const what = p.state === 'overdue' ? 'OVERDUE' : 'due soon';
    try {
      await sendMail(smtp, {
        subject: `[ACD] ${p.milestone.replace('_', ' ')} ${what}: ${p.kind} report ${p.reportId}`,
        text: [
          `The ${p.milestone.replace('_', ' ')} of ${p.kind} report ${p.reportId} (sector ${p.sector}) is ${what}.`,
          '',
          `Due: ${p.dueAtJst} (JST) = ${p.dueAt} (UTC)`,
          '',
          'Open the report in ACD to submit or follow it up.',
        ].join('\n'),
      });
      return 'ok';
    } catch (e) {
      return `error ${(e as { code?: string }).code ?? (e as Error).name}`;
    }
  }

  const channels: Array<{ name: string; send: (p: ReminderPayload) => Promise<string> }> = [];
  if (config.webhookUrl) channels.push({ name: 'webhook', send: (p) => post(config.webhookUrl!, p) });
  if (config.smtp) channels.push({ name: 'email', send: (p) => mail(config.smtp!, p) });

  async function runOnce(now = new Date()): Promise<ReminderRunResult> {
    const db = rdb(deps.db);
    const [open, rules, sent, ministries] = await Promise.all([
      db.selectFrom('reports').selectAll().where('final_at', 'is', null).execute(),
      loadRules(deps.db),
      db.selectFrom('report_reminders').select(['report_id', 'milestone', 'state', 'channel']).where('outcome', '=', 'ok').execute(),
      db.selectFrom('sector_ministries').select(['sector', 'org_id']).execute(),
    ]);
    const done = new Set(sent.map((s) => `${s.report_id}/${s.milestone}/${s.state}/${s.channel}`));
    const result: ReminderRunResult = { found: 0, sent: 0, failed: 0 };
    for (const r of open) {
      for (const m of statusOf(r, rules, new Date(now))) {
        if (m.metAt) continue;
        const state = m.state === 'overdue' ? 'overdue' : m.dueAt.getTime() - now.getTime() <= soonHours * 3600_000 ? 'due_soon' : null;
        if (!state) continue;
        const todo = channels.filter((c) => !done.has(`${r.id}/${m.milestone}/${state}/${c.name}`));
        if (todo.length === 0) continue;
        result.found++;
        const payload: ReminderPayload = {
          type: 'acd.report.deadline',
          reportId: r.id,
          orgId: r.org_id,
          sector: r.sector,
          kind: r.kind,
          milestone: m.milestone,
          state,
          dueAt: m.dueAt.toISOString(),
          dueAtJst: m.dueAtJst,
          notify: [r.org_id, ...ministries.filter((x) => x.sector === r.sector).map((x) => x.org_id)],
        };
        for (const channel of todo) {
          const outcome = await channel.send(payload);
          counter.inc({ channel: channel.name, state, outcome: outcome === 'ok' ? 'ok' : 'failed' });
          if (outcome === 'ok') result.sent++;
          else result.failed++;
          await db.transaction().execute(async (trx) => {
            await trx.insertInto('report_reminders').values({ report_id: r.id, milestone: m.milestone, state, channel: channel.name, sent_at: now, outcome }).execute();
            await recordAudit(base(trx), { actor: SYSTEM_ACTOR, action: 'report.remind', target: { type: 'report', id: r.id }, details: { milestone: m.milestone, state, channel: channel.name, outcome }, at: now });
          });
          if (outcome !== 'ok') logger.warn({ reportId: r.id, milestone: m.milestone, channel: channel.name, outcome }, 'report reminder not delivered');
        }
      }
    }
    return result;
  }

  return {
    runOnce,
    start() {
      if (timer) return;
      timer = setInterval(() => {
        if (running) return;
        running = true;
        runOnce()
          .catch((err: unknown) => logger.error({ err }, 'report reminder run failed'))
          .finally(() => {
            running = false;
          });
      }, (config.intervalSeconds ?? 300) * 1000);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}

/**
 * POSTs a reminder as JSON to a webhook (Bearer token when given) and says how it went: 'ok', 'http <status>' or
 * 'error <name>' (the outcome label of the reminder metrics); never throws. Shared by every reminder job.
 */
export async function postReminder(url: string, payload: unknown, opts: { token?: string | undefined; timeoutMs?: number | undefined }): Promise<string> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
    });
    await res.arrayBuffer();
    return res.ok ? 'ok' : `http ${res.status}`;
  } catch (e) {
    return `error ${(e as Error).name}`;
  }
}
