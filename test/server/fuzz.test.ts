/**
 * Every route's params, querystring and body, fuzzed from its own schema (issue #20): seeded and
 * bounded, mostly well-formed requests with hostile values mixed in at any depth, by a person the route
 * admits. No answer is a 5xx. `npm run bench -- fuzz` runs the same for 1 M requests.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { fuzzRoutes, fuzzableRoutes } from '../helpers/schema-fuzz.js';

let t: TestApp | undefined;
after(async () => { await t?.close(); });

test('schema-derived fuzz of every route: no 5xx', async () => {
  t = await createTestApp();
  const routes = fuzzableRoutes(t.routes);
  assert.ok(routes.length > 60, `only ${routes.length} routes found`);
  assert.ok(routes.filter((r) => r.schema?.body).length > 20, 'bodies come from the schemas');
  const out = await fuzzRoutes(t.app, t.routes, t.people, { seed: 20, perRoute: 8 });
  const statuses = Object.fromEntries([...out.byStatus].sort((a, b) => a[0] - b[0]));
  assert.deepEqual(out.failures, [], `5xx answers (statuses ${JSON.stringify(statuses)})`);
  // the fuzz reached the handlers: some requests were accepted, some refused by validation
  assert.ok([...out.byStatus.keys()].some((s) => s < 300), JSON.stringify(statuses));
  assert.ok((out.byStatus.get(400) ?? 0) > 0, JSON.stringify(statuses));
});
