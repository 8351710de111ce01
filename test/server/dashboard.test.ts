/**
 * The dashboard's two server routes (#22): GET /api/v1/changes, a version per kind of record that
 * moves on a change and not on a read (and is itself not audited), and GET /api/v1/audit/search, the
 * audit trail filtered by action, actor, target and time, newest first, paged.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, bearer, type TestApp } from '../helpers/app.js';
import { recordAudit } from '../../src/oversight/index.js';
import { isReadAction } from '../../src/server/routes/dashboard.js';

type Topics = { topics: Record<string, string> };
type Page = { entries: Array<{ seq: number; action: string; actorUsername: string | null; targetType: string; targetId: string | null; at: string }>; nextBeforeSeq: number | null };

describe('dashboard routes', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => t.close());

  const auditCount = async () => Number((await t.store.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const changes = async (who = t.people.commission_member) => {
    const r = await t.app.inject({ method: 'GET', url: '/api/v1/changes', headers: bearer(who) });
    assert.equal(r.statusCode, 200, r.body);
    return (r.json() as Topics).topics;
  };

  test('reads and logins are not changes', () => {
    for (const a of ['report.read', 'operation.list', 'audit.search', 'auth.login', 'findings.read']) assert.equal(isReadAction(a), true, a);
    for (const a of ['report.create', 'approval.decide', 'operation.transition', 'intel.collection.create']) assert.equal(isReadAction(a), false, a);
  });

  test('changes: not audited; a version moves on a change of its kind only, not on reads', async () => {
    const before = await changes();
    const n0 = await auditCount();
    for (let i = 0; i < 5; i++) await changes();
    assert.equal(await auditCount(), n0, 'asking for changes writes no audit entry');

    // a read of reports (audited) does not move the report version
    await recordAudit(t.store.db, { actor: null, action: 'report.read', target: { type: 'report', id: 'r1' } });
    assert.equal((await changes()).report, before.report);
    // a change to a report does; the approval version stays
    await recordAudit(t.store.db, { actor: null, action: 'report.create', target: { type: 'report', id: 'r1' } });
    const after1 = await changes();
    assert.notEqual(after1.report, before.report);
    assert.equal(after1.approval, before.approval);
    await recordAudit(t.store.db, { actor: null, action: 'approval.propose', target: { type: 'approval', id: 'a1' } });
    const after2 = await changes();
    assert.notEqual(after2.approval, before.approval);
    assert.equal(after2.report, after1.report);
    // anyone logged in may ask; no one without credentials
    await changes(t.people.operator);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/changes' })).statusCode, 401);
  });

  test('audit search: by action (prefix), actor, target and time, newest first, paged; the search is audited', async () => {
    const who = t.people.agency_analyst;
    const actor = { userId: who.userId, username: who.username, orgId: who.orgId, orgKind: who.orgKind, roles: [who.role], via: 'token' as const };
    for (let i = 0; i < 7; i++) await recordAudit(t.store.db, { actor, action: i % 2 ? 'finding.promote' : 'finding.read', target: { type: 'finding', id: `k${i}` } });
    const get = async (q: string) => {
      const r = await t.app.inject({ method: 'GET', url: `/api/v1/audit/search?${q}`, headers: bearer(t.people.auditor) });
      assert.equal(r.statusCode, 200, r.body);
      return r.json() as Page;
    };
    const byActor = await get(`actor=${who.username}&limit=3`);
    assert.equal(byActor.entries.length, 3);
    assert.ok(byActor.entries.every((e) => e.actorUsername === who.username));
    assert.deepEqual(byActor.entries.map((e) => e.targetId), ['k6', 'k5', 'k4']);
    assert.ok(byActor.nextBeforeSeq);
    const page2 = await get(`actor=${who.username}&limit=3&beforeSeq=${byActor.nextBeforeSeq}`);
    assert.deepEqual(page2.entries.map((e) => e.targetId), ['k3', 'k2', 'k1']);
    const page3 = await get(`actor=${who.username}&limit=3&beforeSeq=${page2.nextBeforeSeq}`);
    assert.deepEqual(page3.entries.map((e) => e.targetId), ['k0']);
    assert.equal(page3.nextBeforeSeq, null);

    const promoted = await get('action=finding.promote');
    assert.deepEqual(promoted.entries.map((e) => e.targetId), ['k5', 'k3', 'k1']);
    const prefix = await get(`action=finding.*&actor=${who.userId}`);
    assert.equal(prefix.entries.length, 7);
    const oneTarget = await get('targetType=finding&targetId=k2');
    assert.deepEqual(oneTarget.entries.map((e) => e.action), ['finding.read']);
    // an unknown actor matches nothing; a time range in the future matches nothing
    assert.equal((await get('actor=nobody-at-all')).entries.length, 0);
    assert.equal((await get(`from=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`)).entries.length, 0);
    const recent = await get(`from=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}&action=finding.*`);
    assert.equal(recent.entries.length, 7);
    // a '%' in the action is text, not a wildcard
    assert.equal((await get('action=%25')).entries.length, 0);
    // the search is recorded, with its filters
    const searched = await get('action=audit.search&limit=1');
    assert.equal(searched.entries[0]?.actorUsername, t.people.auditor.username);
    // who may search: admin, auditors, commission members; not the agency or operators
    for (const role of ['agency_analyst', 'operator', 'partner'] as const) {
      const r = await t.app.inject({ method: 'GET', url: '/api/v1/audit/search', headers: bearer(t.people[role]) });
      assert.equal(r.statusCode, 403, role);
    }
  });
});
