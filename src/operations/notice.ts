/**
 * Takedown notices: an abuse report to the hosting network's abuse contact in the X-ARF style (v0.2:
 * an `X-ARF: YES` header and a multipart/mixed body of a human-readable part, a machine-readable
 * report.txt and the evidence), written as an RFC 5322 .eml file to an outbox that the mail system or
 * a person sends. Lifting writes a withdrawal. ACD itself never touches the remote server.
 */
import { randomUUID } from 'node:crypto';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApplyContext, Measure, MeasureDriver } from './measures.js';
import { sendMail } from '../reports/index.js';

export interface TakedownConfig {
  /** where .eml files are written */
  outbox: string;
  /** the sender, e.g. "ACD abuse desk <abuse-desk@acd.example>" */
  from: string;
  /** the sending organisation, named in the report */
  organisation: string;
  /** the domain for Message-IDs */
  messageIdDomain?: string;
  /** also send each notice to the abuse contact through this SMTP relay (the reports part's sender); the outbox keeps a copy */
  smtp?: { host: string; port: number; from: string; helo?: string };
}

const CRLF = '\r\n';

/** RFC 5322 date-time: "Wed, 25 Nov 2026 18:00:00 +0000". */
export function rfc5322Date(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** Only printable ASCII on one line in a header (no header injection through a title or target). */
const headerSafe = (s: string) => s.replace(/[^\x20-\x7e]/g, '?');

/** Finding keys name the domestic side last (type|external|port/proto|domestic): keep the external part. */
export function evidenceLine(e: string): string {
  const [kind, ...rest] = e.split(' ');
  const ref = rest.join(' ');
  if (kind === 'finding') return `finding ${ref.split('|').slice(0, 3).join('|')}`;
  return `${kind} ${ref}`;
}

export interface NoticeInput {
  measure: Measure;
  to: string;
  ctx: Pick<ApplyContext, 'now' | 'operation' | 'decisionId'>;
  withdrawal?: boolean;
}

/** The .eml text. Lines end CRLF; parts are 7-bit text. */
export function takedownEml(c: TakedownConfig, n: NoticeInput): { text: string; messageId: string } {
  const m = n.measure;
  const now = n.ctx.now;
  const boundary = `acd-${randomUUID()}`;
  const messageId = `<${randomUUID()}@${c.messageIdDomain ?? 'acd.invalid'}>`;
  const sourceType = m.targetType === 'domain' ? 'uri' : m.target.includes(':') ? 'ipv6' : 'ipv4';
  const subject = n.withdrawal ? `[X-ARF] withdrawn: abuse report about ${m.target}` : `[X-ARF] abuse report about ${m.target} (botnet command and control)`;
  const human = n.withdrawal
    ? [`Dear abuse team,`, '', `our abuse report about ${m.target} (measure ${m.id}) is withdrawn as of ${now.toISOString()}.`, 'No further action is requested.', '', c.organisation]
    : [
        'Dear abuse team,',
        '',
        `${c.organisation} has established that ${m.target}, hosted in your network${typeof m.params.network === 'string' ? ` (${m.params.network})` : ''}, is used as`,
        'command-and-control infrastructure for attacks on systems in our jurisdiction.',
        'We ask you to investigate and take the server or service down under your acceptable-use policy.',
        '',
        `The machine-readable report (X-ARF v0.2) and the evidence summary are attached. Reference: ${m.id}.`,
        '',
        c.organisation,
      ];
  const report = [
    'Reported-From: ' + headerSafe(c.from),
    'Category: abuse',
    'Report-Type: botnet-c2',
    'Service: unknown',
    'Version: 0.2',
    'User-Agent: ACD',
    `Date: ${rfc5322Date(now)}`,
    `Source-Type: ${sourceType}`,
    `Source: ${m.target}`,
    `Report-ID: ${m.id}`,
    `Status: ${n.withdrawal ? 'withdrawn' : 'open'}`,
  ];
  const evidence = [
    `Operation: ${headerSafe(n.ctx.operation?.title ?? m.operationId)} (${m.operationId})`,
    `Decision: ${n.ctx.decisionId}`,
    'Evidence (flow metadata analysis; no content was collected):',
    ...(n.ctx.operation?.evidence ?? []).map((e) => `  ${headerSafe(evidenceLine(e))}`),
  ];
  const part = (headers: string[], body: string[]) => [`--${boundary}`, ...headers, '', ...body].join(CRLF);
  const lines = [
    `From: ${headerSafe(c.from)}`,
    `To: ${headerSafe(n.to)}`,
    `Subject: ${headerSafe(subject)}`,
    `Date: ${rfc5322Date(now)}`,
    `Message-ID: ${messageId}`,
    'MIME-Version: 1.0',
    'X-ARF: YES',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    'This is a multi-part message in MIME format (X-ARF).',
    part(['Content-Type: text/plain; charset=us-ascii', 'Content-Transfer-Encoding: 7bit'], human),
    part(['Content-Type: text/plain; charset=us-ascii; name="report.txt"', 'Content-Transfer-Encoding: 7bit', 'Content-Disposition: attachment; filename="report.txt"'], report),
    part(['Content-Type: text/plain; charset=us-ascii; name="evidence.txt"', 'Content-Transfer-Encoding: 7bit', 'Content-Disposition: attachment; filename="evidence.txt"'], evidence),
    `--${boundary}--`,
    '',
  ];
  return { text: lines.join(CRLF), messageId };
}

export function createTakedownDriver(c: TakedownConfig): MeasureDriver {
  const fileOf = (m: Measure, withdrawal: boolean) => join(c.outbox, `${m.id}${withdrawal ? '-withdrawn' : ''}.eml`);
  return {
    kind: 'takedown',
    scope: 'none',
    wantsEvidence: true,
    async apply(m, _all, ctx) {
      const to = String(m.params.abuseContact);
      await mkdir(c.outbox, { recursive: true });
      const { text, messageId } = takedownEml(c, { measure: m, to, ctx });
      const file = fileOf(m, false);
      await writeFile(file, text, { mode: 0o640 });
      if (c.smtp) await sendMail({ ...c.smtp, to: [to] }, { subject: '', text: '', raw: text });
      return { notice: { recipient: to, channel: c.smtp ? `e-mail (X-ARF) via ${c.smtp.host}:${c.smtp.port}` : 'e-mail (X-ARF)', file, reference: messageId } };
    },
    async lift(m) {
      await mkdir(c.outbox, { recursive: true });
      const to = String(m.params.abuseContact);
      const { text } = takedownEml(c, { measure: m, to, ctx: { now: new Date(), decisionId: '-' }, withdrawal: true });
      await writeFile(fileOf(m, true), text, { mode: 0o640 });
      if (c.smtp) await sendMail({ ...c.smtp, to: [to] }, { subject: '', text: '', raw: text });
    },
    async verify(m) {
      const ok = await access(fileOf(m, false)).then(() => true, () => false);
      return { ok, detail: ok ? `notice written to ${fileOf(m, false)}` : 'no notice file' };
    },
  };
}
