/**
 * A TAXII 2.1 client and feed import: ACD pulls objects from other TAXII 2.1 servers, a page at a time
 * by `next` (§3.4.3), and resumes the next run with `added_after` set to the last
 * X-TAXII-Date-Added-Last it stored (§3.4.2). A run never loops: a page that does not move forward in
 * date_added, or a `next` seen before, ends it with an error; the number of pages is bounded.
 * Pulled indicators become candidate criteria (an approval must still adopt them).
 */
import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import { Counter } from 'prom-client';
import { AcdError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { addObjects, getCollection, timeUs, type IntelDb } from './store.js';
import { TAXII_MEDIA_TYPE } from './taxii.js';

export type TaxiiAuth = { bearer: string } | { basic: { user: string; token: string } } | null;

export interface TaxiiClientOptions {
  auth: TaxiiAuth;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** aborts every request in flight (the scheduler's stop) */
  signal?: AbortSignal;
}

export interface TaxiiPage {
  objects: Array<{ id: string; type: string; [k: string]: unknown }>;
  more: boolean;
  next?: string;
  dateAddedFirst: string | null;
  dateAddedLast: string | null;
}

export interface TaxiiClient {
  get<T>(url: string): Promise<{ body: T; headers: Headers }>;
  discovery(url: string): Promise<{ title: string; default?: string; api_roots?: string[] }>;
  collections(apiRootUrl: string): Promise<Array<{ id: string; title: string; can_read: boolean; can_write: boolean }>>;
  /** one page of a collection's objects */
  page(objectsUrl: string, q: { addedAfter?: string; next?: string; limit?: number }): Promise<TaxiiPage>;
}

export function createTaxiiClient(o: TaxiiClientOptions): TaxiiClient {
  const f = o.fetch ?? fetch;
  const headers: Record<string, string> = { accept: TAXII_MEDIA_TYPE };
  if (o.auth && 'bearer' in o.auth) headers.authorization = `Bearer ${o.auth.bearer}`;
  if (o.auth && 'basic' in o.auth) headers.authorization = `Basic ${Buffer.from(`${o.auth.basic.user}:${o.auth.basic.token}`).toString('base64')}`;
  const get = async <T>(url: string): Promise<{ body: T; headers: Headers }> => {
    let res: Response;
    try {
      const timeout = AbortSignal.timeout(o.timeoutMs ?? 30_000);
      res = await f(url, { headers, signal: o.signal ? AbortSignal.any([o.signal, timeout]) : timeout });
    } catch (e) {
      throw new AcdError('TAXII_CLIENT_NETWORK', `GET ${url} failed: ${(e as Error).message}`);
    }
    const text = await res.text();
    if (res.status !== 200) {
      let why = text.slice(0, 300);
      try {
        const err = JSON.parse(text) as { title?: string; description?: string };
        why = [err.title, err.description].filter(Boolean).join(': ');
      } catch {
        /* not an error resource */
      }
      throw new AcdError('TAXII_CLIENT_HTTP', `GET ${url} answered ${res.status}: ${why}`);
    }
    const ct = res.headers.get('content-type') ?? '';
    if (!/^application\/taxii\+json/i.test(ct)) throw new AcdError('TAXII_CLIENT_MEDIA_TYPE', `GET ${url} answered ${ct || 'no content type'}, not ${TAXII_MEDIA_TYPE}`);
    try {
      return { body: JSON.parse(text) as T, headers: res.headers };
    } catch (e) {
      throw new AcdError('TAXII_CLIENT_BAD_JSON', `GET ${url} answered invalid JSON: ${(e as Error).message}`);
    }
  };
  return {
    get,
    async discovery(url) {
      return (await get<{ title: string; default?: string; api_roots?: string[] }>(url)).body;
    },
    async collections(apiRootUrl) {
      const u = apiRootUrl.endsWith('/') ? apiRootUrl : `${apiRootUrl}/`;
      return (await get<{ collections?: Array<{ id: string; title: string; can_read: boolean; can_write: boolean }> }>(`${u}collections/`)).body.collections ?? [];
    },
    async page(objectsUrl, q) {
      const u = new URL(objectsUrl);
      if (q.addedAfter) u.searchParams.set('added_after', q.addedAfter);
      if (q.next) u.searchParams.set('next', q.next);
      if (q.limit) u.searchParams.set('limit', String(q.limit));
      const { body, headers: h } = await get<{ objects?: TaxiiPage['objects']; more?: boolean; next?: string }>(u.toString());
      if (body.objects !== undefined && !Array.isArray(body.objects)) throw new AcdError('TAXII_CLIENT_BAD_ENVELOPE', `GET ${u} answered an envelope whose objects is not a list`);
      return {
        objects: body.objects ?? [],
        more: body.more === true,
        ...(body.next ? { next: body.next } : {}),
        dateAddedFirst: h.get('x-taxii-date-added-first'),
        dateAddedLast: h.get('x-taxii-date-added-last'),
      };
    },
  };
}

export interface Feed {
  id: string;
  url: string;
  collectionId: string;
  addedAfter: string | null;
}

/** A feed's URL: an http(s) TAXII objects URL (…/collections/{id}/objects/). */
function feedUrl(url: string, where = 'feed URL'): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AcdError('INTEL_FEED_URL', `${where} ${JSON.stringify(url)} is not a URL`);
  }
  if (!/^https?:$/.test(u.protocol) || !u.pathname.endsWith('/objects/')) throw new AcdError('INTEL_FEED_URL', `${where} ${url} must be an http(s) TAXII objects URL ending in /objects/`);
  return u.toString();
}

export async function createFeed(db: IntelDb, f: { url: string; collectionId: string; apiRoot?: string }): Promise<Feed> {
  const url = feedUrl(f.url);
  const c = await getCollection(db, f.apiRoot ?? 'acd', f.collectionId);
  if (!c) throw new AcdError('NOT_FOUND', `collection ${f.collectionId} does not exist`, { status: 404 });
  const dup = await db.selectFrom('intel_feeds').select('id').where('url', '=', url).executeTakeFirst();
  if (dup) throw new AcdError('CONFLICT', `feed ${url} is already registered (${dup.id})`, { status: 409 });
  const id = randomUUID();
  await db.insertInto('intel_feeds').values({ id, url, collection_id: c.id, added_after: null, last_run_at: null, last_error: null, created_at: new Date() }).execute();
  return { id, url, collectionId: c.id, addedAfter: null };
}

/** A feed as the configuration names it (config key taxiiFeeds.feeds). */
export interface ConfiguredFeed {
  /** the feed's id: its credentials are in ACD_TAXII_FEED_<id upper-cased without dashes> */
  id: string;
  url: string;
  /** the local collection (id or alias) the feed's objects go to */
  collectionId: string;
  apiRoot?: string;
}

/**
 * Registers the feeds the configuration names (at start-up): a new id is added, a known one takes the
 * configured URL and collection (its resume point is kept while the URL stays the same). A feed whose
 * collection does not exist, or whose URL another feed has, stops start-up with an error naming it.
 */
export async function registerConfiguredFeeds(db: IntelDb, feeds: readonly ConfiguredFeed[]): Promise<void> {
  for (const [i, f] of feeds.entries()) {
    const where = `config taxiiFeeds.feeds[${i}] (${f.id})`;
    const url = feedUrl(f.url, `${where}: url`);
    const c = await getCollection(db, f.apiRoot ?? 'acd', f.collectionId);
    if (!c) throw new AcdError('CONFIG_INVALID', `${where}: there is no collection ${f.collectionId} in API root ${f.apiRoot ?? 'acd'} (create it first: POST /api/v1/intel/collections)`);
    const dup = await db.selectFrom('intel_feeds').select('id').where('url', '=', url).where('id', '<>', f.id).executeTakeFirst();
    if (dup) throw new AcdError('CONFIG_INVALID', `${where}: ${url} is already registered as feed ${dup.id}`);
    const old = await db.selectFrom('intel_feeds').select(['url', 'collection_id']).where('id', '=', f.id).executeTakeFirst();
    if (!old) {
      await db.insertInto('intel_feeds').values({ id: f.id, url, collection_id: c.id, added_after: null, last_run_at: null, last_error: null, created_at: new Date() }).execute();
    } else if (old.url !== url || old.collection_id !== c.id) {
      await db.updateTable('intel_feeds').set({ url, collection_id: c.id, ...(old.url !== url ? { added_after: null } : {}) }).where('id', '=', f.id).execute();
    }
  }
}

export interface PullResult {
  pages: number;
  received: number;
  added: number;
  failed: number;
  addedAfter: string | null;
}

/**
 * Pulls a feed once: every page after the stored added_after, each page stored (with its new
 * added_after) before the next is asked for, so an interrupted run resumes where it stopped.
 */
export async function pullFeed(db: IntelDb, client: TaxiiClient, feedId: string, opts: { limit?: number; maxPages?: number; signal?: AbortSignal } = {}): Promise<PullResult> {
  const row = await db.selectFrom('intel_feeds').selectAll().where('id', '=', feedId).executeTakeFirst();
  if (!row) throw new AcdError('NOT_FOUND', `feed ${feedId} does not exist`, { status: 404 });
  const c = await db.selectFrom('intel_collections').selectAll().where('id', '=', row.collection_id).executeTakeFirstOrThrow();
  const res: PullResult = { pages: 0, received: 0, added: 0, failed: 0, addedAfter: row.added_after };
  const seenNext = new Set<string>();
  let next: string | undefined;
  const maxPages = opts.maxPages ?? 1000;
  try {
    for (;;) {
      const page = await client.page(row.url, { ...(res.addedAfter ? { addedAfter: res.addedAfter } : {}), ...(next ? { next } : {}), limit: opts.limit ?? 500 });
      res.pages++;
      if (page.objects.length) {
        if (!page.dateAddedLast) throw new AcdError('TAXII_CLIENT_NO_DATE_ADDED', `${row.url} gave objects without X-TAXII-Date-Added-Last: cannot resume safely`);
        if (res.addedAfter && timeUs(page.dateAddedLast) <= timeUs(res.addedAfter)) {
          throw new AcdError('TAXII_CLIENT_NO_PROGRESS', `${row.url} gave a page ending at ${page.dateAddedLast}, not after ${res.addedAfter}: stopping instead of looping`);
        }
        const r = await addObjects(db, c, page.objects, { actor: null, candidates: `feed:${row.id}`, action: 'intel.feed.pull', details: { feed: row.id, url: row.url } });
        res.received += page.objects.length;
        res.added += r.added;
        res.failed += r.failures.length;
        res.addedAfter = page.dateAddedLast;
        await db.updateTable('intel_feeds').set({ added_after: res.addedAfter }).where('id', '=', row.id).execute();
      }
      if (!page.more || !page.next) break;
      if (seenNext.has(page.next)) throw new AcdError('TAXII_CLIENT_LOOP', `${row.url} gave the same next twice: stopping instead of looping`);
      seenNext.add(page.next);
      next = page.next;
      if (res.pages >= maxPages || opts.signal?.aborted) break;
    }
    await db.updateTable('intel_feeds').set({ last_run_at: new Date(), last_error: null }).where('id', '=', row.id).execute();
  } catch (e) {
    await db.updateTable('intel_feeds').set({ last_run_at: new Date(), last_error: (e as Error).message.slice(0, 1000) }).where('id', '=', row.id).execute();
    throw e;
  }
  return res;
}

/**
 * A feed's credentials never sit in the database: they come from the environment variable
 * ACD_TAXII_FEED_<feed id, upper case, without dashes>, as `bearer:TOKEN` or `basic:USER:TOKEN`
 * (none: the server is asked without credentials).
 */
export function feedAuthFromEnv(feedId: string, env: NodeJS.ProcessEnv = process.env): TaxiiAuth {
  const v = env[`ACD_TAXII_FEED_${feedId.replace(/-/g, '').toUpperCase()}`];
  if (!v) return null;
  if (v.startsWith('bearer:')) return { bearer: v.slice(7) };
  if (v.startsWith('basic:')) {
    const rest = v.slice(6);
    const i = rest.indexOf(':');
    if (i > 0) return { basic: { user: rest.slice(0, i), token: rest.slice(i + 1) } };
  }
  throw new AcdError('INTEL_FEED_AUTH', `the credentials of feed ${feedId} must be "bearer:TOKEN" or "basic:USER:TOKEN"`);
}

export interface FeedSchedulerConfig {
  intervalSeconds: number;
}

export interface FeedSchedulerDeps {
  db: IntelDb;
  logger: Logger;
  registry: Registry;
  /** the client (with the credentials) for a feed; `signal` aborts its requests when the scheduler stops */
  clientFor: (feed: { id: string; url: string }, signal: AbortSignal) => TaxiiClient;
}

export interface FeedScheduler {
  /** pulls every registered feed once, one after another */
  runOnce(): Promise<void>;
  /** pulls now, then every intervalSeconds after the end of the previous run (runs never overlap) */
  start(): void;
  /** no further run; a run in progress is aborted (requests in flight, then between pages) and awaited */
  stop(): Promise<void>;
  readonly running: boolean;
}

/** Pulls every feed on a schedule, one at a time; a failing feed is logged and counted, the others go on. */
export function createFeedScheduler({ config, deps }: { config: FeedSchedulerConfig; deps: FeedSchedulerDeps }): FeedScheduler {
  const objects = new Counter({ name: 'acd_intel_feed_objects_total', help: 'objects added from TAXII feeds', registers: [deps.registry] });
  const errors = new Counter({ name: 'acd_intel_feed_errors_total', help: 'failed TAXII feed pulls', registers: [deps.registry] });
  const runs = new Counter({ name: 'acd_intel_feed_runs_total', help: 'runs of the TAXII feed scheduler', registers: [deps.registry] });
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<void> | null = null;
  let stopped = true;
  let abort = new AbortController();
  const runOnce = async (): Promise<void> => {
    const signal = abort.signal;
    const feeds = await deps.db.selectFrom('intel_feeds').select(['id', 'url']).orderBy('created_at').orderBy('id').execute();
    for (const f of feeds) {
      if (signal.aborted) break;
      try {
        const r = await pullFeed(deps.db, deps.clientFor(f, signal), f.id, { signal });
        objects.inc(r.added);
        deps.logger.info({ feed: f.id, pages: r.pages, added: r.added, failed: r.failed }, 'TAXII feed pulled');
      } catch (e) {
        if (signal.aborted) {
          deps.logger.info({ feed: f.id }, 'TAXII feed pull stopped: the scheduler is stopping');
          break;
        }
        errors.inc();
        deps.logger.warn({ feed: f.id, err: (e as Error).message }, 'TAXII feed pull failed');
      }
    }
    runs.inc();
  };
  const tick = (): void => {
    timer = null;
    if (stopped) return;
    current = runOnce()
      .catch((e: unknown) => {
        errors.inc();
        deps.logger.warn({ err: (e as Error).message }, 'TAXII feed run failed');
      })
      .finally(() => {
        current = null;
        if (!stopped) timer = setTimeout(tick, config.intervalSeconds * 1000);
      });
  };
  return {
    runOnce,
    start(): void {
      if (!stopped) return;
      stopped = false;
      abort = new AbortController();
      deps.logger.info({ intervalSeconds: config.intervalSeconds }, 'TAXII feed scheduler started');
      timer = setTimeout(tick, 0);
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      abort.abort();
      await current;
      deps.logger.info('TAXII feed scheduler stopped');
    },
    get running() {
      return !stopped;
    },
  };
}
