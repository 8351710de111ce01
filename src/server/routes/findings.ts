/** Findings (what the detectors found, with evidence) and the live pipeline's figures. */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import { withTables } from '../../store/index.js';
import { findingOfRow, type FindingRow, type FindingTables } from '../../pipeline/tables.js';
import { recordAudit } from '../../oversight/index.js';
import { AcdError, notFound } from '../../shared/errors.js';
import { ipv6ToString, parseIpv4, parseIpv6 } from '../../flow/index.js';
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
const AddressParams = Type.Object({ address: Type.String({ minLength: 1, maxLength: 64 }) });
/** the infrastructure pages are the agency's own analysis: not the commission's or auditors' (they read findings one by one) */
const INFRASTRUCTURE_READERS = ['agency_analyst', 'agency_lead'] as const;
const INFRASTRUCTURE_LIMIT = 500;

/** An address as the detectors write it (IPv6 in its canonical text), or a 400 naming the parameter. */
export function canonicalAddress(text: string): string {
  if (parseIpv4(text) >= 0) return text;
  const v6 = text.includes(':') && !text.includes('%') ? parseIpv6(text) : null;
  if (v6) return ipv6ToString(v6);
  throw new AcdError('BAD_ADDRESS', `address: '${text.slice(0, 64)}' is not an IPv4 or IPv6 address (a prefix or a name is not accepted)`);
}

/** The API's view of a stored finding: times as ISO text. */
const view = (r: FindingRow) => {
  const f = findingOfRow(r);
  return { ...f, firstSeen: new Date(f.firstSeen).toISOString(), lastSeen: new Date(f.lastSeen).toISOString() };
};

export async function findingRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const fdb = withTables<FindingTables>(ctx.store.db);

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/v1/findings',
    { config: { access: { roles: FINDING_READERS, orgKinds: ['agency', 'commission'] } }, schema: { summary: 'Findings, highest score first', tags: ['detect'], querystring: ListQuery } },
    async (req) => {
      let q = fdb.selectFrom('findings').selectAll().orderBy('score', 'desc').orderBy('last_seen', 'desc').limit(req.query.limit ?? 100);
      if (req.query.type) q = q.where('type', '=', req.query.type);
      if (req.query.minScore !== undefined) q = q.where('score', '>=', req.query.minScore);
      const rows = await q.execute();
      await recordAudit(ctx.store.db, { actor: actorOf(req), action: 'findings.read', target: { type: 'findings' }, details: { count: rows.length } });
      return rows.map((r) => view(r));
    },
  );

  app.get<{ Params: Static<typeof KeyParams> }>(
    '/api/v1/findings/:key',
    { config: { access: { roles: FINDING_READERS, orgKinds: ['agency', 'commission'] } }, schema: { summary: 'One finding with its evidence', tags: ['detect'], params: KeyParams } },
    async (req) => {
      const r = await fdb.selectFrom('findings').selectAll().where('key', '=', req.params.key).executeTakeFirst();
      if (!r) throw notFound('finding', req.params.key);
      await recordAudit(ctx.store.db, { actor: actorOf(req), action: 'finding.read', target: { type: 'finding', id: r.key } });
      return view(r);
    },
  );

  app.get<{ Params: Static<typeof AddressParams> }>(
    '/api/v1/infrastructure/:address',
    {
      config: { access: { roles: INFRASTRUCTURE_READERS, orgKinds: ['agency'] } },
      schema: {
        summary: 'An external address (attacker infrastructure): its findings of every type, newest first (at most 500), first and last seen, and the domestic hosts involved (pseudonyms only, counted)',
        tags: ['detect'],
        params: AddressParams,
      },
    },
    async (req) => {
      const address = canonicalAddress(req.params.address);
      const rows = (await fdb.selectFrom('findings').selectAll().where('external', '=', address).orderBy('last_seen', 'desc').limit(INFRASTRUCTURE_LIMIT).execute());
      const findings = rows.map(view);
      const types: Record<string, number> = {};
      const pseudonyms = new Set<string>();
      let firstSeen: string | null = null;
      let lastSeen: string | null = null;
      let largestCount = 0;
      for (const f of findings) {
        types[String(f.type)] = (types[String(f.type)] ?? 0) + 1;
        for (const d of (f.domestic as string[] | null) ?? []) pseudonyms.add(d);
        largestCount = Math.max(largestCount, Number(f.domesticCount ?? 0));
        if (firstSeen === null || f.firstSeen < firstSeen) firstSeen = f.firstSeen;
        if (lastSeen === null || f.lastSeen > lastSeen) lastSeen = f.lastSeen;
      }
      await recordAudit(ctx.store.db, { actor: actorOf(req), action: 'findings.read', target: { type: 'infrastructure', id: address }, details: { count: findings.length } });
      return {
        address,
        findings,
        truncated: findings.length === INFRASTRUCTURE_LIMIT,
        summary: {
          findings: findings.length,
          types,
          firstSeen,
          lastSeen,
          /** distinct domestic pseudonyms named in the findings (each detector keeps a bounded sample) */
          pseudonymsNamed: pseudonyms.size,
          /** the most domestic hosts any one finding counted (estimated by the detector when large) */
          largestDomesticCount: largestCount,
          /** at least this many domestic hosts were involved */
          victimsAtLeast: Math.max(pseudonyms.size, largestCount),
        },
      };
    },
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
