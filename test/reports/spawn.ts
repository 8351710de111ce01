/**
 * A real `acd serve` on PostgreSQL in a child process (node --import tsx, so the child's pid is the
 * server itself and a SIGKILL hits it, not a wrapper), with an operator and its API token provisioned
 * in a schema of its own. Used by the durability test and the submission benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { openStore } from '../../src/store/index.js';
import { SYSTEM_ACTOR, createOrganisation, createPerson, issueToken } from '../../src/auth/index.js';

export const PG_URL = process.env.ACD_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test';
const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');

export interface Provisioned {
  schema: string;
  /** the PostgreSQL URL with the schema as its search path */
  dbUrl: string;
  operatorToken: string;
  drop(): Promise<void>;
}

export async function provision(): Promise<Provisioned> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const store = await openStore({ db: PG_URL, schema, poolSize: 2 });
  try {
    const org = await createOrganisation(store.db, SYSTEM_ACTOR, { name: 'Bench Power Co', kind: 'operator', sector: 'electricity' });
    const u = await createPerson(store.db, SYSTEM_ACTOR, { orgId: org.id, username: 'bench-operator', displayName: 'bench', roles: ['operator'] });
    const tok = await issueToken(store.db, SYSTEM_ACTOR, u.id, 'bench', null);
    const sep = PG_URL.includes('?') ? '&' : '?';
    return {
      schema,
      dbUrl: `${PG_URL}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      operatorToken: tok.token,
      async drop() {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`drop schema if exists ${schema} cascade`);
        await c.end();
      },
    };
  } finally {
    await store.close();
  }
}

export interface Served {
  child: ChildProcess;
  url: string;
  output(): string;
  /** resolves with the exit code or signal */
  exited: Promise<string>;
}

/** A free port on loopback (the server runs at log level warn, so it does not print where it listens). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export async function serve(dbUrl: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Served> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', MAIN, 'serve', '--db', dbUrl, '--port', String(port), '--host', '127.0.0.1'], {
    env: { ...process.env, ACD_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-65536);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? String(code))));
  let gone: string | null = null;
  void exited.then((how) => (gone = how));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (gone !== null) throw new Error(`acd serve exited (${String(gone)}) before answering:\n${out}`);
    if (Date.now() > deadline) throw new Error(`acd serve did not answer /healthz in 120 s:\n${out}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url, output: () => out, exited };
}

export function reportBody(i: number): string {
  return JSON.stringify({
    kind: i % 5 === 0 ? 'precursor' : 'incident',
    title: `submission ${i}`,
    detectedAt: new Date(Date.now() - 3600_000).toISOString(),
    content: {
      whatHappened: 'volumetric DDoS against the customer portal',
      impact: { level: 'degraded', description: 'portal slow for 20 minutes', slaBreached: false },
      indicators: [{ type: 'ipv4-addr', value: `198.51.100.${i % 250}` }],
      form: { type: 'ddos', startedAt: new Date(Date.now() - 3600_000).toISOString(), attackVectors: ['udp_flood'], targets: ['203.0.113.10'], upstreamContacted: true },
    },
  });
}
