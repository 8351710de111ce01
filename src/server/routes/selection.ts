/**
 * Approvals (the lawful gate's legal ground): an agency lead proposes, a commission member approves,
 * rejects or ends; the pipeline reloads after each decision. And the commission's inspection of the
 * flows selected under an approval (every look is audited).
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import { ApprovalSchema, APPROVAL_STATUSES, type ApprovalStatus } from '../../selection/index.js';
import { decideApproval, endApproval, getApproval, listApprovals, proposeApproval } from '../../selection/approval-store.js';
import { withTables } from '../../store/index.js';
import type { SelectionTables } from '../../selection/tables.js';
import { recordAudit } from '../../oversight/index.js';
import { actorOf } from '../access.js';

const Stored = Type.Intersect([
  Type.Omit(ApprovalSchema, ['end']),
  Type.Object({
    end: Type.String(),
    proposedBy: Type.String(),
    decidedBy: Type.Union([Type.String(), Type.Null()]),
    decidedAt: Type.Union([Type.String(), Type.Null()]),
    decisionReason: Type.Union([Type.String(), Type.Null()]),
    version: Type.Integer(),
  }),
]);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const DecisionBody = Type.Object(
  { decision: Type.Union([Type.Literal('approve'), Type.Literal('reject')]), reason: Type.String({ minLength: 3, maxLength: 4000 }) },
  { additionalProperties: false },
);
const ReasonBody = Type.Object({ reason: Type.String({ minLength: 3, maxLength: 4000 }) }, { additionalProperties: false });
const ListQuery = Type.Object({ status: Type.Optional(Type.Union(APPROVAL_STATUSES.map((s) => Type.Literal(s)))) }, { additionalProperties: false });
const FlowsQuery = Type.Object(
  { afterSeq: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
  { additionalProperties: false },
);

const READERS = ['agency_lead', 'agency_analyst', 'commission_member', 'auditor', 'admin'] as const;

export async function selectionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { db } = ctx.store;
  const reload = async () => ctx.pipeline?.reloadApprovals();

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/v1/approvals',
    { config: { access: { roles: READERS } }, schema: { summary: 'Approvals, newest first', tags: ['selection'], querystring: ListQuery, response: { 200: Type.Array(Stored) } } },
    async (req) => listApprovals(db, req.query.status as ApprovalStatus | undefined),
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/v1/approvals/:id',
    { config: { access: { roles: READERS } }, schema: { summary: 'One approval', tags: ['selection'], params: IdParams, response: { 200: Stored } } },
    async (req) => getApproval(db, req.params.id),
  );

  app.post(
    '/api/v1/approvals',
    {
      config: { access: { roles: ['agency_lead'] } },
      // the body is validated by parseApproval, which names the wrong field (e.g. approval.criteria[2].prefix)
      schema: { summary: 'Propose an approval (category, carriers, criteria, start, end)', tags: ['selection'], body: Type.Object({}, { additionalProperties: true }), response: { 201: Stored } },
    },
    async (req, reply) => {
      const a = await proposeApproval(db, actorOf(req), req.body);
      void reply.status(201);
      return a;
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof DecisionBody> }>(
    '/api/v1/approvals/:id/decision',
    { config: { access: { roles: ['commission_member'] } }, schema: { summary: "The commission's decision: approve or reject, with reasons", tags: ['selection'], params: IdParams, body: DecisionBody, response: { 200: Stored } } },
    async (req) => {
      const a = await decideApproval(db, actorOf(req), req.params.id, req.body.decision, req.body.reason);
      await reload();
      return a;
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof ReasonBody> }>(
    '/api/v1/approvals/:id/end',
    { config: { access: { roles: ['commission_member'] } }, schema: { summary: 'End an approval in force now', tags: ['selection'], params: IdParams, body: ReasonBody, response: { 200: Stored } } },
    async (req) => {
      const a = await endApproval(db, actorOf(req), req.params.id, req.body.reason);
      await reload();
      return a;
    },
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof FlowsQuery> }>(
    '/api/v1/approvals/:id/flows',
    {
      config: { access: { roles: ['commission_member'] } },
      schema: {
        summary: "Inspection: the flows selected under an approval (domestic addresses are pseudonyms); the look is audited",
        tags: ['selection'],
        params: IdParams,
        querystring: FlowsQuery,
      },
    },
    async (req) => {
      await getApproval(db, req.params.id);
      const rows = await withTables<SelectionTables>(db)
        .selectFrom('selected_flows')
        .selectAll()
        .where('approval_id', '=', req.params.id)
        .where('seq', '>', req.query.afterSeq ?? 0)
        .orderBy('seq')
        .limit(req.query.limit ?? 100)
        .execute();
      await recordAudit(db, { actor: actorOf(req), action: 'selected_flows.read', target: { type: 'approval', id: req.params.id }, basis: req.params.id, details: { count: rows.length, afterSeq: req.query.afterSeq ?? 0 } });
      return rows.map((r) => ({ ...r, start_at: new Date(r.start_at).toISOString(), end_at: new Date(r.end_at).toISOString(), stored_at: new Date(r.stored_at).toISOString() }));
    },
  );
}
