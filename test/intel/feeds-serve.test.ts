/**
 * The TAXII feed scheduler as `acd serve` runs it: with the config key taxiiFeeds, the server (startAcd,
 * what `acd serve` calls) registers the configured feeds when it is ready, pulls them from a second ACD
 * TAXII server listening on loopback — at once, then every interval — and stops cleanly when closed:
 * no pull after the close. A feed that fails is logged, counted and recorded; the others go on.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { SYSTEM_ACTOR, createOrganisation, createPerson, issueToken, type Actor } from '../../src/auth/index.js';
import { addObjects, createCollection, indicator, registerConfiguredFeeds, type Collection, type IntelTables } from '../../src/intel/index.js';
import { openStore, withTables, type Store } from '../../src/store/index.js';
import { validateConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/shared/log.js';
import { startAcd, type RunningAcd } from '../../src/server/start.js';

let n = 0;
const ind = () => indicator({ pattern: `[ipv4-addr:value = '198.18.7.${++n % 250}']`, tlp: 'clear', created: '2026-11-01T00:00:00.000Z', name: `feed ${n}` });

async function until(what: string, cond: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('acd serve runs the TAXII feed scheduler when taxiiFeeds is configured', () => {
  let b: RunningAcd;
  let bColl: Collection;
  let bWriter: Actor;
  let partnerToken: string;
  let dir: string;
  const envVar = 'ACD_TAXII_FEED_PARTNERCERT';

  before(async () => {
    // B: the other ACD, publishing a collection its partner (A's agency) may read
    b = await startAcd(validateConfig({ data: 'memory://', host: '127.0.0.1', port: 0, pipeline: false, logLevel: 'silent' }));
    const bOrg = await createOrganisation(b.store.db, SYSTEM_ACTOR, { name: 'B agency', kind: 'agency' });
    const aOrg = await createOrganisation(b.store.db, SYSTEM_ACTOR, { name: 'A agency (partner of B)', kind: 'partner' });
    const w = await createPerson(b.store.db, SYSTEM_ACTOR, { orgId: bOrg.id, username: 'b-analyst', displayName: 'b', roles: ['agency_analyst'] });
    const p = await createPerson(b.store.db, SYSTEM_ACTOR, { orgId: aOrg.id, username: 'a-puller', displayName: 'a', roles: ['partner'] });
    partnerToken = (await issueToken(b.store.db, SYSTEM_ACTOR, p.id, 'feed', null)).token;
    bWriter = { userId: w.id, username: 'b-analyst', orgId: bOrg.id, orgKind: 'agency', roles: ['agency_analyst'], via: 'system' };
    bColl = await createCollection(withTables<IntelTables>(b.store.db), bWriter, { title: 'B outbound', alias: 'outbound', ownerOrgId: bOrg.id, readRoles: ['partner'], writeRoles: ['agency_analyst'], defaultTlp: 'clear' });
    await addObjects(withTables<IntelTables>(b.store.db), bColl, Array.from({ length: 25 }, ind), { actor: bWriter });
    // A's store already holds the collection the feed goes to (made by an earlier run)
    dir = mkdtempSync(join(tmpdir(), 'acd-feeds-'));
    const a0 = await openStore({ data: dir });
    const agency = await createOrganisation(a0.db, SYSTEM_ACTOR, { name: 'A agency', kind: 'agency' });
    await createCollection(withTables<IntelTables>(a0.db), SYSTEM_ACTOR, { title: 'from partner', alias: 'from-partner', ownerOrgId: agency.id, readRoles: ['agency_analyst'], writeRoles: ['agency_analyst'], defaultTlp: 'clear' });
    await a0.close();
    process.env[envVar] = `bearer:${partnerToken}`;
  });
  after(async () => {
    delete process.env[envVar];
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const countIn = async (s: Store) =>
    Number(
      (await withTables<IntelTables>(s.db).selectFrom('intel_objects as o').innerJoin('intel_collections as c', 'c.id', 'o.collection_id').select((eb) => eb.fn.countAll<string>().as('n')).where('c.alias', '=', 'from-partner').executeTakeFirstOrThrow()).n,
    );

  test('pulls at start and every interval, without repeats; a broken feed is counted; closing stops it', async () => {
    let log = '';
    const sink = new Writable({ write: (c, _e, cb) => ((log += String(c)), cb()) });
    const objectsUrl = `${b.url}/taxii2/acd/collections/${bColl.id}/objects/`;
    const a = await startAcd(
      validateConfig({
        data: dir,
        host: '127.0.0.1',
        port: 0,
        pipeline: false,
        logLevel: 'info',
        taxiiFeeds: {
          intervalSeconds: 1,
          feeds: [
            { id: 'partner-cert', url: objectsUrl, collectionId: 'from-partner' },
            // no credentials, no such collection on B: this feed fails every run, the other goes on
            { id: 'broken', url: `${b.url}/taxii2/acd/collections/no-such-collection/objects/`, collectionId: 'from-partner' },
          ],
        },
      }),
      { logger: createLogger({ level: 'info', destination: sink }) },
    );
    let closed = false;
    try {
      assert.match(log, /TAXII feed scheduler started/);
      await until('the first pull of 25 objects', async () => (await countIn(a.store)) === 25);
      await addObjects(withTables<IntelTables>(b.store.db), bColl, Array.from({ length: 5 }, ind), { actor: bWriter });
      await until('the next scheduled pull', async () => (await countIn(a.store)) === 30);
      const adb = withTables<IntelTables>(a.store.db);
      const feeds = await adb.selectFrom('intel_feeds').selectAll().orderBy('id').execute();
      assert.deepEqual(feeds.map((f) => f.id), ['broken', 'partner-cert']);
      const good = feeds.find((f) => f.id === 'partner-cert')!;
      assert.ok(good.added_after, 'the resume point is stored');
      assert.equal(good.last_error, null);
      // no credentials set for it (ACD_TAXII_FEED_BROKEN) and no such collection: B refuses it
      assert.match(feeds.find((f) => f.id === 'broken')!.last_error ?? '', /answered 401/);
      const distinct = await adb.selectFrom('intel_objects').select((eb) => eb.fn.count<string>('stix_id').distinct().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(distinct.n), 30, 'no object pulled twice');
      const cands = await adb.selectFrom('intel_candidates').select('address').where('source', '=', 'feed:partner-cert').execute();
      assert.ok(cands.length >= 25, 'pulled indicators became candidate criteria');
      // each finished run counts one failure (the broken feed); the good feed's objects are counted once
      const figure = async (name: string) => Number(new RegExp(`${name} (\\d+)`).exec(await a.registry.metrics())?.[1]);
      await until('two finished runs', async () => (await figure('acd_intel_feed_runs_total')) >= 2);
      const runs = await figure('acd_intel_feed_runs_total');
      const errs = await figure('acd_intel_feed_errors_total');
      assert.ok(errs >= runs && errs <= runs + 1, `errors ${errs}, runs ${runs}: the broken feed fails each run`);
      assert.equal(await figure('acd_intel_feed_objects_total'), 30);
      await a.close();
      closed = true;
      assert.match(log, /TAXII feed scheduler stopped/);
    } finally {
      if (!closed) await a.close();
    }
    // stopped: what B adds now is not pulled (A's store, reopened after two intervals, holds 30)
    await addObjects(withTables<IntelTables>(b.store.db), bColl, Array.from({ length: 3 }, ind), { actor: bWriter });
    await new Promise((r) => setTimeout(r, 2500));
    const again = await openStore({ data: dir });
    try {
      assert.equal(await countIn(again), 30);
    } finally {
      await again.close();
    }
  });

  test('configured feeds: an unknown collection or a URL another feed has stops start-up with an error naming the feed; bad config is refused', async () => {
    const s = await openStore({ data: dir });
    try {
      const db = withTables<IntelTables>(s.db);
      await assert.rejects(registerConfiguredFeeds(db, [{ id: 'x', url: `${b.url}/taxii2/acd/collections/c/objects/`, collectionId: 'nope' }]), /taxiiFeeds\.feeds\[0\] \(x\): there is no collection nope/);
      await assert.rejects(registerConfiguredFeeds(db, [{ id: 'other', url: `${b.url}/taxii2/acd/collections/${bColl.id}/objects/`, collectionId: 'from-partner' }]), /already registered as feed partner-cert/);
      await assert.rejects(registerConfiguredFeeds(db, [{ id: 'y', url: `${b.url}/taxii2/acd/`, collectionId: 'from-partner' }]), /taxiiFeeds\.feeds\[0\] \(y\): url .* must be an http\(s\) TAXII objects URL/);
      // the same feed again changes nothing (its resume point stays)
      const before = await db.selectFrom('intel_feeds').select('added_after').where('id', '=', 'partner-cert').executeTakeFirstOrThrow();
      await registerConfiguredFeeds(db, [{ id: 'partner-cert', url: `${b.url}/taxii2/acd/collections/${bColl.id}/objects/`, collectionId: 'from-partner' }]);
      assert.deepEqual(await db.selectFrom('intel_feeds').select('added_after').where('id', '=', 'partner-cert').executeTakeFirstOrThrow(), before);
    } finally {
      await s.close();
    }
    assert.throws(() => validateConfig({ taxiiFeeds: { feeds: [{ id: 'Bad Id', url: 'http://x/objects/', collectionId: 'c' }] } }), /taxiiFeeds/);
    assert.throws(() => validateConfig({ taxiiFeeds: { intervalSeconds: 0, feeds: [] } }), /taxiiFeeds/);
    assert.equal(validateConfig({ taxiiFeeds: { feeds: [] } }).taxiiFeeds?.intervalSeconds, 900);
  });
});
