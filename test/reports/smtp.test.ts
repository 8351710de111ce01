/**
 * Reminder e-mail through a real SMTP server: Python's smtpd (python3 ≤ 3.11) with a handler that
 * prints the envelope and each message it accepts. Skipped only when that server is not available.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { freePort, hasSmtpd, startSmtpd } from './smtpd.js';
import { sendMail, type SmtpConfig } from '../../src/reports/index.js';
import { AcdError } from '../../src/shared/errors.js';

test('a reminder e-mail reaches a real SMTP server: headers, every recipient, dot-stuffed lines restored', async (t) => {
  if (!hasSmtpd) return t.skip('python3 smtpd (Python <= 3.11) is not available');
  const srv = await startSmtpd();
  try {
    const cfg: SmtpConfig = { host: '127.0.0.1', port: srv.port, from: 'acd@agency.example', to: ['duty@meti.example', 'soc@power.example'] };
    await sendMail(cfg, { subject: '[ACD] notification OVERDUE: incident report r-1', text: 'line one\n.a line starting with a dot\n..two dots\nDue: 2030-01-01T19:00:00+09:00 (JST) 日本標準時' });
    await sendMail(cfg, { subject: '期限超過 report r-2', text: 'second' });
    for (let i = 0; i < 100 && srv.out().split('END MESSAGE').length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    const [first, second] = srv.out().split('END MESSAGE') as [string, string];
    assert.match(first, /^MAILFROM acd@agency\.example$/m);
    assert.match(first, /^RCPTTOS duty@meti\.example,soc@power\.example$/m);
    assert.match(first, /^Subject: \[ACD\] notification OVERDUE: incident report r-1$/m);
    assert.match(first, /^\.a line starting with a dot$/m);
    assert.match(first, /^\.\.two dots$/m);
    assert.match(first, /^Due: 2030-01-01T19:00:00\+09:00 \(JST\) 日本標準時$/m);
    const subject = /^Subject: =\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=$/m.exec(second);
    assert.ok(subject, second);
    assert.equal(Buffer.from(subject[1]!, 'base64').toString('utf8'), '期限超過 report r-2');
  } finally {
    srv.child.kill();
  }
});

test('SMTP failures are errors naming the server: nothing listening, a bad address', async () => {
  const port = await freePort();
  await assert.rejects(sendMail({ host: '127.0.0.1', port, from: 'a@b.example', to: ['c@d.example'] }, { subject: 's', text: 't' }), (e: Error) => /ECONNREFUSED|closed the connection/.test(`${(e as { code?: string }).code ?? ''} ${e.message}`));
  await assert.rejects(sendMail({ host: '127.0.0.1', port, from: 'not an address', to: ['c@d.example'] }, { subject: 's', text: 't' }), (e: unknown) => e instanceof AcdError && e.code === 'INVALID_EMAIL' && /not an address/.test(e.message));
});

test('a server that refuses the recipient: the refusal is reported with its code', async () => {
  // a minimal peer that speaks the protocol and refuses RCPT, to see the client stop and say why
  const srv = createServer((s) => {
    s.write('220 test ESMTP\r\n');
    s.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\r\n').filter(Boolean)) {
        if (line.startsWith('EHLO')) s.write('250-test\r\n250 8BITMIME\r\n');
        else if (line.startsWith('MAIL')) s.write('250 ok\r\n');
        else if (line.startsWith('RCPT')) s.write('550 5.1.1 no such user\r\n');
        else if (line.startsWith('QUIT')) s.end('221 bye\r\n');
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  try {
    const port = (srv.address() as AddressInfo).port;
    await assert.rejects(sendMail({ host: '127.0.0.1', port, from: 'a@b.example', to: ['nobody@d.example'] }, { subject: 's', text: 't' }), (e: unknown) => e instanceof AcdError && e.code === 'SMTP_REFUSED' && /recipient nobody@d\.example: 550 5\.1\.1 no such user/.test(e.message));
  } finally {
    srv.close();
  }
});
