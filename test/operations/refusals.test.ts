/**
 * Through a real server: refusals are audited with the actor, the operation and the rule (an execute
 * before approval, a foreign target without consultation, a 403 on an operation route); "abroad" is
 * derived from the shipped country data whatever the drafter declared; the dry-run shows the zone diff
 * and the routes without changing anything; /healthz/operations reports an unreachable driver; driver
 * settings are validated naming the key.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSTEM_ACTOR, createOrganisation, createPerson, issueToken } from '../../src/auth/index.js';
import { listAudit } from '../../src/oversight/index.js';
import { driversFromConfig, isAbroadAddress } from '../../src/operations/index.js';
import { validateConfig } from '../../src/config/index.js';
import { createTestApp, bearer, type TestApp, type TestPerson } from '../helpers/app.js';
import { freePort } from './procs.js';

describe('refusals audited, abroad checked, dry-run, driver health', () => {
  let t: TestApp;
  let dir: string;
  let executor: TestPerson;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'acd-refusals-'));
    t = await createTestApp({ operationsOutbox: join(dir, 'outbox'), rpzZoneFile: join(dir, 'rpz.acd.db'), gobgpApi: `127.0.0.1:${await freePort()}`, bgpCommunities: ['65535:65281', '64500:666'] });
    const org = await createOrganisation(t.store.db, SYSTEM_ACTOR, { name: 'Police cyber unit', kind: 'executor', sector: null });
    const user = await createPerson(t.store.db, SYSTEM_ACTOR, { orgId: org.id, username: 'police-1', displayName: 'police', password: 'correct horse battery staple', roles: ['agency_analyst'] });
    const tok = await issueToken(t.store.db, SYSTEM_ACTOR, user.id, 'test', null);
    executor = { userId: user.id, username: 'police-1', orgId: org.id, orgKind: 'executor', role: 'agency_analyst', token: tok.token };
  });
  after(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  const call = (who: TestPerson, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: bearer(who), ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  const draft = async (address: string, measures: Array<{ kind: string; target: string }> = [{ kind: 'blocklist', target: address }], abroad = false) => {
    const r = await call(t.people.agency_analyst, 'POST', '/api/v1/operations', { title: `C2 ${address}`, serious: false, abroad, targets: { addresses: [address], domains: ['evil.example'] } });
    assert.equal(r.statusCode, 201, r.body);
    const id = r.json<{ id: string }>().id;
    for (const m of measures) assert.equal((await call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id}/measures`, m)).statusCode, 201);
    assert.equal((await call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id}/links`, { kind: 'finding', ref: `beacon|${address}|443/6` })).statusCode, 204);
    assert.equal((await call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id}/transitions`, { action: 'assemble_evidence' })).statusCode, 200);
    assert.equal((await call(t.people.agency_lead, 'POST', `/api/v1/operations/${id}/transitions`, { action: 'request_approval' })).statusCode, 200);
    return id;
  };
  const approve = async (id: string) => {
    const d = await call(t.people.commission_member, 'POST', `/api/v1/operations/${id}/decision`, { decision: 'approve', conditions: 'c', expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
    assert.equal(d.statusCode, 200, d.body);
  };
  const audits = async (action: string) => (await listAudit(t.store.db, { action, limit: 1000 }));

  test('the country data decides: 8.8.8.8 is abroad, a Japanese address, a documentation address and a private one are not', () => {
    assert.equal(isAbroadAddress('8.8.8.8'), true);
    assert.equal(isAbroadAddress('2001:4860:4860::8888'), true);
    assert.equal(isAbroadAddress('133.11.0.1'), false);
    assert.equal(isAbroadAddress('198.51.100.7'), false);
    assert.equal(isAbroadAddress('10.1.2.3'), false);
  });

  test('an execute before approval is refused and audited with the actor, the operation and the rule', async () => {
    const id = await draft('133.11.0.1');
    const r = await call(executor, 'POST', `/api/v1/operations/${id}/execute`, {});
    assert.equal(r.statusCode, 409, r.body);
    const [e] = (await audits('operation.execute.refused')).filter((a) => a.target_id === id);
    assert.ok(e, 'audited');
    assert.equal(e.actor_user_id, executor.userId);
    assert.match(e.reason!, /^ILLEGAL_TRANSITION/);
    assert.match(String((e.details as { rule: string }).rule), /executes an approved operation/);
    // approved, a Japanese server declared at home executes without consultation
    await approve(id);
    const ok = await call(executor, 'POST', `/api/v1/operations/${id}/execute`, {});
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json<Array<{ ok: boolean }>>().map((o) => o.ok), [true]);
  });

  test('8.8.8.8 declared abroad:false still needs the foreign ministry: refused and audited, executed once consulted', async () => {
    const id = await draft('8.8.8.8');
    await approve(id);
    const dry = await call(executor, 'POST', `/api/v1/operations/${id}/execute/dry-run`);
    assert.equal(dry.statusCode, 200, dry.body);
    assert.match(dry.json<{ refusal: string }>().refusal, /FOREIGN_CONSULTATION_REQUIRED.*8\.8\.8\.8/);
    const r = await call(executor, 'POST', `/api/v1/operations/${id}/execute`, {});
    assert.equal(r.statusCode, 409, r.body);
    assert.equal(r.json<{ error: string }>().error, 'FOREIGN_CONSULTATION_REQUIRED');
    assert.match(r.json<{ message: string }>().message, /abroad by the country data: 8\.8\.8\.8/);
    const [e] = (await audits('operation.execute.refused')).filter((a) => a.target_id === id);
    assert.ok(e);
    assert.equal(e.actor_user_id, executor.userId);
    assert.match(String((e.details as { rule: string }).rule), /a server abroad is acted on only after consulting the foreign ministry/);
    const c = await call(t.people.agency_lead, 'POST', `/api/v1/operations/${id}/consultations`, { body: 'MFA', outcome: 'no objection', consultedAt: new Date().toISOString() });
    assert.equal(c.statusCode, 201, c.body);
    const ok = await call(executor, 'POST', `/api/v1/operations/${id}/execute`, {});
    assert.equal(ok.statusCode, 200, ok.body);
  });

  test('a 403 on an operation route is audited once, with the actor, the route and the rule', async () => {
    const before = (await audits('operation.route.refused')).length;
    const r = await call(t.people.operator, 'POST', '/api/v1/operations', { title: 'x', serious: false, abroad: false, targets: { addresses: ['133.11.0.2'] } });
    assert.equal(r.statusCode, 403);
    const id = await draft('133.11.0.3');
    await approve(id);
    // the agency's own analyst passes the route's role check but is not an executing organisation
    const w = await call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id}/execute`, {});
    assert.equal(w.statusCode, 403, w.body);
    const m = await call(t.people.carrier, 'POST', `/api/v1/operations/${id}/lift`, { reason: 'x' });
    assert.equal(m.statusCode, 403);
    const route = (await audits('operation.route.refused')).slice(before);
    assert.deepEqual(route.map((a) => [a.actor_user_id, (a.details as { route: string }).route]), [
      [t.people.operator.userId, 'POST /api/v1/operations'],
      [t.people.carrier.userId, 'POST /api/v1/operations/:id/lift'],
    ]);
    assert.match(String((route[0]!.details as { rule: string }).rule), /needs one of the roles agency_analyst/);
    assert.equal(route[1]!.target_id, id);
    // the lifecycle's own 403 is audited by the lifecycle, not twice
    const own = (await audits('operation.execute.refused')).filter((a) => a.target_id === id);
    assert.equal(own.length, 1);
    assert.equal(own[0]!.actor_user_id, t.people.agency_analyst.userId);
    assert.match(own[0]!.reason!, /^NOT_PERMITTED/);
  });

  test('the dry-run shows the zone diff and the routes, changing nothing; /healthz/operations reports the unreachable gobgpd', async () => {
    const id = await draft('198.51.100.7', [{ kind: 'rpz', target: 'evil.example' }, { kind: 'bgp_blackhole', target: '198.51.100.7' }, { kind: 'flowspec', target: '198.51.100.7' }]);
    await approve(id);
    const r = await call(executor, 'POST', `/api/v1/operations/${id}/execute/dry-run`);
    assert.equal(r.statusCode, 200, r.body);
    const d = r.json<{ refusal: string | null; drivers: Record<string, { zoneDiff?: string[]; announce?: string[]; withdraw?: string[] }> }>();
    assert.equal(d.refusal, null);
    assert.deepEqual(d.drivers.rpz!.zoneDiff!.map((l) => l.split(' ;')[0]), ['+ evil.example CNAME .', '+ *.evil.example CNAME .']);
    assert.deepEqual(d.drivers.bgp_blackhole!.announce, ['gobgp global rib -a ipv4 add 198.51.100.7/32 nexthop 192.0.2.1 community 65535:666,65535:65281,64500:666']);
    assert.deepEqual(d.drivers.flowspec!.announce, ['gobgp global rib -a ipv4-flowspec add match destination 198.51.100.7/32 then discard']);
    await assert.rejects(stat(join(dir, 'rpz.acd.db')), 'no zone file was written');
    assert.equal((await audits('operation.dry_run')).length >= 1, true);
    const h = await t.app.inject({ method: 'GET', url: '/healthz/operations' });
    assert.equal(h.statusCode, 503, h.body);
    const body = h.json<{ status: string; drivers: Record<string, { ok: boolean; detail: string }> }>();
    assert.equal(body.status, 'unavailable');
    assert.equal(body.drivers.bgp_blackhole!.ok, false);
    assert.match(body.drivers.bgp_blackhole!.detail, /gobgpd 127\.0\.0\.1:\d+/);
  });

  test('driver settings are checked, naming the key', () => {
    const base = validateConfig({});
    assert.throws(() => driversFromConfig(t.store.db, { ...base, bgpNexthop4: '2001:db8::1' }), /config key "bgpNexthop4"/);
    assert.throws(() => driversFromConfig(t.store.db, { ...base, bgpCommunities: ['70000:666'] }), /config key "bgpCommunities"/);
    assert.throws(() => driversFromConfig(t.store.db, { ...base, operationsTakedownSmtp: true }), /config key "operationsTakedownSmtp"/);
    assert.throws(() => validateConfig({ flowspecAction: 'drop' }), /config key "flowspecAction"/);
    assert.throws(() => validateConfig({ gobgpApi: 'localhost' }), /config key "gobgpApi"/);
    assert.equal(validateConfig({}).operationsExpirySeconds, 10);
    assert.equal(validateConfig({}).operationsReconcileSeconds, 30);
  });
});
