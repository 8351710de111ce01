/**
 * Deny by default, checked over the whole route table: every route declares who may call it, and every
 * role is tried against every route — 401 without credentials, 403 for a role the route does not name,
 * 403 for another organisation or person, and neither for a role it names.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ROLES, SYSTEM_ACTOR, createOrganisation, createPerson, issueToken, type Role } from '../../src/auth/index.js';
import type { Access, DeclaredRoute } from '../../src/server/access.js';
import { TEST_PASSWORD, createTestApp, bearer, type TestApp, type TestPerson } from '../helpers/app.js';

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
    for (const p of pub) assert.match(p, /^(GET|HEAD) (\/healthz|\/healthz\/operations|\/metrics|\/api\/docs.*|\/api\/v1\/audit-log\/(public-key|head|checkpoint))$|^POST \/api\/v1\/auth\/(login|password)$/, `${p} is public`);
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

/**
 * Issue #17: every route that lists or aggregates applies the organisation-kind rule of the README's
 * access table. People of a ministry or an executor may hold agency_analyst (and a ministry's auditor)
 * roles; with them they read what their own organisation may (TAXII by marking, their own people), never
 * the agency-internal listings. Each listing route gets a cross-tenant probe with such people.
 */
describe('route table: cross-tenant probe of every listing route', () => {
  let t: TestApp;
  const outsiders: Record<string, TestPerson> = {};
  before(async () => {
    t = await createTestApp();
    for (const [kind, role] of [['ministry', 'agency_analyst'], ['ministry', 'auditor'], ['executor', 'agency_analyst']] as const) {
      const org = await createOrganisation(t.store.db, SYSTEM_ACTOR, { name: `probe ${kind} ${role}`, kind, sector: null });
      const username = `probe-${kind}-${role.replace('_', '-')}`;
      const u = await createPerson(t.store.db, SYSTEM_ACTOR, { orgId: org.id, username, displayName: username, password: TEST_PASSWORD, roles: [role] });
      const tok = await issueToken(t.store.db, SYSTEM_ACTOR, u.id, 'test', null);
      outsiders[`${kind}:${role}`] = { userId: u.id, username, orgId: org.id, orgKind: kind, role, token: tok.token };
    }
  });
  after(async () => t.close());

  // every GET route that lists or aggregates, with the URL to probe (`:org` = the probing person's own organisation, `:other` another)
  const LISTINGS: Array<{ url: string; expect: 'forbidden' | 'empty' | 'own-only' }> = [
    { url: '/api/v1/findings', expect: 'forbidden' },
    { url: '/api/v1/findings/beacon%7C198.51.100.1%7C443%2F6', expect: 'forbidden' },
    { url: '/api/v1/infrastructure/198.51.100.1', expect: 'forbidden' },
    { url: '/api/v1/findings/groups', expect: 'forbidden' },
    { url: '/api/v1/pipeline/stats', expect: 'forbidden' },
    { url: '/api/v1/organisations', expect: 'forbidden' },
    { url: '/api/v1/organisations/:other', expect: 'forbidden' },
    { url: '/api/v1/organisations/:other/people', expect: 'forbidden' },
    { url: '/api/v1/audit', expect: 'forbidden' },
    { url: '/api/v1/audit-log/entries', expect: 'forbidden' },
    { url: '/api/v1/audit-log/export', expect: 'forbidden' },
    { url: '/api/v1/reidentifications', expect: 'forbidden' },
    { url: '/api/v1/intel/candidates', expect: 'empty' },
  ];

  test('each listing route is declared, and refuses (or answers nothing to) people of ministries and executors holding agency roles', async () => {
    const declared = new Set(t.routes.filter((r) => r.method === 'GET').map((r) => r.url));
    let probes = 0;
    for (const l of LISTINGS) {
      const pattern = l.url.replace(/^\/api\/v1\/findings\/(?!groups$).*/, '/api/v1/findings/:key').replace(/^\/api\/v1\/infrastructure\/.*/, '/api/v1/infrastructure/:address').replace(':other', ':orgId');
      assert.ok(declared.has(pattern), `${pattern} is a route`);
      const route = t.routes.find((r) => r.method === 'GET' && r.url === pattern)!;
      const access = route.access as Restricted;
      for (const who of Object.values(outsiders)) {
        const named = access.roles === 'any' || access.roles.includes(who.role);
        const r = await t.app.inject({ method: 'GET', url: l.url.replace(':other', t.people.admin.orgId), headers: bearer(who) });
        probes++;
        if (!named || l.expect === 'forbidden') {
          assert.equal(r.statusCode, 403, `${l.url} as ${who.username} gave ${r.statusCode} ${r.body}`);
        } else {
          assert.equal(r.statusCode, 200, `${l.url} as ${who.username}: ${r.body}`);
          assert.deepEqual(JSON.parse(r.body), [], `${l.url} lists nothing to ${who.username}`);
        }
      }
      // and the agency (or the commission, for oversight routes) is still served
      const insider = [t.people.admin, t.people.agency_analyst, t.people.agency_lead, t.people.auditor].find((p) => access.roles === 'any' || access.roles.includes(p.role))!;
      const ok = await t.app.inject({ method: 'GET', url: l.url.replace(':other', t.people.operator.orgId), headers: bearer(insider) });
      assert.ok(![401, 403].includes(ok.statusCode), `${l.url} as ${insider.username} gave ${ok.statusCode}`);
    }
    assert.ok(probes >= LISTINGS.length * 3);
  });

  test("a ministry's auditor reads its own organisation's people, not another's", async () => {
    const aud = outsiders['ministry:auditor']!;
    assert.equal((await t.app.inject({ url: `/api/v1/organisations/${aud.orgId}/people`, headers: bearer(aud) })).statusCode, 200);
    assert.equal((await t.app.inject({ url: `/api/v1/organisations/${t.people.operator.orgId}/people`, headers: bearer(aud) })).statusCode, 403);
    assert.equal((await t.app.inject({ url: `/api/v1/organisations/${t.people.operator.orgId}/people`, headers: bearer(t.people.auditor) })).statusCode, 200, "the commission's auditor reads any organisation's people");
  });
});
