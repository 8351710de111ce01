/**
 * Deny by default, checked over the whole route table: every route declares who may call it, and every
 * role is tried against every route — 401 without credentials, 403 for a role the route does not name,
 * 403 for another organisation or person, and neither for a role it names.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ROLES, type Role } from '../../src/auth/index.js';
import type { Access, DeclaredRoute } from '../../src/server/access.js';
import { createTestApp, bearer, type TestApp, type TestPerson } from '../helpers/app.js';

type Restricted = Exclude<Access, { public: true }>;

function fillUrl(route: DeclaredRoute, who: TestPerson, target: TestPerson): string {
  const access = route.access as Restricted;
  return route.url.replace(/:(\w+)/g, (_m, name: string) => {
    if (access.org?.param === name) return target.orgId;
    if (access.self?.param === name) return target.userId;
    return 'no-such-id';
  }).replace(/\*$/, '');
}

describe('route table: access rules for every route and every role', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => t.close());

  test('every registered route declares its access rule', () => {
    assert.ok(t.routes.length >= 10, `only ${t.routes.length} routes seen`);
    const undeclared = t.routes.filter((r) => !r.access);
    assert.deepEqual(undeclared, []);
  });

  test('a route without an access rule cannot be registered', async () => {
    await assert.rejects(
      createTestApp({}, [async (app) => { app.get('/api/v1/forgot-to-declare', async () => 'open'); }]),
      /declares no access rule/,
    );
  });

  test('public routes are only the ones meant to be public', () => {
    const pub = t.routes.filter((r) => r.access && 'public' in r.access).map((r) => `${r.method} ${r.url}`);
    for (const p of pub) assert.match(p, /^(GET|HEAD) (\/healthz|\/metrics|\/api\/docs.*|\/api\/v1\/audit-log\/(public-key|head))$|^POST \/api\/v1\/auth\/(login|password)$/, `${p} is public`);
  });

  test('every restricted route: 401 without credentials, 403 for roles it does not name, other organisations and people', async () => {
    const restricted = t.routes.filter((r) => r.access && !('public' in r.access) && r.method !== 'HEAD');
    assert.ok(restricted.length >= 8);
    let checks = 0;
    for (const route of restricted) {
      const access = route.access as Restricted;
      const anon = await t.app.inject({ method: route.method as 'GET', url: fillUrl(route, t.people.admin, t.people.admin), payload: route.method === 'GET' || route.method === 'DELETE' ? undefined : {} });
      assert.equal(anon.statusCode, 401, `${route.method} ${route.url} without credentials gave ${anon.statusCode}`);
      for (const role of ROLES) {
        const me = t.people[role];
        const allowed = access.roles === 'any' || access.roles.includes(role);
        const payload = route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
        const own = await t.app.inject({ method: route.method as 'GET', url: fillUrl(route, me, me), headers: bearer(me), payload });
        checks++;
        if (!allowed) {
          assert.equal(own.statusCode, 403, `${route.method} ${route.url} as ${role} should be 403, got ${own.statusCode}`);
          continue;
        }
        assert.ok(![401, 403].includes(own.statusCode), `${route.method} ${route.url} as ${role} on its own should be allowed, got ${own.statusCode} ${own.body}`);
        const other = t.others[role];
        if (access.org && !access.org.anyOrgRoles?.includes(role as Role)) {
          const r = await t.app.inject({ method: route.method as 'GET', url: fillUrl(route, me, other), headers: bearer(me), payload });
          checks++;
          assert.equal(r.statusCode, 403, `${route.method} ${route.url} as ${role} on another organisation should be 403, got ${r.statusCode}`);
        }
        if (access.self && !access.self.anyUserRoles?.includes(role as Role)) {
          const r = await t.app.inject({ method: route.method as 'GET', url: fillUrl(route, me, other), headers: bearer(me), payload });
          checks++;
          assert.equal(r.statusCode, 403, `${route.method} ${route.url} as ${role} on another person should be 403, got ${r.statusCode}`);
        }
      }
    }
    assert.ok(checks >= restricted.length * ROLES.length);
  });
});
