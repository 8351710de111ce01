/**
 * Password strength and the account lifecycle (issue #20) over HTTP, on both engines: weak passwords
 * refused (password1234, 12 spaces, the username repeated), a long passphrase accepted; disable/enable
 * stop and restore sessions and tokens at once; a forced reset; roles changed; sessions listed and ended;
 * tokens expire by default and show their last use; every act audited.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, bearer, TEST_PASSWORD, type TestApp } from '../helpers/app.js';
import { engineCases } from '../helpers/stores.js';

for (const engine of engineCases()) {
  describe(`account lifecycle (${engine.name})`, () => {
    let t: TestApp;
    before(async () => { t = await createTestApp({ tokenMaxLifetimeDays: 30 }, [], () => engine.open()); });
    after(async () => { await t.close(); await engine.cleanup(); });
    const admin = () => bearer(t.people.admin);
    const audited = async (action: string) => (await t.store.db.selectFrom('audit_events').select('target_id').where('action', '=', action).execute()).map((r) => r.target_id);
    const login = (username: string, password = TEST_PASSWORD) => t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, remoteAddress: `10.1.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` });

    test('weak passwords are refused with the reason; a long passphrase passes', async () => {
      const orgId = t.people.partner.orgId;
      for (const [username, password] of [['weak-a', 'password1234'], ['weak-b', ' '.repeat(12)], ['weak-cc', 'weak-ccweak-ccweak-cc']]) {
        const r = await t.app.inject({ method: 'POST', url: '/api/v1/people', headers: admin(), payload: { orgId, username, displayName: username, roles: ['partner'], password } });
        assert.equal(r.statusCode, 400, `${JSON.stringify(password)}: ${r.body}`);
        assert.equal(r.json<{ error: string }>().error, 'WEAK_PASSWORD');
      }
      const ok = await t.app.inject({ method: 'POST', url: '/api/v1/people', headers: admin(), payload: { orgId, username: 'strong-a', displayName: 'Strong', roles: ['partner'], password: 'the quiet lighthouse keeper paints blue herons' } });
      assert.equal(ok.statusCode, 201, ok.body);
    });

    test('disable stops sessions and tokens at once; enable brings the tokens back; audited', async () => {
      const p = t.people.carrier;
      const l = await login(p.username);
      assert.equal(l.statusCode, 200, l.body);
      const cookie = String(l.headers['set-cookie']).match(/acd_session=[^;]+/)![0];
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode, 200);
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(p) })).statusCode, 200);
      const d = await t.app.inject({ method: 'POST', url: `/api/v1/people/${p.userId}/disable`, headers: admin(), payload: { reason: 'left the company' } });
      assert.equal(d.statusCode, 200, d.body);
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(p) })).statusCode, 401, 'token stops at once (no cache delay)');
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode, 401, 'session ended');
      assert.equal((await login(p.username)).statusCode, 401);
      assert.equal((await t.app.inject({ method: 'POST', url: `/api/v1/people/${p.userId}/enable`, headers: admin(), payload: { reason: 'came back' } })).statusCode, 200);
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(p) })).statusCode, 200);
      assert.deepEqual(await audited('user.disable'), [p.userId]);
      assert.deepEqual(await audited('user.enable'), [p.userId]);
      // only an admin may
      assert.equal((await t.app.inject({ method: 'POST', url: `/api/v1/people/${p.userId}/disable`, headers: bearer(t.people.agency_lead), payload: { reason: 'not mine to do' } })).statusCode, 403);
    });

    test('a forced password reset: login refused until a strong new password is set', async () => {
      const p = t.people.auditor;
      assert.equal((await t.app.inject({ method: 'POST', url: `/api/v1/people/${p.userId}/password-reset`, headers: admin(), payload: { reason: 'password seen in a paste' } })).statusCode, 200);
      const l = await login(p.username);
      assert.equal(l.statusCode, 403);
      assert.equal(l.json<{ error: string }>().error, 'PASSWORD_RESET_REQUIRED');
      const weak = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { username: p.username, password: TEST_PASSWORD, newPassword: 'password1234' } });
      assert.equal(weak.statusCode, 400);
      const next = 'amber tides under a patient copper moon';
      const set = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { username: p.username, password: TEST_PASSWORD, newPassword: next } });
      assert.equal(set.statusCode, 200, set.body);
      assert.equal((await login(p.username, next)).statusCode, 200);
      assert.deepEqual(await audited('user.password_reset_forced'), [p.userId]);
      assert.deepEqual(await audited('user.password_set'), [p.userId]);
    });

    test('roles change at once; sessions are listed and ended', async () => {
      const p = t.people.agency_analyst;
      const r = await t.app.inject({ method: 'PUT', url: `/api/v1/people/${p.userId}/roles`, headers: admin(), payload: { roles: ['agency_lead'], reason: 'promoted' } });
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(p) })).json<{ roles: string[] }>().roles, ['agency_lead']);
      const bad = await t.app.inject({ method: 'PUT', url: `/api/v1/people/${p.userId}/roles`, headers: admin(), payload: { roles: ['carrier'], reason: 'wrong kind' } });
      assert.equal(bad.statusCode, 400);
      const l = await login(p.username);
      const cookie = String(l.headers['set-cookie']).match(/acd_session=[^;]+/)![0];
      const list = await t.app.inject({ method: 'GET', url: `/api/v1/people/${p.userId}/sessions`, headers: admin() });
      assert.equal(list.statusCode, 200);
      const sessions = list.json<Array<{ id: string }>>();
      assert.equal(sessions.length, 1);
      const end = await t.app.inject({ method: 'DELETE', url: `/api/v1/people/${p.userId}/sessions/${sessions[0]!.id}`, headers: admin() });
      assert.equal(end.statusCode, 200, end.body);
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode, 401);
      assert.deepEqual(await audited('user.roles'), [p.userId]);
      assert.deepEqual(await audited('user.session.end'), [p.userId]);
    });

    test('tokens expire after tokenMaxLifetimeDays by default and at most; the list shows the last use', async () => {
      const p = t.people.partner;
      const a = await t.app.inject({ method: 'POST', url: `/api/v1/people/${p.userId}/tokens`, headers: bearer(p), payload: { name: 'ci' } });
      assert.equal(a.statusCode, 201, a.body);
      const days = (Date.parse(a.json<{ expiresAt: string }>().expiresAt) - Date.now()) / 86400_000;
      assert.ok(days > 29.9 && days <= 30, `expires in ${days} days`);
      const b = await t.app.inject({ method: 'POST', url: `/api/v1/people/${p.userId}/tokens`, headers: bearer(p), payload: { name: 'long', expiresInDays: 365 } });
      assert.ok((Date.parse(b.json<{ expiresAt: string }>().expiresAt) - Date.now()) / 86400_000 <= 30);
      await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${a.json<{ token: string }>().token}` } });
      const list = (await t.app.inject({ method: 'GET', url: `/api/v1/people/${p.userId}/tokens`, headers: bearer(p) })).json<Array<{ name: string; lastUsedAt: string | null }>>();
      assert.ok(list.find((x) => x.name === 'ci')!.lastUsedAt, 'last use shown');
      assert.equal(list.find((x) => x.name === 'long')!.lastUsedAt, null);
    });
  });
}
