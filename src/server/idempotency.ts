/**
 * Idempotency-Key on POST (issue #20; the IETF draft "The Idempotency-Key HTTP Header Field"): a
 * client that retries a creating request after a cut connection sends the same key and gets the first
 * answer again, not a second report. Kept per person and key in the store for `ttlHours`; the same key
 * with another method, route or body is refused (422); a retry while the first is still running is
 * told so (409). A 5xx answer is not kept (the retry runs the request again).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { withTables, type Database } from '../store/index.js';
import { AcdError } from '../shared/errors.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY = /^[\x21-\x7e]{1,200}$/;

interface IdempotencyTables {
  idempotency_keys: {
    user_id: string;
    key: string;
    request_hash: string;
    status: number | null;
    content_type: string | null;
    body: string | null;
    created_at: Date | string;
  };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: the answer holds a secret shown once (a new API token) and is never kept for a replay */
    idempotent?: boolean;
  }
}

const owned = new WeakMap<FastifyRequest, { userId: string; key: string }>();

function requestHash(req: FastifyRequest): string {
  const h = createHash('sha256').update(`${req.method} ${req.url}\n`);
  const b = req.body;
  if (Buffer.isBuffer(b)) h.update(b);
  else if (b !== undefined) h.update(JSON.stringify(b));
  return h.digest('hex');
}

export function installIdempotency(app: FastifyInstance, db: Kysely<Database>, opts: { ttlHours?: number } = {}): void {
  const t = withTables<IdempotencyTables>(db);
  const ttlMs = (opts.ttlHours ?? 24) * 3_600_000;
  let lastSweep = 0;

  app.addHook('preHandler', async (req, reply) => {
    if (req.method !== 'POST') return;
    const raw = req.headers[IDEMPOTENCY_HEADER];
    if (raw === undefined || !req.actor || req.routeOptions.config?.idempotent === false) return;
    const key = Array.isArray(raw) ? raw[0] ?? '' : raw;
    if (!KEY.test(key)) throw new AcdError('IDEMPOTENCY_KEY', `the ${IDEMPOTENCY_HEADER} header must be 1-200 visible ASCII characters`);
    const userId = req.actor.userId;
    const hash = requestHash(req);
    const now = Date.now();
    if (now - lastSweep > 60_000) {
      lastSweep = now;
      await t.deleteFrom('idempotency_keys').where('created_at', '<', new Date(now - ttlMs)).execute();
    }
    const inserted = await t
      .insertInto('idempotency_keys')
      .values({ user_id: userId, key, request_hash: hash, status: null, content_type: null, body: null, created_at: new Date(now) })
      .onConflict((oc) => oc.columns(['user_id', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    if (inserted) {
      owned.set(req, { userId, key });
      return;
    }
    const first = await t.selectFrom('idempotency_keys').selectAll().where('user_id', '=', userId).where('key', '=', key).executeTakeFirst();
    if (!first) throw new AcdError('IDEMPOTENCY_IN_PROGRESS', `a request with ${IDEMPOTENCY_HEADER} ${key} has just ended without an answer to keep; send it again`, { status: 409 });
    if (first.request_hash !== hash) throw new AcdError('IDEMPOTENCY_KEY_REUSED', `${IDEMPOTENCY_HEADER} ${key} was used for another request (method, path or body differ)`, { status: 422 });
    if (first.status === null) throw new AcdError('IDEMPOTENCY_IN_PROGRESS', `the first request with ${IDEMPOTENCY_HEADER} ${key} is still running; send it again in a moment`, { status: 409 });
    void reply.header('idempotent-replayed', 'true');
    if (first.content_type) void reply.type(first.content_type);
    return reply.status(first.status).send(first.body ?? '');
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const mine = owned.get(req);
    if (!mine) return payload;
    owned.delete(req);
    const where = t.deleteFrom('idempotency_keys').where('user_id', '=', mine.userId).where('key', '=', mine.key);
    const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : null;
    if (reply.statusCode >= 500 || text === null) {
      await where.execute();
      return payload;
    }
    const type = reply.getHeader('content-type');
    await t
      .updateTable('idempotency_keys')
      .set({ status: reply.statusCode, content_type: typeof type === 'string' ? type : null, body: text })
      .where('user_id', '=', mine.userId)
      .where('key', '=', mine.key)
      .execute();
    return payload;
  });
}
