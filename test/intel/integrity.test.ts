/**
 * Intelligence integrity and tenancy (issue #17), over HTTP with the agency and two partner
 * organisations, on both engines: only the creator versions an object (also blind, on a hidden id);
 * no existence oracle; granular markings; strict validation of incoming STIX (8 malformed objects, a
 * misp-stix bundle); each reader's walk self-contained (--enforce_refs style), without duplicates or
 * objects above its marking; revocation read back through TAXII; DDoS findings promoted; the candidate
 * listing's tenancy; /metrics behind a token or loopback.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ROLES, SYSTEM_ACTOR, createOrganisation, createPerson, issueToken } from '../../src/auth/index.js';
import { TLP2_MARKING_IDS, TLP_RANK, indicator, orgIdentityId, stableId, tlpOf, type TlpLevel } from '../../src/intel/index.js';
import { createFindingWriter } from '../../src/findings/index.js';
import type { Finding } from '../../src/detect/index.js';
import { createTestApp, bearer, type TestApp, type TestPerson } from '../helpers/app.js';
import { engineCases } from '../helpers/stores.js';
import { SpecClient, type Envelope, type Send } from './taxii-client.js';
import { sampleFinding } from './fixtures.js';

type Obj = { id: string; type: string; [k: string]: unknown };
type Status = { total_count: number; success_count: number; failure_count: number; successes: Array<{ id: string; version?: string; message?: string }>; failures: Array<{ id: string; version?: string; message?: string }> };

const M = TLP2_MARKING_IDS;
let n = 0;
const ind = (over: Record<string, unknown> = {}, tlp: TlpLevel = 'amber') => {
  n++;
  return { ...indicator({ pattern: `[ipv4-addr:value = '198.51.100.${n % 250}']`, created: '2026-11-01T00:00:00.000Z', modified: '2026-11-01T00:00:00.000Z', name: `i${n}` }), object_marking_refs: [M[tlp]], ...over } as Obj;
};

/** Every reference an object makes (STIX 2.1 *_ref, *_refs, granular markings' marking_ref), at any depth. */
function refsOf(x: unknown, out: string[] = []): string[] {
  if (Array.isArray(x)) for (const v of x) refsOf(v, out);
  else if (x && typeof x === 'object') {
    for (const [k, v] of Object.entries(x)) {
      if ((k.endsWith('_ref') || k === 'marking_ref') && typeof v === 'string') out.push(v);
      else if (k.endsWith('_refs') && Array.isArray(v)) out.push(...v.filter((r): r is string => typeof r === 'string'));
      else refsOf(v, out);
    }
  }
  return out;
}

for (const engine of engineCases()) {
  describe(`intel integrity on ${engine.name}`, () => {
    let t: TestApp;
    let agency: TestPerson;
    let lead: TestPerson;
    let p1: TestPerson;
    let p2: TestPerson;
    let exchange: string;
    let publicColl: string;
    const send: Send = async (method, path, headers, body) => {
      const r = await t.app.inject({ method, url: path, headers, ...(body !== undefined ? { payload: body } : {}) });
      let parsed: unknown = null;
      try {
        parsed = r.body ? JSON.parse(r.body) : null;
      } catch {
        parsed = r.body;
      }
      return { status: r.statusCode, headers: r.headers as Record<string, string>, body: parsed };
    };
    const client = (p: TestPerson) => new SpecClient(send, bearer(p));
    const objectsUrl = (c: string) => `/taxii2/acd/collections/${c}/objects/`;
    const post = async (p: TestPerson, c: string, objects: unknown[]): Promise<Status> => {
      const r = await client(p).post(objectsUrl(c), { objects });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      return r.body as Status;
    };
    const latest = async (p: TestPerson, c: string, id: string): Promise<Obj | null> => {
      const r = await client(p).get(`${objectsUrl(c)}${id}/`);
      if (r.status === 404) return null;
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const objs = (r.body as Envelope).objects ?? [];
      assert.equal(objs.length, 1);
      return objs[0] as Obj;
    };
    const walk = async (p: TestPerson, c: string): Promise<Obj[]> => (await client(p).walk(objectsUrl(c), 7)).objects as Obj[];
    const api = (p: TestPerson, method: 'GET' | 'POST', url: string, payload?: unknown) => t.app.inject({ method, url, headers: bearer(p), ...(payload !== undefined ? { payload: payload as object } : {}) });
    // the answer to a POST without what names the object: what a writer can compare
    // (a message names the object it is about, which the writer sent: that part is taken out)
    const anon = (id: string, m: string | undefined) => (m === undefined ? null : m.split(id).join('<id>'));
    const shape = (s: Status) => ({ total: s.total_count, ok: s.success_count, failed: s.failure_count, messages: s.successes.map((x) => anon(x.id, x.message)), failures: s.failures.map((x) => anon(x.id, x.message)) });

    before(async () => {
      t = await createTestApp({}, [], { open: engine.open });
      agency = t.people.agency_analyst;
      lead = t.people.agency_lead;
      p1 = t.people.partner;
      p2 = t.others.partner;
      const mk = async (payload: Record<string, unknown>) => {
        const r = await api(t.people.admin, 'POST', '/api/v1/intel/collections', payload);
        assert.equal(r.statusCode, 201, r.body);
        return (JSON.parse(r.body) as { id: string }).id;
      };
      exchange = await mk({ title: 'exchange', readRoles: ['agency_analyst', 'agency_lead', 'partner'], writeRoles: ['agency_analyst', 'agency_lead', 'partner'], defaultTlp: 'amber', audienceOrgs: [agency.orgId, p1.orgId, p2.orgId], audienceUsers: [agency.userId] });
      publicColl = await mk({ title: 'public', readRoles: [...ROLES], writeRoles: ['agency_analyst'], defaultTlp: 'clear' });
    });
    after(async () => {
      await t.close();
      await engine.cleanup();
    });

    test('rule 1: only the creator adds versions; the refusal is in the status and the stored version stays served', async () => {
      const mine = ind({ created_by_ref: orgIdentityId(agency.orgId) });
      assert.equal((await post(agency, exchange, [mine])).success_count, 1);
      // a partner forges a newer version: another pattern, marking downgraded to CLEAR
      const { created_by_ref: _by, ...anonymous } = mine;
      const forged = { ...anonymous, modified: '2026-11-05T00:00:00.000Z', pattern: "[ipv4-addr:value = '192.0.2.99']", object_marking_refs: [M.clear] };
      const s = await post(p1, exchange, [forged]);
      assert.equal(s.failure_count, 1, JSON.stringify(s));
      assert.equal(s.failures[0]!.id, mine.id);
      assert.match(s.failures[0]!.message!, /only the organisation that created this object may add versions/);
      for (const reader of [agency, p1, p2]) {
        const got = await latest(reader, exchange, mine.id);
        assert.equal(got?.pattern, mine.pattern, `${reader.username} is served the agency's version`);
        assert.deepEqual(got?.object_marking_refs, [M.amber]);
      }
      const versions = await client(p2).ok<{ versions: string[] }>(`${objectsUrl(exchange)}${mine.id}/versions/`);
      assert.deepEqual(versions.versions, [mine.modified]);
      // the creator's organisation may (another analyst of it too)
      const newer = { ...mine, modified: '2026-11-06T00:00:00.000Z', description: 'confirmed' };
      assert.equal((await post(lead, exchange, [newer])).success_count, 1);
      assert.equal((await latest(p2, exchange, mine.id))?.description, 'confirmed');
      // nobody publishes as another organisation's producer identity
      const claim = await post(p1, exchange, [ind({ created_by_ref: orgIdentityId(agency.orgId) })]);
      assert.equal(claim.failure_count, 1);
      assert.match(claim.failures[0]!.message!, /producer identity of another organisation/);
      // without created_by_ref, the organisation that first added it is its creator
      const q = ind();
      assert.equal((await post(p1, exchange, [q])).success_count, 1);
      const q2 = await post(p2, exchange, [{ ...q, modified: '2026-11-07T00:00:00.000Z', name: 'p2 was here' }]);
      assert.equal(q2.failure_count, 1);
      assert.equal((await post(p1, exchange, [{ ...q, modified: '2026-11-07T00:00:00.000Z', name: 'p1 update' }])).success_count, 1);
      assert.equal((await latest(agency, exchange, q.id))?.name, 'p1 update');
      // the refusal is audited in the event of the request
      const audit = await api(t.people.auditor, 'GET', '/api/v1/audit-log?action=intel.objects.add&limit=500');
      if (audit.statusCode === 200) assert.ok(audit.body.includes(mine.id), 'the refused version is named in the audit event');
    });

    test('rule 1 blind and rule 2: a hidden object is answered exactly as a new one, and the hidden version stays the one its readers get', async () => {
      const hidden = ind({ created_by_ref: orgIdentityId(agency.orgId) }, 'red');
      assert.equal((await post(agency, exchange, [hidden])).success_count, 1);
      assert.equal(await latest(p1, exchange, hidden.id), null, 'the partner cannot read the RED object');
      // a newer version of the hidden id, and a brand-new object of the same shape
      const { created_by_ref: _by, ...anonymous } = hidden;
      const overwrite = { ...anonymous, modified: '2026-11-09T00:00:00.000Z', pattern: "[ipv4-addr:value = '192.0.2.66']", object_marking_refs: [M.clear] };
      // (keeping the agency's created_by_ref is refused alike for a hidden and a new id)
      assert.deepEqual(shape(await post(p1, exchange, [{ ...overwrite, created_by_ref: orgIdentityId(agency.orgId) }])), shape(await post(p1, exchange, [ind({ created_by_ref: orgIdentityId(agency.orgId) })])));
      const fresh = ind({ modified: '2026-11-09T00:00:00.000Z' }, 'clear');
      const a = await post(p1, exchange, [overwrite]);
      const b = await post(p1, exchange, [fresh]);
      assert.deepEqual(shape(a), shape(b), 'same answer for a hidden id as for a new one');
      assert.deepEqual(shape(a), { total: 1, ok: 1, failed: 0, messages: [null], failures: [] });
      // the same version of the hidden id (exactly its modified) is answered as new too
      const same = await post(p1, exchange, [{ ...anonymous, object_marking_refs: [M.clear] }]);
      const fresh2 = await post(p1, exchange, [ind({}, 'clear')]);
      assert.deepEqual(shape(same), shape(fresh2));
      // and posting each again: "already" for both alike
      assert.deepEqual(shape(await post(p1, exchange, [overwrite])), shape(await post(p1, exchange, [fresh])));
      // the RED object's readers still get the agency's version; the other partner gets nothing
      const got = await latest(agency, exchange, hidden.id);
      assert.equal(got?.pattern, hidden.pattern);
      assert.deepEqual(got?.object_marking_refs, [M.red]);
      assert.equal(await latest(p2, exchange, hidden.id), null, "the writer's copy is served to no one else");
      assert.equal(await latest(lead, exchange, hidden.id), null, 'nor to the agency people the RED object is not for');
      // a deterministic cyber-observable id (STIX §2.9, computable by anyone) is no oracle either
      const sco = (value: string, tlp: TlpLevel) => ({ type: 'ipv4-addr', spec_version: '2.1', id: stableId('x', value).replace(/^x--/, 'ipv4-addr--'), value, object_marking_refs: [M[tlp]] });
      assert.equal((await post(agency, exchange, [sco('10.9.8.7', 'red')])).success_count, 1);
      assert.deepEqual(shape(await post(p1, exchange, [sco('10.9.8.7', 'clear')])), shape(await post(p1, exchange, [sco('10.9.8.6', 'clear')])));
      const scoRead = await latest(agency, exchange, sco('10.9.8.7', 'red').id);
      assert.deepEqual(scoRead?.object_marking_refs, [M.red]);
    });

    test('rule 3: a field marked RED by a granular marking is never served to a reader RED does not admit (the object is withheld)', async () => {
      const g = ind({ description: 'source: a human informant', granular_markings: [{ selectors: ['description'], marking_ref: M.red }] }, 'amber');
      assert.equal((await post(agency, exchange, [g])).success_count, 1);
      assert.equal(await latest(p1, exchange, g.id), null);
      assert.equal(await latest(lead, exchange, g.id), null);
      assert.ok(!(await walk(p2, exchange)).some((o) => o.id === g.id));
      assert.equal((await latest(agency, exchange, g.id))?.description, 'source: a human informant');
    });

    test('rule 5: 8 malformed objects are refused and named, the good one stored; a misp-stix bundle (quoted port) is accepted', async () => {
      const good = ind({}, 'amber');
      const bad: Obj[] = [
        ind({ granular_markings: null }),
        ind({ pattern: "[ipv4-addr:value = '999.1.1.1']" }),
        { type: 'malware', spec_version: '2.1', id: 'malware--6b5a5e38-6ad4-4d3c-a6a6-7c2d9b8a1f01', created: '2026-11-01T00:00:00.000Z', modified: '2026-11-01T00:00:00.000Z', name: 'x' }, // no is_family
        ind({ confidence: 150 }),
        (() => {
          const o = ind();
          delete o.valid_from;
          return o;
        })(),
        ind({ labels: 'not-a-list' }),
        { type: 'relationship', spec_version: '2.1', id: 'relationship--6b5a5e38-6ad4-4d3c-a6a6-7c2d9b8a1f02', created: '2026-11-01T00:00:00.000Z', modified: '2026-11-01T00:00:00.000Z', relationship_type: 'Uses Badly', source_ref: good.id, target_ref: good.id },
        ind({ external_references: [{ description: 'no source_name' }] }),
      ];
      const s = await post(p1, exchange, [bad[0], good, ...bad.slice(1)]);
      assert.equal(s.success_count, 1, JSON.stringify(s.failures));
      assert.equal(s.failure_count, 8, JSON.stringify(s.failures));
      assert.deepEqual(s.failures.map((f) => f.id).sort(), bad.map((b) => b.id).sort());
      for (const f of s.failures) assert.ok(f.message && f.message.length > 10, f.message);
      assert.ok(await latest(agency, exchange, good.id));
      for (const b of bad) assert.equal(await latest(agency, exchange, b.id), null, `${b.id} was not stored`);

      // what misp-stix writes: a TLP 1.0 marking, a MISP identity, an indicator with a quoted port, a report
      const misp = {
        type: 'bundle',
        id: 'bundle--0d3c8f5e-9c7a-4d6b-9c1e-2b8a3f4e5d61',
        objects: [
          { type: 'identity', spec_version: '2.1', id: 'identity--55f6ea5e-2c60-40e5-964f-47a8950d210f', created: '2026-11-01T00:00:00.000Z', modified: '2026-11-01T00:00:00.000Z', name: 'CIRCL', identity_class: 'organization' },
          { type: 'marking-definition', spec_version: '2.1', id: 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9', created: '2017-01-20T00:00:00.000Z', definition_type: 'tlp', name: 'TLP:WHITE', definition: { tlp: 'white' } },
          {
            type: 'indicator',
            spec_version: '2.1',
            id: 'indicator--91ae1a5e-2c5e-4c2b-8f3e-1f5c7f9d6a01',
            created_by_ref: 'identity--55f6ea5e-2c60-40e5-964f-47a8950d210f',
            created: '2026-11-01T10:00:00.000Z',
            modified: '2026-11-01T10:00:00.000Z',
            pattern: "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.44' AND network-traffic:dst_port = '4444']",
            pattern_type: 'stix',
            pattern_version: '2.1',
            valid_from: '2026-11-01T10:00:00Z',
            labels: ['misp:type="ip-dst|port"', 'misp:category="Network activity"', 'misp:to_ids="True"'],
            kill_chain_phases: [{ kill_chain_name: 'misp-category', phase_name: 'Network activity' }],
            object_marking_refs: ['marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9'],
          },
          { type: 'report', spec_version: '2.1', id: 'report--a1b2c3d4-2c5e-4c2b-8f3e-1f5c7f9d6a02', created_by_ref: 'identity--55f6ea5e-2c60-40e5-964f-47a8950d210f', created: '2026-11-01T10:00:00.000Z', modified: '2026-11-01T10:00:00.000Z', name: 'MISP event 42', published: '2026-11-01T10:00:00Z', object_refs: ['indicator--91ae1a5e-2c5e-4c2b-8f3e-1f5c7f9d6a01'], labels: ['Threat-Report', 'misp:tool="MISP-STIX-Converter"'] },
        ],
      };
      const r = await api(agency, 'POST', `/api/v1/intel/collections/${exchange}/bundles`, misp);
      assert.equal(r.statusCode, 200, r.body);
      const res = JSON.parse(r.body) as { failures: unknown[]; added: number; candidates?: number };
      assert.deepEqual(res.failures, []);
      assert.equal(res.added, 4);
      const cands = JSON.parse((await api(agency, 'GET', '/api/v1/intel/candidates')).body) as Array<{ address: string; port: number | null }>;
      assert.ok(cands.some((c) => c.address === '203.0.113.44' && c.port === 4444), 'the quoted port becomes the candidate port');
    });

    test('rule 4: each reader of each tier walks a self-contained set: no dangling reference, no duplicate, nothing above its marking', async () => {
      const f = sampleFinding({ key: `beacon|41.108.179.${(n % 200) + 1}|1177/6`, external: `41.108.179.${(n % 200) + 1}` });
      const w = createFindingWriter(t.store.db);
      w.push(f);
      assert.equal(await w.flush(), 1);
      const promote = async (body: Record<string, unknown>) => {
        const r = await api(agency, 'POST', '/api/v1/intel/promotions', { findingId: f.key, ...body });
        assert.equal(r.statusCode, 201, r.body);
        return JSON.parse(r.body) as { reportId: string; objectIds: string[]; failures: unknown[] };
      };
      // the full tier first: its C2 address is the same cyber-observable the shareable tier names
      const full = await promote({ tier: 'full', collectionId: exchange, recipientOrgs: [agency.orgId] });
      const share = await promote({ tier: 'shareable', collectionId: exchange });
      const pub = await promote({ tier: 'public', collectionId: publicColl });
      assert.deepEqual([full.failures, share.failures, pub.failures], [[], [], []]);
      // tier ids are not the UUIDv5 of predictable names
      assert.ok(!full.objectIds.includes(stableId('indicator', `full|${f.key}`)));
      const fullInd = full.objectIds.find((i) => i.startsWith('indicator--'))!;
      const readers: Array<[TestPerson, string, TlpLevel]> = [
        [agency, exchange, 'red'],
        [p1, exchange, 'amber'],
        [p2, exchange, 'amber'],
        [t.people.operator, publicColl, 'clear'],
        [t.people.partner, publicColl, 'clear'],
      ];
      for (const [who, coll, max] of readers) {
        const objs = await walk(who, coll);
        const ids = objs.map((o) => o.id);
        assert.equal(new Set(ids).size, ids.length, `${who.username}: no duplicate in the walk`);
        // the official TLP marking definitions are predefined by STIX 2.1 (§7.2.1.4) and the TLP 2.0
        // extension: an object a partner posts may name them without sending them (ACD's tiers carry them)
        const have = new Set([...ids, ...(coll === exchange ? [M.red] : [])]);
        const dangling = objs.flatMap((o) => refsOf(o).filter((r) => !have.has(r)).map((r) => `${o.id} → ${r}`));
        assert.deepEqual(dangling, [], `${who.username}: every reference resolves`);
        for (const o of objs) {
          const l = tlpOf(o.object_marking_refs as string[] | undefined);
          if (l) assert.ok(TLP_RANK[l] <= TLP_RANK[max], `${who.username} got ${o.id} marked ${l}`);
        }
        if (who !== agency) assert.ok(!ids.includes(fullInd), `${who.username} does not get the full tier`);
        const inds = objs.filter((o) => o.type === 'indicator' && (share.objectIds.includes(o.id) || pub.objectIds.includes(o.id)));
        if (coll === exchange || coll === publicColl) assert.ok(inds.length >= 1 && inds.every((o) => typeof o.valid_until === 'string'), 'promoted indicators carry valid_until');
      }
    });

    test('rule 6: a promotion is revoked; readers get the revoked version (indicator valid_until) as the latest through TAXII', async () => {
      const f = sampleFinding({ key: 'beacon|41.108.1.1|443/6', external: '41.108.1.1', port: 443 });
      const w = createFindingWriter(t.store.db);
      w.push(f);
      await w.flush();
      const r = await api(agency, 'POST', '/api/v1/intel/promotions', { findingId: f.key, tier: 'public', collectionId: publicColl });
      assert.equal(r.statusCode, 201, r.body);
      const pr = JSON.parse(r.body) as { reportId: string; objectIds: string[] };
      const refused = await api(p1, 'POST', '/api/v1/intel/revocations', { collectionId: publicColl, reportId: pr.reportId, reason: 'x' });
      assert.equal(refused.statusCode, 403);
      const rv = await api(agency, 'POST', '/api/v1/intel/revocations', { collectionId: publicColl, reportId: pr.reportId, reason: 'wrong address: a CDN' });
      assert.equal(rv.statusCode, 201, rv.body);
      const res = JSON.parse(rv.body) as { revoked: string[]; failures: unknown[] };
      assert.deepEqual(res.failures, []);
      const ind1 = pr.objectIds.find((i) => i.startsWith('indicator--'))!;
      assert.ok(res.revoked.includes(pr.reportId) && res.revoked.includes(ind1));
      const reader = t.people.operator;
      const gotInd = await latest(reader, publicColl, ind1);
      assert.equal(gotInd?.revoked, true);
      assert.ok(Date.parse(String(gotInd?.valid_until)) <= Date.now() + 1000);
      assert.equal((await latest(reader, publicColl, pr.reportId))?.revoked, true);
      const walked = await walk(reader, publicColl);
      assert.equal(walked.filter((o) => o.id === ind1).length, 1);
      // revoking again: nothing left to revoke
      assert.equal((await api(agency, 'POST', '/api/v1/intel/revocations', { collectionId: publicColl, reportId: pr.reportId, reason: 'again' })).statusCode, 409);
    });

    test('rule 8: a DDoS on a domestic target from many sources is promoted (no domestic address outside the full tier)', async () => {
      const d: Finding = {
        type: 'ddos',
        key: 'ddos|-|0/0|10.77.9.9',
        external: null,
        port: 0,
        proto: 0,
        direction: 'inbound',
        domestic: ['10.77.9.9'],
        domesticCount: 1,
        firstSeen: Date.parse('2026-11-20T10:00:00Z'),
        lastSeen: Date.parse('2026-11-20T10:05:00Z'),
        score: 0.97,
        subscores: { pps: 1, bps: 1, fps: 0.8, baseline: 0 },
        evidence: { target: '10.77.9.9', rates: { pps: 90000, bps: 800000000, flowsPerSecond: 4000 }, peak: { pps: 120000, bps: 900000000, flowsPerSecond: 5000 }, distinctSources: 3100 },
        updates: 3,
      };
      const w = createFindingWriter(t.store.db);
      w.push(d);
      await w.flush();
      for (const [tier, coll, extra] of [['shareable', exchange, {}], ['public', publicColl, {}], ['full', exchange, { recipientOrgs: [agency.orgId] }]] as const) {
        const r = await api(agency, 'POST', '/api/v1/intel/promotions', { findingId: d.key, tier, collectionId: coll, ...extra });
        assert.equal(r.statusCode, 201, `${tier}: ${r.body}`);
        const pr = JSON.parse(r.body) as { objectIds: string[]; failures: unknown[] };
        assert.deepEqual(pr.failures, []);
        assert.ok(pr.objectIds.some((i) => i.startsWith('attack-pattern--')));
      }
      const seen = JSON.stringify(await walk(p1, exchange));
      assert.ok(seen.includes('3100 distinct sources') || seen.includes('about 3100'), 'the shareable figures reach the partner');
      assert.ok(!seen.includes('10.77.9.9'), 'the domestic target stays in the full tier');
    });

    test('rule 7: candidate criteria are listed to agency people who may read their indicator only', async () => {
      const red = ind({ pattern: "[ipv4-addr:value = '203.0.113.201']" }, 'red');
      await post(agency, exchange, [red]);
      const amber = ind({ pattern: "[ipv4-addr:value = '203.0.113.202']" }, 'amber');
      await post(p1, exchange, [amber]);
      const list = async (p: TestPerson) => {
        const r = await api(p, 'GET', '/api/v1/intel/candidates');
        assert.equal(r.statusCode, 200, r.body);
        return (JSON.parse(r.body) as Array<{ address: string }>).map((c) => c.address);
      };
      assert.ok((await list(agency)).includes('203.0.113.201'), 'the RED recipient sees it');
      assert.ok((await list(agency)).includes('203.0.113.202'));
      assert.ok(!(await list(lead)).includes('203.0.113.201'), 'an agency person the RED indicator is not for does not');
      assert.ok((await list(lead)).includes('203.0.113.202'));
      // people of a ministry and of an executor holding agency_analyst
      for (const kind of ['ministry', 'executor'] as const) {
        const org = await createOrganisation(t.store.db, SYSTEM_ACTOR, { name: `${kind} ${n}`, kind, sector: null });
        const u = await createPerson(t.store.db, SYSTEM_ACTOR, { orgId: org.id, username: `${kind}-analyst-${n}`, displayName: kind, password: 'correct horse battery staple', roles: ['agency_analyst'] });
        const tok = await issueToken(t.store.db, SYSTEM_ACTOR, u.id, 'test', null);
        const person: TestPerson = { userId: u.id, username: `${kind}-analyst`, orgId: org.id, orgKind: kind, role: 'agency_analyst', token: tok.token };
        assert.deepEqual(await list(person), [], `a ${kind} analyst lists no candidate`);
      }
    });
  });
}

describe('/metrics is not for everyone', () => {
  test('with metricsToken: 401 without it, 200 with it', async () => {
    const t = await createTestApp({ metricsToken: 'scrape-token-0123456789' });
    try {
      assert.equal((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
      assert.equal((await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode, 401);
      const ok = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-token-0123456789' } });
      assert.equal(ok.statusCode, 200);
      assert.match(ok.body, /# HELP/);
    } finally {
      await t.close();
    }
  });
  test('without a token: loopback peers only', async () => {
    const t = await createTestApp();
    try {
      assert.equal((await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' })).statusCode, 200);
      assert.equal((await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9' })).statusCode, 403);
      // a forwarded header does not make a remote peer local
      assert.equal((await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9', headers: { 'x-forwarded-for': '127.0.0.1' } })).statusCode, 403);
    } finally {
      await t.close();
    }
  });
});
