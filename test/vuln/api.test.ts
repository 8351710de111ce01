/**
 * The vuln routes over HTTP: the agency imports, the operator sees and acknowledges its alert, a bad
 * document is a 400 naming the field, another operator and a partner see nothing, a ministry gets the
 * aggregate; known-exploited reminders through a real webhook and a real SMTP server (the reports
 * channels), once per alert and channel.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, bearer, type TestApp } from '../helpers/app.js';
import { createOrganisation, createPerson, issueToken, SYSTEM_ACTOR } from '../../src/auth/index.js';
import { linkMinistry } from '../../src/reports/index.js';
import { createVulnReminderJob } from '../../src/vuln/index.js';
import { hasSmtpd, startSmtpd } from '../reports/smtpd.js';
import { HMI_CPE, hmiAdvisory, kevCatalogue } from './fixtures.js';

describe('vuln API', () => {
  let t: TestApp;
  let ministry: { authorization: string };
  let alertId = '';
  before(async () => {
    t = await createTestApp();
    const org = await createOrganisation(t.store.db, SYSTEM_ACTOR, { name: 'Ministry (vuln api)', kind: 'ministry', sector: null });
    await linkMinistry(t.store.db, SYSTEM_ACTOR, 'electricity', org.id);
    const u = await createPerson(t.store.db, SYSTEM_ACTOR, { orgId: org.id, username: 'vuln-ministry', displayName: 'm', roles: ['agency_analyst'] });
    ministry = { authorization: `Bearer ${(await issueToken(t.store.db, SYSTEM_ACTOR, u.id, 'test', null)).token}` };
    const sys = await t.app.inject({
      method: 'POST',
      url: '/api/v1/systems',
      headers: bearer(t.people.operator),
      payload: { name: 'Substation HMI', function: 'operates substations', products: [{ vendor: 'Example Controls', product: 'GridView HMI', version: '5.2.1', cpe: HMI_CPE.replace(':*:*:*:*:*:*:*:*', ':5.2.1:*:*:*:*:*:*:*') }], networkLocation: 'OT', carrierLinks: [] },
    });
    assert.equal(sys.statusCode, 201, sys.body);
  });
  after(async () => t.close());

  test('a bad CSAF document is a 400 naming the field; an operator may not import', async () => {
    const bad = hmiAdvisory() as { document: { tracking: { version?: string } } };
    delete bad.document.tracking.version;
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/vuln/advisories', headers: bearer(t.people.agency_lead), payload: bad });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().error, 'VULN_INVALID_CSAF');
    assert.match(r.json().message, /\/document\/tracking\/version/);
    const op = await t.app.inject({ method: 'POST', url: '/api/v1/vuln/advisories', headers: bearer(t.people.operator), payload: hmiAdvisory() });
    assert.equal(op.statusCode, 403);
  });

  test('the agency imports; the operator sees the alert on its landing view and acknowledges it', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/vuln/advisories', headers: bearer(t.people.agency_lead), payload: hmiAdvisory() });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().affected, 1);
    await t.app.inject({ method: 'POST', url: '/api/v1/vuln/advisories', headers: bearer(t.people.agency_analyst), payload: kevCatalogue(['CVE-2026-900101']) });
    const e = await t.app.inject({ method: 'GET', url: '/api/v1/vuln/exposure', headers: bearer(t.people.operator) });
    assert.equal(e.statusCode, 200, e.body);
    const ex = e.json();
    assert.equal(ex.totals.critical, 1);
    assert.equal(ex.totals.knownExploited, 1);
    assert.equal(ex.alerts[0].knownExploited, true);
    assert.match(JSON.stringify(ex.alerts[0].remediations), /5\.2\.4/);
    assert.match(ex.alerts[0].stixVulnerabilityIds[0], /^vulnerability--/);
    alertId = ex.alerts[0].id;
    const ack = await t.app.inject({ method: 'POST', url: `/api/v1/vuln/alerts/${alertId}/state`, headers: bearer(t.people.operator), payload: { state: 'acknowledged' } });
    assert.equal(ack.statusCode, 200, ack.body);
    assert.equal(ack.json().state, 'acknowledged');
    const bad = await t.app.inject({ method: 'POST', url: `/api/v1/vuln/alerts/${alertId}/state`, headers: bearer(t.people.operator), payload: { state: 'not_affected' } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error, 'VULN_INVALID_STATE');
  });

  test('another operator, a partner, a carrier and the commission see nothing; the ministry the aggregate', async () => {
    const other = await t.app.inject({ method: 'GET', url: `/api/v1/vuln/alerts/${alertId}`, headers: bearer(t.others.operator) });
    assert.equal(other.statusCode, 404);
    const otherList = await t.app.inject({ method: 'GET', url: '/api/v1/vuln/alerts', headers: bearer(t.others.operator) });
    assert.deepEqual(otherList.json(), []);
    const otherSet = await t.app.inject({ method: 'POST', url: `/api/v1/vuln/alerts/${alertId}/state`, headers: bearer(t.others.operator), payload: { state: 'mitigated' } });
    assert.equal(otherSet.statusCode, 404);
    for (const role of ['partner', 'carrier', 'commission_member', 'auditor'] as const) {
      for (const url of ['/api/v1/vuln/exposure', '/api/v1/vuln/alerts', `/api/v1/vuln/alerts/${alertId}`, '/api/v1/vuln/exposure/history', '/api/v1/vuln/advisories']) {
        const r = await t.app.inject({ method: 'GET', url, headers: bearer(t.people[role]) });
        assert.equal(r.statusCode, 403, `${role} ${url}: ${r.statusCode}`);
      }
    }
    const m = await t.app.inject({ method: 'GET', url: '/api/v1/vuln/exposure', headers: ministry });
    assert.equal(m.statusCode, 200);
    assert.equal(m.json().scope, 'sectors');
    assert.equal(m.json().alerts, undefined);
    assert.equal(m.json().totals.total, 1);
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/vuln/alerts/${alertId}`, headers: ministry })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/vuln/alerts', headers: ministry })).statusCode, 403);
    const h = await t.app.inject({ method: 'GET', url: '/api/v1/vuln/exposure/history?days=14', headers: ministry });
    assert.equal(h.json().points.length, 14);
    assert.equal(h.json().points.at(-1).knownExploited, 1);
  });

  test('known-exploited reminders: a real webhook and a real SMTP server, once per alert and channel, a failure retried', async (t2) => {
    const got: Array<{ auth: string | undefined; body: { type: string; alertId: string; cves: string[]; notify: string[] } }> = [];
    let fail = true;
    const server: Server = createServer((req, res) => {
      let b = '';
      req.on('data', (d: Buffer) => (b += d.toString()));
      req.on('end', () => {
        if (fail) {
          fail = false;
          res.statusCode = 503;
          res.end();
          return;
        }
        got.push({ auth: req.headers.authorization, body: JSON.parse(b) });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const smtpd = hasSmtpd ? await startSmtpd() : null;
    try {
      const job = createVulnReminderJob({
        config: { webhookUrl: url, webhookToken: 'hook-token', ...(smtpd ? { smtp: { host: '127.0.0.1', port: smtpd.port, from: 'acd@agency.example', to: ['duty@operator.example'] } } : {}) },
        deps: { db: t.store.db },
      });
      const first = await job.runOnce();
      assert.equal(first.found, 1);
      assert.equal(first.failed, 1); // the webhook's 503
      assert.equal(got.length, 0);
      const second = await job.runOnce();
      assert.equal(second.found, 1); // only the webhook is left
      assert.equal(got.length, 1);
      assert.equal(got[0]!.auth, 'Bearer hook-token');
      assert.equal(got[0]!.body.type, 'acd.vuln.known_exploited');
      assert.equal(got[0]!.body.alertId, alertId);
      assert.deepEqual(got[0]!.body.cves, ['CVE-2026-900101']);
      assert.ok(got[0]!.body.notify.includes(t.people.operator.orgId));
      assert.equal((await job.runOnce()).found, 0);
      if (smtpd) {
        for (let i = 0; i < 50 && !smtpd.out().includes('END MESSAGE'); i++) await new Promise((r) => setTimeout(r, 50));
        assert.match(smtpd.out(), /KNOWN EXPLOITED: CVE-2026-900101/);
        assert.match(smtpd.out(), /RCPTTOS duty@operator\.example/);
      } else t2.diagnostic('python3 smtpd (Python <= 3.11) is not available: e-mail channel not exercised');
      // mitigated: no more reminders even for a new channel
      await t.app.inject({ method: 'POST', url: `/api/v1/vuln/alerts/${alertId}/state`, headers: bearer(t.people.operator), payload: { state: 'mitigated' } });
      const other = createVulnReminderJob({ config: { webhookUrl: `${url}?2` }, deps: { db: t.store.db } });
      assert.equal((await other.runOnce()).found, 0);
    } finally {
      server.close();
      smtpd?.child.kill();
    }
  });
});
