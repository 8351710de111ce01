/**
 * What the web dashboard needs to stay live without flooding the audit log, and to search it (#22).
 *
 * GET /api/v1/changes answers, per kind of record, a version that moves when a record of that kind
 * changes: the newest audit sequence number of a change (reads and logins are not changes) to a target
 * of that type, and for findings (which detectors upsert without an audit entry) their newest update.
 * It shows no record and is not audited, so a tab may ask it every few seconds; the dashboard re-reads a
 * list (an audited read) only when its version moved. The versions are kept in memory and brought up to
 * date from the entries after the last one seen (the primary key), so a call costs one indexed range.
 *
 * GET /api/v1/audit/search filters the audit trail by action, actor, target and time, newest first,
 * paged by sequence number; the search itself is audited.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { recordAudit } from '../../oversight/index.js';
import { lastFindingUpdate } from '../../findings/index.js';
import { AcdError } from '../../shared/errors.js';
import { actorOf } from '../access.js';

/** actions that record a look, not a change: they do not move a version */
export function isReadAction(action: string): boolean {
  return /\.(read|list|search)$/.test(action) || action.startsWith('auth.');
}

const Changes = Type.Object({
  topics: Type.Record(Type.String(), Type.String(), { description: 'per audit target type (and "finding"), an opaque version; a list is re-read when its version moves' }),
});

const SearchQuery = Type.Object(
  {
    action: Type.Optional(Type.String({ maxLength: 100, description: 'an action, or its beginning ending with * (e.g. report.*)' })),
    actor: Type.Optional(Type.String({ maxLength: 100, description: 'a username or user id' })),
    targetType: Type.Optional(Type.String({ maxLength: 60 })),
    targetId: Type.Optional(Type.String({ maxLength: 400 })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    beforeSeq: Type.Optional(Type.Integer({ minimum: 1, description: 'the page after this one: entries older than this sequence number' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  { additionalProperties: false },
);

const Entry = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  actorUserId: Type.Union([Type.String(), Type.Null()]),
  actorUsername: Type.Union([Type.String(), Type.Null()]),
  actorRoles: Type.Array(Type.String()),
  action: Type.String(),
  targetType: Type.String(),
  targetId: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  details: Type.Unknown(),
});

const SearchAnswer = Type.Object({ entries: Type.Array(Entry), nextBeforeSeq: Type.Union([Type.Integer(), Type.Null()]) });

/** LIKE pattern text with its own wildcards escaped */
const likeText = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function dashboardRoutes(fastify: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = ctx.store;
  // the versions known so far, and the newest audit entry they account for
  const versions = new Map<string, number>();
  let seen = 0;
  let catching: Promise<void> | null = null;

  async function catchUp(): Promise<void> {
    // one pass at a time; callers meanwhile share it
    for (;;) {
      const rows = await db
        .selectFrom('audit_events')
        .select(['seq', 'action', 'target_type'])
        .where('seq', '>', seen)
        .orderBy('seq', 'asc')
        .limit(5000)
        .execute();
      for (const r of rows) {
        const seq = Number(r.seq);
        if (seq > seen) seen = seq;
        if (!isReadAction(r.action)) versions.set(r.target_type, seq);
      }
      if (rows.length < 5000) return;
    }
  }

  app.get(
    '/api/v1/changes',
    {
      config: { access: { roles: 'any' } },
      schema: { summary: 'Versions per kind of record, for a dashboard to re-read a list only when it changed (not audited: shows no record)', tags: ['web'], response: { 200: Changes } },
    },
    async () => {
      catching ??= catchUp().finally(() => {
        catching = null;
      });
      await catching;
      const finding = await lastFindingUpdate(db).catch(() => '0');
      const topics: Record<string, string> = {};
      for (const [k, v] of versions) topics[k] = String(v);
      topics.finding = finding;
      return { topics };
    },
  );

  app.get(
    '/api/v1/audit/search',
    {
      config: { access: { roles: ['admin', 'auditor', 'commission_member'] } },
      schema: { summary: 'Search the audit trail by action, actor, target and time, newest first, paged (the search is audited)', tags: ['oversight'], querystring: SearchQuery, response: { 200: SearchAnswer } },
    },
    async (req) => {
      const q = req.query;
      const limit = q.limit ?? 50;
      let query = db
        .selectFrom('audit_events')
        .leftJoin('users', 'users.id', 'audit_events.actor_user_id')
        .select([
          'audit_events.seq',
          'audit_events.at',
          'audit_events.actor_user_id',
          'users.username',
          'audit_events.actor_roles',
          'audit_events.action',
          'audit_events.target_type',
          'audit_events.target_id',
          'audit_events.reason',
          'audit_events.details',
        ])
        .orderBy('audit_events.seq', 'desc')
        .limit(limit + 1);
      if (q.action) {
        query = q.action.endsWith('*') ? query.where('audit_events.action', 'like', `${likeText(q.action.slice(0, -1))}%`) : query.where('audit_events.action', '=', q.action);
      }
      if (q.actor) {
        const who = await db.selectFrom('users').select('id').where((eb) => eb.or([eb('username', '=', q.actor!), eb('id', '=', q.actor!)])).executeTakeFirst();
        // an unknown actor matches nothing (rather than everything)
        query = who ? query.where('audit_events.actor_user_id', '=', who.id) : query.where(sql<boolean>`false`);
      }
      if (q.targetType) query = query.where('audit_events.target_type', '=', q.targetType);
      if (q.targetId) query = query.where('audit_events.target_id', '=', q.targetId);
      const time = (s: string, name: string) => {
        const d = new Date(s);
        if (Number.isNaN(d.getTime())) throw new AcdError('BAD_TIME', `${name}: '${s}' is not a time`);
        return d;
      };
      if (q.from) query = query.where('audit_events.at', '>=', time(q.from, 'from'));
      if (q.to) query = query.where('audit_events.at', '<', time(q.to, 'to'));
      if (q.beforeSeq !== undefined) query = query.where('audit_events.seq', '<', q.beforeSeq);
      const rows = await query.execute();
      const page = rows.slice(0, limit);
      const filters = Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined));
      await recordAudit(db, { actor: actorOf(req), action: 'audit.search', target: { type: 'audit_log' }, details: { ...filters, count: page.length } });
      return {
        entries: page.map((r) => ({
          seq: Number(r.seq),
          at: new Date(r.at).toISOString(),
          actorUserId: r.actor_user_id,
          actorUsername: r.username ?? null,
          actorRoles: r.actor_roles,
          action: r.action,
          targetType: r.target_type,
          targetId: r.target_id,
          reason: r.reason,
          details: r.details,
        })),
        nextBeforeSeq: rows.length > limit ? Number(page[page.length - 1]!.seq) : null,
      };
    },
  );
}
