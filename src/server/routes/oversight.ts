/**
 * The Merkle audit log on the API: its public key, signed tree heads (latest, history, sign now),
 * inclusion and consistency proofs (RFC 9162 §2.1.3, §2.1.4), the export `acd audit verify` checks,
 * the entries with their proofs (the commission's view), and the transparency report's counts.
 * Reading entries is itself audited; proofs and heads carry hashes only.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import type { Role } from '../../auth/index.js';
import { AcdError } from '../../shared/errors.js';
import { actorOf } from '../access.js';
import {
  ConsistencyProofSchema,
  InclusionProofSchema,
  PublicKeySchema,
  TreeHeadSchema,
  auditLogOf,
  canonicalAuditEntry,
  consistencyProofToJson,
  inclusionProofToJson,
  recordAudit,
  treeHeadToJson,
  type AuditLogAppender,
} from '../../oversight/index.js';
import { listLoggedEntries } from '../../oversight/index.js';
import { transparencyCounts, transparencyCsv, transparencyDigest, transparencyHtml, TransparencyQuerySchema, TransparencyReportSchema } from '../../oversight/index.js';

const OVERSIGHT: readonly Role[] = ['auditor', 'commission_member', 'admin'];

const HeadsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    beforeId: Type.Optional(Type.Integer({ minimum: 1, description: 'page: heads older than this id' })),
  },
  { additionalProperties: false },
);
const InclusionQuery = Type.Object(
  {
    seq: Type.Optional(Type.Integer({ minimum: 1, description: 'the audit event (audit_events.seq)' })),
    leafIndex: Type.Optional(Type.Integer({ minimum: 0 })),
    treeSize: Type.Optional(Type.Integer({ minimum: 1, description: 'default: the latest signed head' })),
  },
  { additionalProperties: false },
);
const ConsistencyQuery = Type.Object(
  {
    first: Type.Integer({ minimum: 0 }),
    second: Type.Optional(Type.Integer({ minimum: 0, description: 'default: the latest signed head' })),
  },
  { additionalProperties: false },
);
const EntriesQuery = Type.Object(
  {
    afterLeaf: Type.Optional(Type.Integer({ minimum: -1, description: 'page: entries after this leaf index' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  { additionalProperties: false },
);
const HeadWithId = Type.Intersect([TreeHeadSchema, Type.Object({ id: Type.Integer() })]);
const Entry = Type.Object({
  leafIndex: Type.Integer(),
  seq: Type.Integer(),
  entry: Type.String({ description: 'the RFC 8785 canonical JSON the leaf hashes' }),
  proof: Type.Union([InclusionProofSchema, Type.Null()], { description: 'against the latest signed head; null when the entry is newer than it' }),
});

/** AUDIT_BAD_ARGUMENT from the log becomes a 400 naming the field, a seq not (yet) logged a 404. */
async function asHttp<T>(fn: () => Promise<T>, field: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AcdError && e.code === 'AUDIT_BAD_ARGUMENT') {
      if (/is not in the log/.test(e.message)) throw new AcdError('NOT_FOUND', e.message, { status: 404 });
      throw new AcdError('BAD_REQUEST', `${field}: ${e.message}`, { status: 400 });
    }
    throw e;
  }
}

export async function oversightRoutes(fastify: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = ctx.store;
  const log = (): Promise<AuditLogAppender> => auditLogOf(ctx);

  app.get(
    '/api/v1/audit-log/public-key',
    {
      // public: anyone — the commission, parliament, the press — may check a signed head with it
      config: { access: { public: true } },
      schema: { summary: "The audit log's Ed25519 public key (PEM, raw, signed-note vkey)", tags: ['oversight'], response: { 200: PublicKeySchema } },
    },
    async () => (await log()).publicKey(),
  );

  app.get(
    '/api/v1/audit-log/head',
    {
      config: { access: { public: true } },
      schema: {
        summary: "The latest signed tree head (a C2SP checkpoint signed with Ed25519), with the witness's cosignature line when it cosigned it",
        tags: ['oversight'],
        response: { 200: Type.Intersect([TreeHeadSchema, Type.Object({ cosigned: Type.Boolean({ description: 'the checkpoint carries the witness cosignature (C2SP tlog-cosignature)' }) })]) },
      },
    },
    async () => {
      const p = await (await log()).latestPublished();
      if (!p) throw new AcdError('NOT_FOUND', 'no tree head has been signed yet: the audit log is empty or was never signed', { status: 404 });
      return { ...treeHeadToJson(p.head), cosigned: p.cosigned };
    },
  );

  app.get(
    '/api/v1/audit-log/checkpoint',
    {
      config: { access: { public: true } },
      schema: {
        summary: 'The latest checkpoint as text (signed note, cosigned when the witness cosigned it): save it to verify later with `acd audit verify --trusted-head`',
        tags: ['oversight'],
      },
    },
    async (_req, reply) => {
      const p = await (await log()).latestPublished();
      if (!p) throw new AcdError('NOT_FOUND', 'no tree head has been signed yet', { status: 404 });
      void reply.type('text/plain; charset=utf-8');
      return p.head.note;
    },
  );

  app.get(
    '/api/v1/audit-log/heads',
    {
      config: { access: { roles: OVERSIGHT } },
      schema: { summary: 'Signed tree heads, newest first', tags: ['oversight'], querystring: HeadsQuery, response: { 200: Type.Array(HeadWithId) } },
    },
    async (req) => {
      const hs = await (await log()).heads({ ...(req.query.limit ? { limit: req.query.limit } : {}), ...(req.query.beforeId ? { beforeId: req.query.beforeId } : {}) });
      return hs.map((h) => ({ ...treeHeadToJson(h), id: h.id }));
    },
  );

  app.post(
    '/api/v1/audit-log/heads',
    {
      config: { access: { roles: OVERSIGHT } },
      schema: {
        summary: 'Append what is pending and sign a tree head now (on demand)',
        tags: ['oversight'],
        response: { 201: TreeHeadSchema },
      },
    },
    async (req, reply) => {
      const h = await (await log()).signHead();
      await recordAudit(db, { actor: actorOf(req), action: 'audit_log.sign', target: { type: 'audit_log', id: String(h.treeSize) }, details: { treeSize: h.treeSize } });
      void reply.code(201);
      return treeHeadToJson(h);
    },
  );

  app.get(
    '/api/v1/audit-log/proof/inclusion',
    {
      config: { access: { roles: OVERSIGHT } },
      schema: {
        summary: 'Inclusion proof of one entry (by audit seq or leaf index) in a tree size',
        tags: ['oversight'],
        querystring: InclusionQuery,
        response: { 200: Type.Intersect([InclusionProofSchema, Type.Object({ seq: Type.Union([Type.Integer(), Type.Null()]) })]) },
      },
    },
    async (req) => {
      const q = req.query;
      if ((q.seq === undefined) === (q.leafIndex === undefined)) throw new AcdError('BAD_REQUEST', 'seq / leafIndex: give exactly one of them', { status: 400 });
      const l = await log();
      const p = await asHttp(
        () => l.inclusionProof({ ...(q.seq !== undefined ? { seq: q.seq } : {}), ...(q.leafIndex !== undefined ? { leafIndex: q.leafIndex } : {}), ...(q.treeSize !== undefined ? { treeSize: q.treeSize } : {}) }),
        q.seq !== undefined ? 'seq' : 'leafIndex',
      );
      return { ...inclusionProofToJson(p.leafIndex, p.treeSize, p.leafHash, p.path), seq: p.seq };
    },
  );

  app.get(
    '/api/v1/audit-log/proof/consistency',
    {
      config: { access: { roles: OVERSIGHT } },
      schema: { summary: 'Consistency proof between two tree sizes', tags: ['oversight'], querystring: ConsistencyQuery, response: { 200: ConsistencyProofSchema } },
    },
    async (req) => {
      const l = await log();
      const second = req.query.second ?? l.latestHead()?.treeSize ?? l.size;
      const path = await asHttp(() => l.consistencyProof(req.query.first, second), 'first / second');
      return consistencyProofToJson(req.query.first, second, path);
    },
  );

  app.get(
    '/api/v1/audit-log/export',
    {
      config: { access: { roles: OVERSIGHT, orgKinds: ['agency', 'commission'] } },
      schema: {
        summary: 'The whole log for `acd audit verify`: entries, leaf hashes, signed heads, consistency proofs (reading it is audited)',
        tags: ['oversight'],
      },
    },
    async (req) => {
      const exp = await (await log()).exportLog();
      await recordAudit(db, { actor: actorOf(req), action: 'audit_log.export', target: { type: 'audit_log' }, details: { entries: exp.entries.length, treeHeads: exp.treeHeads.length } });
      return exp;
    },
  );

  app.get(
    '/api/v1/audit-log/entries',
    {
      config: { access: { roles: OVERSIGHT, orgKinds: ['agency', 'commission'] } },
      schema: {
        summary: 'Logged entries in leaf order, each with its inclusion proof against the latest signed head (reading them is audited)',
        tags: ['oversight'],
        querystring: EntriesQuery,
        response: { 200: Type.Object({ head: Type.Union([TreeHeadSchema, Type.Null()]), entries: Type.Array(Entry) }) },
      },
    },
    async (req) => {
      const l = await log();
      const head = l.latestHead() ?? null;
      const after = req.query.afterLeaf ?? -1;
      const logged = await listLoggedEntries(db, after, req.query.limit ?? 50);
      const entries = [];
      for (const { leafIndex, seq, entry } of logged) {
        let proof = null;
        if (head && leafIndex < head.treeSize) {
          const p = await l.inclusionProof({ leafIndex, treeSize: head.treeSize });
          proof = inclusionProofToJson(p.leafIndex, p.treeSize, p.leafHash, p.path);
        }
        entries.push({ leafIndex, seq, entry: canonicalAuditEntry(entry), proof });
      }
      await recordAudit(db, { actor: actorOf(req), action: 'audit_log.read', target: { type: 'audit_log' }, details: { afterLeaf: after, count: entries.length } });
      return { head: head ? treeHeadToJson(head) : null, entries };
    },
  );

  app.get(
    '/api/v1/transparency',
    {
      config: { access: { roles: OVERSIGHT } },
      schema: {
        summary: 'Transparency report: counts per action and period from the audit log (and the gate, where its counters exist); JSON, CSV or a printable HTML page. Counts only.',
        tags: ['oversight'],
        querystring: TransparencyQuerySchema,
        response: { 200: TransparencyReportSchema },
      },
    },
    async (req, reply) => {
      const counts = await transparencyCounts(db, req.query);
      // tied to the log: the latest signed (and witnessed) head, and the report's digest recorded in the log
      const pub = await (await log()).latestPublished();
      const digest = transparencyDigest(counts);
      const report = { ...counts, head: pub ? { treeSize: pub.head.treeSize, rootHash: pub.head.rootHash.toString('base64'), checkpoint: pub.head.note, cosigned: pub.cosigned } : null, digest };
      await recordAudit(db, { actor: actorOf(req), action: 'transparency.read', target: { type: 'transparency_report' }, details: { from: report.from, to: report.to, period: report.period, digest, headSize: pub?.head.treeSize ?? null } });
      if (req.query.format === 'csv') {
        // the text formats are outside the JSON response schema the type provider checks: sent untyped
        void (reply as FastifyReply).type('text/csv; charset=utf-8').send(transparencyCsv(report));
        return;
      }
      if (req.query.format === 'html') {
        void (reply as FastifyReply).type('text/html; charset=utf-8').send(transparencyHtml(report));
        return;
      }
      return report;
    },
  );
}
