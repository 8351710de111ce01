/**
 * Reminders of known-exploited exposure: every open alert (affected, state new or acknowledged) whose CVE
 * is in the KEV catalogue is announced through the channels reports use (a webhook POST of JSON, e-mail
 * through the SMTP relay: the same configuration, reportsWebhookUrl / reportsSmtp*), once per alert and
 * channel; a failed delivery is tried again on the next run. A reminder names the alert, the advisory and
 * the CVEs, never the system's name or products.
 */
import { Counter, type Registry } from 'prom-client';
import { SYSTEM_ACTOR } from '../auth/index.js';
import { recordAudit } from '../oversight/index.js';
import { postReminder, sendMail, type SmtpConfig } from '../reports/index.js';
import type { Logger } from '../shared/log.js';
import { silentLogger } from '../shared/log.js';
import { openKnownExploited, vulnDb, type AnyDb } from './service.js';

export interface VulnReminderConfig {
  webhookUrl?: string;
  webhookToken?: string;
  smtp?: SmtpConfig;
  intervalSeconds?: number;
  timeoutMs?: number;
}

export interface VulnReminderPayload {
  type: 'acd.vuln.known_exploited';
  alertId: string;
  orgId: string;
  sector: string;
  systemId: string;
  advisoryId: string;
  cves: string[];
  severity: string;
  /** organisations the reminder concerns: the operator, the sector's ministries */
  notify: string[];
}

export interface VulnReminderJob {
  runOnce(now?: Date): Promise<{ found: number; sent: number; failed: number }>;
  start(): void;
  stop(): void;
}

export function createVulnReminderJob({ config, deps }: { config: VulnReminderConfig; deps: { db: AnyDb; logger?: Logger; registry?: Registry } }): VulnReminderJob {
  const logger = deps.logger ?? silentLogger;
  const counter = new Counter({
    name: 'acd_vuln_reminders_total',
    help: 'reminders of known-exploited exposure by channel and outcome',
    labelNames: ['channel', 'outcome'] as const,
    registers: deps.registry ? [deps.registry] : [],
  });
  let timer: NodeJS.Timeout | null = null;
  let running = false;

  const post = (url: string, p: VulnReminderPayload): Promise<string> => postReminder(url, p, { token: config.webhookToken, timeoutMs: config.timeoutMs });

  async function mail(smtp: SmtpConfig, p: VulnReminderPayload): Promise<string> {
    try {
      await sendMail(smtp, {
        subject: `[ACD] KNOWN EXPLOITED: ${p.cves.join(', ')} affects a registered system (${p.severity})`,
        text: [
          `A registered system of an operator in the ${p.sector} sector is affected by ${p.cves.join(', ')} (advisory ${p.advisoryId}, severity ${p.severity}).`,
          'The vulnerability is in the Known Exploited Vulnerabilities catalogue: attackers use it now.',
          '',
          `Alert: ${p.alertId}`,
          '',
          'Open the alert in ACD for the remediation, and set its state when it is mitigated.',
        ].join('\n'),
      });
      return 'ok';
    } catch (e) {
      return `error ${(e as { code?: string }).code ?? (e as Error).name}`;
    }
  }

  const channels: Array<{ name: string; send: (p: VulnReminderPayload) => Promise<string> }> = [];
  if (config.webhookUrl) channels.push({ name: 'webhook', send: (p) => post(config.webhookUrl!, p) });
  if (config.smtp) channels.push({ name: 'email', send: (p) => mail(config.smtp!, p) });

  async function runOnce(now = new Date()) {
    const db = vulnDb(deps.db);
    const [open, sent, ministries] = await Promise.all([
      openKnownExploited(deps.db),
      db.selectFrom('vuln_reminders').select(['alert_id', 'channel']).where('outcome', '=', 'ok').execute(),
      db.selectFrom('sector_ministries').select(['sector', 'org_id']).execute(),
    ]);
    const done = new Set(sent.map((s) => `${s.alert_id}/${s.channel}`));
    const result = { found: 0, sent: 0, failed: 0 };
    for (const a of open) {
      const todo = channels.filter((c) => !done.has(`${a.id}/${c.name}`));
      if (todo.length === 0) continue;
      result.found++;
      const payload: VulnReminderPayload = {
        type: 'acd.vuln.known_exploited',
        alertId: a.id,
        orgId: a.orgId,
        sector: a.sector,
        systemId: a.systemId,
        advisoryId: a.advisoryId,
        cves: a.cves,
        severity: a.severity,
        notify: [a.orgId, ...ministries.filter((m) => m.sector === a.sector).map((m) => m.org_id)],
      };
      for (const c of todo) {
        const outcome = await c.send(payload);
        counter.inc({ channel: c.name, outcome: outcome === 'ok' ? 'ok' : 'failed' });
        if (outcome === 'ok') result.sent++;
        else result.failed++;
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('vuln_reminders').values({ alert_id: a.id, channel: c.name, sent_at: now, outcome }).execute();
          await recordAudit(trx as unknown as Parameters<typeof recordAudit>[0], { actor: SYSTEM_ACTOR, action: 'vuln.remind', target: { type: 'vuln_alert', id: a.id }, details: { channel: c.name, outcome, cves: a.cves }, at: now });
        });
        if (outcome !== 'ok') logger.warn({ alertId: a.id, channel: c.name, outcome }, 'known-exploited reminder not delivered');
      }
    }
    return result;
  }

  return {
    runOnce,
    start() {
      if (timer || channels.length === 0) return;
      timer = setInterval(() => {
        if (running) return;
        running = true;
        runOnce()
          .catch((err: unknown) => logger.error({ err }, 'vuln reminder run failed'))
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
