import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reportOptionsFromEnv } from '../../src/server/routes/reports.js';

test('report options from the environment: attachment limit, webhook, SMTP relay; nothing set, nothing started', () => {
  assert.deepEqual(reportOptionsFromEnv({}), {});
  assert.deepEqual(reportOptionsFromEnv({ ACD_REPORTS_MAX_ATTACHMENT_BYTES: '2048' }), { maxAttachmentBytes: 2048 });
  assert.deepEqual(reportOptionsFromEnv({ ACD_REPORTS_MAX_ATTACHMENT_BYTES: 'lots' }), {}, 'a bad limit is ignored, the default stays');
  assert.deepEqual(reportOptionsFromEnv({ ACD_REPORTS_WEBHOOK_URL: 'https://hooks.example/acd', ACD_REPORTS_WEBHOOK_TOKEN: 't' }), {
    reminders: { webhookUrl: 'https://hooks.example/acd', webhookToken: 't' },
  });
  assert.deepEqual(
    reportOptionsFromEnv({ ACD_REPORTS_SMTP_HOST: 'relay', ACD_REPORTS_SMTP_FROM: 'acd@agency.example', ACD_REPORTS_SMTP_TO: 'a@x.example, b@y.example' }),
    { reminders: { smtp: { host: 'relay', port: 25, from: 'acd@agency.example', to: ['a@x.example', 'b@y.example'] } } },
  );
  assert.deepEqual(reportOptionsFromEnv({ ACD_REPORTS_SMTP_HOST: 'relay' }), {}, 'SMTP needs host, from and to');
});
