/**
 * The TAXII 2.1 server through a client written against the spec: discovery → API roots → collections
 * → every page while objects are added; the role × marking matrix over every collection; malformed
 * envelopes, patterns, parameters and media types refused with error resources; promotion of a
 * finding through the API, audited.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ROLES, SYSTEM_ACTOR, type Role } from '../../src/auth/index.js';
import { addObjects, addClient, getCollection, indicator, type Collection, type IntelTables, type TlpLevel, TLP_LEVELS } from '../../src/intel/index.js';
import { withTables } from '../../src/store/index.js';
import { createTestApp, bearer, type TestApp, type TestPerson } from '../helpers/app.js';
import { SpecClient, TAXII, pathOf, type Envelope, type Send } from './taxii-client.js';
import { sampleFinding } from './fixtures.js';
import { createFindingWriter } from '../../src/findings/index.js';

const MARKING: Record<TlpLevel, string> = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};

let n = 0;
const newIndicator = (tlp: TlpLevel | null = 'clear', over: Record<string, unknown> = {}) => {
  n++;
  const o = indicator({ pattern: `[ipv4-addr:value = '203.0.113.${n % 250}']`, created: '2026-11-01T00:00:00.000Z', name: `i${n}` });
  return { ...o, ...(tlp ? { object_marking_refs: [MARKING[tlp]] } : {}), ...over };
};

interface CollSpec {
  alias: string;
  readRoles: Role[];
  writeRoles: Role[];
  defaultTlp: TlpLevel;
  group?: boolean;
}

// The collections of the matrix: who may read each is stated here by role (and group).
const COLLS: CollSpec[] = [
  { alias: 'public', readRoles: [...ROLES], writeRoles: ['agency_analyst', 'agency_lead'], defaultTlp: 'clear' },
  { alias: 'shareable', readRoles: ['agency_analyst', 'agency_lead', 'operator', 'carrier', 'partner'], writeRoles: ['agency_analyst', 'agency_lead'], defaultTlp: 'amber' },
  { alias: 'full', readRoles: ['agency_analyst', 'agency_lead'], writeRoles: ['agency_analyst', 'agency_lead'], defaultTlp: 'amber+strict' },
  { alias: 'partner-inbox', readRoles: ['agency_analyst'], writeRoles: ['partner'], defaultTlp: 'amber' },
  { alias: 'sector-group', readRoles: ['operator', 'carrier', 'agency_analyst'], writeRoles: ['agency_analyst'], defaultTlp: 'green', group: true },
];

describe('TAXII 2.1 server', () => {
  let t: TestApp;
  let ids: Record<string, string>;
  let groupId: string;
  const send: Send = async (method, path, headers, body) => {
    const r = await t.app.inject({ method, url: path, headers, ...(body !== undefined ? { payload: body } : {}) });
    let parsed: unknown = null;
    try {
      parsed = r.body ? JSON.parse(r.body) : null;
    } catch {
      parsed = r.body;
    }
    return { status: r.statusCode, headers: r.headers as Resp['headers'], body: parsed };
  };
  type Resp = Awaited<ReturnType<Send>>;
  const client = (p: TestPerson) => new SpecClient(send, bearer(p));
  const basic = (p: TestPerson) => new SpecClient(send, { authorization: `Basic ${Buffer.from(`${p.username}:${p.token}`).toString('base64')}` });
  const everyone = (): TestPerson[] => [...Object.values(t.people), ...Object.values(t.others)];

  before(async () => {
    t = await createTestApp();
    const admin = t.people.admin;
    const g = await t.app.inject({ method: 'POST', url: '/api/v1/intel/groups', headers: bearer(admin), payload: { name: 'Electricity sector', confidential: true } });
    assert.equal(g.statusCode, 201, g.body);
    groupId = (JSON.parse(g.body) as { id: string }).id;
    for (const p of [t.people.operator, t.people.carrier]) {
      const m = await t.app.inject({ method: 'POST', url: `/api/v1/intel/groups/${groupId}/members`, headers: bearer(admin), payload: { orgId: p.orgId } });
      assert.equal(m.statusCode, 200, m.body);
    }
    ids = {};
    for (const c of COLLS) {
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/v1/intel/collections',
        headers: bearer(admin),
        payload: { title: c.alias, alias: c.alias, readRoles: c.readRoles, writeRoles: c.writeRoles, defaultTlp: c.defaultTlp, ...(c.group ? { groupId } : {}) },
      });
      assert.equal(r.statusCode, 201, r.body);
      ids[c.alias] = (JSON.parse(r.body) as { id: string }).id;
    }
    // carrier 1's clients include operator 1: AMBER for carrier 1 reaches operator 1
    await addClient(withTables<IntelTables>(t.store.db), SYSTEM_ACTOR, t.people.carrier.orgId, t.people.operator.orgId);
  });
  after(async () => t.close());

  test('a spec client walks discovery → API roots → collections → every page while objects are added', async () => {
    const analyst = client(t.people.agency_analyst);
    const writer = t.people.agency_analyst;
    await client(writer).post(`/taxii2/acd/collections/${ids.public}/objects/`, { objects: Array.from({ length: 23 }, () => newIndicator('clear')) });
    const disc = await analyst.ok<{ title: string; api_roots: string[]; default?: string }>('/taxii2/');
    assert.ok(disc.title && disc.api_roots.length >= 1);
    let walked = 0;
    for (const rootUrl of disc.api_roots) {
      const root = pathOf(rootUrl);
      const info = await analyst.ok<{ versions: string[]; max_content_length: number }>(root);
      assert.deepEqual(info.versions, [TAXII]);
      assert.ok(info.max_content_length > 0);
      const cols = await analyst.ok<{ collections?: Array<{ id: string; can_read: boolean; can_write: boolean; media_types: string[] }> }>(`${root}collections/`);
      for (const c of cols.collections ?? []) {
        const one = await analyst.ok<{ id: string }>(`${root}collections/${c.id}/`);
        assert.equal(one.id, c.id);
        if (!c.can_read) continue;
        const url = `${root}collections/${c.id}/objects/`;
        const addedDuring: string[] = [];
        const { objects, lastAdded } = await analyst.walk(url, 4, async (page) => {
          if (c.id !== ids.public || page > 4) return;
          // two writers add while the walk goes on
          const objs = [newIndicator('clear'), newIndicator('green')];
          const r = await client(writer).post(url, { objects: objs });
          assert.equal(r.status, 202, JSON.stringify(r.body));
          addedDuring.push(...objs.map((o) => o.id));
        });
        const seen = objects.map((o) => o.id);
        assert.equal(new Set(seen).size, seen.length, `collection ${c.id}: an object came twice`);
        for (const id of addedDuring) assert.ok(seen.includes(id), `collection ${c.id}: ${id}, added during the walk, was skipped`);
        const all = await analyst.walk(url, 1000);
        assert.deepEqual(seen, all.objects.map((o) => o.id), `collection ${c.id}: the walk differs from one page of everything`);
        if (c.id === ids.public) {
          assert.ok(addedDuring.length >= 8 && seen.length >= 31, `public collection: ${seen.length} seen`);
          // resuming by added_after from the last header gives only what came later (§3.4.2)
          const late = newIndicator('clear');
          await client(writer).post(url, { objects: [late] });
          const resumed = await analyst.ok<Envelope>(`${url}?added_after=${encodeURIComponent(lastAdded!)}`);
          assert.deepEqual(resumed.objects?.map((o) => o.id), [late.id]);
        }
        walked++;
      }
    }
    assert.ok(walked >= 3, `only ${walked} collections walked`);
  });

  test('HTTP Basic with user name and token works like Bearer; bad credentials are 401 with an error resource', async () => {
    const r = await basic(t.people.partner).get('/taxii2/acd/collections/');
    assert.equal(r.status, 200);
    const bad = await new SpecClient(send, { authorization: `Basic ${Buffer.from(`${t.people.partner.username}:wrong`).toString('base64')}` }).get('/taxii2/');
    assert.equal(bad.status, 401);
    assert.equal(bad.headers['content-type'], TAXII);
    assert.equal((bad.body as { http_status: string }).http_status, '401');
    assert.match(String(bad.headers['www-authenticate']), /Basic/);
  });

  test('role × marking matrix: every collection, every person, every TLP level', async () => {
    const db = withTables<IntelTables>(t.store.db);
    const recipientOrgs = [t.people.carrier.orgId, t.people.agency_analyst.orgId];
    const recipientUsers = [t.people.partner.userId, t.people.agency_analyst.userId];
    const put: Record<string, Record<string, TlpLevel>> = {};
    for (const c of COLLS) {
      const coll = (await getCollection(db, 'acd', ids[c.alias]!)) as Collection;
      const objs = TLP_LEVELS.map((l) => newIndicator(l));
      await addObjects(db, coll, objs, { actor: null, recipientOrgs, recipientUsers });
      put[c.alias] = Object.fromEntries(objs.map((o, i) => [o.id, TLP_LEVELS[i]!]));
    }
    const groupOrgs = [t.people.operator.orgId, t.people.carrier.orgId];
    const agencyOrg = t.people.admin.orgId; // the owner of every collection (admin created them)
    let checks = 0;
    for (const p of everyone()) {
      const cl = client(p);
      const listed = ((await cl.ok<{ collections?: Array<{ id: string }> }>('/taxii2/acd/collections/')).collections ?? []).map((c) => c.id);
      for (const c of COLLS) {
        const owner = p.orgId === agencyOrg;
        const canRead = c.readRoles.includes(p.role) && (owner || !c.group || groupOrgs.includes(p.orgId));
        const canWrite = c.writeRoles.includes(p.role) && (owner || !c.group || groupOrgs.includes(p.orgId));
        assert.equal(listed.includes(ids[c.alias]!), canRead || canWrite, `${p.username} listing ${c.alias}`);
        const r = await cl.get(`/taxii2/acd/collections/${ids[c.alias]}/objects/?limit=1000&match[id]=${Object.keys(put[c.alias]!).join(',')}`);
        if (!canRead) {
          assert.equal(r.status, canWrite ? 403 : 404, `${p.username} reading ${c.alias}`);
          assert.equal(r.headers['content-type'], TAXII);
          checks++;
          continue;
        }
        assert.equal(r.status, 200, `${p.username} reading ${c.alias}: ${JSON.stringify(r.body)}`);
        const got = ((r.body as Envelope).objects ?? []).map((o) => put[c.alias]![o.id]).sort();
        // TLP 2.0 as the spec words it, with this test's recipients
        const want = TLP_LEVELS.filter((l) => {
          if (l === 'clear') return true;
          if (l === 'green') return !c.group || owner || groupOrgs.includes(p.orgId);
          if (l === 'amber') return recipientOrgs.includes(p.orgId) || (p.orgId === t.people.operator.orgId); // operator 1 is carrier 1's client
          if (l === 'amber+strict') return recipientOrgs.includes(p.orgId);
          return recipientUsers.includes(p.userId);
        }).sort();
        assert.deepEqual(got, want, `${p.username} (${p.role}) in ${c.alias}`);
        checks++;
      }
    }
    assert.equal(checks, everyone().length * COLLS.length);
    // and by hand, the ones that matter most
    const partnerSees = await client(t.people.partner).get(`/taxii2/acd/collections/${ids.shareable}/objects/?match[id]=${Object.keys(put.shareable!).join(',')}`);
    assert.deepEqual(((partnerSees.body as Envelope).objects ?? []).map((o) => put.shareable![o.id]).sort(), ['clear', 'green', 'red']);
    const otherPartner = await client(t.others.partner).get(`/taxii2/acd/collections/${ids.shareable}/objects/?match[id]=${Object.keys(put.shareable!).join(',')}`);
    assert.deepEqual(((otherPartner.body as Envelope).objects ?? []).map((o) => put.shareable![o.id]).sort(), ['clear', 'green']);
    const single = await client(t.others.partner).get(`/taxii2/acd/collections/${ids.shareable}/objects/${Object.keys(put.shareable!).find((k) => put.shareable![k] === 'red')}/`);
    assert.equal(single.status, 404, 'a RED object by id to a reader it excludes');
  });

  test('manifest, one object, versions, match filters and the date-added headers', async () => {
    const cl = client(t.people.agency_analyst);
    const url = `/taxii2/acd/collections/${ids.full}/objects/`;
    const v1 = newIndicator('amber+strict');
    const v2 = { ...v1, modified: '2026-11-05T00:00:00.000Z', name: 'second' };
    const r1 = await cl.post(url, { objects: [v1] });
    const r2 = await cl.post(url, { objects: [v2] });
    assert.equal(r1.status, 202);
    assert.equal(r2.status, 202);
    const one = await cl.get(`${url}${v1.id}/`);
    assert.equal(one.status, 200);
    assert.deepEqual((one.body as Envelope).objects?.map((o) => o.modified), ['2026-11-05T00:00:00.000Z']);
    assert.ok(one.headers['x-taxii-date-added-first'] && one.headers['x-taxii-date-added-last']);
    const all = await cl.ok<Envelope>(`${url}${v1.id}/?match[version]=all`);
    assert.equal(all.objects?.length, 2);
    const first = await cl.ok<Envelope>(`${url}${v1.id}/?match[version]=first`);
    assert.deepEqual(first.objects?.map((o) => o.modified), [v1.modified]);
    const vs = await cl.ok<{ versions: string[] }>(`${url}${v1.id}/versions/`);
    assert.deepEqual(vs.versions, [v1.modified, '2026-11-05T00:00:00.000Z']);
    const man = await cl.ok<{ objects: Array<{ id: string; version: string; date_added: string; media_type: string }> }>(`/taxii2/acd/collections/${ids.full}/manifest/?match[id]=${v1.id}&match[version]=all`);
    assert.equal(man.objects.length, 2);
    assert.equal(man.objects[0]!.media_type, 'application/stix+json;version=2.1');
    assert.ok(man.objects[0]!.date_added < man.objects[1]!.date_added);
    const byType = await cl.ok<Envelope>(`${url}?match[type]=malware`);
    assert.equal(byType.objects, undefined);
    const spec = await cl.ok<Envelope>(`${url}?match[spec_version]=2.0`);
    assert.equal(spec.objects, undefined);
    assert.equal((await cl.get(`${url}indicator--6b3d8a7c-1111-4222-8333-444455556666/`)).status, 404);
    const status = (r2.body as { id: string; status: string; success_count: number; total_count: number });
    assert.equal(status.status, 'complete');
    assert.equal(status.success_count, 1);
    const again = await cl.ok<{ id: string }>(`/taxii2/acd/status/${status.id}/`);
    assert.equal(again.id, status.id);
    assert.equal((await client(t.people.partner).get(`/taxii2/acd/status/${status.id}/`)).status, 404, "another organisation's status");
  });

  test('DELETE an object (§5.7): versions by match[version], write right and who added it checked, unreadable objects absent, audited', async () => {
    const inbox = `/taxii2/acd/collections/${ids['partner-inbox']}/objects/`;
    const partner = client(t.people.partner);
    const v1 = newIndicator('amber');
    const v2 = { ...v1, modified: '2026-11-06T00:00:00.000Z', name: 'second' };
    const keep = newIndicator('amber');
    assert.equal((await partner.post(inbox, { objects: [v1, v2, keep] })).status, 202);
    const errOf = (r: Resp) => (r.body as { description?: string }).description ?? '';
    // bad parameters: 400 naming them
    const badParam = await partner.delete(`${inbox}${v1.id}/?added_after=2026-01-01T00:00:00Z`);
    assert.equal(badParam.status, 400);
    assert.match(errOf(badParam), /match\[version\] and match\[spec_version\] only, not added_after/);
    const badVersion = await partner.delete(`${inbox}${v1.id}/?match[version]=latest`);
    assert.equal(badVersion.status, 400);
    assert.match(errOf(badVersion), /match\[version\]=latest/);
    // who may not: another partner cannot read it (absent, 404); the analyst reads but may not write (403); the operator sees no collection (404)
    assert.equal((await client(t.others.partner).delete(`${inbox}${v1.id}/`)).status, 404);
    const reader = await client(t.people.agency_analyst).delete(`${inbox}${v1.id}/`);
    assert.equal(reader.status, 403);
    assert.match(errOf(reader), /not change it/);
    assert.equal((await client(t.people.operator).delete(`${inbox}${v1.id}/`)).status, 404);
    assert.equal((await partner.delete(`${inbox}${v1.id}/?match[version]=2020-01-01T00:00:00Z`)).status, 404, 'no version matches');
    // the first version only
    const first = await partner.delete(`${inbox}${v1.id}/?match[version]=first`);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.headers['content-type'], TAXII);
    const left = await client(t.people.agency_analyst).ok<{ versions: string[] }>(`${inbox}${v1.id}/versions/`);
    assert.deepEqual(left.versions, [v2.modified]);
    // without match[version]: the object, every version left
    assert.equal((await partner.delete(`${inbox}${v1.id}/`)).status, 200);
    assert.equal((await client(t.people.agency_analyst).get(`${inbox}${v1.id}/`)).status, 404);
    assert.equal((await partner.delete(`${inbox}${v1.id}/`)).status, 404, 'deleted already');
    const rest = await client(t.people.agency_analyst).walk(inbox, 100);
    assert.ok(rest.objects.some((o) => o.id === keep.id) && !rest.objects.some((o) => o.id === v1.id));
    // an object another organisation added: a writer of a second agency may not delete it (403); the owner organisation may
    const pub = `/taxii2/acd/collections/${ids.public}/objects/`;
    const mine = newIndicator('clear');
    const theirs = newIndicator('clear');
    assert.equal((await client(t.people.agency_analyst).post(pub, { objects: [mine] })).status, 202);
    assert.equal((await client(t.others.agency_analyst).post(pub, { objects: [theirs] })).status, 202);
    const notYours = await client(t.others.agency_analyst).delete(`${pub}${mine.id}/`);
    assert.equal(notYours.status, 403);
    assert.match(errOf(notYours), /added by another organisation/);
    assert.equal((await client(t.people.agency_analyst).get(`${pub}${mine.id}/`)).status, 200, 'a refused delete deletes nothing');
    assert.equal((await client(t.people.agency_analyst).delete(`${pub}${theirs.id}/`)).status, 200, "the collection's owner organisation may delete");
    // audited: who, which object, which versions
    const ev = await t.store.db.selectFrom('audit_events').selectAll().where('action', '=', 'intel.objects.delete').orderBy('seq').execute();
    assert.equal(ev.length, 3);
    assert.equal(ev[0]!.actor_user_id, t.people.partner.userId);
    assert.deepEqual((ev[0]!.details as Record<string, unknown>).versions, [v1.modified]);
    assert.equal((ev[0]!.details as Record<string, unknown>).stixId, v1.id);
    assert.deepEqual((ev[1]!.details as Record<string, unknown>).versions, [v2.modified]);
    assert.equal(ev[2]!.actor_user_id, t.people.agency_analyst.userId);
  });

  test('bad requests get error resources: media types, envelopes, patterns, parameters, size', async () => {
    const p = t.people.agency_analyst;
    const url = `/taxii2/acd/collections/${ids.public}/objects/`;
    const err = (r: Resp, status: number, re: RegExp) => {
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.equal(r.headers['content-type'], TAXII);
      const b = r.body as { title: string; description: string; http_status: string };
      assert.equal(b.http_status, String(status));
      assert.ok(b.title);
      assert.match(b.description, re);
    };
    const raw = (headers: Record<string, string>, body?: string, method: 'GET' | 'POST' = 'POST') => send(method, url, { ...bearer(p), ...headers }, body);
    err(await raw({ accept: 'application/json' }, undefined, 'GET'), 406, /Accept header/);
    err(await raw({ accept: 'application/taxii+json;version=2.0' }, undefined, 'GET'), 406, /Accept header/);
    assert.equal((await raw({ accept: 'application/taxii+json' }, undefined, 'GET')).status, 200);
    err(await raw({ accept: TAXII, 'content-type': 'application/json' }, '{"objects":[]}'), 415, /Content-Type/);
    err(await raw({ accept: TAXII, 'content-type': 'text/plain' }, 'hello'), 415, /Content-Type/);
    err(await raw({ accept: TAXII, 'content-type': TAXII }, '{"objects": [}'), 400, /not valid JSON/);
    err(await raw({ accept: TAXII, 'content-type': TAXII }, '[]'), 400, /TAXII envelope/);
    err(await raw({ accept: TAXII, 'content-type': TAXII }, '{"more": false}'), 400, /no "objects" list/);
    err(await raw({ accept: TAXII, 'content-type': TAXII }, '{"objects": []}'), 400, /is empty/);
    err(await raw({ accept: TAXII, 'content-type': TAXII }, '{"objects": [], "__proto__": {"x": 1}}'), 400, /not valid JSON/);
    // a malformed pattern: the envelope is accepted (202) and the status names the object and the fault
    const bad = newIndicator('clear', { pattern: "[ipv4-addr:value = '1.2.3.4' AND]" });
    const good = newIndicator('clear');
    const r = await client(p).post(url, { objects: [bad, good, { type: 'indicator', id: 'indicator--x' }] });
    assert.equal(r.status, 202);
    const st = r.body as { success_count: number; failure_count: number; failures: Array<{ id: string; message: string }> };
    assert.equal(st.success_count, 1);
    assert.equal(st.failure_count, 2);
    assert.equal(st.failures[0]!.id, bad.id);
    assert.match(st.failures[0]!.message, /STIX pattern is malformed at position \d+/);
    assert.match(st.failures[1]!.message, /not a STIX identifier/);
    // parameters
    const get = (q: string) => client(p).get(`${url}?${q}`);
    err(await get('added_after=yesterday'), 400, /added_after/);
    err(await get('limit=0'), 400, /limit/);
    err(await get('limit=ten'), 400, /limit/);
    err(await get('next=bogus'), 400, /next/);
    err(await get('match[version]=latest'), 400, /match\[version\]/);
    err(await get('match[spec_version]=3.0'), 400, /spec_version/);
    err(await get('match[type]=Not_A_Type'), 400, /match\[type\]/);
    // writing without the right
    err(await client(t.people.operator).post(`/taxii2/acd/collections/${ids.shareable}/objects/`, { objects: [newIndicator()] }), 403, /not add/);
    err(await client(t.people.partner).get(`/taxii2/acd/collections/${ids['partner-inbox']}/objects/`), 403, /not read/);
    err(await client(t.people.operator).get(`/taxii2/acd/collections/${ids.full}/objects/`), 404, /no collection/);
    err(await client(p).get('/taxii2/acd/nothing-here/'), 404, /no TAXII endpoint/);
    // over the API root's max_content_length
    await withTables<IntelTables>(t.store.db).updateTable('intel_api_roots').set({ max_content_length: 2048 }).where('id', '=', 'acd').execute();
    const big = { objects: Array.from({ length: 20 }, () => newIndicator('clear')) };
    err(await client(p).post(url, big), 413, /max_content_length of 2048/);
    assert.equal((await client(p).ok<{ max_content_length: number }>('/taxii2/acd/')).max_content_length, 2048);
    const small = await client(p).post(url, { objects: [newIndicator('clear')] });
    assert.equal(small.status, 202, 'a body under the limit passes');
    await withTables<IntelTables>(t.store.db).updateTable('intel_api_roots').set({ max_content_length: 10485760 }).where('id', '=', 'acd').execute();
  });

  test('an analyst promotes a finding to each tier; the shareable tier reaches operators without domestic addresses; audited', async () => {
    // the finding as the pipeline stores it: the findings table, through its writer
    const f = sampleFinding({ domestic: ['10.99.1.1', '10.99.1.2'], domesticCount: 17 });
    const writer = createFindingWriter(t.store.db);
    writer.push(f);
    assert.equal(await writer.flush(), 1);
    const promote = (who: TestPerson, body: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/api/v1/intel/promotions', headers: bearer(who), payload: { findingId: f.key, ...body } });
    // what is promoted is the stored finding, named by its key: a finding in the body is refused, an unknown key is 404
    const inBody = await t.app.inject({ method: 'POST', url: '/api/v1/intel/promotions', headers: bearer(t.people.agency_analyst), payload: { finding: f, tier: 'public', collectionId: ids.public } });
    assert.equal(inBody.statusCode, 400, inBody.body);
    const unknown = await promote(t.people.agency_analyst, { findingId: 'beacon|192.0.2.1|443/6', tier: 'public', collectionId: ids.public });
    assert.equal(unknown.statusCode, 404, unknown.body);
    assert.match(unknown.body, /finding/);
    const ok = await promote(t.people.agency_analyst, { tier: 'shareable', collectionId: ids.shareable, recipientOrgs: [t.people.operator.orgId], reason: 'C2 of an electricity operator' });
    assert.equal(ok.statusCode, 201, ok.body);
    const pr = JSON.parse(ok.body) as { reportId: string; tlp: string; added: number };
    assert.equal(pr.tlp, 'amber');
    assert.ok(pr.added > 5);
    const rep = await client(t.people.operator).ok<Envelope>(`/taxii2/acd/collections/${ids.shareable}/objects/${pr.reportId}/`);
    assert.equal(rep.objects?.[0]?.type, 'report');
    const env = await client(t.people.operator).walk(`/taxii2/acd/collections/${ids.shareable}/objects/`, 50);
    const text = JSON.stringify(env.objects);
    assert.ok(text.includes(f.external!));
    for (const d of f.domestic) assert.ok(!text.includes(d), `the operator received the domestic address ${d}`);
    // another operator is not a recipient of this AMBER product
    const other = await client(t.others.operator).get(`/taxii2/acd/collections/${ids.shareable}/objects/${pr.reportId}/`);
    assert.equal(other.status, 404);
    // the full tier stays in the agency
    const leak = await promote(t.people.agency_analyst, { tier: 'full', collectionId: ids.shareable, recipientOrgs: [t.people.operator.orgId] });
    assert.equal(leak.statusCode, 400);
    assert.match(leak.body, /INTEL_FULL_TIER_AGENCY_ONLY/);
    const full = await promote(t.people.agency_lead, { tier: 'full', collectionId: ids.full });
    assert.equal(full.statusCode, 201, full.body);
    const pub = await promote(t.people.agency_analyst, { tier: 'public', collectionId: ids.public, comment: 'Block it.' });
    assert.equal(pub.statusCode, 201, pub.body);
    const pubId = (JSON.parse(pub.body) as { reportId: string }).reportId;
    assert.equal((await client(t.others.auditor).get(`/taxii2/acd/collections/${ids.public}/objects/${pubId}/`)).status, 200, 'a public alert reaches everyone authenticated');
    assert.equal((await promote(t.people.operator, { tier: 'public', collectionId: ids.public })).statusCode, 403);
    const audit = await t.store.db.selectFrom('audit_events').selectAll().where('action', '=', 'intel.promote').execute();
    assert.equal(audit.length, 3);
    assert.equal(audit[0]!.actor_user_id, t.people.agency_analyst.userId);
    assert.equal((audit[0]!.details as Record<string, unknown>).tier, 'shareable');
    assert.equal((audit[0]!.details as Record<string, unknown>).finding, f.key);
    assert.equal((audit[0]!.details as Record<string, unknown>).findingUpdates, f.updates, 'the audit names the stored update that was promoted');
    assert.equal(audit[0]!.reason, null);
    // no flush: a page is answered only after its read event has committed
    const reads = await t.store.db.selectFrom('audit_events').select('action').where('action', '=', 'intel.objects.read').where('actor_user_id', '=', t.people.operator.userId).execute();
    assert.ok(reads.length >= 1, 'reads of objects are audited before they are answered');
  });

  test('confidential sharing groups: members do not see each other; managers see all', async () => {
    const mine = async (p: TestPerson) => JSON.parse((await t.app.inject({ url: '/api/v1/intel/groups', headers: bearer(p) })).body) as Array<{ id: string; members: string[]; memberCount: number | null }>;
    const op = (await mine(t.people.operator)).find((g) => g.id === groupId)!;
    assert.deepEqual(op.members, [t.people.operator.orgId]);
    assert.equal(op.memberCount, null);
    assert.equal((await mine(t.others.operator)).find((g) => g.id === groupId), undefined);
    const admin = (await mine(t.people.admin)).find((g) => g.id === groupId)!;
    assert.deepEqual([...admin.members].sort(), [t.people.operator.orgId, t.people.carrier.orgId].sort());
  });

  test('a bundle file imports; its indicators become candidate criteria, not criteria', async () => {
    const b = { type: 'bundle', id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d', objects: [newIndicator('amber', { pattern: "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '198.18.0.7' AND network-traffic:dst_port = 8443]" }), newIndicator('amber', { pattern: "[domain-name:value = 'bad.example']" })] };
    const r = await t.app.inject({ method: 'POST', url: `/api/v1/intel/collections/${ids['sector-group']}/bundles`, headers: bearer(t.people.agency_analyst), payload: b });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal((JSON.parse(r.body) as { added: number }).added, 2);
    const c = JSON.parse((await t.app.inject({ url: '/api/v1/intel/candidates', headers: bearer(t.people.agency_analyst) })).body) as Array<{ address: string; port: number | null; status: string }>;
    const mineC = c.filter((x) => x.address === '198.18.0.7');
    assert.deepEqual(mineC.map((x) => [x.port, x.status]), [[8443, 'candidate']]);
    const candId = (c.find((x) => x.address === '198.18.0.7') as unknown as { id: string }).id;
    const decide = (who: TestPerson, body: Record<string, unknown>) => t.app.inject({ method: 'POST', url: `/api/v1/intel/candidates/${candId}/decision`, headers: bearer(who), payload: body });
    const noBasis = await decide(t.people.agency_lead, { status: 'adopted' });
    assert.equal(noBasis.statusCode, 400);
    assert.match(noBasis.body, /needs the id of the approval/);
    assert.equal((await decide(t.people.agency_analyst, { status: 'adopted', approvalId: 'a-1' })).statusCode, 403);
    const adopted = await decide(t.people.agency_lead, { status: 'adopted', approvalId: 'approval-42', reason: 'C2 of a sector campaign' });
    assert.equal(adopted.statusCode, 200, adopted.body);
    assert.equal((await decide(t.people.agency_lead, { status: 'rejected' })).statusCode, 409);
    const ev = await t.store.db.selectFrom('audit_events').selectAll().where('action', '=', 'intel.candidate.adopt').executeTakeFirstOrThrow();
    assert.equal(ev.basis_id, 'approval-42');
    const notBundle = await t.app.inject({ method: 'POST', url: `/api/v1/intel/collections/${ids['sector-group']}/bundles`, headers: bearer(t.people.agency_analyst), payload: { objects: [] } });
    assert.equal(notBundle.statusCode, 400);
    assert.match(notBundle.body, /INTEL_BAD_BUNDLE/);
  });
});
