/**
 * The carrier's page and the administrator's account screens through the UI only (#22), in Debian's
 * Chromium on a real `acd demo` (its synthetic exporter feeding the collector as the demo carrier):
 * - the carrier lands on its links: the demo approval covering them and the gate's counts (received,
 *   out of scope, selected) as the API counts them; when the administrator takes its carrier id away in
 *   the registry form, the page says so and shows nothing; given back, it shows the approval again;
 * - the administrator disables a person (their login is refused), enables them again, forces a password
 *   reset (login refused until a new password is set), ends a session and revokes a token, each with a
 *   reason, and the API then holds each change; axe-core on each view; no console error.
 * Screenshots in test-output/admin-carrier/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, ROOT, buildWebIfStale, haveChromium, loginInPage, skipWithoutChromium, startWebDemo, type WebDemo } from '../helpers/web-demo.js';

const SHOTS = join(ROOT, 'test-output/admin-carrier');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const CARRIER_ORG = 'Nippon Backbone Telecom (demo)';
const CARRIER_ID = 'nippon-backbone-demo';
let demo: WebDemo | null = null;
let browser: Browser | null = null;

before(async () => {
  if (!haveChromium) return;
  buildWebIfStale();
  const launching = chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  demo = await startWebDemo({ name: 'web-admin-carrier' });
  browser = await launching;
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await demo?.close();
});

async function until(ok: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(what);
}

async function newPage() {
  const context = await browser!.newContext({ locale: 'en-US', timezoneId: 'America/New_York', viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { page, errors };
}

async function axe(page: Page, view: string): Promise<void> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.addScriptTag({ path: AXE });
  const found = (await page.evaluate(`window.axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`)) as unknown[];
  assert.deepEqual(found, [], `axe: serious or critical violations on ${view}`);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

interface Overview {
  carrierIds: string[];
  approvals: Array<{ id: string; links: string[] }>;
  totals: { received: number; outOfScope: number; selected: number };
}

const loginStatus = async (username: string, password: string): Promise<number> =>
  (await fetch(`${demo!.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })).status;

test("the carrier reads its approvals and counts; the administrator's registry decides what it sees", { skip: skipWithoutChromium, timeout: 600_000 }, async () => {
  // the demo's traffic reaches the gate's stored counts (flushed by the pipeline)
  let api: Overview | null = null;
  await until(async () => {
    api = (await demo!.apiAs('carrier', 'GET', '/api/v1/carrier/overview')).json as Overview;
    return api.totals.received > 0;
  }, 'no flow counted for the demo carrier', 180_000);
  const { page, errors } = await newPage();

  await loginInPage(page, demo!, 'carrier');
  await page.locator('main[data-view="carrier"]').waitFor({ timeout: 10_000 });
  const approvals = page.getByRole('region', { name: 'Approvals covering your links' });
  await approvals.getByRole('cell', { name: 'demo-foreign-domestic' }).waitFor();
  const flows = page.getByRole('region', { name: 'Flows on your links' });
  await flows.getByRole('cell', { name: CARRIER_ID }).waitFor();
  // the totals shown are the API's (at least what it had counted before the page loaded)
  const received = Number((await flows.locator('dt', { hasText: 'Received' }).locator('xpath=following-sibling::dd').innerText()).replace(/[^\d]/g, ''));
  assert.ok(received >= api!.totals.received && received > 0, `received shown ${received}, API ${api!.totals.received}`);
  await shot(page, 'carrier');
  await axe(page, "the carrier's page");

  // the administrator takes the id away in the registry form
  await loginInPage(page, demo!, 'admin');
  await page.getByRole('region', { name: 'Organisations' }).getByRole('button', { name: CARRIER_ORG }).click();
  const registry = page.getByRole('region', { name: `Carrier ids of ${CARRIER_ORG}` });
  await registry.getByText(`Assigned: ${CARRIER_ID}`).waitFor();
  await registry.getByLabel(/^Carrier ids/).fill('');
  await registry.getByLabel(/^Reason/).fill('Contract suspended (e2e)');
  await registry.getByRole('button', { name: 'Save carrier ids' }).click();
  await registry.getByRole('status').filter({ hasText: 'Carrier ids saved: none.' }).waitFor();
  await shot(page, 'admin-registry-emptied');
  await axe(page, 'administration');
  const after = (await demo!.apiAs('carrier', 'GET', '/api/v1/carrier/overview')).json as Overview;
  assert.deepEqual([after.carrierIds, after.approvals], [[], []]);

  await loginInPage(page, demo!, 'carrier');
  await page.getByText('No carrier id is assigned to your organisation yet').waitFor();
  assert.equal(await page.getByRole('region', { name: 'Approvals covering your links' }).count(), 0);
  await shot(page, 'carrier-unassigned');

  // given back
  await loginInPage(page, demo!, 'admin');
  await page.getByRole('region', { name: 'Organisations' }).getByRole('button', { name: CARRIER_ORG }).click();
  await registry.getByLabel(/^Carrier ids/).fill(CARRIER_ID);
  await registry.getByLabel(/^Reason/).fill('Contract resumed (e2e)');
  await registry.getByRole('button', { name: 'Save carrier ids' }).click();
  await registry.getByRole('status').filter({ hasText: `Carrier ids saved: ${CARRIER_ID}.` }).waitFor();
  assert.deepEqual(((await demo!.apiAs('carrier', 'GET', '/api/v1/carrier/overview')).json as Overview).approvals.map((a) => a.links), [[CARRIER_ID]]);
  const audit = (await demo!.apiAs('auditor', 'GET', '/api/v1/audit/search?action=carrier.mapping.set')).json as unknown;
  assert.match(JSON.stringify(audit), /Contract suspended \(e2e\)[\s\S]*Contract resumed \(e2e\)|Contract resumed \(e2e\)[\s\S]*Contract suspended \(e2e\)/, 'both changes audited with their reasons');
  assert.deepEqual(errors, [], 'console errors');
  await page.context().close();
});

test('the administrator disables, enables, forces a password reset, ends a session and revokes a token', { skip: skipWithoutChromium, timeout: 600_000 }, async () => {
  const { page, errors } = await newPage();
  const password = demo!.creds.get('partner')!;
  assert.equal(await loginStatus('partner', password), 200);
  // a session of the partner's (an API login) and a token issued for them
  const me = (await demo!.apiAs('partner', 'GET', '/api/v1/me')).json as { userId: string };
  const issued = await demo!.apiAs('admin', 'POST', `/api/v1/people/${me.userId}/tokens`, { name: 'e2e-feed' });
  assert.equal(issued.status, 201, JSON.stringify(issued.json));

  await loginInPage(page, demo!, 'admin');
  await page.getByRole('region', { name: 'Everyone' }).getByRole('button', { name: 'partner', exact: true }).click();
  const account = page.getByRole('region', { name: 'Account of partner' });
  await account.waitFor();
  // the sessions in force: end one
  const sessionsBefore = ((await demo!.apiAs('admin', 'GET', `/api/v1/people/${me.userId}/sessions`)).json as unknown[]).length;
  assert.ok(sessionsBefore > 0);
  await account.getByRole('button', { name: /^End the session begun/ }).first().click();
  await until(async () => ((await demo!.apiAs('admin', 'GET', `/api/v1/people/${me.userId}/sessions`)).json as unknown[]).length === sessionsBefore - 1, 'the session is ended');
  // a reason is required
  await account.getByRole('button', { name: 'Disable account' }).click();
  await account.getByRole('alert').filter({ hasText: 'Reason' }).waitFor();
  assert.equal(await loginStatus('partner', password), 200, 'nothing changed without a reason');
  await account.getByLabel(/^Reason/).fill('Left the partner CERT (e2e)');
  await account.getByRole('button', { name: 'Disable account' }).click();
  await account.getByRole('status').filter({ hasText: 'partner is disabled' }).waitFor();
  await shot(page, 'admin-disabled');
  assert.notEqual(await loginStatus('partner', password), 200, 'a disabled person cannot log in');
  await account.getByLabel(/^Reason/).fill('Rejoined (e2e)');
  await account.getByRole('button', { name: 'Enable account' }).click();
  await account.getByRole('status').filter({ hasText: 'partner is enabled again' }).waitFor();
  assert.equal(await loginStatus('partner', password), 200, 'enabled again');
  await account.getByLabel(/^Reason/).fill('Password seen on a screen share (e2e)');
  await account.getByRole('button', { name: 'Force a password reset' }).click();
  await account.getByRole('status').filter({ hasText: 'must set a new password' }).waitFor();
  assert.notEqual(await loginStatus('partner', password), 200, 'login refused until a new password is set');
  const changed = await fetch(`${demo!.url}/api/v1/auth/password`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'partner', password, newPassword: 'a fresh long passphrase e2e' }) });
  assert.equal(changed.status, 200, await changed.text());
  assert.equal(await loginStatus('partner', 'a fresh long passphrase e2e'), 200);

  // the token: revoked from its row
  const tokens = page.getByRole('region', { name: 'API tokens of partner' });
  await tokens.getByRole('button', { name: 'Revoke token e2e-feed' }).click();
  await until(async () => ((await demo!.apiAs('admin', 'GET', `/api/v1/people/${me.userId}/tokens`)).json as Array<{ name: string; revoked: boolean }>).some((t) => t.name === 'e2e-feed' && t.revoked), 'the token is revoked');
  const feed = await fetch(`${demo!.url}/api/v1/me`, { headers: { authorization: `Bearer ${(issued.json as { token: string }).token}` } });
  assert.equal(feed.status, 401, 'a revoked token is refused');
  await shot(page, 'admin-account');
  await axe(page, "the administrator's account screens");

  // every change is in the audit log with its reason
  const audit = JSON.stringify((await demo!.apiAs('auditor', 'GET', `/api/v1/audit/search?targetId=${me.userId}&limit=200`)).json);
  for (const r of ['Left the partner CERT (e2e)', 'Rejoined (e2e)', 'Password seen on a screen share (e2e)']) assert.ok(audit.includes(r), `audited: ${r}`);
  assert.deepEqual(errors, [], 'console errors');
  await page.context().close();
});
