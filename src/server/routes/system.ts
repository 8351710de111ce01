/** Liveness and metrics. */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { AppContext } from '../context.js';

export async function systemRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(
    '/healthz',
    {
      config: { access: { public: true } },
      schema: {
        summary: 'Liveness and store check',
        tags: ['system'],
        response: {
          200: Type.Object({ status: Type.Literal('ok'), engine: Type.String(), uptimeSeconds: Type.Number() }),
        },
      },
    },
    async () => {
      await sql`select 1`.execute(ctx.store.db);
      return { status: 'ok' as const, engine: ctx.store.engine, uptimeSeconds: Math.round((Date.now() - ctx.startedAt.getTime()) / 1000) };
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
