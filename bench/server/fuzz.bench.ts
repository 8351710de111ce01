/**
 * `npm run bench -- fuzz`: the schema-derived fuzz of test/server/fuzz.test.ts at volume (issue #20):
 * FUZZ_REQUESTS requests (1 000 000 by default) spread over every route, seeded (FUZZ_SEED), through
 * Fastify's inject on the embedded store. Prints the answers by status and `5xx = N`; exits 1 when N > 0.
 * Short run: FUZZ_REQUESTS=5000 npm run bench -- server/fuzz
 */
import { createTestApp } from '../../test/helpers/app.js';
import { fuzzRoutes, fuzzableRoutes } from '../../test/helpers/schema-fuzz.js';

const total = Number(process.env.FUZZ_REQUESTS ?? 1_000_000);
const seed = Number(process.env.FUZZ_SEED ?? 20);
const t = await createTestApp({ logLevel: 'silent' });
const routes = fuzzableRoutes(t.routes);
const perRoute = Math.max(1, Math.ceil(total / routes.length));
const started = performance.now();
let fivexx = 0;
const byStatus = new Map<number, number>();
// in rounds, so memory stays flat and progress shows
const rounds = Math.max(1, Math.ceil(perRoute / 200));
for (let round = 0; round < rounds; round++) {
  const n = Math.min(200, perRoute - round * 200);
  const out = await fuzzRoutes(t.app, t.routes, t.people, { seed: seed + round * 100_000, perRoute: n });
  for (const [s, c] of out.byStatus) byStatus.set(s, (byStatus.get(s) ?? 0) + c);
  for (const f of out.failures) console.log('5xx', f.status, f.req.method, f.req.url, f.body);
  fivexx += [...out.byStatus].filter(([s]) => s >= 500).reduce((a, [, c]) => a + c, 0);
  const done = [...byStatus.values()].reduce((a, b) => a + b, 0);
  console.log(`round ${round + 1}/${rounds}: ${done} requests, ${Math.round(done / ((performance.now() - started) / 1000))}/s`);
}
const requests = [...byStatus.values()].reduce((a, b) => a + b, 0);
console.log(`routes ${routes.length}, requests ${requests}, seed ${seed}, ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(`by status: ${JSON.stringify(Object.fromEntries([...byStatus].sort((a, b) => a[0] - b[0])))}`);
console.log(`5xx = ${fivexx}`);
await t.close();
process.exit(fivexx > 0 ? 1 : 0);
