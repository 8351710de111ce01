/**
 * Approvals (the lawful gate's legal ground): an agency lead proposes, a commission member approves,
 * rejects or ends; the pipeline reloads after each decision. And the commission's inspection of the
 * flows selected under an approval (every look is audited).
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import { ApprovalSchema, APPROVAL_STATUSES, TOP_DIMENSIONS, topSelected, approvalErrors, carrierOverview, listCarrierMappings, setCarrierIds, decideApproval, endApproval, getApproval, listApprovals, proposeApproval, readSelectedFlows, type ApprovalStatus } from '../../selection/index.js';
import { recordAudit } from '../../oversight/index.js';
import { actorOf } from '../access.js';
import { AcdError } from '../../shared/errors.js';
import {
  REIDENTIFICATION_STATUSES,
  ReidentificationDecisionSchema,
  ReidentificationRequestSchema,
  StoredReidentificationSchema,
  decideReidentification,
  getReidentification,
  listReidentifications,
  reidentificationErrors,
  requestReidentification,
  resolveReidentification,
  type ReidentificationStatus,
} from '../../selection/index.js';

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

// the carrier registry and a carrier's own view (#22)
const CarrierIdSchema = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]*$' });
const OrgParams = Type.Object({ orgId: Type.String({ minLength: 1, maxLength: 128 }) });
const CarrierIdsBody = Type.Object({ carrierIds: Type.Array(CarrierIdSchema, { maxItems: 1000 }), reason: Type.String({ minLength: 3, maxLength: 2000 }) }, { additionalProperties: false });
const CarrierMappingSchema = Type.Object({ carrierId: Type.String(), orgId: Type.String(), assignedBy: Type.String(), assignedAt: Type.String() });
const OverviewQuery = Type.Object({ hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 8784 })) }, { additionalProperties: false });
const CountsSchema = Type.Object({ received: Type.Number(), outOfScope: Type.Number(), noApproval: Type.Number(), selected: Type.Number(), discarded: Type.Number() });
const CarrierOverviewSchema = Type.Object({
  orgId: Type.String(),
  carrierIds: Type.Array(Type.String()),
  since: Type.String(),
  approvals: Type.Array(Type.Object({
    id: Type.String(), category: Type.String(), status: Type.String(), start: Type.String(), end: Type.String(),
    decidedAt: Type.Union([Type.String(), Type.Null()]), links: Type.Array(Type.String()), selected: Type.Number(),
  })),
  counts: Type.Array(Type.Intersect([Type.Object({ carrier: Type.String() }), CountsSchema])),
  totals: CountsSchema,
});

/** What an agency lead proposes: an approval without a status of its own choosing or an approver. */
const ProposeBody = Type.Composite([Type.Omit(ApprovalSchema, ['status', 'approvedBy']), Type.Object({ status: Type.Optional(Type.Literal('proposed')) })], { additionalProperties: false });
/**
 * The body schemas below are served in the OpenAPI document; the requests are checked by the part's own
 * validators, whose messages name the wrong field as `approval.criteria[2].prefix: …` (ajv's would say
 * "must match a schema in anyOf" for a criterion).
 */
const proposeValidator = () => (body: unknown) => {
  const errs = approvalErrors(typeof body === 'object' && body !== null && !Array.isArray(body) ? { status: 'proposed', ...body } : body);
  const b = body as { status?: unknown; approvedBy?: unknown } | null;
  if (b && typeof b === 'object') {
    if (b.status !== undefined && b.status !== 'proposed') errs.unshift(`approval.status: ${JSON.stringify(b.status)}: a proposal is 'proposed'; the commission decides`);
    if (b.approvedBy !== undefined) errs.unshift('approval.approvedBy: is not an allowed field in a proposal; the commission decides');
  }
  return errs.length ? { error: new AcdError('APPROVAL_INVALID', errs[0]!, { details: errs }) } : { value: body };
};
const reidentifyValidator = () => (body: unknown) => {
  const errs = reidentificationErrors(body);
  return errs.length ? { error: new AcdError('REIDENTIFY_INVALID', errs[0]!, { details: errs }) } : { value: body };
};
const ReidListQuery = Type.Object({ status: Type.Optional(Type.Union(REIDENTIFICATION_STATUSES.map((s) => Type.Literal(s)))) }, { additionalProperties: false });
const Resolution = Type.Object({ request: StoredReidentificationSchema, results: Type.Array(Type.Object({ pseudonym: Type.String(), address: Type.String() })) });

export async function selectionRoutes(fastify: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = ctx.store;
  const reload = async () => ctx.pipeline?.reloadApprovals();

  app.get(
    '/api/v1/approvals',
    { config: { access: { roles: READERS } }, schema: { summary: 'Approvals, newest first', tags: ['selection'], querystring: ListQuery, response: { 200: Type.Array(Stored) } } },
    async (req) => listApprovals(db, req.query.status as ApprovalStatus | undefined),
  );

  app.get(
    '/api/v1/carrier/overview',
    {
      config: { access: { roles: ['carrier'] } },
      schema: { summary: "A carrier's own view: the approvals naming its carrier ids and its flows counted (received, out of scope, selected) over the last hours", tags: ['selection'], querystring: OverviewQuery, response: { 200: CarrierOverviewSchema } },
    },
    async (req) => carrierOverview(db, actorOf(req), { hours: req.query.hours }),
  );

  const TopQuery = Type.Object({
    by: Type.Union(TOP_DIMENSIONS.map((d) => Type.Literal(d))),
    hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 8784 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  }, { additionalProperties: false });
  const TopRowSchema = Type.Object({ key: Type.String(), flows: Type.Number(), packets: Type.Number(), bytes: Type.Number() });
  app.get(
    '/api/v1/flows/top',
    {
      config: { access: { roles: ['agency_analyst', 'agency_lead'], orgKinds: ['agency'] } },
      schema: {
        summary: 'Flow exploration: the top external addresses, their AS (as) or country (country), ports, carriers or categories of the selected flows over the last hours, by bytes (aggregates only; unselected flows do not exist to count; an address the AS or country data does not place counts as unknown)',
        tags: ['selection'], querystring: TopQuery,
        response: { 200: Type.Object({ by: Type.String(), since: Type.String(), rows: Type.Array(TopRowSchema), total: TopRowSchema }) },
      },
    },
    async (req) => topSelected(db, actorOf(req), { by: req.query.by, hours: req.query.hours, limit: req.query.limit }),
  );

  app.get(
    '/api/v1/carrier-ids',
    { config: { access: { roles: ['admin'] } }, schema: { summary: 'The carrier registry: which carrier organisation each carrier (link) id belongs to', tags: ['selection'], response: { 200: Type.Array(CarrierMappingSchema) } } },
    async (req) => listCarrierMappings(db, actorOf(req)),
  );

  app.put(
    '/api/v1/organisations/:orgId/carrier-ids',
    {
      config: { access: { roles: ['admin'] } },
      schema: { summary: 'Assign the carrier (link) ids of a carrier organisation (replaces them; audited with the ids before and after)', tags: ['selection'], params: OrgParams, body: CarrierIdsBody, response: { 200: Type.Object({ orgId: Type.String(), carrierIds: Type.Array(Type.String()) }) } },
    },
    async (req) => ({ orgId: req.params.orgId, carrierIds: await setCarrierIds(db, actorOf(req), req.params.orgId, req.body.carrierIds, req.body.reason) }),
  );

  app.get(
    '/api/v1/approvals/:id',
    { config: { access: { roles: READERS } }, schema: { summary: 'One approval', tags: ['selection'], params: IdParams, response: { 200: Stored } } },
    async (req) => getApproval(db, req.params.id),
  );

  app.post(
    '/api/v1/approvals',
    {
      config: { access: { roles: ['agency_lead'] } },
      schema: { summary: 'Propose an approval (category, carriers, criteria, start, end)', tags: ['selection'], body: ProposeBody, response: { 201: Stored } },
      validatorCompiler: ({ httpPart }) => (httpPart === 'body' ? proposeValidator() : () => ({ value: undefined })),
    },
    async (req, reply) => {
      const a = await proposeApproval(db, actorOf(req), req.body);
      void reply.status(201);
      return a;
    },
  );

  app.post(
    '/api/v1/approvals/:id/decision',
    { config: { access: { roles: ['commission_member'] } }, schema: { summary: "The commission's decision: approve or reject, with reasons", tags: ['selection'], params: IdParams, body: DecisionBody, response: { 200: Stored } } },
    async (req) => {
      const a = await decideApproval(db, actorOf(req), req.params.id, req.body.decision, req.body.reason);
      await reload();
      return a;
    },
  );

  app.post(
    '/api/v1/approvals/:id/end',
    { config: { access: { roles: ['commission_member'] } }, schema: { summary: 'End an approval in force now', tags: ['selection'], params: IdParams, body: ReasonBody, response: { 200: Stored } } },
    async (req) => {
      const a = await endApproval(db, actorOf(req), req.params.id, req.body.reason);
      await reload();
      return a;
    },
  );

  app.get(
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
      const rows = await readSelectedFlows(db, req.params.id, req.query);
      await recordAudit(db, { actor: actorOf(req), action: 'selected_flows.read', target: { type: 'approval', id: req.params.id }, basis: req.params.id, details: { count: rows.length, afterSeq: req.query.afterSeq ?? 0 } });
      return rows;
    },
  );

  // Re-identification: a pseudonym back to its address, only under a commission decision, once.
  app.get(
    '/api/v1/reidentifications',
    { config: { access: { roles: ['agency_lead', 'commission_member', 'auditor'], orgKinds: ['agency', 'commission'] } }, schema: { summary: 'Re-identification requests, newest first (pseudonyms only, never addresses)', tags: ['selection'], querystring: ReidListQuery, response: { 200: Type.Array(StoredReidentificationSchema) } } },
    async (req) => listReidentifications(db, req.query.status as ReidentificationStatus | undefined),
  );

  app.get(
    '/api/v1/reidentifications/:id',
    { config: { access: { roles: ['agency_lead', 'commission_member', 'auditor'], orgKinds: ['agency', 'commission'] } }, schema: { summary: 'One re-identification request', tags: ['selection'], params: IdParams, response: { 200: StoredReidentificationSchema } } },
    async (req) => getReidentification(db, req.params.id),
  );

  app.post(
    '/api/v1/reidentifications',
    {
      config: { access: { roles: ['agency_lead'] } },
      schema: { summary: 'Request re-identification of pseudonyms (key or approval, the finding or operation it is for, justification); the commission decides', tags: ['selection'], body: ReidentificationRequestSchema, response: { 201: StoredReidentificationSchema } },
      validatorCompiler: ({ httpPart }) => (httpPart === 'body' ? reidentifyValidator() : () => ({ value: undefined })),
    },
    async (req, reply) => {
      const r = await requestReidentification(db, actorOf(req), req.body);
      void reply.status(201);
      return r;
    },
  );

  app.post(
    '/api/v1/reidentifications/:id/decision',
    { config: { access: { roles: ['commission_member'] } }, schema: { summary: "The commission's decision on a re-identification request: approve (valid for validForMinutes, default 60) or reject, with reasons", tags: ['selection'], params: IdParams, body: ReidentificationDecisionSchema, response: { 200: StoredReidentificationSchema } } },
    async (req) => decideReidentification(db, actorOf(req), req.params.id, req.body),
  );

  app.post(
    '/api/v1/reidentifications/:id/resolve',
    {
      config: { access: { roles: ['agency_lead', 'agency_analyst'] } },
      schema: { summary: "Resolve an approved request once (the requester's organisation, within its validity): returns the addresses; audited, the addresses are not", tags: ['selection'], params: IdParams, response: { 200: Resolution } },
    },
    async (req) => resolveReidentification(db, actorOf(req), req.params.id),
  );
}
