/**
 * The carrier registry and a carrier's own view (#22), through the HTTP API on both engines: carrier A
 * reads the approvals naming its ids (with carrier B's ids of a shared approval left out, and no
 * criteria) and its own counts only; carrier B the same for itself; nobody else reads a carrier's view.
 * The registry is the administrator's: an id cannot be given to two organisations, nor to an
 * organisation that is not a carrier; every change is audited with the ids before and after.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { createTestApp, bearer, type TestApp, type TestPerson } from '../helpers/app.js';
import { engineCases } from '../helpers/stores.js';
import { withTables, type Database } from '../../src/store/index.js';
import type { SelectionTables } from '../../src/selection/tables.js';

interface Overview {
  carrierIds: string[];
  approvals: Array<Record<string, unknown> & { id: string; links: string[]; selected: number }>;
  counts: Array<{ carrier: string; received: number; outOfScope: number; selected: number }>;
  totals: { received: number; outOfScope: number; selected: number; noApproval: number; discarded: number };
}

for (const engine of engineCases()) {
  after(() => engine.cleanup());

  test(`carrier A sees its own approvals and counts, never carrier B's (${engine.name})`, async () => {
    const t: TestApp = await createTestApp({}, [], { open: engine.open });
    try {
      const a = t.people.carrier;
      const b = t.others.carrier;
      const admin = t.people.admin;
      const call = async (p: TestPerson, method: 'GET' | 'PUT' | 'POST', url: string, payload?: unknown) => {
        const r = await t.app.inject({ method, url, headers: bearer(p), ...(payload !== undefined ? { payload: payload as object } : {}) });
        return { status: r.statusCode, json: r.json() as unknown };
      };
      const overview = async (p: TestPerson, q = '') => {
        const r = await call(p, 'GET', `/api/v1/carrier/overview${q}`);
        assert.equal(r.status, 200, JSON.stringify(r.json));
        return r.json as Overview;
      };

      // before any assignment: nothing to show, said plainly (no other carrier's data as a fallback)
      const empty = await overview(a);
      assert.deepEqual(empty.carrierIds, []);
      assert.deepEqual(empty.approvals, []);

      // the administrator assigns ids; a carrier may not
      assert.equal((await call(admin, 'PUT', `/api/v1/organisations/${a.orgId}/carrier-ids`, { carrierIds: ['carrier-a', 'link-a2'], reason: 'contract signed' })).status, 200);
      assert.equal((await call(admin, 'PUT', `/api/v1/organisations/${b.orgId}/carrier-ids`, { carrierIds: ['carrier-b'], reason: 'contract signed' })).status, 200);
      const self = await call(a, 'PUT', `/api/v1/organisations/${a.orgId}/carrier-ids`, { carrierIds: ['carrier-a', 'carrier-b'], reason: 'mine now' });
      assert.equal(self.status, 403, 'a carrier cannot assign itself ids');
      // an insider administrator cannot give B's id to A, nor a carrier id to an operator
      const stolen = await call(admin, 'PUT', `/api/v1/organisations/${a.orgId}/carrier-ids`, { carrierIds: ['carrier-a', 'carrier-b'], reason: 'merge' });
      assert.equal(stolen.status, 409);
      assert.match(JSON.stringify(stolen.json), /CARRIER_ID_TAKEN.*carrier-b/);
      const operator = await call(admin, 'PUT', `/api/v1/organisations/${t.people.operator.orgId}/carrier-ids`, { carrierIds: ['carrier-x'], reason: 'wrong org' });
      assert.equal(operator.status, 409);
      assert.match(JSON.stringify(operator.json), /NOT_A_CARRIER/);
      const bad = await call(admin, 'PUT', `/api/v1/organisations/${a.orgId}/carrier-ids`, { carrierIds: ['carrier-a', '../etc'], reason: 'typo' });
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(bad.json), /carrierIds/);
      const nowhere = await call(admin, 'PUT', '/api/v1/organisations/no-such-org/carrier-ids', { carrierIds: ['carrier-z'], reason: 'typo' });
      assert.equal(nowhere.status, 404);
      const registry = (await call(admin, 'GET', '/api/v1/carrier-ids')).json as Array<{ carrierId: string; orgId: string }>;
      assert.deepEqual(registry.map((r) => `${r.carrierId}:${r.orgId === a.orgId ? 'A' : r.orgId === b.orgId ? 'B' : '?'}`), ['carrier-a:A', 'carrier-b:B', 'link-a2:A']);
      assert.equal((await call(a, 'GET', '/api/v1/carrier-ids')).status, 403, 'carriers do not read the whole registry');

      // two approvals: one shared by A and B, one B's alone
      const criteria = [{ id: 'r1', kind: 'detector', detector: 'beacon' }];
      const start = new Date(Date.now() - 3600_000).toISOString();
      for (const [id, carriers] of [['shared-ab', ['carrier-a', 'carrier-b']], ['only-b', ['carrier-b']]] as const) {
        const p = await call(t.people.agency_lead, 'POST', '/api/v1/approvals', { id, category: 'foreign-domestic', carriers, criteria, start });
        assert.equal(p.status, 201, JSON.stringify(p.json));
      }
      // the gate's counts: this hour for both, and an old hour of A outside the default window
      const hour = new Date(Math.floor(Date.now() / 3600_000) * 3600_000);
      const old = new Date(hour.getTime() - 48 * 3600_000);
      const db = withTables<SelectionTables>(t.store.db as Kysely<Database>);
      const row = (h: Date, carrier: string, category: string, approval: string, metric: string, count: number) => ({ hour: h, carrier, category, approval_id: approval, metric, count });
      await db.insertInto('gate_counts').values([
        row(hour, 'carrier-a', 'foreign-domestic', '', 'received', 10),
        row(hour, 'carrier-a', 'out-of-scope', '', 'received', 3),
        row(hour, 'carrier-a', 'out-of-scope', '', 'outOfScope', 3),
        row(hour, 'carrier-a', 'foreign-domestic', '', 'selected', 2),
        row(hour, 'carrier-a', 'foreign-domestic', 'shared-ab', 'selected', 2),
        row(hour, 'link-a2', 'foreign-domestic', '', 'received', 5),
        row(old, 'carrier-a', 'foreign-domestic', '', 'received', 1000),
        row(hour, 'carrier-b', 'foreign-domestic', '', 'received', 700),
        row(hour, 'carrier-b', 'foreign-domestic', '', 'selected', 70),
        row(hour, 'carrier-b', 'foreign-domestic', 'shared-ab', 'selected', 40),
        row(hour, 'carrier-b', 'foreign-domestic', 'only-b', 'selected', 30),
      ]).execute();

      const va = await overview(a);
      assert.deepEqual(va.carrierIds, ['carrier-a', 'link-a2']);
      assert.deepEqual(va.approvals.map((x) => [x.id, x.links, x.selected]), [['shared-ab', ['carrier-a'], 2]]);
      assert.deepEqual(va.totals, { received: 18, outOfScope: 3, noApproval: 0, selected: 2, discarded: 0 });
      const text = JSON.stringify(va);
      assert.doesNotMatch(text, /carrier-b|only-b|beacon|criteria/, "nothing of carrier B's and no criteria in A's view");
      // a wider window takes the old hour in
      assert.equal((await overview(a, '?hours=72')).totals.received, 1018);

      const vb = await overview(b);
      assert.deepEqual(vb.approvals.map((x) => [x.id, x.links, x.selected]).sort(), [['only-b', ['carrier-b'], 30], ['shared-ab', ['carrier-b'], 40]]);
      assert.equal(vb.totals.received, 700);
      assert.doesNotMatch(JSON.stringify(vb), /carrier-a|link-a2/);

      // nobody else reads a carrier's view; bad input is a 400 naming the field
      for (const p of [t.people.agency_analyst, t.people.operator, t.people.admin, t.people.commission_member]) assert.equal((await call(p, 'GET', '/api/v1/carrier/overview')).status, 403, p.username);
      for (const q of ['?hours=0', '?hours=abc', '?hours=99999', '?carrier=carrier-b']) {
        const r = await call(a, 'GET', `/api/v1/carrier/overview${q}`);
        assert.equal(r.status, 400, q);
      }

      // audited: the assignments with before and after, the reads
      const audit = await t.store.db.selectFrom('audit_events').select(['action', 'details', 'target_id']).where('action', 'like', 'carrier.%').orderBy('seq').execute();
      const sets = audit.filter((e) => e.action === 'carrier.mapping.set');
      assert.equal(sets.length, 2);
      const det = (e: (typeof audit)[number]) => (typeof e.details === 'string' ? JSON.parse(e.details) : e.details) as { before: string[]; after: string[] };
      assert.deepEqual(det(sets[0]!), { before: [], after: ['carrier-a', 'link-a2'] });
      assert.ok(audit.filter((e) => e.action === 'carrier.overview.read').length >= 4);

      // a re-assignment moves an id only once its owner gave it up
      assert.equal((await call(admin, 'PUT', `/api/v1/organisations/${b.orgId}/carrier-ids`, { carrierIds: [], reason: 'contract ended' })).status, 200);
      assert.equal((await call(admin, 'PUT', `/api/v1/organisations/${a.orgId}/carrier-ids`, { carrierIds: ['carrier-a', 'carrier-b'], reason: 'took over the links' })).status, 200);
      assert.deepEqual((await overview(b)).approvals, []);
      assert.deepEqual((await overview(a)).approvals.map((x) => x.id).sort(), ['only-b', 'shared-ab']);
    } finally {
      await t.close();
    }
  });
}
