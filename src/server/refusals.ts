/**
 * A refusal is an audit event: an `onError` hook for a route that records every 4xx answer given to a
 * caller who was identified (the wrong role, another organisation, a bad body, a missing object, a
 * conflict) as `<action>.refused` with the route, the error code and its message. Unauthenticated
 * callers (401) have no actor to record; they are counted by the access layer's logs.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import { recordAudit } from '../oversight/index.js';
import { AcdError } from '../shared/errors.js';

export function auditRefusal(db: Kysely<Database>, action: string, target: (req: FastifyRequest) => { type: string; id: string | null }) {
  return async (req: FastifyRequest, _reply: FastifyReply, err: Error): Promise<void> => {
    const status = err instanceof AcdError ? err.status : ((err as { statusCode?: number }).statusCode ?? ('validation' in err ? 400 : 500));
    if (status < 400 || status >= 500 || !req.actor) return;
    const code = err instanceof AcdError ? err.code : 'validation' in err ? 'VALIDATION' : ((err as { code?: string }).code ?? 'REFUSED');
    await recordAudit(db, {
      actor: req.actor,
      action: `${action}.refused`,
      target: target(req),
      reason: `${code}: ${err.message}`.slice(0, 500),
      details: { route: `${req.method} ${req.routeOptions.url ?? req.url}`, status, code },
    }).catch((e: unknown) => req.log.error({ err: e }, 'auditing a refusal failed'));
  };
}
