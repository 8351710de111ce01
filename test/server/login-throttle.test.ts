/**
 * Login throttling that cannot lock the owner out (issue #20), over real HTTP with clients bound to
 * 127.0.0.2 (the attacker) and 127.0.0.3 (the owner), on both engines: the attacker's address is held
 * back with a growing delay, the owner still logs in; the account-wide back-off is passed by a correct
 * password from a device the owner logged in from before; the counters survive a restart.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createTestApp, TEST_PASSWORD, type TestApp } from '../helpers/app.js';
import { engineCases } from '../helpers/stores.js';
import { buildServer } from '../../src/server/app.js';
import { validateConfig } from '../../src/config/index.js';
import { createLoginThrottle } from '../../src/auth/index.js';
import { createMetricsRegistry } from '../../src/shared/metrics.js';
import { silentLogger } from '../../src/shared/log.js';
import type { FastifyInstance } from 'fastify';

interface Answer { status: number; body: { error?: string }; headers: Record<string, string | string[] | undefined> }

function login(port: number, from: string, username: string, password: string, cookie?: string): Promise<Answer> {
  const payload = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, localAddress: from, method: 'POST', path: '/api/v1/auth/login', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...(cookie ? { cookie } : {}) } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') as { error?: string }, headers: res.headers }));
    });
    r.on('error', reject);
    r.end(payload);
  });
}

const deviceCookie = (a: Answer): string => {
  const set = (a.headers['set-cookie'] ?? []) as string[];
  const c = set.find((x) => x.startsWith('acd_device='));
  assert.ok(c, 'the device cookie is set at login');
  return c.split(';')[0]!;
};

for (const engine of engineCases()) {
  describe(`login throttle over HTTP (${engine.name})`, () => {
    let t: TestApp;
    let port = 0;
    before(async () => {
      t = await createTestApp({ loginMaxAttempts: 3, loginWindowSeconds: 600 }, [], () => engine.open());
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      port = (t.app.server.address() as { port: number }).port;
    });
    after(async () => { await t.close(); await engine.cleanup(); });

    test("the attacker's address is throttled with a growing delay; the owner's address still logs in", async () => {
      const owner = t.people.operator.username;
      for (let i = 0; i < 3; i++) assert.equal((await login(port, '127.0.0.2', owner, 'guess guess guess')).status, 401);
      const held = await login(port, '127.0.0.2', owner, TEST_PASSWORD);
      assert.equal(held.status, 429, 'even the right password waits at the attacker address');
      assert.equal(held.body.error, 'LOGIN_RATE_LIMITED');
      const first = Number(held.headers['retry-after']);
      assert.ok(first >= 1 && first <= 2, `first delay ${first}`);
      // another account from the same address is held back too (the address key)
      assert.equal((await login(port, '127.0.0.2', t.people.admin.username, TEST_PASSWORD)).status, 429);
      // the owner, from elsewhere, is not
      assert.equal((await login(port, '127.0.0.3', owner, TEST_PASSWORD)).status, 200);
      // the delay grows: wait it out, fail again, the next one is longer
      await new Promise((r) => setTimeout(r, first * 1000 + 100));
      assert.equal((await login(port, '127.0.0.2', owner, 'guess again guess')).status, 401);
      const second = Number((await login(port, '127.0.0.2', owner, 'x')).headers['retry-after']);
      assert.ok(second > first, `delay ${first} s then ${second} s`);
    });

    test('an account-wide back-off (failures from many addresses) is passed by the right password from a known device, and survives a restart', async () => {
      const owner = t.people.agency_analyst;
      const okFirst = await login(port, '127.0.0.3', owner.username, TEST_PASSWORD);
      assert.equal(okFirst.status, 200);
      const device = deviceCookie(okFirst);
      // 12 failures (4 × maxAttempts) from 4 addresses: each address stays below its own limit
      for (let i = 0; i < 12; i++) assert.equal((await login(port, `127.0.1.${10 + (i % 4)}`, owner.username, 'guess guess guess')).status, 401, `failure ${i}`);
      const unknown = await login(port, '127.0.0.3', owner.username, TEST_PASSWORD);
      assert.equal(unknown.status, 429, 'the account is held back for a browser it does not know');
      const known = await login(port, '127.0.0.3', owner.username, TEST_PASSWORD, device);
      assert.equal(known.status, 200, 'the owner on a device it logged in from passes');
      // a wrong password from the known device is still a failure
      assert.equal((await login(port, '127.0.0.4', owner.username, 'nope nope nope', device)).status, 401);

      // restart: a second server on the same store (started first: building one takes longer than the
      // first delay) holds back the address the first one counted; nothing is kept in process memory
      const cfg = validateConfig({ loginMaxAttempts: 3, loginWindowSeconds: 600, logLevel: 'silent' });
      const { app: again } = await buildServer({ config: cfg, store: t.store, logger: silentLogger, registry: createMetricsRegistry(), throttle: createLoginThrottle({ maxAttempts: 3, windowSeconds: 600 }), startedAt: new Date() });
      try {
        for (let i = 0; i < 3; i++) await login(port, '127.0.0.5', t.people.carrier.username, 'guess guess guess');
        const r = await (again as FastifyInstance).inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '127.0.0.5', payload: { username: t.people.carrier.username, password: TEST_PASSWORD } });
        assert.equal(r.statusCode, 429, 'the counters came from the store');
        const audited = await t.store.db.selectFrom('audit_events').select('action').where('action', '=', 'auth.login_throttled').execute();
        assert.ok(audited.length >= 2);
      } finally {
        await again.close();
      }
    });
  });
}
