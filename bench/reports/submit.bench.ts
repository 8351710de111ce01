/**
 * Report submissions per second and p99 latency against a real `acd serve` on PostgreSQL over
 * loopback, driven by autocannon. Baselines in the same run, same server, same load generator:
 * GET /healthz with the same Bearer token (the floor of an authenticated request: the token lookup
 * happens for every request) and GET /healthz without one (the server's floor).
 * Each submission: authentication by token (cached for a few seconds), schema validation, its share
 * of one group-commit statement (the organisation's sector, report, first submission, audit event),
 * the deadline rules (cached), the response.
 * The box is shared and loaded, so besides wall-clock rates it prints the server process's CPU time
 * (user + system, from /proc) per request for each phase: a figure the load of others colours less,
 * and that of its PostgreSQL backends (found by application_name) and the group commit's reports per
 * statement (from the server's /metrics).
 */
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import pg from 'pg';
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

/** CPU seconds (user + system) the process has used so far, from /proc/<pid>/stat (Linux). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

const db = await provision();
// the server's PostgreSQL backends are found by this application name, to read their CPU time too
const appName = `acd-bench-${db.schema}`;
const server = await serve(`${db.dbUrl}&application_name=${appName}`);
const pgAdmin = new pg.Client({ connectionString: PG_URL });
await pgAdmin.connect();
/** CPU seconds of the server's PostgreSQL backends (those alive now; the pool keeps them open under load). */
async function backendCpu(): Promise<Map<number, number>> {
  const rows = (await pgAdmin.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1', [appName])).rows;
  const m = new Map<number, number>();
  for (const r of rows) {
    try {
      m.set(r.pid, cpuSeconds(r.pid));
    } catch {
      // gone between the query and the read
    }
  }
  return m;
}
/** The group-commit counters from the server's /metrics: statements and reports filed by them. */
async function filingCounters(): Promise<{ statements: number; reports: number }> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const num = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { statements: num('acd_report_filing_statements_total'), reports: num('acd_report_filing_reports_total') };
}
try {
  const auth = { authorization: `Bearer ${db.operatorToken}` };
  const run = (path: string, extra: Record<string, unknown>, seconds = SECONDS) =>
    autocannon({ url: `${server.url}${path}`, connections: CONNECTIONS, duration: seconds, headers: { ...auth, 'content-type': 'application/json' }, ...extra });
  const post = { method: 'POST', body: reportBody(1) };

  const pid = server.child.pid!;
  /** runs a phase and notes the server's CPU seconds and the bench process's own (autocannon) */
  const phase = async (go: () => Promise<AutocannonResult>) => {
    const pg0 = await backendCpu();
    const c0 = cpuSeconds(pid);
    const b0 = process.cpuUsage();
    const r = await go();
    const b = process.cpuUsage(b0);
    const serverCpu = cpuSeconds(pid) - c0;
    let pgCpu = 0;
    for (const [p, c] of await backendCpu()) pgCpu += c - (pg0.get(p) ?? 0); // a backend opened during the phase counts whole
    return { r, serverCpu, pgCpu, pgBackends: pg0.size, loadCpu: (b.user + b.system) / 1e6 };
  };
  await run('/api/v1/reports', post, 2); // warm-up: JIT, pool, caches
  const bareP = await phase(() => autocannon({ url: `${server.url}/healthz`, connections: CONNECTIONS, duration: SECONDS }));
  const baseP = await phase(() => run('/healthz', { method: 'GET' }));
  const f0 = await filingCounters();
  const subjP = await phase(() => run('/api/v1/reports', post));
  const f1 = await filingCounters();
  const [bare, base, subj] = [bareP.r, baseP.r, subjP.r];
  if (subj.non2xx || subj.errors) console.log(`!! submissions: ${subj.non2xx} non-2xx, ${subj.errors} errors, ${subj.timeouts} timeouts`);

  const m = (r: AutocannonResult) => ({ ops: r['2xx'], ms: r.duration * 1000 });
  report(`report submissions (${CONNECTIONS} conns, PostgreSQL)`, m(subj), m(base), 'reports', 'authenticated GET /healthz');
  report(`report submissions (${CONNECTIONS} conns, PostgreSQL)`, m(subj), m(bare), 'reports', 'bare GET /healthz');
  console.log(`  p50/p99: submissions ${subj.latency.p50}/${subj.latency.p99} ms · authenticated /healthz ${base.latency.p50}/${base.latency.p99} ms · bare /healthz ${bare.latency.p50}/${bare.latency.p99} ms`);
  const perReq = (p: { r: AutocannonResult; serverCpu: number }) => (p.r['2xx'] ? (1e3 * p.serverCpu) / p.r['2xx'] : NaN);
  console.log(`  server CPU: submissions ${subjP.serverCpu.toFixed(2)} s for ${subj['2xx']} = ${perReq(subjP).toFixed(3)} ms/request (${(subj['2xx'] / subjP.serverCpu).toFixed(0)} per CPU-second)` +
    ` · authenticated /healthz ${perReq(baseP).toFixed(3)} ms/request · bare /healthz ${perReq(bareP).toFixed(3)} ms/request; ratio ${(perReq(baseP) / perReq(subjP)).toFixed(2)}x vs authenticated /healthz per CPU-second`);
  const perReqPg = (p: { r: AutocannonResult; pgCpu: number }) => (p.r['2xx'] ? (1e3 * p.pgCpu) / p.r['2xx'] : NaN);
  console.log(`  PostgreSQL backends' CPU (the server's ${subjP.pgBackends} pool connections): submissions ${subjP.pgCpu.toFixed(2)} s = ${perReqPg(subjP).toFixed(3)} ms/report` +
    ` (WAL writer and checkpointer not counted; they serve every schema on the box)`);
  const statements = f1.statements - f0.statements;
  console.log(`  group commit: ${f1.reports - f0.reports} reports in ${statements} statements = ${((f1.reports - f0.reports) / statements).toFixed(1)} reports per commit`);
  console.log(`  load generator CPU (this process): ${subjP.loadCpu.toFixed(2)} s during submissions; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
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
    const c0 = process.cpuUsage();
    const svc = await measure(() => pool(() => createReport(store.db, actor, { kind: parsed.kind, title: parsed.title, detectedAt, content: parsed.content })));
    const c1 = process.cpuUsage(c0);
    const floor = await measure(() => pool(() => sql`select 1`.execute(store.db)));
    report(`createReport in process (${CONNECTIONS} at a time)`, svc, floor, 'reports', 'select 1');
    console.log(`  createReport CPU in this process: ${((c1.user + c1.system) / 1e3 / N).toFixed(3)} ms per report (${(N / ((c1.user + c1.system) / 1e6)).toFixed(0)} per CPU-second)`);
  } finally {
    await store.close();
  }
} finally {
  await pgAdmin.end();
  server.child.kill('SIGTERM');
  await server.exited;
  await db.drop();
}
