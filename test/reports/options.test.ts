import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/index.js';
import { AcdError } from '../../src/shared/errors.js';
import { DEFAULT_MAX_ATTACHMENT_BYTES } from '../../src/reports/index.js';
import { reportOptionsFromConfig } from '../../src/server/routes/reports.js';

/** The options as `acd serve` gets them: defaults < acd.config.json < ACD_* environment (no file here). */
const fromEnv = (env: NodeJS.ProcessEnv) => reportOptionsFromConfig(loadConfig({ env, cwd: '/nonexistent-acd-cwd' }));

function refused(fn: () => unknown, key: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof AcdError && e.code === 'CONFIG_INVALID' && key.test(e.message), 'refused naming the key');
}

test('report options come from the config schema with defaults; the ACD_REPORTS_* variables override them through the loader', () => {
  assert.deepEqual(fromEnv({}), { maxAttachmentBytes: DEFAULT_MAX_ATTACHMENT_BYTES }, 'defaults: 10 MiB, no reminder channel, nothing started');
  assert.equal(loadConfig({ env: {}, cwd: '/nonexistent-acd-cwd' }).reportsMaxAttachmentBytes, DEFAULT_MAX_ATTACHMENT_BYTES, 'the schema default is the reports part\'s own default');
  assert.deepEqual(fromEnv({ ACD_REPORTS_MAX_ATTACHMENT_BYTES: '2048' }), { maxAttachmentBytes: 2048 });
  assert.deepEqual(fromEnv({ ACD_REPORTS_WEBHOOK_URL: 'https://hooks.example/acd', ACD_REPORTS_WEBHOOK_TOKEN: 't' }), {
    maxAttachmentBytes: DEFAULT_MAX_ATTACHMENT_BYTES,
    reminders: { webhookUrl: 'https://hooks.example/acd', webhookToken: 't' },
  });
  assert.deepEqual(fromEnv({ ACD_REPORTS_SMTP_HOST: 'relay', ACD_REPORTS_SMTP_FROM: 'acd@agency.example', ACD_REPORTS_SMTP_TO: 'a@x.example, b@y.example' }), {
    maxAttachmentBytes: DEFAULT_MAX_ATTACHMENT_BYTES,
    reminders: { smtp: { host: 'relay', port: 25, from: 'acd@agency.example', to: ['a@x.example', 'b@y.example'] } },
  });
  assert.equal(fromEnv({ ACD_REPORTS_SMTP_HOST: 'relay', ACD_REPORTS_SMTP_PORT: '2525', ACD_REPORTS_SMTP_FROM: 'a@b.example', ACD_REPORTS_SMTP_TO: 'c@d.example' }).reminders?.smtp?.port, 2525);
  // the configuration file and flags set the same keys; the environment beats the file
  const flags = loadConfig({ env: { ACD_REPORTS_MAX_ATTACHMENT_BYTES: '4096' }, flags: { reportsWebhookUrl: 'http://127.0.0.1:9/hook' }, cwd: '/nonexistent-acd-cwd' });
  assert.deepEqual(reportOptionsFromConfig(flags), { maxAttachmentBytes: 4096, reminders: { webhookUrl: 'http://127.0.0.1:9/hook' } });
});

test('bad report options stop start-up with the key and the reason (they were silently ignored before)', () => {
  refused(() => fromEnv({ ACD_REPORTS_MAX_ATTACHMENT_BYTES: 'lots' }), /reportsMaxAttachmentBytes.*"lots"/);
  refused(() => fromEnv({ ACD_REPORTS_MAX_ATTACHMENT_BYTES: '0' }), /reportsMaxAttachmentBytes/);
  refused(() => fromEnv({ ACD_REPORTS_SMTP_PORT: '70000' }), /reportsSmtpPort/);
  refused(() => fromEnv({ ACD_REPORTS_WEBHOOK_URL: 'ftp://x' }), /reportsWebhookUrl/);
  refused(() => fromEnv({ ACD_REPORTS_SMTP_HOST: 'relay' }), /missing: reportsSmtpFrom, reportsSmtpTo/);
  refused(() => fromEnv({ ACD_REPORTS_SMTP_FROM: 'a@b.example', ACD_REPORTS_SMTP_TO: 'c@d.example' }), /missing: reportsSmtpHost$/);
  refused(() => fromEnv({ ACD_REPORTS_WEBHOOK_TOKEN: 't' }), /reportsWebhookToken.*reportsWebhookUrl/);
});
