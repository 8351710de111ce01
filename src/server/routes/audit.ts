/** The audit trail, read by those who oversee. Reading it is itself audited. */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import { listAudit, recordAudit } from '../../oversight/index.js';
import { actorOf } from '../access.js';

const Query = Type.Object(
  {
    afterSeq: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    action: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);

export async function auditRoutes(fastify: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = ctx.store;
  app.get(
    '/api/v1/audit',
    {
      config: { access: { roles: ['admin', 'auditor', 'commission_member'], orgKinds: ['agency', 'commission'] } },
      schema: {
        summary: 'Audit events in order (page with afterSeq)',
        tags: ['oversight'],
        querystring: Query,
        response: {
          200: Type.Array(
            Type.Object({
              seq: Type.Integer(),
              at: Type.String(),
              actorUserId: Type.Union([Type.String(), Type.Null()]),
              actorOrgId: Type.Union([Type.String(), Type.Null()]),
              actorRoles: Type.Array(Type.String()),
              action: Type.String(),
              targetType: Type.String(),
              targetId: Type.Union([Type.String(), Type.Null()]),
              reason: Type.Union([Type.String(), Type.Null()]),
              basisId: Type.Union([Type.String(), Type.Null()]),
              details: Type.Unknown(),
            }),
          ),
        },
      },
    },
    async (req) => {
      const q = req.query;
      const rows = await listAudit(db, {
        ...(q.afterSeq !== undefined ? { afterSeq: q.afterSeq } : {}),
        ...(q.limit !== undefined ? { limit: q.limit } : {}),
        ...(q.action !== undefined ? { action: q.action } : {}),
      });
      await recordAudit(db, { actor: actorOf(req), action: 'audit.read', target: { type: 'audit_log' }, details: { afterSeq: q.afterSeq ?? 0, count: rows.length } });
      return rows.map((r) => ({
        seq: r.seq,
        at: new Date(r.at).toISOString(),
        actorUserId: r.actor_user_id,
        actorOrgId: r.actor_org_id,
        actorRoles: r.actor_roles,
        action: r.action,
        targetType: r.target_type,
        targetId: r.target_id,
        reason: r.reason,
        basisId: r.basis_id,
        details: r.details,
      }));
    },
  );
}
