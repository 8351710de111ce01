/**
 * Findings linked to an exposed network, end to end in Debian's Chromium: a real `acd demo` with its
 * synthetic carrier (NetFlow v9 over UDP → the lawful gate, which pseudonymises the domestic side with the
 * approval's Crypto-PAn key → the detectors → the stored DDoS finding) and the demo operator's registered
 * /24 around the DDoS target; the operator's open alerts come to show the DDoS as exploitation-like traffic
 * that reached its registered network, with its own range and no external address; the agency's alert view
 * names the finding.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const ROOT = join(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
let child: ChildProcess | null = null;
let context: BrowserContext | null = null;
let page: Page;
let out = '';
let url = '';
const creds = new Map<string, string>();
const dirs: string[] = [];

function buildIsStale(): boolean {
  const built = join(ROOT, 'web/dist/index.html');
  if (!existsSync(built)) return true;
  const at = statSync(built).mtimeMs;
  const newer = (dir: string): boolean => readdirSync(dir, { withFileTypes: true }).some((e) => (e.isDirectory() ? newer(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs > at));
  return newer(join(ROOT, 'web/src'));
}

before(async () => {
  if (!haveChromium) return;
  if (buildIsStale()) execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'web', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
  const data = mkdtempSync(join(tmpdir(), 'acd-vuln-links-'));
  const profile = mkdtempSync(join(tmpdir(), 'acd-vuln-links-chromium-'));
  dirs.push(data, profile);
  child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'demo', '--port', '0', '--data', data], { cwd: ROOT, env: { ...process.env, PGHOST: '127.0.0.1', PGPORT: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const launching = chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'], viewport: { width: 1280, height: 900 } });
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start:\n${out}`)), 600_000);
    const check = () => {
      const m = /ACD demo is running at (http:\/\/\S+)/.exec(out);
      if (m && /Ctrl-C/.test(out)) {
        clearTimeout(timer);
        resolve(m[1]!);
      } else if (child?.exitCode !== null) {
        clearTimeout(timer);
        reject(new Error(`demo exited:\n${out}`));
      } else setTimeout(check, 100);
    };
    check();
  });
  for (const m of out.matchAll(/^\s{4}(\w+)\s+(demo-[0-9a-f]+)\s/gm)) creds.set(m[1]!, m[2]!);
  context = await launching;
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(60_000);
});

after(async () => {
  await context?.close();
  if (child && child.exitCode === null) {
    child.kill('SIGINT');
    await new Promise((r) => child!.once('exit', r));
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function loginAs(username: string): Promise<void> {
  await page.context().clearCookies();
  await page.goto(url + '/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(creds.get(username) ?? '');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}


test('the synthetic DDoS on the operator\'s registered network shows on its open alerts', { skip: !haveChromium && `${CHROMIUM} is missing`, timeout: 900_000 }, async () => {
  await loginAs('operator');
  await page.locator('main[data-view="operator"]').waitFor();
  const range = await page.locator('table[data-table="ranges"] tr[data-range]').first().getAttribute('data-range');
  assert.match(range ?? '', /^\d+\.\d+\.\d+\.0\/24$/);
  // the DDoS starts after 10 simulated minutes (10 s at 60x); the page is read again until the link shows
  const linked = page.locator('li.vuln-alert .linked-findings li[data-finding-type="ddos"]').first();
  const deadline = Date.now() + 600_000;
  for (;;) {
    if (await linked.count()) break;
    if (Date.now() > deadline) throw new Error(`no linked DDoS on the operator's alerts within 10 minutes:\n${out.slice(-3000)}`);
    await page.waitForTimeout(5000);
    await page.reload();
    await page.locator('main[data-view="operator"]').waitFor();
  }
  const text = await linked.innerText();
  assert.ok(text.includes(range!), `the operator's own range is named: ${text}`);
  assert.doesNotMatch(text, /ddos\|/, 'the operator is not given the finding key');
  // every open alert of the operator shows it (the range is the whole organisation's)
  const api = await page.evaluate(async () => ((await (await fetch('/api/v1/vuln/alerts?open=true')).json()) as Array<{ linkedFindings: Array<{ type: string; findingKey?: string; external?: unknown }> }>).map((a) => a.linkedFindings));
  assert.ok(api.length >= 1 && api.every((l) => l.some((x) => x.type === 'ddos' && x.findingKey === undefined && x.external === undefined)), JSON.stringify(api));
  await page.getByRole('button', { name: 'Log out' }).click();
});
