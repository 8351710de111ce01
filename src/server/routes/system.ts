/** Liveness and metrics. */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../context.js';
import { auditLogCheck, AuditLogCheck } from '../../oversight/index.js';
import { AcdError } from '../../shared/errors.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

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
      // Counters only: no person, address or report ever becomes a label. Still not for everyone (they
      // show activity per sector and the exporters): with `metricsToken` the scrape must send it as a
      // Bearer token; without, only a loopback peer (the socket's, never a forwarded address) is served.
      config: { access: { public: true } },
      schema: { summary: 'Prometheus metrics (text exposition format): Bearer metricsToken, or loopback when none is configured', tags: ['system'] },
    },
    async (req, reply) => {
      const token = ctx.config.metricsToken;
      if (token) {
        const [scheme, value] = (req.headers.authorization ?? '').split(' ', 2);
        const given = Buffer.from(scheme?.toLowerCase() === 'bearer' && value ? value.trim() : '');
        const want = Buffer.from(token);
        if (given.length !== want.length || !timingSafeEqual(given, want)) {
          void reply.header('www-authenticate', 'Bearer realm="ACD metrics"');
          throw new AcdError('METRICS_TOKEN', '/metrics needs the scrape token (Authorization: Bearer <metricsToken>)', { status: 401 });
        }
      } else if (!LOOPBACK.test(req.socket.remoteAddress ?? '')) {
        throw new AcdError('METRICS_LOOPBACK_ONLY', '/metrics is served to loopback clients only unless metricsToken is configured', { status: 403 });
      }
      void reply.type(ctx.registry.contentType);
      return ctx.registry.metrics();
    },
  );
}
