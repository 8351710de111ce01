/**
 * TAXII 2.1 under /taxii2/: discovery, API roots, collections, objects (GET with added_after, limit,
 * next, match[…]; POST envelopes answered 202 with a status resource), one object (GET, DELETE), its
 * versions, the manifest, status. Every answer — errors included — is `application/taxii+json;version=2.1`; a wrong
 * Accept is 406, a wrong Content-Type 415, a body over the API root's max_content_length 413.
 * Authentication (Bearer, or HTTP Basic with user name and token) is the access layer's; what a
 * person may read or write in a collection, and which objects their TLP admits, is intel's.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { checkJsonDepth } from '../input-guard.js';
import secureJson from 'secure-json-parse';
import type { AppContext } from '../context.js';
import { actorOf } from '../access.js';
import { AcdError } from '../../shared/errors.js';
import { auditQueueOf } from '../../oversight/index.js';
import type { Actor } from '../../auth/index.js';
import {
  STIX_MEDIA_TYPE,
  TAXII_MEDIA_TYPE,
  acceptsTaxii,
  addObjects,
  collectionsFor,
  deleteObject,
  errorResource,
  formatUs,
  collectionWithMembership,
  getStatus,
  isTaxiiContentType,
  parseFilter,
  queryObjects,
  rightsOf,
  saveStatus,
  type Collection,
  type IntelTables,
  type Page,
  type Rights,
  type TaxiiQuery,
  getApiRoot,
  listApiRootIds,
} from '../../intel/index.js';
import { withTables } from '../../store/index.js';

/** The most a POST may carry at all; each API root advertises (and enforces) its own, smaller limit. */
const HARD_BODY_LIMIT = 64 * 1048576;

const QueryString = Type.Object(
  {
    added_after: Type.Optional(Type.String()),
    limit: Type.Optional(Type.String()),
    next: Type.Optional(Type.String()),
    'match[id]': Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
    'match[type]': Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
    'match[version]': Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
    'match[spec_version]': Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
  },
  { additionalProperties: true },
);
const RootParams = Type.Object({ root: Type.String() });
const CollParams = Type.Object({ root: Type.String(), collectionId: Type.String() });
const ObjParams = Type.Object({ root: Type.String(), collectionId: Type.String(), objectId: Type.String() });
const StatusParams = Type.Object({ root: Type.String(), statusId: Type.String() });

type RootP = { root: string };
type CollP = RootP & { collectionId: string };
type ObjP = CollP & { objectId: string };

const ACCESS = { access: { roles: 'any' as const } };

declare module 'fastify' {
  interface FastifyRequest {
    taxiiLimit?: number;
  }
}

/** §3.7 envelope, written around the objects' stored JSON text (no parse and re-serialise). */
function envelopeText(p: Page): string {
  const head = `{"more":${p.more}${p.next ? `,"next":${JSON.stringify(p.next)}` : ''}`;
  if (p.rows.length === 0) return `${head}}`;
  return `${head},"objects":[${p.rows.map((r) => r.objectText).join(',')}]}`;
}

export async function taxiiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(async (taxii) => taxiiPlugin(taxii, ctx), { prefix: '/taxii2' });
}

async function taxiiPlugin(taxii: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = withTables<IntelTables>(ctx.store.db);
  const apiRoot = (id: string) => getApiRoot(db, id);
  const requireRoot = async (id: string) => {
    const r = await apiRoot(id);
    if (!r) throw new AcdError('TAXII_NOT_FOUND', `there is no API root ${id}`, { status: 404 });
    return r;
  };

  // Every answer is TAXII's media type, errors as error resources (§3.6.1).
  taxii.addHook('onSend', async (_req, reply, payload) => {
    reply.header('content-type', TAXII_MEDIA_TYPE);
    return payload;
  });
  taxii.setErrorHandler((err: FastifyError | AcdError | Error, req, reply) => {
    let status = 500;
    let body = errorResource(500, 'INTERNAL', 'internal error; the incident is logged');
    if (err instanceof AcdError) {
      status = err.status;
      body = errorResource(status, err.code, err.message, err.details && typeof err.details === 'object' ? (err.details as Record<string, unknown>) : undefined);
    } else if ('validation' in err && err.validation) {
      status = 400;
      const first = err.validation[0];
      body = errorResource(400, 'VALIDATION', `${(err as FastifyError).validationContext ?? 'request'}${first?.instancePath ?? ''} ${first?.message ?? 'is invalid'}`);
    } else if ('code' in err && typeof err.code === 'string') {
      const code = err.code;
      if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        status = 413;
        body = errorResource(413, 'TAXII_TOO_LARGE', `the request body is larger than this API root's max_content_length of ${req.taxiiLimit ?? HARD_BODY_LIMIT} bytes`);
      } else if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        status = 415;
        body = errorResource(415, 'TAXII_MEDIA_TYPE', `Content-Type ${String(req.headers['content-type'])} is not ${TAXII_MEDIA_TYPE}`);
      } else if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
        status = 400;
        body = errorResource(400, 'TAXII_BAD_ENVELOPE', `the request body is not valid JSON: ${err.message}`);
      } else if (typeof (err as FastifyError).statusCode === 'number' && (err as FastifyError).statusCode! < 500) {
        status = (err as FastifyError).statusCode!;
        body = errorResource(status, code, err.message);
      }
    }
    if (status === 401) void reply.header('www-authenticate', 'Basic realm="ACD TAXII", Bearer realm="ACD TAXII"');
    if (status >= 500) req.log.error({ err }, 'TAXII request failed');
    else req.log.info({ code: body.error_code, status }, 'TAXII request refused');
    void reply.status(status).send(body);
  });
  taxii.setNotFoundHandler((req, reply) => {
    void reply.status(404).send(errorResource(404, 'TAXII_NOT_FOUND', `no TAXII endpoint ${req.method} ${req.url.split('?')[0]}`));
  });

  // §1.6.8: content negotiation before any work (the access check has run: 401/403 come first)
  taxii.addHook('onRequest', async (req) => {
    if (!acceptsTaxii(req.headers.accept)) {
      throw new AcdError('TAXII_NOT_ACCEPTABLE', `this server answers ${TAXII_MEDIA_TYPE} only; the Accept header ${JSON.stringify(req.headers.accept)} does not admit it`, { status: 406 });
    }
    if (req.method === 'POST') {
      if (!isTaxiiContentType(req.headers['content-type'])) {
        throw new AcdError('TAXII_MEDIA_TYPE', `Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')} is not ${TAXII_MEDIA_TYPE}`, { status: 415 });
      }
      const root = await apiRoot((req.params as { root?: string }).root ?? '');
      req.taxiiLimit = root?.max_content_length ?? HARD_BODY_LIMIT;
      const len = Number(req.headers['content-length'] ?? NaN);
      if (Number.isFinite(len) && len > req.taxiiLimit) {
        throw new AcdError('TAXII_TOO_LARGE', `the request body of ${len} bytes is larger than this API root's max_content_length of ${req.taxiiLimit} bytes`, { status: 413 });
      }
    }
  });
  taxii.addContentTypeParser(/^application\/taxii\+json/i, { parseAs: 'string', bodyLimit: HARD_BODY_LIMIT }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (Buffer.byteLength(text) > (req.taxiiLimit ?? HARD_BODY_LIMIT)) {
      done(new AcdError('TAXII_TOO_LARGE', `the request body is larger than this API root's max_content_length of ${req.taxiiLimit} bytes`, { status: 413 }), undefined);
      return;
    }
    try {
      checkJsonDepth(text); // issue #20: a 10 000-deep object is refused before it is parsed
      done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (e) {
      done(new AcdError('TAXII_BAD_ENVELOPE', `the request body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  });

  const base = (req: FastifyRequest): string => `${req.protocol}://${req.host}/taxii2`;

  /** The collection and the caller's rights; 404 when they may neither read nor write it. */
  const collectionFor = async (actor: Actor, root: string, id: string): Promise<{ c: Collection; rights: Rights }> => {
    const found = await collectionWithMembership(db, root, id, actor.orgId);
    if (!found) {
      await requireRoot(root);
      throw new AcdError('TAXII_NOT_FOUND', `API root ${root} has no collection ${id}`, { status: 404 });
    }
    const { c } = found;
    const rights = rightsOf(actor, c, found.m);
    if (!rights.canRead && !rights.canWrite) throw new AcdError('TAXII_NOT_FOUND', `API root ${root} has no collection ${id}`, { status: 404 });
    return { c, rights };
  };
  const mustRead = (r: Rights, c: Collection): void => {
    if (!r.canRead) throw new AcdError('TAXII_FORBIDDEN', `you may add to collection ${c.id} but not read it`, { status: 403 });
  };
  const pageHeaders = (reply: FastifyReply, p: Page): void => {
    const first = p.rows[0];
    const last = p.rows[p.rows.length - 1];
    if (first && last) {
      void reply.header('X-TAXII-Date-Added-First', formatUs(first.date_added_us));
      void reply.header('X-TAXII-Date-Added-Last', formatUs(last.date_added_us));
    }
  };
  // Reads are audited one event each through the store's batched queue (oversight/audit-queue.ts): a
  // page is answered only once its event has committed, and concurrent pages share one commit (group
  // commit) instead of one commit per page, which was the largest part of a page's time. A page whose
  // event cannot be written is refused (503), never served unaudited.
  const auditQueue = auditQueueOf(ctx.store.db);
  const auditRead = async (actor: Actor, c: Collection, what: string, p: Page): Promise<void> => {
    if (p.rows.length === 0) return;
    const tlp: Record<string, number> = {};
    for (const r of p.rows) tlp[r.tlp] = (tlp[r.tlp] ?? 0) + 1;
    try {
      await auditQueue.append({ actor, action: `intel.${what}.read`, target: { type: 'intel_collection', id: c.id }, details: { count: p.rows.length, tlp } });
    } catch (e) {
      ctx.logger.error({ err: e }, 'a TAXII read could not be audited; it is refused');
      throw new AcdError('AUDIT_UNAVAILABLE', 'the read could not be recorded in the audit log, so it is refused; try again later', { status: 503 });
    }
  };

  // §4.1 discovery
  taxii.get('/', { config: ACCESS, schema: { summary: 'TAXII 2.1 discovery', tags: ['taxii'] } }, async (req) => {
    const roots = (await listApiRootIds(db)).map((id) => ({ id }));
    return {
      title: 'ACD TAXII 2.1',
      description: 'Intelligence shared by the active cyber defence platform; each object only to the readers its TLP marking admits.',
      default: `${base(req)}/acd/`,
      api_roots: roots.map((r) => `${base(req)}/${r.id}/`),
    };
  });

  // §4.2 API root information
  taxii.get<{ Params: RootP }>('/:root/', { config: ACCESS, schema: { summary: 'TAXII API root', tags: ['taxii'], params: RootParams } }, async (req) => {
    const r = await requireRoot(req.params.root);
    return { title: r.title, ...(r.description ? { description: r.description } : {}), versions: [TAXII_MEDIA_TYPE], max_content_length: r.max_content_length };
  });

  // §4.3 status
  taxii.get<{ Params: RootP & { statusId: string } }>('/:root/status/:statusId/', { config: ACCESS, schema: { summary: 'TAXII status of a POST', tags: ['taxii'], params: StatusParams } }, async (req) => {
    await requireRoot(req.params.root);
    const s = await getStatus(db, req.params.root, req.params.statusId, actorOf(req));
    if (!s) throw new AcdError('TAXII_NOT_FOUND', `there is no status ${req.params.statusId} of yours`, { status: 404 });
    return s;
  });

  const collectionView = (c: Collection, r: Rights) => ({
    id: c.id,
    title: c.title,
    ...(c.description ? { description: c.description } : {}),
    ...(c.alias ? { alias: c.alias } : {}),
    can_read: r.canRead,
    can_write: r.canWrite,
    media_types: [STIX_MEDIA_TYPE],
  });

  // §5.1, §5.2 collections
  taxii.get<{ Params: RootP }>('/:root/collections/', { config: ACCESS, schema: { summary: 'TAXII collections you may read or write', tags: ['taxii'], params: RootParams } }, async (req) => {
    await requireRoot(req.params.root);
    const list = await collectionsFor(db, actorOf(req), req.params.root);
    return list.length ? { collections: list.map((x) => collectionView(x.c, x.rights)) } : {};
  });
  taxii.get<{ Params: CollP }>('/:root/collections/:collectionId/', { config: ACCESS, schema: { summary: 'One TAXII collection', tags: ['taxii'], params: CollParams } }, async (req) => {
    const { c, rights } = await collectionFor(actorOf(req), req.params.root, req.params.collectionId);
    return collectionView(c, rights);
  });

  // §5.3 manifest
  taxii.get<{ Params: CollP; Querystring: TaxiiQuery }>(
    '/:root/collections/:collectionId/manifest/',
    { config: ACCESS, schema: { summary: 'TAXII manifest of a collection', tags: ['taxii'], params: CollParams, querystring: QueryString } },
    async (req, reply) => {
      const actor = actorOf(req);
      const { c, rights } = await collectionFor(actor, req.params.root, req.params.collectionId);
      mustRead(rights, c);
      const p = await queryObjects(db, c, { reader: rights.reader, ...parseFilter(req.query) }, false);
      pageHeaders(reply, p);
      await auditRead(actor, c, 'manifest', p);
      return {
        more: p.more,
        ...(p.next ? { next: p.next } : {}),
        ...(p.rows.length ? { objects: p.rows.map((r) => ({ id: r.stix_id, date_added: formatUs(r.date_added_us), version: r.version, media_type: r.spec_version === '2.0' ? 'application/stix+json;version=2.0' : STIX_MEDIA_TYPE })) } : {}),
      };
    },
  );

  // §5.4 get objects
  taxii.get<{ Params: CollP; Querystring: TaxiiQuery }>(
    '/:root/collections/:collectionId/objects/',
    { config: ACCESS, schema: { summary: 'TAXII objects of a collection (an envelope), a page at a time', tags: ['taxii'], params: CollParams, querystring: QueryString } },
    async (req, reply) => {
      const actor = actorOf(req);
      const { c, rights } = await collectionFor(actor, req.params.root, req.params.collectionId);
      mustRead(rights, c);
      const p = await queryObjects(db, c, { reader: rights.reader, ...parseFilter(req.query) }, 'text');
      pageHeaders(reply, p);
      await auditRead(actor, c, 'objects', p);
      return reply.send(envelopeText(p));
    },
  );

  // §5.5 add objects
  taxii.post<{ Params: CollP; Body: unknown }>(
    '/:root/collections/:collectionId/objects/',
    { config: ACCESS, bodyLimit: HARD_BODY_LIMIT, schema: { summary: 'Add objects to a TAXII collection (an envelope); answered 202 with a status resource', tags: ['taxii'], params: CollParams } },
    async (req, reply) => {
      const actor = actorOf(req);
      const requestUs = Date.now() * 1000;
      const { c, rights } = await collectionFor(actor, req.params.root, req.params.collectionId);
      if (!rights.canWrite) throw new AcdError('TAXII_FORBIDDEN', `you may read collection ${c.id} but not add to it`, { status: 403 });
      const env = req.body;
      if (typeof env !== 'object' || env === null || Array.isArray(env)) throw new AcdError('TAXII_BAD_ENVELOPE', 'the request body must be a TAXII envelope: an object with an "objects" list');
      const objects = (env as { objects?: unknown }).objects;
      if (!Array.isArray(objects)) throw new AcdError('TAXII_BAD_ENVELOPE', 'the envelope has no "objects" list');
      if (objects.length === 0) throw new AcdError('TAXII_BAD_ENVELOPE', 'the envelope\'s "objects" list is empty');
      const r = await addObjects(db, c, objects, { actor, reader: rights.reader, candidates: `taxii:${actor.orgId}`, action: 'intel.objects.add', details: { via: 'taxii' } });
      const status = await saveStatus(db, req.params.root, c, actor, requestUs, objects.length, r);
      void reply.status(202);
      return status;
    },
  );

  // §5.6 one object
  taxii.get<{ Params: ObjP; Querystring: TaxiiQuery }>(
    '/:root/collections/:collectionId/objects/:objectId/',
    { config: ACCESS, schema: { summary: 'One object of a TAXII collection (an envelope)', tags: ['taxii'], params: ObjParams, querystring: QueryString } },
    async (req, reply) => {
      const actor = actorOf(req);
      const { c, rights } = await collectionFor(actor, req.params.root, req.params.collectionId);
      mustRead(rights, c);
      const f = parseFilter(req.query);
      const p = await queryObjects(db, c, { reader: rights.reader, ...f, ids: [req.params.objectId] }, 'text');
      if (p.rows.length === 0 && !f.next && f.addedAfterUs === undefined) throw new AcdError('TAXII_NOT_FOUND', `collection ${c.id} has no object ${req.params.objectId} you may read`, { status: 404 });
      pageHeaders(reply, p);
      await auditRead(actor, c, 'objects', p);
      return reply.send(envelopeText(p));
    },
  );

  // §5.7 delete an object (or the versions match[version] / match[spec_version] name; default: every version)
  taxii.delete<{ Params: ObjP; Querystring: TaxiiQuery }>(
    '/:root/collections/:collectionId/objects/:objectId/',
    { config: ACCESS, schema: { summary: 'Delete an object of a TAXII collection (every version, or those match[version] / match[spec_version] name); audited', tags: ['taxii'], params: ObjParams, querystring: QueryString } },
    async (req, reply) => {
      const actor = actorOf(req);
      const extra = Object.keys(req.query).filter((k) => k !== 'match[version]' && k !== 'match[spec_version]');
      if (extra.length) throw new AcdError('TAXII_BAD_PARAMETER', `deleting an object takes match[version] and match[spec_version] only, not ${extra.join(', ')}`);
      const { c, rights } = await collectionFor(actor, req.params.root, req.params.collectionId);
      if (!rights.canWrite) throw new AcdError('TAXII_FORBIDDEN', `you may read collection ${c.id} but not change it`, { status: 403 });
      const f = parseFilter(req.query);
      await deleteObject(db, c, actor, rights.reader, req.params.objectId, { ...(f.versions ? { versions: f.versions } : {}), ...(f.specVersions ? { specVersions: f.specVersions } : {}) }, { via: 'taxii' });
      return reply.status(200).send();
    },
  );

  // §5.8 versions of an object
  taxii.get<{ Params: ObjP; Querystring: TaxiiQuery }>(
    '/:root/collections/:collectionId/objects/:objectId/versions/',
    { config: ACCESS, schema: { summary: 'The versions of one object of a TAXII collection', tags: ['taxii'], params: ObjParams, querystring: QueryString } },
    async (req, reply) => {
      const actor = actorOf(req);
      const { c, rights } = await collectionFor(actor, req.params.root, req.params.collectionId);
      mustRead(rights, c);
      const f = parseFilter(req.query);
      const p = await queryObjects(db, c, { reader: rights.reader, ...f, ids: [req.params.objectId], versions: ['all'] }, false);
      if (p.rows.length === 0 && !f.next && f.addedAfterUs === undefined) throw new AcdError('TAXII_NOT_FOUND', `collection ${c.id} has no object ${req.params.objectId} you may read`, { status: 404 });
      pageHeaders(reply, p);
      return { more: p.more, ...(p.next ? { next: p.next } : {}), versions: p.rows.map((r) => r.version) };
    },
  );
}
