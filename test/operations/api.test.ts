/**
 * The operations API through a real server: the lifecycle by the right people, the commission's
 * decision, execution by an executing organisation, blocklists in three formats, the X-ARF notice,
 * refusals for the wrong people and for bad input (unknown server, malformed domain or prefix,
 * expired approval) with the code and message each gets.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSTEM_ACTOR, createOrganisation, createPerson, issueToken } from '../../src/auth/index.js';
import { withTables } from '../../src/store/index.js';
import type { OperationsTables } from '../../src/operations/index.js';
import { createTestApp, bearer, type TestApp, type TestPerson } from '../helpers/app.js';

describe('operations API', () => {
  let t: TestApp;
  let outbox: string;
  let executor: TestPerson;
  before(async () => {
    outbox = await mkdtemp(join(tmpdir(), 'acd-outbox-'));
    t = await createTestApp({ operationsOutbox: outbox });
    const org = await createOrganisation(t.store.db, SYSTEM_ACTOR, { name: 'Police cyber unit', kind: 'executor', sector: null });
    const user = await createPerson(t.store.db, SYSTEM_ACTOR, { orgId: org.id, username: 'police-1', displayName: 'police', password: 'correct horse battery staple', roles: ['agency_analyst'] });
    const tok = await issueToken(t.store.db, SYSTEM_ACTOR, user.id, 'test', null);
    executor = { userId: user.id, username: 'police-1', orgId: org.id, orgKind: 'executor', role: 'agency_analyst', token: tok.token };
  });
  after(async () => {
    await t.close();
    await rm(outbox, { recursive: true, force: true });
  });

  const call = (who: TestPerson, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: bearer(who), ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  const draft = async (targets = { addresses: ['198.51.100.7'], domains: ['evil.example'] }) => {
    const r = await call(t.people.agency_analyst, 'POST', '/api/v1/operations', { title: 'C2 198.51.100.7', serious: false, abroad: false, targets });
    assert.equal(r.statusCode, 201, r.body);
    return r.json<{ id: string }>().id;
  };
  const toApproved = async (id: string, expiresAt = new Date(Date.now() + 86_400_000).toISOString()) => {
    assert.equal((await call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id}/links`, { kind: 'finding', ref: 'beacon|198.51.100.7|443/6|pseudo-10.0.0.1' })).statusCode, 204);
    assert.equal((await call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id}/transitions`, { action: 'assemble_evidence' })).statusCode, 200);
    assert.equal((await call(t.people.agency_lead, 'POST', `/api/v1/operations/${id}/transitions`, { action: 'request_approval' })).statusCode, 200);
    const d = await call(t.people.commission_member, 'POST', `/api/v1/operations/${id}/decision`, { decision: 'approve', conditions: 'blocklist and notice only', expiresAt });
    assert.equal(d.statusCode, 200, d.body);
  };

  test('lifecycle over HTTP: approved, executed by the executing organisation, blocklists, X-ARF notice, lifted', async () => {
    const id = await draft();
    const m1 = await call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id}/measures`, { kind: 'blocklist', target: '198.51.100.7/32' });
    assert.equal(m1.statusCode, 201, m1.body);
    assert.equal((await call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id}/measures`, { kind: 'blocklist', target: 'evil.example' })).statusCode, 201);
    const tk = await call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id}/measures`, { kind: 'takedown', target: '198.51.100.7', params: { abuseContact: 'abuse@hoster.example', network: 'AS64500 Hoster' } });
    assert.equal(tk.statusCode, 201, tk.body);
    await toApproved(id);
    // the agency's own analyst is not an executing organisation
    const wrong = await call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id}/execute`, {});
    assert.equal(wrong.statusCode, 403);
    assert.match(wrong.json<{ message: string }>().message, /executing organisation/);
    const ex = await call(executor, 'POST', `/api/v1/operations/${id}/execute`, {});
    assert.equal(ex.statusCode, 200, ex.body);
    assert.ok(ex.json<Array<{ ok: boolean }>>().every((x) => x.ok), ex.body);

    const txt = await call(t.people.operator, 'GET', '/api/v1/blocklist');
    assert.equal(txt.statusCode, 200);
    assert.match(txt.headers['content-type'] as string, /^text\/plain/);
    assert.deepEqual(txt.body.split('\n').filter((l) => l && !l.startsWith('#')), ['evil.example', '198.51.100.7']);
    const csv = await call(t.people.carrier, 'GET', '/api/v1/blocklist?format=csv');
    const rows = csv.body.trim().split('\r\n');
    assert.equal(rows[0], 'type,value,measures,operations,since,until');
    assert.match(rows[2]!, new RegExp(`^ipv4,198\\.51\\.100\\.7,blocklist,${id},`));
    const stix = JSON.parse((await call(t.people.operator, 'GET', '/api/v1/blocklist?format=stix')).body) as { type: string; objects: Array<Record<string, string>> };
    assert.equal(stix.type, 'bundle');
    assert.deepEqual(stix.objects.map((o) => o.pattern).sort(), ["[domain-name:value = 'evil.example']", "[ipv4-addr:value = '198.51.100.7']"]);
    assert.ok(stix.objects.every((o) => o.type === 'indicator' && o.spec_version === '2.1' && /^indicator--[0-9a-f-]{36}$/.test(o.id!) && o.valid_until));
    assert.equal((await call(t.people.partner, 'GET', '/api/v1/blocklist')).statusCode, 403);

    const files = await readdir(outbox);
    assert.equal(files.length, 1);
    const eml = await readFile(join(outbox, files[0]!), 'utf8');
    assert.match(eml, /^From: .+\r\nTo: abuse@hoster\.example\r\n/);
    assert.match(eml, /\r\nX-ARF: YES\r\n/);
    const boundary = /boundary="([^"]+)"/.exec(eml)![1]!;
    assert.equal(eml.split(`--${boundary}\r\n`).length - 1, 3, 'three parts: human, report.txt, evidence');
    assert.match(eml, /Source: 198\.51\.100\.7\r\nReport-ID: /);
    assert.match(eml, /finding beacon\|198\.51\.100\.7\|443\/6\r\n/);
    assert.ok(!eml.includes('pseudo-10.0.0.1'), 'the domestic side of a finding key is not sent abroad');
    assert.ok(eml.endsWith(`--${boundary}--\r\n`));

    const detail = (await call(t.people.commission_member, 'GET', `/api/v1/operations/${id}`)).json<{ notices: Array<{ kind: string; recipient: string }>; measures: Array<{ state: string }> }>();
    assert.deepEqual(detail.notices.map((n) => [n.kind, n.recipient]), [['takedown', 'abuse@hoster.example']]);
    const v = await call(t.people.agency_lead, 'POST', `/api/v1/operation-measures/${m1.json<{ id: string }>().id}/verify`);
    assert.deepEqual(v.json(), { ok: true, detail: 'on the blocklist served to operators' });

    assert.equal((await call(t.people.agency_lead, 'POST', `/api/v1/operations/${id}/lift`, { reason: 'server gone' })).statusCode, 204);
    assert.deepEqual((await call(t.people.operator, 'GET', '/api/v1/blocklist')).body.split('\n').filter((l) => l && !l.startsWith('#')), []);
    assert.equal((await readdir(outbox)).length, 2, 'a withdrawal notice is written on lifting');
    const close = await call(t.people.agency_lead, 'POST', `/api/v1/operations/${id}/transitions`, { action: 'close', afterAction: 'C2 down after the hoster acted' });
    assert.equal(close.json<{ state: string }>().state, 'closed');
  });

  test('who may do what over HTTP: each step refused for the wrong people with the rule', async () => {
    const id = await draft();
    assert.equal((await call(t.people.agency_lead, 'POST', '/api/v1/operations', { title: 'x', serious: false, abroad: false, targets: { domains: ['a.example'] } })).statusCode, 403);
    const ex = await call(executor, 'POST', '/api/v1/operations', { title: 'x', serious: false, abroad: false, targets: { domains: ['a.example'] } });
    assert.equal(ex.statusCode, 403);
    assert.equal(ex.json<{ error: string }>().error, 'NOT_PERMITTED');
    await call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id}/measures`, { kind: 'blocklist', target: 'evil.example' });
    await call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id}/links`, { kind: 'report', ref: 'r-1' });
    await call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id}/transitions`, { action: 'assemble_evidence' });
    const req = await call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id}/transitions`, { action: 'request_approval' });
    assert.equal(req.statusCode, 403);
    assert.match(req.json<{ message: string }>().message, /rule "an agency lead requests the commission's approval/);
    assert.equal((await call(t.people.agency_lead, 'POST', `/api/v1/operations/${id}/decision`, { decision: 'approve', conditions: 'x', expiresAt: new Date(Date.now() + 3600_000).toISOString() })).statusCode, 403);
    const early = await call(t.people.commission_member, 'POST', `/api/v1/operations/${id}/decision`, { decision: 'approve', conditions: 'x', expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    assert.equal(early.statusCode, 409);
    assert.equal(early.json<{ error: string }>().error, 'ILLEGAL_TRANSITION');
    assert.match(early.json<{ message: string }>().message, /approve is not allowed from state evidence_assembled/);
    // operators, carriers, partners do not see operations at all
    for (const who of [t.people.operator, t.people.carrier, t.people.partner]) assert.equal((await call(who, 'GET', `/api/v1/operations/${id}`)).statusCode, 403);
    assert.equal((await call(t.people.auditor, 'GET', `/api/v1/operations/${id}`)).statusCode, 200);
    const list = await call(t.people.auditor, 'GET', '/api/v1/operations?state=evidence_assembled');
    assert.ok(list.json<Array<{ id: string }>>().some((o) => o.id === id));
    const { listAudit } = await import('../../src/oversight/index.js');
    const reads = await listAudit(t.store.db, { action: 'operation.list', actorUserId: t.people.auditor.userId });
    assert.equal(reads.length, 1, 'reading the list is audited');
  });

  test('emergency over HTTP: declared, executed, notified, ordered lifted — carried out at once; expiry job lifts an expired approval', async () => {
    const id = await draft({ addresses: ['192.0.2.77'], domains: [] });
    await call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id}/measures`, { kind: 'blocklist', target: '192.0.2.77' });
    await call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id}/links`, { kind: 'finding', ref: 'ddos|192.0.2.77|0/0' });
    await call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id}/transitions`, { action: 'assemble_evidence' });
    const em = await call(t.people.agency_lead, 'POST', `/api/v1/operations/${id}/transitions`, { action: 'declare_emergency', reason: 'DDoS on hospitals in progress' });
    const deadline = Date.parse(em.json<{ notifyDeadline: string }>().notifyDeadline);
    assert.ok(Math.abs(deadline - Date.now() - 24 * 3600_000) < 60_000, 'the commission is to be notified within 24 h');
    assert.equal((await call(executor, 'POST', `/api/v1/operations/${id}/execute`, {})).statusCode, 200);
    const listed = () => call(t.people.operator, 'GET', '/api/v1/blocklist').then((r) => r.body.split('\n').filter((l) => l && !l.startsWith('#')));
    assert.ok((await listed()).includes('192.0.2.77'));
    assert.equal((await call(t.people.agency_lead, 'POST', `/api/v1/operations/${id}/transitions`, { action: 'notify_commission' })).json<{ state: string }>().state, 'commission_notified');
    const order = await call(t.people.commission_member, 'POST', `/api/v1/operations/${id}/decision`, { decision: 'order_lift', reason: 'not proportionate' });
    assert.equal(order.statusCode, 200, order.body);
    assert.equal(order.json<{ state: string }>().state, 'lifted');
    assert.ok(!(await listed()).includes('192.0.2.77'));

    const id2 = await draft({ addresses: ['192.0.2.78'], domains: [] });
    await call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id2}/measures`, { kind: 'blocklist', target: '192.0.2.78' });
    await toApproved(id2, new Date(Date.now() + 3600_000).toISOString());
    await call(executor, 'POST', `/api/v1/operations/${id2}/execute`, {});
    assert.ok((await listed()).includes('192.0.2.78'));
    const { createExpiryJob, createBlocklistDriver } = await import('../../src/operations/index.js');
    const { createMetricsRegistry } = await import('../../src/shared/metrics.js');
    const registry = createMetricsRegistry();
    const job = createExpiryJob({ deps: { db: t.store.db, drivers: { blocklist: createBlocklistDriver(t.store.db) }, registry } });
    assert.deepEqual(await job.runOnce(new Date(Date.now() + 1800_000)), [], 'nothing due before the expiry');
    const done = await job.runOnce(new Date(Date.now() + 7200_000));
    assert.deepEqual(done.map((d) => [d.id, d.reason, d.error]), [[id2, 'the approval expired', undefined]]);
    assert.ok(!(await listed()).includes('192.0.2.78'));
    assert.match(await registry.metrics(), /acd_operations_expired_total\{result="lifted"\} 1/);

    // an approval that has ended drops off the blocklist at once, before the job has run
    const id3 = await draft({ addresses: ['192.0.2.79'], domains: [] });
    await call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id3}/measures`, { kind: 'blocklist', target: '192.0.2.79' });
    await toApproved(id3, new Date(Date.now() + 3600_000).toISOString());
    await call(executor, 'POST', `/api/v1/operations/${id3}/execute`, {});
    assert.ok((await listed()).includes('192.0.2.79'));
    await withTables<OperationsTables>(t.store.db).updateTable('operation_decisions').set({ expires_at: new Date(Date.now() - 1000) }).where('operation_id', '=', id3).execute();
    assert.ok(!(await listed()).includes('192.0.2.79'), 'not served once the approval has ended');
    assert.deepEqual((await job.runOnce()).map((d) => d.id), [id3]);
  });

  test('bad input: unknown server, malformed domain or prefix, expired approval, unknown operation', async () => {
    const id = await draft();
    const plan = (target: string, kind = 'blocklist') => call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id}/measures`, { kind, target });
    const cases: Array<[string, string, number, string, RegExp]> = [
      ['203.0.113.1', 'blocklist', 404, 'UNKNOWN_SERVER', /203\.0\.113\.1 is not a server of this operation \(its servers: 198\.51\.100\.7\)/],
      ['other.example', 'rpz', 404, 'UNKNOWN_SERVER', /other\.example is not a domain of this operation/],
      ['evil..example', 'rpz', 400, 'MALFORMED_DOMAIN', /target: "evil\.\.example" is not a domain name/],
      ['-evil.example', 'rpz', 400, 'MALFORMED_DOMAIN', /is not a domain name/],
      ['198.51.100.7/33', 'bgp_blackhole', 400, 'MALFORMED_PREFIX', /bad prefix length \(0-32\)/],
      ['198.51.100.300/32', 'bgp_blackhole', 400, 'MALFORMED_PREFIX', /is not an address or prefix/],
      ['198.51.100.0/24', 'flowspec', 400, 'PREFIX_TOO_BROAD', /covers more than one host/],
      ['evil.example', 'bgp_blackhole', 400, 'BAD_MEASURE', /a BGP blackhole is announced for an address/],
    ];
    for (const [target, kind, status, code, msg] of cases) {
      const r = await plan(target, kind);
      assert.equal(r.statusCode, status, `${kind} ${target}: ${r.body}`);
      assert.equal(r.json<{ error: string }>().error, code);
      assert.match(r.json<{ message: string }>().message, msg);
    }
    const badDraft = await call(t.people.agency_analyst, 'POST', '/api/v1/operations', { title: 'x', serious: false, abroad: false, targets: { domains: ['not a domain'] } });
    assert.equal(badDraft.statusCode, 400);
    assert.match(badDraft.json<{ message: string }>().message, /targets\/domains\/0: "not a domain" is not a domain name/);
    const noTarget = await call(t.people.agency_analyst, 'POST', '/api/v1/operations', { title: 'x', serious: false, abroad: false, targets: {} });
    assert.equal(noTarget.json<{ error: string }>().error, 'NO_TARGET');
    const missing = await call(t.people.agency_analyst, 'POST', '/api/v1/operations', { title: 'x', abroad: false, targets: {} });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.json<{ message: string }>().message, /serious/);

    assert.equal((await plan('198.51.100.7')).statusCode, 201);
    const past = await (async () => {
      await call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id}/links`, { kind: 'intel', ref: 'indicator--x' });
      await call(t.people.agency_analyst, 'POST', `/api/v1/operations/${id}/transitions`, { action: 'assemble_evidence' });
      await call(t.people.agency_lead, 'POST', `/api/v1/operations/${id}/transitions`, { action: 'request_approval' });
      return call(t.people.commission_member, 'POST', `/api/v1/operations/${id}/decision`, { decision: 'approve', conditions: 'x', expiresAt: '2020-01-01T00:00:00Z' });
    })();
    assert.equal(past.statusCode, 400);
    assert.equal(past.json<{ error: string }>().error, 'EXPIRY_IN_PAST');
    const noExpiry = await call(t.people.commission_member, 'POST', `/api/v1/operations/${id}/decision`, { decision: 'approve', conditions: 'x' });
    assert.match(noExpiry.json<{ message: string }>().message, /expiresAt: approve needs the date the decision expires/);
    assert.equal((await call(t.people.commission_member, 'POST', `/api/v1/operations/${id}/decision`, { decision: 'approve', conditions: 'x', expiresAt: 'tomorrow' })).statusCode, 400);
    const ok = await call(t.people.commission_member, 'POST', `/api/v1/operations/${id}/decision`, { decision: 'approve', conditions: 'x', expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    assert.equal(ok.statusCode, 200);
    // the approval runs out before the executor acts
    await withTables<OperationsTables>(t.store.db).updateTable('operation_decisions').set({ expires_at: new Date(Date.now() - 1000) }).where('operation_id', '=', id).execute();
    const late = await call(executor, 'POST', `/api/v1/operations/${id}/execute`, {});
    assert.equal(late.statusCode, 409);
    assert.equal(late.json<{ error: string }>().error, 'APPROVAL_EXPIRED');
    assert.match(late.json<{ message: string }>().message, /no decision in force for operation .*: the approval .* expired at/);

    for (const url of [`/api/v1/operations/nope`, `/api/v1/operations/nope/links`]) {
      const r = url.endsWith('links') ? await call(t.people.agency_analyst, 'POST', url, { kind: 'finding', ref: 'k' }) : await call(t.people.agency_analyst, 'GET', url);
      assert.equal(r.statusCode, 404);
      assert.equal(r.json<{ message: string }>().message, 'operation nope does not exist');
    }
    assert.equal((await call(executor, 'POST', '/api/v1/operation-measures/nope/apply')).statusCode, 404);
  });
});
