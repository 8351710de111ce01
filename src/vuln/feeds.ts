/**
 * Configured advisory feeds, pulled on a schedule like the TAXII feeds: each feed URL answers with one
 * document (CSAF 2.0, CVE JSON 5, CISA KEV), an array of them, or a CSAF ROLIE feed (`feed.entry[].content.src`
 * — each entry is fetched with the same credentials). Every document goes through importDocument as ACD
 * itself (schema check, matching, audit); a bad one is counted and logged, the others go on. Credentials:
 * `auth` in the feed's configuration, `bearer:TOKEN` or `basic:USER:PASSWORD`.
 */
import { Counter, type Registry } from 'prom-client';
import { SYSTEM_ACTOR } from '../auth/index.js';
import type { Logger } from '../shared/log.js';
import { silentLogger } from '../shared/log.js';
import { vulnError } from './errors.js';
import { importDocument, type AnyDb } from './service.js';

export interface VulnFeed {
  id: string;
  url: string;
  auth?: string | undefined;
}

export interface VulnFeedConfig {
  intervalSeconds: number;
  feeds: VulnFeed[];
}

export interface FeedPullResult {
  feed: string;
  documents: number;
  imported: number;
  unchanged: number;
  refused: number;
  error?: string;
}

export function authHeader(feed: VulnFeed): Record<string, string> {
  if (!feed.auth) return {};
  if (feed.auth.startsWith('bearer:')) return { authorization: `Bearer ${feed.auth.slice(7)}` };
  if (feed.auth.startsWith('basic:')) return { authorization: `Basic ${Buffer.from(feed.auth.slice(6)).toString('base64')}` };
  throw vulnError('VULN_FEED', `feed ${feed.id}: auth must be "bearer:TOKEN" or "basic:USER:PASSWORD"`);
}

async function getJson(url: string, feed: VulnFeed, signal: AbortSignal): Promise<unknown> {
  const res = await fetch(url, { headers: { accept: 'application/json', ...authHeader(feed) }, signal });
  const text = await res.text();
  if (!res.ok) throw vulnError('VULN_FEED', `feed ${feed.id}: ${url} answered ${res.status}`);
  try {
    return JSON.parse(text);
  } catch {
    throw vulnError('VULN_FEED', `feed ${feed.id}: ${url} did not answer JSON`);
  }
}

/** Pulls one feed once. */
export async function pullVulnFeed(db: AnyDb, feed: VulnFeed, opts: { logger?: Logger; signal?: AbortSignal } = {}): Promise<FeedPullResult> {
  const logger = opts.logger ?? silentLogger;
  const signal = opts.signal ?? AbortSignal.timeout(60_000);
  const out: FeedPullResult = { feed: feed.id, documents: 0, imported: 0, unchanged: 0, refused: 0 };
  let body: unknown;
  try {
    body = await getJson(feed.url, feed, signal);
  } catch (e) {
    out.error = (e as Error).message;
    return out;
  }
  let docs: unknown[];
  const rolie = (body as { feed?: { entry?: unknown[] } })?.feed?.entry;
  if (Array.isArray(rolie)) {
    docs = [];
    for (const entry of rolie) {
      const src = (entry as { content?: { src?: unknown } })?.content?.src;
      if (typeof src !== 'string') continue;
      try {
        docs.push(await getJson(new URL(src, feed.url).toString(), feed, signal));
      } catch (e) {
        out.refused++;
        logger.warn({ feed: feed.id, src, err: (e as Error).message }, 'advisory feed entry not fetched');
      }
    }
  } else docs = Array.isArray(body) ? body : [body];
  for (const d of docs) {
    out.documents++;
    try {
      const r = await importDocument(db, SYSTEM_ACTOR, d);
      if (r.status === 'unchanged') out.unchanged++;
      else out.imported++;
    } catch (e) {
      out.refused++;
      logger.warn({ feed: feed.id, err: (e as Error).message }, 'advisory from feed refused');
    }
  }
  return out;
}

export interface VulnFeedScheduler {
  pullAll(): Promise<FeedPullResult[]>;
  start(): void;
  stop(): Promise<void>;
}

export function createVulnFeedScheduler({ config, deps }: { config: VulnFeedConfig; deps: { db: AnyDb; logger?: Logger; registry?: Registry } }): VulnFeedScheduler {
  const logger = deps.logger ?? silentLogger;
  const counter = new Counter({ name: 'acd_vuln_feed_documents_total', help: 'documents pulled from advisory feeds by feed and result', labelNames: ['feed', 'result'] as const, registers: deps.registry ? [deps.registry] : [] });
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  const abort = new AbortController();
  async function pullAll(): Promise<FeedPullResult[]> {
    const out: FeedPullResult[] = [];
    for (const f of config.feeds) {
      const r = await pullVulnFeed(deps.db, f, { logger, signal: AbortSignal.any([abort.signal, AbortSignal.timeout(120_000)]) });
      counter.inc({ feed: f.id, result: 'imported' }, r.imported);
      counter.inc({ feed: f.id, result: 'unchanged' }, r.unchanged);
      counter.inc({ feed: f.id, result: 'refused' }, r.refused);
      if (r.error) logger.warn({ feed: f.id, err: r.error }, 'advisory feed not pulled');
      out.push(r);
    }
    return out;
  }
  const tick = () => {
    if (running) return;
    running = pullAll()
      .catch((err: unknown) => logger.error({ err }, 'advisory feed run failed'))
      .finally(() => {
        running = null;
      });
  };
  return {
    pullAll,
    start() {
      if (timer || config.feeds.length === 0) return;
      tick();
      timer = setInterval(tick, config.intervalSeconds * 1000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      abort.abort();
      await running;
    },
  };
}
