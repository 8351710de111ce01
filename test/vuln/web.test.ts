/**
 * Vulnerability exposure in the dashboard, end to end in Debian's Chromium (playwright-core drives
 * /usr/bin/chromium; nothing is downloaded): a real `acd demo` (no synthetic traffic) loads its advisories;
 * the operator sees the known-exploited VPN alert first on its view and acknowledges it (the API then holds
 * the state); the agency analyst's "Sector exposure" chart renders with the operator's counts. The operator
 * registers an address range of its network in the form (a malformed one is refused with the server's message
 * naming the field), edits its label, and the API holds what the browser did.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, buildWebIfStale, haveChromium, loginInPage, startWebDemo, type WebDemo } from '../helpers/web-demo.js';

let demo: WebDemo | null = null;
let context: BrowserContext | null = null;
let page: Page;
let profile = '';

before(async () => {
  if (!haveChromium) return;
  buildWebIfStale();
  profile = mkdtempSync(join(tmpdir(), 'acd-vuln-chromium-'));
  const launching = chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
  demo = await startWebDemo({ name: 'vuln-web', args: ['--no-traffic'], timeoutMs: 600_000 });
  context = await launching;
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(60_000);
});

after(async () => {
  await context?.close();
  await demo?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const loginAs = (username: string): Promise<void> => loginInPage(page, demo!, username, undefined, 60_000);

test('the operator sees its known-exploited alert first and acknowledges it; the sector chart renders', { skip: !haveChromium && `${CHROMIUM} is missing`, timeout: 900_000 }, async () => {
  await loginAs('operator');
  await page.locator('main[data-view="operator"]').waitFor();
  const alerts = page.locator('li.vuln-alert');
  await alerts.first().waitFor();
  assert.equal(await alerts.count(), 3);
  const first = alerts.first();
  assert.match(await first.locator('h3').innerText(), /KNOWN EXPLOITED.*Remote access VPN/);
  assert.match(await first.innerText(), /Upgrade SecureGate OS to 9\.1\.5/);
  assert.equal(await page.locator('[data-count="knownExploited"] span').innerText(), '1');
  assert.equal(await first.getAttribute('data-state'), 'new');
  const id = await first.getAttribute('data-alert');
  await first.getByRole('button', { name: 'Acknowledge' }).click();
  await page.locator(`li.vuln-alert[data-alert="${id}"][data-state="acknowledged"]`).waitFor();
  // what the browser did is what the API holds
  const state = await page.evaluate(async (alertId) => ((await (await fetch(`/api/v1/vuln/alerts/${alertId}`)).json()) as { state: string }).state, id);
  assert.equal(state, 'acknowledged');
  await page.getByRole('button', { name: 'Log out' }).click();

  await loginAs('analyst');
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Sector exposure', exact: true }).click();
  await page.locator('main[data-view="sector-exposure"]').waitFor();
  // the label is the chart's summary once the history has loaded
  const chart = page.locator('[data-chart="vuln-exposure"] .chart[aria-label*="today 3, of which known exploited 1"]');
  await chart.waitFor();
  assert.ok((await page.locator('[data-chart="vuln-exposure"] canvas').count()) >= 1, 'the chart drew no canvas');
  assert.match(await page.locator('table').innerText(), /Kanto Electric \(demo\)/);
});

test('the operator registers and edits an address range; a bad one is refused naming the field', { skip: !haveChromium && `${CHROMIUM} is missing`, timeout: 900_000 }, async () => {
  await loginAs('operator');
  await page.locator('main[data-view="operator"]').waitFor();
  const form = page.locator('form.range-form');
  await form.waitFor();
  // the demo registered the network of its DDoS target already
  await page.locator('table[data-table="ranges"] tr[data-range]').first().waitFor();
  const before = await page.locator('table[data-table="ranges"] tr[data-range]').count();
  await form.getByLabel('Range (address/length)').fill('160.16.1.1/16');
  await form.getByRole('button', { name: 'Register range' }).click();
  await page.getByText(/cidr: '160\.16\.1\.1\/16' has host bits set; the network is 160\.16\.0\.0\/16/).waitFor();
  await form.getByLabel('Range (address/length)').fill('160.16.0.0/16');
  await form.getByLabel('System').selectOption({ label: 'Substation SCADA HMI' });
  await form.getByLabel('Label').fill('control centre');
  await form.getByRole('button', { name: 'Register range' }).click();
  const row = page.locator('table[data-table="ranges"] tr[data-range="160.16.0.0/16"]');
  await row.waitFor();
  assert.equal(await page.locator('table[data-table="ranges"] tr[data-range]').count(), before + 1);
  assert.match(await row.innerText(), /Substation SCADA HMI\s+control centre/);
  await row.getByRole('button', { name: 'Edit 160.16.0.0/16' }).click();
  await form.getByLabel('Label').fill('control centre and backup site');
  await form.getByRole('button', { name: 'Save range' }).click();
  await page.locator('table[data-table="ranges"] tr[data-range="160.16.0.0/16"]', { hasText: 'backup site' }).waitFor();
  // what the browser did is what the API holds
  const held = await page.evaluate(async () => (await (await fetch('/api/v1/vuln/ranges')).json()) as Array<{ cidr: string; label: string; version: number; systemName: string | null }>);
  const r = held.find((x) => x.cidr === '160.16.0.0/16');
  assert.deepEqual(r && [r.label, r.version, r.systemName], ['control centre and backup site', 2, 'Substation SCADA HMI']);
  await page.getByRole('button', { name: 'Log out' }).click();
});
