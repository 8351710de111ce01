import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, bearer, TEST_PASSWORD, type TestApp } from '../helpers/app.js';

describe('HTTP API: errors, limits, authentication, web security', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ bodyLimit: 2048, loginMaxAttempts: 3 });
  });
  after(async () => t.close());

  test('/healthz answers ok with the engine', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().status, 'ok');
    assert.equal(r.json().engine, 'pglite');
  });

  test('invalid JSON gets 400 naming the problem and where', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/organisations', headers: { ...bearer(t.people.admin), 'content-type': 'application/json' }, payload: '{"name": "x",, }' });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().error, 'INVALID_JSON');
    assert.match(r.json().message, /not valid JSON: .*position \d+/);
  });

  test('a JSON body with __proto__ is refused', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/organisations', headers: { ...bearer(t.people.admin), 'content-type': 'application/json' }, payload: '{"name":"x","kind":"agency","__proto__":{"admin":true}}' });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().error, 'INVALID_JSON');
  });

  test('a body that breaks the schema gets 400 VALIDATION naming the field', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/organisations', headers: bearer(t.people.admin), payload: { name: 'x', kind: 'spaceship' } });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().error, 'VALIDATION');
    assert.match(r.json().message, /body\/kind/);
  });

  test('a body over the limit gets 413 and nothing is created', async () => {
    const name = 'x'.repeat(3000);
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/organisations', headers: bearer(t.people.admin), payload: { name, kind: 'agency' } });
    assert.equal(r.statusCode, 413);
    assert.equal(r.json().error, 'BODY_TOO_LARGE');
    assert.match(r.json().message, /2048 bytes/);
    const n = await t.store.db.selectFrom('organisations').select('id').where('name', '=', name).execute();
    assert.equal(n.length, 0);
  });

  test('an unknown route gets 404 as JSON', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/v1/no-such-thing?x=1' });
    assert.equal(r.statusCode, 404);
    assert.deepEqual(r.json(), { error: 'NOT_FOUND', message: 'no route GET /api/v1/no-such-thing' });
  });

  test('no credentials get 401; a wrong or revoked token too', async () => {
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me' })).statusCode, 401);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: 'Bearer acd_tok_nonsense' } })).statusCode, 401);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: 'Basic bm9ib2R5Om5vdGhpbmc=' } })).statusCode, 401);
    const issued = await t.app.inject({ method: 'POST', url: `/api/v1/people/${t.people.auditor.userId}/tokens`, headers: bearer(t.people.admin), payload: { name: 'short-lived' } });
    assert.equal(issued.statusCode, 201);
    const { id, token } = issued.json();
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode, 200);
    const rev = await t.app.inject({ method: 'DELETE', url: `/api/v1/people/${t.people.auditor.userId}/tokens/${id}`, headers: bearer(t.people.admin) });
    assert.equal(rev.statusCode, 200);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode, 401);
  });

  test('HTTP Basic with username and token authenticates (for TAXII clients); a token under another name does not', async () => {
    const p = t.people.partner;
    const good = Buffer.from(`${p.username}:${p.token}`).toString('base64');
    const bad = Buffer.from(`${t.people.admin.username}:${p.token}`).toString('base64');
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Basic ${good}` } })).json().username, p.username);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Basic ${bad}` } })).statusCode, 401);
  });

  test('a wrong role gets 403; another organisation gets 403', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/organisations', headers: bearer(t.people.operator), payload: { name: 'Evil', kind: 'agency' } });
    assert.equal(r.statusCode, 403);
    assert.equal(r.json().error, 'FORBIDDEN');
    const other = await t.app.inject({ method: 'GET', url: `/api/v1/organisations/${t.others.operator.orgId}`, headers: bearer(t.people.operator) });
    assert.equal(other.statusCode, 403);
    const own = await t.app.inject({ method: 'GET', url: `/api/v1/organisations/${t.people.operator.orgId}`, headers: bearer(t.people.operator) });
    assert.equal(own.statusCode, 200);
  });

  test('roles are bound to the kind of organisation: an operator cannot be made an agency analyst', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/people', headers: bearer(t.people.admin), payload: { orgId: t.people.operator.orgId, username: 'sneaky', displayName: 'S', roles: ['agency_analyst'] } });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().error, 'ROLE_NOT_ALLOWED');
  });

  test('login sets a Secure, HttpOnly, SameSite=Strict cookie; changes by cookie need the CSRF token', async () => {
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: t.people.admin.username, password: TEST_PASSWORD } });
    assert.equal(login.statusCode, 200);
    const setCookie = String(login.headers['set-cookie']);
    assert.match(setCookie, /acd_session=acd_ses_/);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /Secure/);
    assert.match(setCookie, /SameSite=Strict/);
    const cookie = setCookie.split(';')[0]!;
    const csrf = login.json().csrfToken as string;
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
    assert.equal(me.json().username, t.people.admin.username);
    const noCsrf = await t.app.inject({ method: 'POST', url: '/api/v1/organisations', headers: { cookie }, payload: { name: 'By cookie', kind: 'partner' } });
    assert.equal(noCsrf.statusCode, 403);
    assert.equal(noCsrf.json().error, 'CSRF');
    const wrongCsrf = await t.app.inject({ method: 'POST', url: '/api/v1/organisations', headers: { cookie, 'x-csrf-token': `${csrf}x` }, payload: { name: 'By cookie', kind: 'partner' } });
    assert.equal(wrongCsrf.statusCode, 403);
    const ok = await t.app.inject({ method: 'POST', url: '/api/v1/organisations', headers: { cookie, 'x-csrf-token': csrf }, payload: { name: 'By cookie', kind: 'partner' } });
    assert.equal(ok.statusCode, 201);
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie, 'x-csrf-token': csrf } });
    assert.equal(out.statusCode, 200);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode, 401);
  });

  test('failed logins are rate-limited per account (429 with Retry-After), and audited', async () => {
    const username = t.people.carrier.username;
    for (let i = 0; i < 3; i++) {
      const r = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password: 'wrong password!' } });
      assert.equal(r.statusCode, 401);
      assert.equal(r.json().error, 'LOGIN_FAILED');
    }
    const blocked = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password: TEST_PASSWORD } });
    assert.equal(blocked.statusCode, 429);
    assert.ok(Number(blocked.headers['retry-after']) > 0);
    const audited = await t.store.db.selectFrom('audit_events').select('target_id').where('action', '=', 'auth.login_failed').where('target_id', '=', t.people.carrier.userId).execute();
    assert.equal(audited.length, 3);
  });

  test('failed logins are rate-limited per address across accounts', async () => {
    const app = await createTestApp({ loginMaxAttempts: 2 });
    try {
      for (const u of ['nobody-a', 'nobody-b']) {
        assert.equal((await app.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: u, password: 'x' }, remoteAddress: '10.9.9.9' })).statusCode, 401);
      }
      const r = await app.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: app.people.admin.username, password: TEST_PASSWORD }, remoteAddress: '10.9.9.9' });
      assert.equal(r.statusCode, 429);
      const other = await app.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: app.people.admin.username, password: TEST_PASSWORD }, remoteAddress: '10.9.9.10' });
      assert.equal(other.statusCode, 200);
    } finally {
      await app.close();
    }
  });

  test('security headers are set on every response', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['x-frame-options'], 'SAMEORIGIN');
    assert.match(String(r.headers['content-security-policy']), /default-src 'self'/);
    assert.match(String(r.headers['strict-transport-security']), /max-age=/);
  });

  test('tokens and passwords are stored hashed and never logged', async () => {
    const tokens = await t.store.db.selectFrom('api_tokens').select('token_hash').execute();
    for (const row of tokens) assert.match(row.token_hash, /^[0-9a-f]{64}$/);
    const users = await t.store.db.selectFrom('users').select('password_hash').execute();
    for (const u of users) assert.match(String(u.password_hash), /^\$argon2id\$/);
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: t.people.auditor.username, password: TEST_PASSWORD } });
    await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(t.people.auditor) });
    const log = t.logText();
    assert.ok(log.length > 0, 'the server logged its requests');
    assert.ok(!log.includes(TEST_PASSWORD), 'a password reached the log');
    for (const p of Object.values(t.people)) assert.ok(!log.includes(p.token), 'a token reached the log');
    assert.ok(!log.includes('acd_ses_'), 'a session id reached the log');
  });

  test('/metrics serves Prometheus text with request counters', async () => {
    await t.app.inject({ method: 'GET', url: '/healthz' });
    const r = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /text\/plain/);
    assert.match(r.body, /acd_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
  });

  test('the OpenAPI document lists every API route and the docs page is served', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/docs/json' })).json();
    assert.equal(doc.openapi, '3.1.0');
    for (const r of t.routes.filter((x) => x.url.startsWith('/api/v1') && x.method !== 'HEAD')) {
      const path = r.url.replace(/:(\w+)/g, '{$1}');
      assert.ok(doc.paths[path]?.[r.method.toLowerCase()], `OpenAPI misses ${r.method} ${path}`);
    }
    const page = await t.app.inject({ method: 'GET', url: '/api/docs/' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /swagger/i);
  });

  test('every change is audited with who, what and on what', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/organisations', headers: bearer(t.people.admin), payload: { name: 'Audited Partner', kind: 'partner' } });
    const id = r.json().id as string;
    const rows = await t.store.db.selectFrom('audit_events').selectAll().where('target_id', '=', id).execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.action, 'organisation.create');
    assert.equal(rows[0]!.actor_user_id, t.people.admin.userId);
    assert.deepEqual(rows[0]!.actor_roles, ['admin']);
    const read = await t.app.inject({ method: 'GET', url: '/api/v1/audit?limit=5', headers: bearer(t.people.auditor) });
    assert.equal(read.statusCode, 200);
    const readAudit = await t.store.db.selectFrom('audit_events').select('action').where('action', '=', 'audit.read').where('actor_user_id', '=', t.people.auditor.userId).execute();
    assert.equal(readAudit.length, 1, 'reading the audit log is itself audited');
  });
});
