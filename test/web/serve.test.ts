/**
 * Serving the dashboard's files: index.html for the app's own paths, hashed assets with a long cache,
 * and the API's JSON 404 untouched for API paths, missing files and anything that tries to leave
 * web/dist. The files hold no data; the API keeps its own access rules.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { WEB_DIST, webRoutes, webTarget } from '../../src/server/routes/web.js';
import type { AppContext } from '../../src/server/context.js';

const ROOT = join(import.meta.dirname, '../..');
let t: TestApp;

before(async () => {
  if (!existsSync(join(WEB_DIST, 'index.html'))) execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'web', '--logLevel', 'warn'], { cwd: ROOT });
  t = await createTestApp();
});
after(async () => t?.close());

test('webTarget: which requests the dashboard answers', () => {
  assert.equal(webTarget('GET', '/'), 'index');
  assert.equal(webTarget('GET', '/analysis?x=1'), 'index');
  assert.equal(webTarget('HEAD', '/admin/people'), 'index');
  assert.equal(webTarget('GET', '/assets/index-abc.js'), 'asset');
  assert.equal(webTarget('GET', '/favicon.svg'), 'asset');
  for (const p of ['/api/v1/nope', '/api', '/api?x', '/taxii2/', '/healthz', '/metrics', '/robots.txt', '/x.png']) assert.equal(webTarget('GET', p), null, p);
  for (const m of ['POST', 'PUT', 'DELETE', 'PATCH']) assert.equal(webTarget(m, '/'), null, m);
});

test('index.html for the app paths, not cached, under the API security headers', async () => {
  for (const url of ['/', '/analysis', '/admin/people?x=1']) {
    const r = await t.app.inject({ method: 'GET', url });
    assert.equal(r.statusCode, 200, url);
    assert.match(r.headers['content-type'] as string, /text\/html/);
    assert.match(r.body, /<div id="root"><\/div>/);
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.match(r.headers['content-security-policy'] as string, /script-src 'self'/);
  }
});

test('hashed assets are served with a long cache; missing files and traversal get the JSON 404', async () => {
  const asset = readdirSync(join(WEB_DIST, 'assets')).find((f) => f.endsWith('.js'));
  assert.ok(asset, 'the build has a script');
  const r = await t.app.inject({ method: 'GET', url: `/assets/${asset}` });
  assert.equal(r.statusCode, 200);
  assert.match(r.headers['content-type'] as string, /javascript/);
  assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
  for (const url of ['/assets/nope.js', '/assets/../package.json', '/assets/%2e%2e/package.json', '/assets/..%2Fpackage.json', '/.env', '/api/v1/nope']) {
    const x = await t.app.inject({ method: 'GET', url });
    assert.equal(x.statusCode, 404, url);
    assert.equal(x.json().error, 'NOT_FOUND', url);
  }
  // TAXII's paths are the API's, whatever it answers there (401 without credentials once it has landed)
  const taxii = await t.app.inject({ method: 'GET', url: '/taxii2/' });
  assert.doesNotMatch(String(taxii.headers['content-type']), /text\/html/);
  // a malformed escape is refused by the router before it reaches the files
  const bad = await t.app.inject({ method: 'GET', url: '/assets/%E0%A4%A' });
  assert.equal(bad.statusCode, 400);
});

test('the API is untouched: its routes answer as before, a change to / is a 404', async () => {
  assert.equal((await t.app.inject({ method: 'GET', url: '/healthz' })).json().status, 'ok');
  assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me' })).statusCode, 401);
  assert.equal((await t.app.inject({ method: 'POST', url: '/', payload: {} })).statusCode, 404);
  // no route was added: the route table the access control checks is the API's alone
  assert.ok(!t.routes.some((r) => r.url === '/' || r.url.startsWith('/assets')));
});

test('without a build, the app paths get a page that says how to build it', async () => {
  const app = Fastify();
  await webRoutes(app, {} as AppContext, mkdtempSync(join(tmpdir(), 'acd-web-empty-')));
  const r = await app.inject({ method: 'GET', url: '/' });
  assert.equal(r.statusCode, 200);
  assert.match(r.body, /npm run build:web/);
  assert.equal((await app.inject({ method: 'GET', url: '/assets/x.js' })).statusCode, 404);
  await app.close();
});
