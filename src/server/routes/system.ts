/** Liveness and metrics. */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { auditLogCheck, AuditLogCheck } from '../../oversight/index.js';

export async function systemRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(
    '/healthz',
    {
      config: { access: { public: true } },
      schema: {
        summary: 'Liveness and store check',
        tags: ['system'],
        response: {
          200: Type.Object({ status: Type.Literal('ok'), engine: Type.String(), uptimeSeconds: Type.Number(), auditLog: Type.Optional(AuditLogCheck) }),
          // issue #19: the audit log refuses to sign (truncated or rewritten): the check fails
          503: Type.Object({ status: Type.Literal('failing'), engine: Type.String(), uptimeSeconds: Type.Number(), auditLog: AuditLogCheck }),
        },
      },
    },
    async (_req, reply) => {
      await sql`select 1`.execute(ctx.store.db);
      const base = { engine: ctx.store.engine, uptimeSeconds: Math.round((Date.now() - ctx.startedAt.getTime()) / 1000) };
      const auditLog = await auditLogCheck(ctx.store.db);
      if (auditLog && !auditLog.ok) {
        void reply.code(503);
        return { status: 'failing' as const, ...base, auditLog };
      }
      return { status: 'ok' as const, ...base, ...(auditLog ? { auditLog } : {}) };
    },
  );

  app.get(
    '/metrics',
    {
      // Counters only: no person, address or report ever becomes a label.
      config: { access: { public: true } },
      schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['system'] },
    },
    async (_req, reply) => {
      void reply.type(ctx.registry.contentType);
      return ctx.registry.metrics();
    },
  );
}
