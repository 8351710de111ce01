/**
 * The reports part on both engines: registered systems with history, report stages and their order,
 * optimistic versioning under concurrency, tenancy, routing and acknowledgement, Q&A, guidance
 * versions, attachments in bytea, the due view and webhook reminders.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Store } from '../../src/store/index.js';
import { listAudit } from '../../src/oversight/index.js';
import { sql } from 'kysely';
import { TLP2_MARKING_IDS, createCollection, listCandidates, type IntelTables } from '../../src/intel/index.js';
import { withTables } from '../../src/store/index.js';
import {
  acknowledge,
  addAttachment,
  addGuidance,
  createReminderJob,
  createReport,
  dueView,
  filingStats,
  getAttachment,
  getReport,
  getSystem,
  guidanceHistory,
  listReports,
  listSystems,
  postMessage,
  registerSystem,
  reportIndicators,
  reviseGuidance,
  setRule,
  submitStage,
  triage,
  updateSystem,
  linkMinistry,
  unlinkMinistry,
  type ReminderPayload,
} from '../../src/reports/index.js';
import { AcdError } from '../../src/shared/errors.js';
import { SYSTEM_ACTOR } from '../../src/auth/index.js';
import { engineCases } from '../helpers/stores.js';
import { rdb } from '../../src/reports/scope.js';
import { content, makeWorld, type World } from './fixtures.js';
import { hasSmtpd, startSmtpd } from './smtpd.js';

const H = 3600_000;

/** Asserts a promise rejects with an AcdError of this code and status, its message matching. */
async function refused(p: Promise<unknown>, code: string, status: number, message?: RegExp): Promise<AcdError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AcdError, `expected AcdError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.status, status, e.message);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

const systemInput = (name: string) => ({
  name,
  function: 'grid control (SCADA master)',
  products: [{ vendor: 'Acme', product: 'GridMaster', version: '7.2', cpe: 'cpe:2.3:a:acme:gridmaster:7.2:*:*:*:*:*:*:*' }],
  networkLocation: 'control centre LAN 10.1.0.0/16, behind the OT firewall',
  carrierLinks: [{ carrier: 'Telco East', circuit: 'MPLS-4411' }],
});

for (const engine of engineCases()) {
  describe(`reports on ${engine.name}`, () => {
    let store: Store;
    let w: World;
    before(async () => {
      store = await engine.open();
      w = await makeWorld(store.db, engine.name);
    });
    after(async () => {
      await store.close();
      await engine.cleanup();
    });

    test('registered systems keep their history; a change on an old version is a 409; bad CPE and carriers are refused', async () => {
      const s = await registerSystem(store.db, w.opA, { ...systemInput('SCADA master'), carrierLinks: [{ carrier: 'Telco', carrierOrgId: w.carrierOrgId }] });
      assert.equal(s.version, 1);
      const s2 = await updateSystem(store.db, w.opA, s.id, 1, { ...systemInput('SCADA master'), products: [{ product: 'GridMaster', version: '7.3' }], changeNote: 'upgrade' });
      assert.equal(s2.version, 2);
      const full = await getSystem(store.db, w.opA, s.id, true);
      assert.deepEqual(full.history!.map((h) => [h.version, h.products[0]!.version, h.changeNote]), [[2, '7.3', 'upgrade'], [1, '7.2', null]]);
      const e = await refused(updateSystem(store.db, w.opA, s.id, 1, systemInput('stale')), 'VERSION_CONFLICT', 409, /version 2.*version 1/);
      assert.deepEqual(e.details, { currentVersion: 2 });
      await refused(registerSystem(store.db, w.opA, { ...systemInput('x'), products: [{ product: 'p', cpe: 'cpe:/a:acme:x' }] }), 'INVALID_CPE', 400, /products\/0\/cpe/);
      await refused(registerSystem(store.db, w.opA, { ...systemInput('x'), carrierLinks: [{ carrier: 'c', carrierOrgId: w.opB.orgId }] }), 'INVALID_CARRIER', 400, /carrierLinks\/0\/carrierOrgId/);
      await refused(registerSystem(store.db, w.agency, systemInput('x')), 'OPERATOR_ONLY', 403);
      // tenancy of systems
      await refused(getSystem(store.db, w.opB, s.id, false), 'NOT_FOUND', 404);
      await refused(getSystem(store.db, w.minB, s.id, false), 'NOT_FOUND', 404);
      await refused(updateSystem(store.db, w.opB, s.id, 2, systemInput('takeover')), 'NOT_FOUND', 404);
      assert.equal((await getSystem(store.db, w.minA, s.id, false)).name, 'SCADA master');
      assert.equal((await getSystem(store.db, w.agency, s.id, false)).version, 2);
      const sb = await registerSystem(store.db, w.opB, systemInput('interlocking'));
      const ids = (a: typeof w.opA) => listSystems(store.db, a).then((l) => l.map((x) => x.id).sort());
      assert.deepEqual(await ids(w.opA), [s.id]);
      assert.deepEqual(await ids(w.opB), [sb.id]);
      assert.deepEqual(await ids(w.minA), [s.id]);
      assert.deepEqual(await ids(w.minB), [sb.id]);
      assert.deepEqual(await ids(w.agency), [s.id, sb.id].sort());
      assert.deepEqual(await ids(w.carrier), []);
      assert.deepEqual(await ids(w.partner), []);
    });

    test('stages: initial → updates → final; wrong order, an update to a final report and foreign systems are refused', async () => {
      const sys = await registerSystem(store.db, w.opA, systemInput('historian'));
      const other = await registerSystem(store.db, w.opB, systemInput('other'));
      const detected = new Date(Date.now() - 2 * H);
      await refused(createReport(store.db, w.opA, { kind: 'incident', title: 't', detectedAt: detected, content: content({ systemIds: [other.id] }) }), 'UNKNOWN_SYSTEM', 400, /content\/systemIds\/0/);
      await refused(createReport(store.db, w.opA, { kind: 'incident', title: 't', detectedAt: new Date(Date.now() + 2 * H), content: content() }), 'INVALID_TIME', 400, /detectedAt.*future/);
      await refused(createReport(store.db, w.opA, { kind: 'incident', title: 't', detectedAt: detected, content: content({ occurredAt: new Date().toISOString() }) }), 'INVALID_TIME', 400, /occurredAt/);
      await refused(createReport(store.db, w.minA, { kind: 'incident', title: 't', detectedAt: detected, content: content() }), 'OPERATOR_ONLY', 403);
      const r = await createReport(store.db, w.opA, {
        kind: 'incident',
        title: 'DDoS on VPN',
        detectedAt: detected,
        content: content({ systemIds: [sys.id], form: { type: 'ddos', startedAt: detected.toISOString(), attackVectors: ['udp_flood'], targets: ['198.51.100.10'], upstreamContacted: true } }),
      });
      assert.equal(r.stage, 'initial');
      assert.equal(r.version, 1);
      assert.equal(r.sector, 'electricity');
      assert.deepEqual(r.deadlines.map((d) => d.state), ['met', 'pending', 'pending']);
      await refused(submitStage(store.db, w.opA, r.id, { stage: 'initial' as 'update', version: 1, content: content() }), 'WRONG_STAGE_ORDER', 409, /^stage: /);
      const u = await submitStage(store.db, w.opA, r.id, { stage: 'update', version: 1, content: content({ actionsTaken: 'blackholed at upstream' }) });
      assert.equal(u.version, 2);
      assert.equal(u.deadlines.find((d) => d.milestone === 'notification')!.state, 'met');
      await refused(submitStage(store.db, w.opB, r.id, { stage: 'update', version: 2, content: content() }), 'NOT_FOUND', 404);
      const f = await submitStage(store.db, w.opA, r.id, { stage: 'final', version: 2, content: content({ suspectedCause: 'booter service', systemIds: [sys.id] }) });
      assert.equal(f.stage, 'final');
      assert.equal(f.deadlineState, 'done');
      await refused(submitStage(store.db, w.opA, r.id, { stage: 'update', version: 3, content: content() }), 'REPORT_FINAL', 409, /no update can follow a final report/);
      await refused(submitStage(store.db, w.opA, r.id, { stage: 'final', version: 3, content: content() }), 'REPORT_FINAL', 409);
      const view = await getReport(store.db, w.opA, r.id);
      assert.deepEqual(view.submissions.map((s) => [s.seq, s.stage, s.version]), [[1, 'initial', 1], [2, 'update', 2], [3, 'final', 3]]);
      assert.deepEqual(view.systems.map((s) => [s.id, s.name]), [[sys.id, 'historian']], 'the report names its systems as registered');
      assert.equal((view.content as { suspectedCause?: string }).suspectedCause, 'booter service');
    });

    test('filing writes the report, its first submission and its audit event in one statement: the audit row is the one recordAudit writes; no sector, nothing written', async () => {
      const detected = new Date(Date.now() - H);
      const r = await createReport(store.db, w.opA, { kind: 'precursor', title: 'scan of the historian', detectedAt: detected, content: content() });
      const created = (await listAudit(store.db, { action: 'report.create', limit: 1000 })).filter((e) => e.target_id === r.id);
      assert.equal(created.length, 1, 'exactly one report.create event for the report');
      const ev = created[0]!;
      assert.deepEqual(
        { user: ev.actor_user_id, org: ev.actor_org_id, roles: ev.actor_roles, type: ev.target_type, reason: ev.reason, basis: ev.basis_id, details: ev.details, at: new Date(ev.at).toISOString() },
        { user: w.opA.userId, org: w.opA.orgId, roles: w.opA.roles, type: 'report', reason: null, basis: null, details: { kind: 'precursor', sector: 'electricity' }, at: r.createdAt },
      );
      // the same actor through recordAudit (an update): the columns come out alike
      await submitStage(store.db, w.opA, r.id, { stage: 'update', version: 1, content: content() });
      const upd = (await listAudit(store.db, { action: 'report.update', limit: 1000 })).find((e) => e.target_id === r.id)!;
      assert.deepEqual([upd.actor_user_id, upd.actor_org_id, upd.actor_roles, upd.target_type], [ev.actor_user_id, ev.actor_org_id, ev.actor_roles, ev.target_type]);
      assert.ok(upd.seq > ev.seq);
      const subs = await rdb(store.db).selectFrom('report_submissions').select(['seq', 'stage']).where('report_id', '=', r.id).orderBy('seq').execute();
      assert.deepEqual(subs.map((x) => [x.seq, x.stage]), [[1, 'initial'], [2, 'update']]);
      // an operator whose organisation has no sector: refused, and neither a report nor an audit event is left
      const noSector = { ...w.opA, orgId: w.carrierOrgId };
      const before = (await listAudit(store.db, { action: 'report.create', limit: 1000 })).length;
      const reportsBefore = await rdb(store.db).selectFrom('reports').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      await refused(createReport(store.db, noSector, { kind: 'incident', title: 'x', detectedAt: detected, content: content() }), 'SECTOR_REQUIRED', 400, /has no sector/);
      assert.equal((await listAudit(store.db, { action: 'report.create', limit: 1000 })).length, before);
      const reportsAfter = await rdb(store.db).selectFrom('reports').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(reportsAfter.n), Number(reportsBefore.n));
    });

    test('group commit: filings at the same time go in one statement, each answered with its own outcome, all written with submission and audit', async () => {
      const detected = new Date(Date.now() - H);
      const file = (actor: typeof w.opA, title: string, kind = 'incident') => createReport(store.db, actor, { kind: kind as 'incident', title, detectedAt: detected, content: content() });
      const s0 = filingStats(store.db);
      const tag = `gc-${engine.name}-${Date.now()}`;
      const filed = await Promise.all(Array.from({ length: 20 }, (_v, i) => file(i % 2 ? w.opA : w.opB, `${tag}-${i}`)));
      const s1 = filingStats(store.db);
      assert.equal(s1.statements - s0.statements, 1, 'the 20 filings of one turn of the event loop share one statement');
      assert.equal(s1.filings - s0.filings, 20);
      const rows = await rdb(store.db).selectFrom('reports').select(['id', 'org_id', 'sector', 'title', 'kind', 'created_by']).where('title', 'like', `${tag}-%`).execute();
      assert.equal(rows.length, 20);
      const audit = (await listAudit(store.db, { action: 'report.create', limit: 1000 })).filter((e) => rows.some((r) => r.id === e.target_id));
      const subs = await rdb(store.db).selectFrom('report_submissions').select(['report_id', 'seq', 'stage']).where('report_id', 'in', rows.map((r) => r.id)).execute();
      for (const [i, r] of filed.entries()) {
        const actor = i % 2 ? w.opA : w.opB;
        const row = rows.find((x) => x.id === r.id)!;
        assert.deepEqual([row.title, row.org_id, row.sector, row.created_by], [`${tag}-${i}`, actor.orgId, i % 2 ? 'electricity' : 'railways', actor.userId]);
        assert.deepEqual([r.title, r.orgId, r.sector, r.stage, r.version], [`${tag}-${i}`, actor.orgId, row.sector, 'initial', 1]);
        const ev = audit.filter((e) => e.target_id === r.id);
        assert.equal(ev.length, 1, `one audit event for ${r.id}`);
        assert.deepEqual([ev[0]!.actor_user_id, ev[0]!.actor_org_id, ev[0]!.actor_roles, ev[0]!.details], [actor.userId, actor.orgId, actor.roles, { kind: 'incident', sector: row.sector }]);
        assert.deepEqual(subs.filter((x) => x.report_id === r.id).map((x) => [x.seq, x.stage]), [[1, 'initial']]);
      }
      // in one batch: an organisation without a sector (refused, nothing written) and a row the database
      // refuses (the statement fails: every filing is tried again alone, only that one fails)
      const noSector = { ...w.opA, orgId: w.carrierOrgId };
      const tag2 = `${tag}-mixed`;
      const mixed = await Promise.allSettled([file(w.opA, `${tag2}-a`), file(noSector, `${tag2}-nosector`), file(w.opB, `${tag2}-bad`, 'no-such-kind'), file(w.opB, `${tag2}-b`)]);
      const s2 = filingStats(store.db);
      assert.equal(s2.retried - s1.retried, 1);
      assert.deepEqual(mixed.map((m) => m.status), ['fulfilled', 'rejected', 'rejected', 'fulfilled']);
      const reason = (m: PromiseSettledResult<unknown>) => (m as PromiseRejectedResult).reason as { code?: string; message: string };
      assert.equal(reason(mixed[1]!).code, 'SECTOR_REQUIRED');
      assert.match(reason(mixed[2]!).message, /check constraint/);
      const rows2 = await rdb(store.db).selectFrom('reports').select(['id', 'title']).where('title', 'like', `${tag2}-%`).orderBy('title').execute();
      assert.deepEqual(rows2.map((r) => r.title), [`${tag2}-a`, `${tag2}-b`]);
      const audit2 = (await listAudit(store.db, { action: 'report.create', limit: 1000 })).filter((e) => rows2.some((r) => r.id === e.target_id));
      assert.equal(audit2.length, 2);
    });

    test('concurrent updates on one version: exactly one wins, the others get 409 naming the current version; nothing is lost', async () => {
      const r = await createReport(store.db, w.opA, { kind: 'precursor', title: 'scan', detectedAt: new Date(Date.now() - H), content: content() });
      const tries = await Promise.allSettled(
        Array.from({ length: 6 }, (_v, i) => submitStage(store.db, w.opA, r.id, { stage: 'update', version: 1, content: content({ whatHappened: `writer ${i}` }) })),
      );
      const ok = tries.filter((t) => t.status === 'fulfilled');
      const lost = tries.filter((t) => t.status === 'rejected') as PromiseRejectedResult[];
      assert.equal(ok.length, 1);
      assert.equal(lost.length, 5);
      for (const l of lost) {
        assert.ok(l.reason instanceof AcdError);
        assert.equal(l.reason.code, 'VERSION_CONFLICT');
        assert.equal(l.reason.status, 409);
      }
      // the losers re-read and re-apply: every writer's text ends up in the history, in order of versions
      for (const [i, t] of tries.entries()) {
        if (t.status === 'fulfilled') continue;
        const cur = await getReport(store.db, w.opA, r.id);
        await submitStage(store.db, w.opA, r.id, { stage: 'update', version: cur.version, content: content({ whatHappened: `writer ${i}` }) });
      }
      const view = await getReport(store.db, w.opA, r.id);
      assert.equal(view.version, 7);
      assert.deepEqual(view.submissions.map((s) => s.version), [1, 2, 3, 4, 5, 6, 7]);
      assert.deepEqual(view.submissions.slice(1).map((s) => (s.content as { whatHappened: string }).whatHappened).sort(), [0, 1, 2, 3, 4, 5].map((i) => `writer ${i}`));
      // triage and an update racing on the same version: one of them gets the 409
      const race = await Promise.allSettled([
        triage(store.db, w.agency, r.id, { version: 7, severity: 'high' }),
        submitStage(store.db, w.opA, r.id, { stage: 'update', version: 7, content: content() }),
      ]);
      assert.deepEqual(race.map((x) => x.status).sort(), ['fulfilled', 'rejected']);
      assert.equal((await getReport(store.db, w.agency, r.id)).version, 8);
    });

    test('tenancy: an operator sees its own reports, a ministry its sector, the agency all, others none; every read audited', async () => {
      const a = await createReport(store.db, w.opA, { kind: 'incident', title: 'A', detectedAt: new Date(Date.now() - H), content: content() });
      const b = await createReport(store.db, w.opB, { kind: 'incident', title: 'B', detectedAt: new Date(Date.now() - H), content: content() });
      const sees = async (who: typeof w.opA) => new Set((await listReports(store.db, who, { limit: 500 })).map((r) => r.id));
      const matrix: Array<[string, typeof w.opA, boolean, boolean]> = [
        ['operator A', w.opA, true, false],
        ['operator B', w.opB, false, true],
        ['ministry A', w.minA, true, false],
        ['ministry B', w.minB, false, true],
        ['agency', w.agency, true, true],
        ['agency lead', w.lead, true, true],
        ['carrier', w.carrier, false, false],
        ['partner', w.partner, false, false],
      ];
      for (const [name, who, seeA, seeB] of matrix) {
        const set = await sees(who);
        assert.equal(set.has(a.id), seeA, `${name} list, report A`);
        assert.equal(set.has(b.id), seeB, `${name} list, report B`);
        for (const [r, expected] of [[a, seeA], [b, seeB]] as const) {
          if (expected) assert.equal((await getReport(store.db, who, r.id)).id, r.id);
          else await refused(getReport(store.db, who, r.id), 'NOT_FOUND', 404);
        }
        const due = new Set((await dueView(store.db, who)).map((d) => d.reportId));
        assert.equal(due.has(a.id), seeA, `${name} due view, report A`);
        assert.equal(due.has(b.id), seeB, `${name} due view, report B`);
      }
      // a ministry sees a sector only while it is linked to it
      await unlinkMinistry(store.db, SYSTEM_ACTOR, 'electricity', w.minA.orgId);
      try {
        assert.equal((await sees(w.minA)).has(a.id), false, 'unlinked ministry still sees the sector');
        await refused(getReport(store.db, w.minA, a.id), 'NOT_FOUND', 404);
      } finally {
        await linkMinistry(store.db, SYSTEM_ACTOR, 'electricity', w.minA.orgId);
      }
      assert.equal((await sees(w.minA)).has(a.id), true);
      const reads = (await listAudit(store.db, { action: 'report.read', limit: 1000 })).filter((e) => e.target_id === a.id);
      assert.ok(reads.some((e) => e.actor_user_id === w.minA.userId && (e.details as { view: string }).view === 'full'));
      assert.ok(reads.some((e) => e.actor_user_id === w.opA.userId && (e.details as { view: string }).view === 'list'));
      assert.ok(!reads.some((e) => e.actor_user_id === w.opB.userId), 'a refused read is not a read');
    });

    test('routing and acknowledgement: the report reaches its sector ministry and the agency, each acknowledges once', async () => {
      const r = await createReport(store.db, w.opB, { kind: 'incident', title: 'signalling outage', detectedAt: new Date(Date.now() - H), content: content() });
      const before = await getReport(store.db, w.opB, r.id);
      const routed = before.routedTo.map((x) => x.orgId);
      assert.ok(routed.includes(w.minB.orgId));
      assert.ok(routed.includes(w.agency.orgId));
      assert.ok(!routed.includes(w.minA.orgId), 'the other sector ministry is not a recipient');
      assert.ok(before.routedTo.every((x) => x.acknowledgedAt === null));
      const queue = async (who: typeof w.opA) => (await listReports(store.db, who, { unacknowledged: true, limit: 500 })).map((x) => x.id);
      assert.ok((await queue(w.minB)).includes(r.id));
      const ack = await acknowledge(store.db, w.minB, r.id);
      assert.ok(!(await queue(w.minB)).includes(r.id), 'acknowledged: out of the ministry queue');
      assert.ok((await queue(w.agency)).includes(r.id), 'still in the agency queue');
      assert.equal(ack.already, false);
      assert.equal((await acknowledge(store.db, w.minB, r.id)).already, true);
      await acknowledge(store.db, w.agency, r.id);
      await refused(acknowledge(store.db, w.opB, r.id), 'RECIPIENT_ONLY', 403);
      await refused(acknowledge(store.db, w.minA, r.id), 'NOT_FOUND', 404);
      const after = await getReport(store.db, w.opB, r.id);
      assert.ok(after.routedTo.find((x) => x.orgId === w.minB.orgId)!.acknowledgedAt);
      assert.equal(after.routedTo.find((x) => x.orgId === w.agency.orgId)!.acknowledgedBy, w.agency.userId);
    });

    test('triage, questions and answers, versioned guidance, indicators for STIX', async () => {
      const r = await createReport(store.db, w.opA, { kind: 'incident', title: 'ransomware', detectedAt: new Date(Date.now() - 3 * H), content: content({ form: { type: 'ransomware', dataExfiltrated: 'unknown', ransomDemanded: true, ransomPaid: false, backupsUsable: 'yes' }, indicators: [{ type: 'file-sha256', value: 'a'.repeat(64) }, { type: 'domain-name', value: 'evil.example' }] }) });
      const t = await triage(store.db, w.minA, r.id, { version: 1, severity: 'critical', assigneeUserId: w.agency.userId });
      assert.equal(t.severity, 'critical');
      assert.equal(t.assigneeUserId, w.agency.userId);
      await refused(triage(store.db, w.agency, r.id, { version: 2, assigneeUserId: w.minB.userId }), 'INVALID_ASSIGNEE', 400, /assigneeUserId/);
      await refused(triage(store.db, w.agency, r.id, { version: 2, assigneeUserId: w.opA.userId }), 'INVALID_ASSIGNEE', 400);
      await refused(triage(store.db, w.agency, r.id, { version: 1, severity: 'low' }), 'VERSION_CONFLICT', 409);
      await refused(triage(store.db, w.opA, r.id, { version: 2, severity: 'low' }), 'RECIPIENT_ONLY', 403);
      const q = await postMessage(store.db, w.agency, r.id, { kind: 'question', body: 'Which backups?' });
      await refused(postMessage(store.db, w.opA, r.id, { kind: 'question', body: 'x' }), 'RECIPIENT_ONLY', 403);
      await refused(postMessage(store.db, w.opA, r.id, { kind: 'answer', body: 'x' }), 'REPLY_REQUIRED', 400, /replyTo/);
      await refused(postMessage(store.db, w.minA, r.id, { kind: 'answer', body: 'x', replyTo: q.id }), 'OPERATOR_ONLY', 403);
      const a = await postMessage(store.db, w.opA, r.id, { kind: 'answer', body: 'offline tapes', replyTo: q.id });
      await refused(postMessage(store.db, w.opA, r.id, { kind: 'answer', body: 'x', replyTo: a.id }), 'INVALID_REPLY', 400);
      const g = await addGuidance(store.db, w.agency, r.id, { kind: 'damage_control', title: 'Isolate', body: 'Disconnect affected hosts.' });
      await refused(addGuidance(store.db, w.opA, r.id, { kind: 'prevention', title: 'x', body: 'x' }), 'RECIPIENT_ONLY', 403);
      const g2 = await reviseGuidance(store.db, w.minA, r.id, g.id, 1, { title: 'Isolate and preserve', body: 'Disconnect; image disks first.' });
      assert.equal(g2.version, 2);
      await refused(reviseGuidance(store.db, w.agency, r.id, g.id, 1, { title: 'stale', body: 'stale' }), 'VERSION_CONFLICT', 409);
      const hist = await guidanceHistory(store.db, w.opA, r.id, g.id);
      assert.deepEqual(hist.map((h) => [h.version, h.title]), [[2, 'Isolate and preserve'], [1, 'Isolate']]);
      await refused(guidanceHistory(store.db, w.opB, r.id, g.id), 'NOT_FOUND', 404);
      const view = await getReport(store.db, w.opA, r.id);
      assert.deepEqual(view.messages.map((m) => [m.kind, m.replyTo]), [['question', null], ['answer', q.id]]);
      assert.deepEqual(view.guidance.map((x) => [x.id, x.version]), [[g.id, 2]]);
      assert.deepEqual(await reportIndicators(store.db, w.agency, r.id), [{ type: 'file-sha256', value: 'a'.repeat(64) }, { type: 'domain-name', value: 'evil.example' }]);
      await refused(reportIndicators(store.db, w.opA, r.id), 'RECIPIENT_ONLY', 403);
    });

    test("indicators become STIX at the agency's triage: marked with the report's TLP, stable ids, addresses as candidate criteria; bad values refused by field", async () => {
      const coll = await createCollection(store.db, w.agency, { title: `from reports ${engine.name}`, ownerOrgId: w.agency.orgId, readRoles: ['agency_analyst', 'agency_lead'], writeRoles: ['agency_analyst'], defaultTlp: 'amber' });
      const closed = await createCollection(store.db, w.agency, { title: `admins only ${engine.name}`, ownerOrgId: w.agency.orgId, readRoles: ['agency_analyst'], writeRoles: ['admin'], defaultTlp: 'amber' });
      const indicators = [
        { type: 'ipv4-addr', value: '203.0.113.66', note: 'C2 seen on the VPN' },
        { type: 'domain-name', value: 'C2.Evil.example' },
        { type: 'file-sha256', value: 'A'.repeat(64) },
        { type: 'file-md5', value: 'xyz' },
        { type: 'asn', value: 'AS64500' },
        { type: 'url', value: 'http://evil.example/payload.bin' },
        { type: 'ipv6-addr', value: '2001:db8::66' },
        { type: 'ipv4-addr', value: '203.0.113.66' },
        { type: 'domain-name', value: 'not a domain!' },
        { type: 'ipv4-addr', value: '198.51.100.0/24' },
      ] as const;
      const r = await createReport(store.db, w.opA, { kind: 'incident', title: 'Secret Power Co outage', detectedAt: new Date(Date.now() - H), content: content({ tlp: 'amber', indicators: [...indicators] }) });
      const share = { shareIndicatorsTo: { collectionId: coll.id } };
      // who may, and where to: refused before anything is written
      await refused(triage(store.db, w.minA, r.id, { version: 1, severity: 'high', ...share }), 'AGENCY_ONLY', 403, /shareIndicatorsTo/);
      await refused(triage(store.db, w.agency, r.id, { version: 1, severity: 'high', shareIndicatorsTo: { collectionId: 'no-such-collection' } }), 'NOT_FOUND', 404);
      await refused(triage(store.db, w.agency, r.id, { version: 1, severity: 'high', shareIndicatorsTo: { collectionId: closed.id } }), 'FORBIDDEN', 403, /may not add/);
      assert.equal((await getReport(store.db, w.agency, r.id)).version, 1, 'a refused triage changes nothing');

      const t = await triage(store.db, w.agency, r.id, { version: 1, severity: 'high', ...share });
      assert.equal(t.version, 2);
      assert.equal(t.severity, 'high');
      const s = t.sharing!;
      assert.equal(s.tlp, 'amber');
      assert.equal(s.indicatorIds.length, 7, 'eight valid values, one a duplicate');
      assert.equal(s.added, 9, 'seven indicators, the TLP marking definition and the producer identity');
      assert.deepEqual(s.failures.map((f) => [f.index, f.type]), [[3, 'file-md5'], [8, 'domain-name']]);
      assert.match(s.failures[0]!.message, /^content\/indicators\/3\/value: .*not an MD5 hex digest/);
      assert.match(s.failures[1]!.message, /^content\/indicators\/8\/value: .*not a domain name/);
      const rows = await sql<{ stix_id: string; stix_type: string; tlp: string; object: Record<string, unknown> }>`select stix_id, stix_type, tlp, object from intel_objects where collection_id = ${coll.id} order by date_added_us`.execute(store.db);
      const inds = rows.rows.filter((x) => x.stix_type === 'indicator');
      assert.deepEqual(inds.map((x) => x.stix_id).sort(), [...s.indicatorIds].sort());
      assert.deepEqual(inds.map((x) => x.object.pattern).sort(), [
        "[autonomous-system:number = 64500]",
        "[domain-name:value = 'c2.evil.example']",
        "[file:hashes.'SHA-256' = '" + 'a'.repeat(64) + "']",
        "[ipv4-addr:value = '198.51.100.0/24']",
        "[ipv4-addr:value = '203.0.113.66']",
        "[ipv6-addr:value = '2001:db8::66']",
        "[url:value = 'http://evil.example/payload.bin']",
      ]);
      for (const x of inds) {
        assert.equal(x.tlp, 'amber');
        assert.deepEqual(x.object.object_marking_refs, [TLP2_MARKING_IDS.amber]);
      }
      assert.ok(rows.rows.some((x) => x.stix_type === 'marking-definition' && x.stix_id === TLP2_MARKING_IDS.amber));
      const text = JSON.stringify(rows.rows.map((x) => x.object));
      assert.ok(!text.includes('Secret Power Co') && !text.includes(w.opA.orgId), 'the STIX names neither the operator nor the report title');
      assert.ok(text.includes('C2 seen on the VPN'), "the operator's note on an indicator travels");
      // the addresses (not domains, hashes or AS numbers) are candidate criteria, to be adopted by an approval
      const cands = (await listCandidates(withTables<IntelTables>(store.db), w.agency)).filter((c) => c.source === `report:${r.id}`);
      assert.deepEqual(cands.map((c) => c.address).sort(), ['198.51.100.0/24', '2001:db8::66', '203.0.113.66']);
      assert.ok(cands.every((c) => c.status === 'candidate' && c.collectionId === coll.id));
      const audit = (await listAudit(store.db, { action: 'report.indicators.share', limit: 1000 })).filter((e) => e.details.reportId === r.id);
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.actor_user_id, w.agency.userId);
      // again: the same ids and versions, nothing new
      const again = await triage(store.db, w.agency, r.id, { version: 2, ...share });
      assert.equal(again.sharing!.added, 0);
      assert.deepEqual(again.sharing!.indicatorIds, s.indicatorIds);

      // no TLP said: AMBER+STRICT, for the agency and the reporting operator only; RED: the analyst only, no candidates
      const strict = await createReport(store.db, w.opA, { kind: 'incident', title: 'x', detectedAt: new Date(Date.now() - H), content: content({ indicators: [{ type: 'ipv4-addr', value: '192.0.2.10' }] }) });
      const ts = await triage(store.db, w.agency, strict.id, { version: 1, ...share });
      assert.equal(ts.sharing!.tlp, 'amber+strict');
      const red = await createReport(store.db, w.opA, { kind: 'incident', title: 'y', detectedAt: new Date(Date.now() - H), content: content({ tlp: 'red', indicators: [{ type: 'ipv4-addr', value: '192.0.2.11' }] }) });
      const tr = await triage(store.db, w.agency, red.id, { version: 1, ...share });
      assert.equal(tr.sharing!.tlp, 'red');
      assert.equal(tr.sharing!.candidates, 0);
      const aud = await sql<{ stix_id: string; tlp: string; recipient_orgs: string[]; recipient_users: string[] }>`select stix_id, tlp, recipient_orgs, recipient_users from intel_objects where stix_id in (${sql.join([ts.sharing!.indicatorIds[0]!, tr.sharing!.indicatorIds[0]!])})`.execute(store.db);
      const byId = new Map(aud.rows.map((x) => [x.stix_id, x]));
      const st = byId.get(ts.sharing!.indicatorIds[0]!)!;
      assert.equal(st.tlp, 'amber+strict');
      assert.deepEqual([...st.recipient_orgs].sort(), [w.agency.orgId, w.opA.orgId].sort());
      const rd = byId.get(tr.sharing!.indicatorIds[0]!)!;
      assert.equal(rd.tlp, 'red');
      assert.deepEqual(rd.recipient_users, [w.agency.userId]);
      assert.equal((await listCandidates(withTables<IntelTables>(store.db), w.agency)).filter((c) => c.source === `report:${red.id}`).length, 0);
    });

    test('attachments: every byte value round-trips through bytea, SHA-256 recorded, oversized refused naming the limit', async () => {
      const r = await createReport(store.db, w.opA, { kind: 'incident', title: 'evidence', detectedAt: new Date(Date.now() - H), content: content() });
      const bytes = Buffer.alloc(4096);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) & 255;
      const meta = await addAttachment(store.db, w.opA, r.id, { filename: 'pcap-excerpt.bin', mediaType: 'application/octet-stream', content: bytes }, 4096);
      assert.equal(meta.sha256, createHash('sha256').update(bytes).digest('hex'));
      const back = await getAttachment(store.db, w.minA, r.id, meta.id);
      assert.ok(back.content.equals(bytes));
      const big = await refused(addAttachment(store.db, w.opA, r.id, { filename: 'big', mediaType: 'x/y', content: Buffer.alloc(4097) }, 4096), 'ATTACHMENT_TOO_LARGE', 413, /limit of 4096 bytes/);
      assert.deepEqual(big.details, { limitBytes: 4096 });
      await refused(addAttachment(store.db, w.opA, r.id, { filename: '../etc/passwd', mediaType: 'x/y', content: Buffer.from('x') }), 'INVALID_FILENAME', 400, /filename/);
      await refused(addAttachment(store.db, w.opB, r.id, { filename: 'x', mediaType: 'x/y', content: Buffer.from('x') }), 'NOT_FOUND', 404);
      await refused(getAttachment(store.db, w.opB, r.id, meta.id), 'NOT_FOUND', 404);
      const reads = await listAudit(store.db, { action: 'report.attachment.read', limit: 1000 });
      assert.ok(reads.some((e) => e.actor_user_id === w.minA.userId && e.target_id === r.id));
    });

    test('deadline rules per sector and kind change the due times; reminders go to a real webhook once per state, failures are retried', async () => {
      const got: ReminderPayload[] = [];
      const failedOnce = new Set<string>();
      const server: Server = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          const p = JSON.parse(body) as ReminderPayload;
          // the first POST of each report's reminder fails: it must be tried again on the next run
          if (!failedOnce.has(p.reportId)) {
            failedOnce.add(p.reportId);
            res.writeHead(503).end();
            return;
          }
          got.push(p);
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
        await setRule(store.db, w.lead, { sector: 'railways', kind: 'precursor', milestone: 'notification', hours: 10, months: 0 });
        // a world of its own, so reports of the other tests do not remind here
        const t0 = new Date('2030-01-01T00:00:00Z');
        const r = await createReport(store.db, w.opB, { kind: 'precursor', title: 'probe', detectedAt: t0, content: content() }, new Date(t0.getTime() + H));
        assert.equal(r.deadlines.find((d) => d.milestone === 'notification')!.dueAt, '2030-01-01T10:00:00.000Z');
        assert.equal(r.deadlines.find((d) => d.milestone === 'notification')!.dueAtJst, '2030-01-01T19:00:00+09:00');
        const job = createReminderJob({ config: { webhookUrl: url, soonHours: 2 }, deps: { db: store.db } });
        const mine = () => got.filter((g) => g.reportId === r.id).map((g) => `${g.milestone}:${g.state}`);
        // 08:30: notification due in 1.5 h — due soon; the first POST fails (503) and is retried next run
        const first = await job.runOnce(new Date(t0.getTime() + 8.5 * H));
        assert.ok(first.failed >= 1);
        assert.deepEqual(mine(), []);
        await job.runOnce(new Date(t0.getTime() + 8.6 * H));
        assert.deepEqual(mine(), ['notification:due_soon']);
        await job.runOnce(new Date(t0.getTime() + 9 * H));
        assert.deepEqual(mine(), ['notification:due_soon'], 'once per state');
        await job.runOnce(new Date(t0.getTime() + 11 * H));
        assert.deepEqual(mine(), ['notification:due_soon', 'notification:overdue']);
        const p = got.find((g) => g.reportId === r.id)!;
        assert.equal(p.orgId, w.opB.orgId);
        assert.ok(p.notify.includes(w.minB.orgId));
        assert.equal(JSON.stringify(p).includes('whatHappened'), false, 'no report content in a reminder');
        const due = (await dueView(store.db, w.minB, new Date(t0.getTime() + 11 * H))).filter((d) => d.reportId === r.id);
        assert.deepEqual(due.map((d) => [d.milestone, d.state]), [['notification', 'overdue'], ['final', 'pending']]);
        await submitStage(store.db, w.opB, r.id, { stage: 'final', version: 1, content: content() }, new Date(t0.getTime() + 12 * H));
        const after = await getReport(store.db, w.opB, r.id, new Date(t0.getTime() + 12 * H));
        assert.deepEqual(after.deadlines.map((d) => d.state), ['met', 'met_late', 'met']);
        assert.equal((await dueView(store.db, w.minB, new Date(t0.getTime() + 12 * H))).filter((d) => d.reportId === r.id).length, 0);
      } finally {
        server.close();
      }
    });

    test('reminders by e-mail through a real SMTP server, once per state, beside the webhook channel', async (t) => {
      if (!hasSmtpd) return t.skip('python3 smtpd (Python <= 3.11) is not available');
      const smtpd = await startSmtpd();
      try {
        const t0 = new Date('2031-03-01T00:00:00Z');
        const r = await createReport(store.db, w.opA, { kind: 'incident', title: 'mail me', detectedAt: t0, content: content() }, new Date(t0.getTime() + H));
        const job = createReminderJob({ config: { soonHours: 1, smtp: { host: '127.0.0.1', port: smtpd.port, from: 'acd@agency.example', to: ['duty@meti.example'] } }, deps: { db: store.db } });
        const mails = () => smtpd.out().split('END MESSAGE').filter((m) => m.includes(r.id));
        await job.runOnce(new Date(t0.getTime() + 73 * H));
        await job.runOnce(new Date(t0.getTime() + 74 * H));
        for (let i = 0; i < 100 && mails().length < 1; i++) await new Promise((res) => setTimeout(res, 50));
        const got = mails();
        assert.equal(got.length, 1, 'one e-mail for the overdue notification, not one per run');
        assert.match(got[0]!, /^Subject: \[ACD\] notification OVERDUE: incident report /m);
        assert.match(got[0]!, /Due: 2031-03-04T09:00:00\+09:00 \(JST\) = 2031-03-04T00:00:00\.000Z \(UTC\)/);
        assert.doesNotMatch(got[0]!, /SCADA|whatHappened/, 'no report content in a reminder');
        const rows = await rdb(store.db).selectFrom('report_reminders').select(['channel', 'state', 'outcome']).where('report_id', '=', r.id).execute();
        assert.deepEqual(rows.map((x) => [x.channel, x.state, x.outcome]), [['email', 'overdue', 'ok']]);
      } finally {
        smtpd.child.kill();
      }
    });
  });
}
