/** Findings (what the detectors found, with evidence; the findings part reads and audits) and the live pipeline's figures. */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import { FINDING_READERS, FINDING_READER_ORG_KINDS, INFRASTRUCTURE_READERS, INFRASTRUCTURE_READER_ORG_KINDS, readFinding, readFindings, readInfrastructure, readInfrastructureGroups, GROUPS_MAX_HOURS } from '../../findings/index.js';
import { createAsnLookup } from '../../selection/index.js';
import { actorOf } from '../access.js';

const ListQuery = Type.Object(
  {
    type: Type.Optional(Type.String({ maxLength: 30 })),
    minScore: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
);
const GroupsQuery = Type.Object(
  { hours: Type.Optional(Type.Integer({ minimum: 1, maximum: GROUPS_MAX_HOURS, description: 'look back this many hours (default 24)' })) },
  { additionalProperties: false },
);
const KeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 400 }) });
const AddressParams = Type.Object({ address: Type.String({ minLength: 1, maxLength: 64 }) });

export async function findingRoutes(fastify: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.store.db;
  // the shipped AS table, loaded on the first groups read (the AS groups of scanners and DDoS sources)
  const asn = createAsnLookup();

  // before '/api/v1/findings/:key' in meaning: a static path wins over the parameter in the router
  app.get(
    '/api/v1/findings/groups',
    {
      config: { access: { roles: INFRASTRUCTURE_READERS, orgKinds: INFRASTRUCTURE_READER_ORG_KINDS } },
      schema: {
        summary: 'Infrastructure, not pairs: the findings last seen in the past hours grouped by network (/24, /48) and, for scanners and DDoS sources, by AS, where several servers of one act together; each group with its servers and their findings counted by type',
        tags: ['detect'],
        querystring: GroupsQuery,
      },
    },
    async (req) => readInfrastructureGroups(db, actorOf(req), { ...(req.query.hours !== undefined ? { hours: req.query.hours } : {}), asn }),
  );

  app.get(
    '/api/v1/findings',
    { config: { access: { roles: FINDING_READERS, orgKinds: FINDING_READER_ORG_KINDS } }, schema: { summary: 'Findings, highest score first', tags: ['detect'], querystring: ListQuery } },
    async (req) => readFindings(db, actorOf(req), req.query),
  );

  app.get(
    '/api/v1/findings/:key',
    { config: { access: { roles: FINDING_READERS, orgKinds: FINDING_READER_ORG_KINDS } }, schema: { summary: 'One finding with its evidence', tags: ['detect'], params: KeyParams } },
    async (req) => readFinding(db, actorOf(req), req.params.key),
  );

  app.get(
    '/api/v1/infrastructure/:address',
    {
      config: { access: { roles: INFRASTRUCTURE_READERS, orgKinds: INFRASTRUCTURE_READER_ORG_KINDS } },
      schema: {
        summary: 'An external address (attacker infrastructure): its findings of every type, newest first (at most 500), first and last seen, and the domestic hosts involved (pseudonyms only, counted)',
        tags: ['detect'],
        params: AddressParams,
      },
    },
    async (req) => readInfrastructure(db, actorOf(req), req.params.address),
  );

  app.get(
    '/api/v1/pipeline/stats',
    {
      config: { access: { roles: ['agency_analyst', 'agency_lead', 'commission_member', 'auditor', 'admin'], orgKinds: ['agency', 'commission'] } },
      schema: { summary: 'The live pipeline: totals and per-second rates (received, out of scope, no approval, selected, discarded); counts only', tags: ['detect'] },
    },
    async () => {
      const p = ctx.pipeline;
      if (!p) return { running: false };
      const exporters = p.decoder.allStats().map((s) => ({ exporter: s.exporter, datagrams: s.datagrams, flows: s.flows, malformed: s.malformed, lost: s.lost }));
      return {
        running: true,
        collector: p.collectorAddress(),
        totals: p.totals(),
        rates: p.rates(),
        findings: p.pipeline.detectors.findings.size,
        detectorSelections: p.pipeline.selections,
        exporters,
      };
    },
  );
}
