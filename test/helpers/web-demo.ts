/**
 * One way for the browser tests to start a real `acd demo`, call its API as a demo person and log in
 * through the dashboard's login page (test/web/*, test/vuln/web.test.ts). The demo runs in a child
 * process on an ephemeral port with its own data directory; the dashboard is built first when web/dist
 * is missing or older than its sources.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

export const ROOT = join(import.meta.dirname, '../..');
export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
/** the reason to skip a browser test on a machine without Debian's chromium (false: run it) */
export const skipWithoutChromium: string | false = !haveChromium && `${CHROMIUM} is missing (apt-get install chromium)`;
/** Chromium's flags for the tests: no sandbox (containers), no GPU, nothing fetched in the background */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** true when web/dist is missing or older than a file of web/ it is built from */
export function webBuildIsStale(): boolean {
  const built = join(ROOT, 'web/dist/index.html');
  if (!existsSync(built)) return true;
  const at = statSync(built).mtimeMs;
  const newer = (dir: string): boolean => existsSync(dir) && readdirSync(dir, { withFileTypes: true }).some((e) => (e.isDirectory() ? newer(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs > at));
  return newer(join(ROOT, 'web/src')) || newer(join(ROOT, 'web/public')) || ['index.html', 'vite.config.ts'].some((f) => existsSync(join(ROOT, 'web', f)) && statSync(join(ROOT, 'web', f)).mtimeMs > at);
}

/** builds the dashboard when its build is missing or stale */
export function buildWebIfStale(): void {
  if (webBuildIsStale()) execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'web', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
}

export interface ApiAnswer {
  status: number;
  json: unknown;
}

export interface WebDemo {
  url: string;
  /** the demo people's passwords, as the demo printed them */
  creds: Map<string, string>;
  /** everything the demo printed so far */
  output: () => string;
  /** a call to the API as a demo person (session cookie + CSRF token, as the dashboard does it) */
  apiAs: (username: string, method: string, path: string, body?: unknown) => Promise<ApiAnswer>;
  /** stops the demo (SIGINT, as Ctrl-C) and removes its data */
  close: () => Promise<void>;
}

/**
 * Starts `acd demo --port 0` (PostgreSQL kept out: PGPORT=1, the embedded store is used) and resolves
 * once it prints its address and the people's passwords.
 */
export async function startWebDemo(opts: { name: string; args?: string[]; timeoutMs?: number }): Promise<WebDemo> {
  const data = mkdtempSync(join(tmpdir(), `acd-${opts.name}-`));
  let out = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'demo', '--port', '0', '--data', data, ...(opts.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, PGHOST: '127.0.0.1', PGPORT: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(data, { recursive: true, force: true });
  };
  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo did not start:\n${out}`)), opts.timeoutMs ?? 180_000);
      const check = () => {
        const m = /ACD demo is running at (http:\/\/\S+)/.exec(out);
        if (m && /Ctrl-C/.test(out)) {
          clearTimeout(timer);
          resolve(m[1]!);
        } else if (child.exitCode !== null) {
          clearTimeout(timer);
          reject(new Error(`demo exited:\n${out}`));
        } else setTimeout(check, 100);
      };
      check();
    });
  } catch (e) {
    await close();
    throw e;
  }
  const creds = new Map<string, string>();
  for (const m of out.matchAll(/^\s{4}(\w+)\s+(demo-[0-9a-f]+)\s/gm)) creds.set(m[1]!, m[2]!);
  const apiAs = async (username: string, method: string, path: string, body?: unknown): Promise<ApiAnswer> => {
    const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: creds.get(username) }) });
    assert.equal(login.status, 200, `login as ${username}`);
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const r = await fetch(url + path, {
      method,
      headers: { cookie, 'x-csrf-token': csrfToken, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? null : JSON.stringify(body),
    });
    return { status: r.status, json: await r.json().catch(() => null) };
  };
  return { url, creds, output: () => out, apiAs, close };
}

/** the login page's words in the page's language */
export interface LoginWords {
  username: string | RegExp;
  password: string | RegExp;
  login: string | RegExp;
  logout: string | RegExp;
}

export const ENGLISH_LOGIN: LoginWords = { username: 'Username', password: 'Password', login: 'Log in', logout: 'Log out' };
export const JAPANESE_LOGIN: LoginWords = { username: 'ユーザー名', password: 'パスワード', login: 'ログイン', logout: 'ログアウト' };

/** logs a demo person in through the login page (the person before logged out first) and waits for the dashboard */
export async function loginInPage(page: Page, demo: Pick<WebDemo, 'url' | 'creds'>, username: string, words: LoginWords = ENGLISH_LOGIN, timeout = 15_000): Promise<void> {
  // a person still logged in logs out through the page (the tab's session ends cleanly, no 401 on a resume)
  const out = page.getByRole('button', { name: words.logout });
  if (page.url().startsWith(demo.url) && (await out.count()) > 0) {
    await out.click();
    await page.getByRole('button', { name: words.login }).waitFor({ timeout });
  } else {
    await page.context().clearCookies();
    await page.goto(demo.url + '/');
  }
  await page.getByLabel(words.username).fill(username);
  await page.getByLabel(words.password).fill(demo.creds.get(username) ?? '');
  await page.getByRole('button', { name: words.login }).click();
  await page.getByRole('button', { name: words.logout }).waitFor({ timeout });
}
