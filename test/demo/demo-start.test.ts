/**
 * `npm start` runs `acd demo`: it must come up on the embedded store with no service, answer /healthz,
 * print working credentials, and stop cleanly on Ctrl-C.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');

test('acd demo starts on the embedded store, answers /healthz, its printed credentials log in, and Ctrl-C stops it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acd-demo-'));
  // no service: an unreachable PostgreSQL in the environment must not matter to the demo
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'demo', '--port', '0', '--data', dir], {
    env: { ...process.env, PGHOST: '127.0.0.1', PGPORT: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo did not start:\n${out}`)), 90_000);
      const check = () => {
        const m = /ACD demo is running at (http:\/\/\S+)/.exec(out);
        if (m && /Ctrl-C/.test(out)) {
          clearTimeout(timer);
          resolve(m[1]!);
        } else setTimeout(check, 100);
      };
      check();
    });
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { engine: string }).engine, 'pglite');
    const m = /^\s+analyst\s+(\S+)/m.exec(out);
    assert.ok(m, `no analyst credential printed:\n${out}`);
    const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'analyst', password: m[1] }) });
    assert.equal(login.status, 200);
  } finally {
    child.kill('SIGINT');
  }
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 0, out);
});
