/**
 * Report submissions per second and p99 latency against a real `acd serve` on PostgreSQL over
 * loopback, driven by autocannon. Baselines in the same run, same server, same load generator:
 * GET /healthz with the same Bearer token (the floor of an authenticated request: the token lookup
 * and its last-used write happen for every request) and GET /healthz without one (the server's floor).
 * Each submission: authentication by token, schema validation, one transaction (organisation,
 * report, first submission, audit event), the deadline rules, the response.
 */
import { sql } from 'kysely';
import { provision, reportBody, serve, PG_URL } from '../../test/reports/spawn.js';
import { measure, report } from '../lib.js';
import { openStore } from '../../src/store/index.js';
import { createReport, type ReportContent } from '../../src/reports/index.js';
import type { Actor } from '../../src/auth/index.js';

interface AutocannonResult {
  requests: { total: number; average: number };
  latency: { p50: number; p99: number; average: number };
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  '2xx': number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

// autocannon ships no types; it is a devDependency of this benchmark only
const pkg = 'autocannon';
const autocannon = ((await import(pkg)) as { default: Autocannon }).default;

const db = await provision();
const server = await serve(db.dbUrl);
try {
  const auth = { authorization: `Bearer ${db.operatorToken}` };
  const run = (path: string, extra: Record<string, unknown>, seconds = SECONDS) =>
    autocannon({ url: `${server.url}${path}`, connections: CONNECTIONS, duration: seconds, headers: { ...auth, 'content-type': 'application/json' }, ...extra });
  const post = { method: 'POST', body: reportBody(1) };

  await run('/api/v1/reports', post, 2); // warm-up: JIT, pool, caches
  const bare = await autocannon({ url: `${server.url}/healthz`, connections: CONNECTIONS, duration: SECONDS });
  const base = await run('/healthz', { method: 'GET' });
  const subj = await run('/api/v1/reports', post);
  if (subj.non2xx || subj.errors) console.log(`!! submissions: ${subj.non2xx} non-2xx, ${subj.errors} errors, ${subj.timeouts} timeouts`);

  const m = (r: AutocannonResult) => ({ ops: r['2xx'], ms: r.duration * 1000 });
  report(`report submissions (${CONNECTIONS} conns, PostgreSQL)`, m(subj), m(base), 'reports', 'authenticated GET /healthz');
  report(`report submissions (${CONNECTIONS} conns, PostgreSQL)`, m(subj), m(bare), 'reports', 'bare GET /healthz');
  console.log(`  p50/p99: submissions ${subj.latency.p50}/${subj.latency.p99} ms · authenticated /healthz ${base.latency.p50}/${base.latency.p99} ms · bare /healthz ${bare.latency.p50}/${bare.latency.p99} ms`);
  console.log(`  target: >= 2000 reports/s and p99 < 50 ms on this machine`);

  // The store's share, in this process on the same database: createReport with CONNECTIONS at a time
  // against `select 1` round trips at the same concurrency (the floor of any statement).
  const store = await openStore({ db: PG_URL, schema: db.schema, poolSize: CONNECTIONS });
  try {
    const op = await store.db.selectFrom('users').innerJoin('organisations', 'organisations.id', 'users.org_id').select(['users.id', 'users.username', 'users.org_id']).where('users.username', '=', 'bench-operator').executeTakeFirstOrThrow();
    const actor: Actor = { userId: op.id, username: op.username, orgId: op.org_id, orgKind: 'operator', roles: ['operator'], via: 'token' };
    const parsed = JSON.parse(reportBody(1)) as { kind: 'incident'; title: string; content: ReportContent };
    const N = 3000;
    const pool = async (fn: () => Promise<unknown>) => {
      let left = N;
      await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
        while (left-- > 0) await fn();
      }));
      return N;
    };
    const detectedAt = new Date(Date.now() - 3600_000);
    const svc = await measure(() => pool(() => createReport(store.db, actor, { kind: parsed.kind, title: parsed.title, detectedAt, content: parsed.content })));
    const floor = await measure(() => pool(() => sql`select 1`.execute(store.db)));
    report(`createReport in process (${CONNECTIONS} at a time)`, svc, floor, 'reports', 'select 1');
  } finally {
    await store.close();
  }
} finally {
  server.child.kill('SIGTERM');
  await server.exited;
  await db.drop();
}
