/**
 * ACD's TAXII client pulling from a TAXII 2.1 server — our own, listening on loopback — into a local
 * collection: every page by next, resumed by added_after without repeating or looping, candidates
 * from indicators; and the client's refusals of a server that misbehaves.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createFeed, createFeedScheduler, createTaxiiClient, indicator, pullFeed, type IntelTables } from '../../src/intel/index.js';
import { withTables } from '../../src/store/index.js';
import { createMetricsRegistry } from '../../src/shared/metrics.js';
import { silentLogger } from '../../src/shared/log.js';
import { createTestApp, bearer, type TestApp } from '../helpers/app.js';

const TAXII = 'application/taxii+json;version=2.1';
let n = 0;
const ind = () => indicator({ pattern: `[ipv4-addr:value = '192.0.2.${++n % 250}']`, tlp: 'clear', created: '2026-11-01T00:00:00.000Z' });

describe('TAXII client and feeds', () => {
  let t: TestApp;
  let base: string;
  let remote: string;
  let inbox: string;
  before(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const mk = async (alias: string, writeRoles: string[]) => {
      const r = await t.app.inject({ method: 'POST', url: '/api/v1/intel/collections', headers: bearer(t.people.admin), payload: { title: alias, alias, readRoles: ['partner', 'agency_analyst'], writeRoles, defaultTlp: 'clear' } });
      return (JSON.parse(r.body) as { id: string }).id;
    };
    remote = await mk('remote', ['agency_analyst']);
    inbox = await mk('feed-inbox', ['agency_analyst']);
  });
  after(async () => t.close());

  const post = async (objects: unknown[]) => {
    const r = await fetch(`${base}/taxii2/acd/collections/${remote}/objects/`, { method: 'POST', headers: { ...bearer(t.people.agency_analyst), accept: TAXII, 'content-type': TAXII }, body: JSON.stringify({ objects }) });
    assert.equal(r.status, 202);
  };

  test('discovery and collections over real HTTP with Basic user:token', async () => {
    const c = createTaxiiClient({ auth: { basic: { user: t.people.partner.username, token: t.people.partner.token } } });
    const d = await c.discovery(`${base}/taxii2/`);
    assert.ok(d.api_roots?.length);
    const cols = await c.collections(`${base}/taxii2/acd/`);
    assert.ok(cols.some((x) => x.id === remote && x.can_read));
    const wrong = createTaxiiClient({ auth: { bearer: 'nope' } });
    await assert.rejects(wrong.discovery(`${base}/taxii2/`), /answered 401: Unauthorized/);
    await assert.rejects(c.discovery(`${base}/api/v1/intel/groups`), /answered|not application\/taxii\+json/);
  });

  test('a feed pulls every page, then resumes by added_after with only what is new, and never loops', async () => {
    const db = withTables<IntelTables>(t.store.db);
    await post(Array.from({ length: 25 }, ind));
    const feed = await createFeed(db, { url: `${base}/taxii2/acd/collections/${remote}/objects/`, collectionId: inbox });
    const client = createTaxiiClient({ auth: { bearer: t.people.partner.token } });
    const r1 = await pullFeed(db, client, feed.id, { limit: 10 });
    assert.deepEqual([r1.pages, r1.received, r1.added, r1.failed], [3, 25, 25, 0]);
    const again = await pullFeed(db, client, feed.id, { limit: 10 });
    assert.deepEqual([again.received, again.added], [0, 0], 'a second run repeats nothing');
    await post(Array.from({ length: 4 }, ind));
    const r2 = await pullFeed(db, client, feed.id, { limit: 10 });
    assert.deepEqual([r2.received, r2.added], [4, 4]);
    const stored = await db.selectFrom('intel_objects').select((eb) => eb.fn.countAll<number>().as('n')).where('collection_id', '=', inbox).executeTakeFirstOrThrow();
    assert.equal(Number(stored.n), 29);
    // each indicator is one candidate, whichever way it came first (here: the TAXII POST to the remote)
    const ids = (await db.selectFrom('intel_objects').select('stix_id').where('collection_id', '=', inbox).execute()).map((r) => r.stix_id);
    const cands = await db.selectFrom('intel_candidates').select(['stix_id', 'status']).where('stix_id', 'in', ids).execute();
    assert.equal(cands.length, 29);
    assert.ok(cands.every((c) => c.status === 'candidate'));
    const state = await db.selectFrom('intel_feeds').selectAll().where('id', '=', feed.id).executeTakeFirstOrThrow();
    assert.equal(state.added_after, r2.addedAfter);
    assert.equal(state.last_error, null);
  });

  test('a server that does not move forward or repeats next is stopped, not looped', async () => {
    const db = withTables<IntelTables>(t.store.db);
    const feed = await createFeed(db, { url: 'http://198.51.100.1/taxii2/x/collections/y/objects/', collectionId: inbox });
    const o = ind();
    const h = (last: string) => new Headers({ 'content-type': TAXII, 'x-taxii-date-added-first': last, 'x-taxii-date-added-last': last });
    let calls = 0;
    const stuck = createTaxiiClient({
      auth: null,
      fetch: (async () => {
        calls++;
        return new Response(JSON.stringify({ more: true, next: 'same', objects: [o] }), { status: 200, headers: h('2026-11-01T00:00:00.000000Z') });
      }) as typeof fetch,
    });
    await assert.rejects(pullFeed(db, stuck, feed.id), /(same next twice|not after)/);
    assert.ok(calls <= 3, `${calls} calls`);
    const row = await db.selectFrom('intel_feeds').select('last_error').where('id', '=', feed.id).executeTakeFirstOrThrow();
    assert.match(String(row.last_error), /stopping instead of looping/);
    const wrongType = createTaxiiClient({ auth: null, fetch: (async () => new Response('{}', { status: 200, headers: { 'content-type': 'text/html' } })) as typeof fetch });
    await assert.rejects(pullFeed(db, wrongType, feed.id), /not application\/taxii\+json/);
    await assert.rejects(createFeed(db, { url: 'ftp://x/objects/', collectionId: inbox }), /INTEL_FEED_URL|must be an http/);
  });

  test('a feed registered and pulled through the API, with credentials from the environment only', async () => {
    const reg = await t.app.inject({ method: 'POST', url: '/api/v1/intel/feeds', headers: bearer(t.people.agency_lead), payload: { url: `${base}/taxii2/acd/collections/remote/objects/`, collectionId: inbox } });
    assert.equal(reg.statusCode, 201, reg.body);
    const dup = await t.app.inject({ method: 'POST', url: '/api/v1/intel/feeds', headers: bearer(t.people.agency_lead), payload: { url: `${base}/taxii2/acd/collections/remote/objects/`, collectionId: inbox } });
    assert.equal(dup.statusCode, 409);
    const feed = JSON.parse(reg.body) as { id: string; credentialsVariable: string };
    assert.doesNotMatch(reg.body, new RegExp(t.people.partner.token));
    const noCreds = await t.app.inject({ method: 'POST', url: `/api/v1/intel/feeds/${feed.id}/pull`, headers: bearer(t.people.agency_analyst) });
    assert.equal(noCreds.statusCode, 400);
    assert.match(noCreds.body, /answered 401/);
    process.env[feed.credentialsVariable] = `basic:${t.people.partner.username}:${t.people.partner.token}`;
    try {
      const ok = await t.app.inject({ method: 'POST', url: `/api/v1/intel/feeds/${feed.id}/pull`, headers: bearer(t.people.agency_analyst) });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.ok((JSON.parse(ok.body) as { received: number }).received >= 29);
    } finally {
      delete process.env[feed.credentialsVariable];
    }
    assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/intel/feeds/no-such-feed/pull', headers: bearer(t.people.agency_analyst) })).statusCode, 404);
    const feeds = JSON.parse((await t.app.inject({ url: '/api/v1/intel/feeds', headers: bearer(t.people.agency_lead) })).body) as Array<{ id: string; addedAfter: string | null; lastError: string | null }>;
    const mine = feeds.find((f) => f.id === feed.id)!;
    assert.ok(mine.addedAfter);
    assert.equal(mine.lastError, null);
    const cols = JSON.parse((await t.app.inject({ url: '/api/v1/intel/collections', headers: bearer(t.people.agency_lead) })).body) as Array<{ id: string; objects: number }>;
    assert.equal(cols.find((c) => c.id === inbox)!.objects, 30, '29 from the loopback server and 1 from the stuck one before it was stopped');
  });

  test('the scheduler pulls every feed, counts failures and goes on', async () => {
    const db = withTables<IntelTables>(t.store.db);
    const registry = createMetricsRegistry();
    const s = createFeedScheduler({ config: { intervalSeconds: 3600 }, deps: { db, logger: silentLogger, registry, clientFor: () => createTaxiiClient({ auth: { bearer: t.people.partner.token } }) } });
    await post([ind()]);
    await s.runOnce();
    const text = await registry.metrics();
    // three feeds: two from the loopback server into the same collection (the new object is added once), one unreachable
    assert.match(text, /acd_intel_feed_objects_total 1\b/);
    assert.match(text, /acd_intel_feed_errors_total 1\b/, 'the unreachable feed is counted');
    await s.stop();
  });
});
