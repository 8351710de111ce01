/** Findings (what the detectors found, with evidence) and the live pipeline's figures. */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import { withTables } from '../../store/index.js';
import type { FindingTables } from '../../pipeline/tables.js';
import { recordAudit } from '../../oversight/index.js';
import { notFound } from '../../shared/errors.js';
import { actorOf } from '../access.js';

const FINDING_READERS = ['agency_analyst', 'agency_lead', 'commission_member', 'auditor'] as const;
const ListQuery = Type.Object(
  {
    type: Type.Optional(Type.String({ maxLength: 30 })),
    minScore: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
);
const KeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 400 }) });

type Row = Record<string, unknown> & { first_seen: Date | string; last_seen: Date | string; updated_at: Date | string };
const view = (r: Row) => ({
  key: r.key,
  type: r.type,
  external: r.external,
  port: r.port,
  proto: r.proto,
  direction: r.direction,
  domestic: r.domestic,
  domesticCount: r.domestic_count,
  firstSeen: new Date(r.first_seen).toISOString(),
  lastSeen: new Date(r.last_seen).toISOString(),
  score: r.score,
  subscores: r.subscores,
  evidence: r.evidence,
  updates: r.updates,
  updatedAt: new Date(r.updated_at).toISOString(),
});

export async function findingRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const fdb = withTables<FindingTables>(ctx.store.db);

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/v1/findings',
    { config: { access: { roles: FINDING_READERS } }, schema: { summary: 'Findings, highest score first', tags: ['detect'], querystring: ListQuery } },
    async (req) => {
      let q = fdb.selectFrom('findings').selectAll().orderBy('score', 'desc').orderBy('last_seen', 'desc').limit(req.query.limit ?? 100);
      if (req.query.type) q = q.where('type', '=', req.query.type);
      if (req.query.minScore !== undefined) q = q.where('score', '>=', req.query.minScore);
      const rows = await q.execute();
      await recordAudit(ctx.store.db, { actor: actorOf(req), action: 'findings.read', target: { type: 'findings' }, details: { count: rows.length } });
      return rows.map((r) => view(r as unknown as Row));
    },
  );

  app.get<{ Params: Static<typeof KeyParams> }>(
    '/api/v1/findings/:key',
    { config: { access: { roles: FINDING_READERS } }, schema: { summary: 'One finding with its evidence', tags: ['detect'], params: KeyParams } },
    async (req) => {
      const r = await fdb.selectFrom('findings').selectAll().where('key', '=', req.params.key).executeTakeFirst();
      if (!r) throw notFound('finding', req.params.key);
      await recordAudit(ctx.store.db, { actor: actorOf(req), action: 'finding.read', target: { type: 'finding', id: r.key } });
      return view(r as unknown as Row);
    },
  );

  app.get(
    '/api/v1/pipeline/stats',
    {
      config: { access: { roles: ['agency_analyst', 'agency_lead', 'commission_member', 'auditor', 'admin'] } },
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
