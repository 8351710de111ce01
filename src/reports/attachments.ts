/**
 * Evidence files on a report: stored in the database (bytea) with their SHA-256, refused above the
 * configured size with a 413 that names the limit. Downloads are audited like every read of a report.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Actor } from '../auth/index.js';
import { recordAudit } from '../oversight/index.js';
import { AcdError, notFound } from '../shared/errors.js';
import { visibleReport } from './reports.js';
import { base, rdb, scopeOf, type AnyDb } from './scope.js';
import { reportsError } from './errors.js';

export const DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1048576;

export interface AttachmentInput {
  filename: string;
  mediaType: string;
  content: Buffer;
}

export interface AttachmentMeta {
  id: string;
  reportId: string;
  filename: string;
  mediaType: string;
  size: number;
  sha256: string;
  uploadedBy: string;
  uploadedAt: string;
}

export const tooLarge = (limit: number): AcdError =>
  reportsError('ATTACHMENT_TOO_LARGE', `attachment is larger than the limit of ${limit} bytes`, { status: 413, details: { limitBytes: limit } });

const FILENAME = /^[^/\\\0]{1,255}$/;

export async function addAttachment(db: AnyDb, actor: Actor, reportId: string, a: AttachmentInput, maxBytes = DEFAULT_MAX_ATTACHMENT_BYTES, now = new Date()): Promise<AttachmentMeta> {
  if (a.content.length > maxBytes) throw tooLarge(maxBytes);
  if (a.content.length === 0) throw reportsError('ATTACHMENT_EMPTY', 'attachment: the body is empty');
  if (!FILENAME.test(a.filename)) throw reportsError('INVALID_FILENAME', 'filename: 1 to 255 characters, without / \\ or NUL');
  const scope = await scopeOf(db, actor);
  if (!(scope.kind === 'org' || scope.kind === 'all' || scope.kind === 'sectors')) throw notFound('report', reportId);
  const sha256 = createHash('sha256').update(a.content).digest('hex');
  const id = randomUUID();
  await rdb(db).transaction().execute(async (trx) => {
    await visibleReport(trx, scope, reportId);
    await trx
      .insertInto('report_attachments')
      .values({ id, report_id: reportId, filename: a.filename, media_type: a.mediaType, size: a.content.length, sha256, content: a.content, uploaded_by: actor.userId, uploaded_at: now })
      .execute();
    await recordAudit(base(trx), { actor, action: 'report.attachment.add', target: { type: 'report', id: reportId }, details: { attachment: id, sha256, size: a.content.length }, at: now });
  });
  return { id, reportId, filename: a.filename, mediaType: a.mediaType, size: a.content.length, sha256, uploadedBy: actor.userId, uploadedAt: now.toISOString() };
}

export async function getAttachment(db: AnyDb, actor: Actor, reportId: string, attachmentId: string): Promise<AttachmentMeta & { content: Buffer }> {
  const scope = await scopeOf(db, actor);
  const r = rdb(db);
  await visibleReport(r, scope, reportId);
  const a = await r.selectFrom('report_attachments').selectAll().where('id', '=', attachmentId).where('report_id', '=', reportId).executeTakeFirst();
  if (!a) throw notFound('attachment', attachmentId);
  await recordAudit(base(db), { actor, action: 'report.attachment.read', target: { type: 'report', id: reportId }, details: { attachment: attachmentId } });
  return {
    id: a.id,
    reportId,
    filename: a.filename,
    mediaType: a.media_type,
    size: a.size,
    sha256: a.sha256,
    uploadedBy: a.uploaded_by,
    uploadedAt: new Date(a.uploaded_at).toISOString(),
    content: Buffer.from(a.content),
  };
}
