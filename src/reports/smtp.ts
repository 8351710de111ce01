/**
 * A small SMTP client (RFC 5321) for reminder e-mail: EHLO, MAIL FROM, RCPT TO, DATA with
 * dot-stuffing, QUIT — over plain TCP to a relay on a trusted network (the usual local MTA). No TLS
 * and no AUTH: point it at a local relay that does those.
 */
import { connect, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { reportsError } from './errors.js';

export interface SmtpConfig {
  host: string;
  port: number;
  from: string;
  to: string[];
  /** the name we give in EHLO */
  helo?: string;
  timeoutMs?: number;
}

export interface Mail {
  subject: string;
  text: string;
  /** a whole RFC 5322 message (headers and body, e.g. an X-ARF notice of the operations part) sent as it is */
  raw?: string;
}

const ADDRESS = /^[^\s<>@,;:"]+@[^\s<>@,;:"]+$/;

/** A header value on one line, non-ASCII as an RFC 2047 encoded word. */
function headerValue(s: string): string {
  const line = s.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(line) ? line : `=?UTF-8?B?${Buffer.from(line, 'utf8').toString('base64')}?=`;
}

export function formatMessage(cfg: SmtpConfig, mail: Mail, date = new Date()): string {
  if (mail.raw !== undefined) return mail.raw.replace(/\r?\n/g, '\r\n').split('\r\n').map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n');
  const body = mail.text
    .replace(/\r?\n/g, '\r\n')
    .split('\r\n')
    // RFC 5321 §4.5.2: a line starting with a dot gets one more
    .map((l) => (l.startsWith('.') ? `.${l}` : l))
    .join('\r\n');
  return [
    `From: ${cfg.from}`,
    `To: ${cfg.to.join(', ')}`,
    `Subject: ${headerValue(mail.subject)}`,
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomUUID()}@${cfg.from.split('@')[1] ?? 'acd'}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    body,
  ].join('\r\n');
}

/** Sends one message; resolves when the server accepted it (250 after DATA), rejects otherwise. */
export async function sendMail(cfg: SmtpConfig, mail: Mail): Promise<void> {
  for (const a of [cfg.from, ...cfg.to]) {
    if (!ADDRESS.test(a)) throw reportsError('INVALID_EMAIL', `e-mail address "${a}" is not valid`);
  }
  if (cfg.to.length === 0) throw reportsError('INVALID_EMAIL', 'smtp.to: no recipient');
  const sock: Socket = connect({ host: cfg.host, port: cfg.port });
  sock.setTimeout(cfg.timeoutMs ?? 10_000);
  let buf = '';
  const waiting: Array<(line: { code: number; text: string } | Error) => void> = [];
  const replies: Array<{ code: number; text: string }> = [];
  let failure: Error | null = null;
  const deliver = () => {
    while (replies.length && waiting.length) waiting.shift()!(replies.shift()!);
    if (failure) while (waiting.length) waiting.shift()!(failure);
  };
  let text = '';
  sock.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let i: number;
    while ((i = buf.indexOf('\r\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 2);
      text += (text ? '\n' : '') + line.slice(4);
      // a multi-line reply continues with "250-…" and ends with "250 …"
      if (line[3] !== '-') {
        replies.push({ code: Number(line.slice(0, 3)), text });
        text = '';
      }
    }
    deliver();
  });
  sock.on('timeout', () => sock.destroy(reportsError('SMTP_TIMEOUT', `SMTP server ${cfg.host}:${cfg.port} did not answer in time`)));
  sock.on('error', (e) => {
    failure = e;
    deliver();
  });
  sock.on('close', () => {
    failure ??= reportsError('SMTP_CLOSED', `SMTP server ${cfg.host}:${cfg.port} closed the connection`);
    deliver();
  });
  const reply = () =>
    new Promise<{ code: number; text: string }>((resolve, reject) => {
      waiting.push((r) => (r instanceof Error ? reject(r) : resolve(r)));
      deliver();
    });
  const expect = async (what: string, ok: (code: number) => boolean) => {
    const r = await reply();
    if (!ok(r.code)) throw reportsError('SMTP_REFUSED', `SMTP server refused ${what}: ${r.code} ${r.text}`);
  };
  const cmd = async (line: string, what: string, ok: (c: number) => boolean = (c) => c >= 200 && c < 300) => {
    sock.write(`${line}\r\n`);
    await expect(what, ok);
  };
  try {
    await expect('the connection', (c) => c === 220);
    await cmd(`EHLO ${cfg.helo ?? 'acd.local'}`, 'EHLO');
    await cmd(`MAIL FROM:<${cfg.from}>`, 'the sender');
    for (const to of cfg.to) await cmd(`RCPT TO:<${to}>`, `recipient ${to}`);
    await cmd('DATA', 'DATA', (c) => c === 354);
    await cmd(`${formatMessage(cfg, mail)}\r\n.`, 'the message');
    sock.write('QUIT\r\n');
    await reply().catch(() => undefined);
  } finally {
    sock.end();
    sock.destroy();
  }
}
