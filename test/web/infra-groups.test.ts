/**
 * The infrastructure groups in the analyst's Analysis view (#21, requirement 8), in Debian's Chromium
 * on a real `acd demo`: the section is there for the agency's analyst, it shows what
 * GET /api/v1/findings/groups answers (the demo's findings are about one C2 and one scanner, so no two
 * servers of one network act together: the empty state, not a made-up group), and the window select
 * asks the API again (a 30-day window). No console error.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, buildWebIfStale, haveChromium, loginInPage, skipWithoutChromium, startWebDemo, type WebDemo } from '../helpers/web-demo.js';

let demo: WebDemo | null = null;
let browser: Browser | null = null;

before(async () => {
  if (!haveChromium) return;
  buildWebIfStale();
  const launching = chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  demo = await startWebDemo({ name: 'web-infra-groups' });
  browser = await launching;
});

after(async () => {
  await browser?.close();
  await demo?.close();
});

test('the analyst sees the infrastructure groups the API answers, and the window asks again', { skip: skipWithoutChromium, timeout: 240_000 }, async () => {
  const page = await browser!.newPage();
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const asked: string[] = [];
  page.on('request', (r) => { if (r.url().includes('/api/v1/findings/groups')) asked.push(new URL(r.url()).search); });
  await loginInPage(page, demo!, 'analyst');
  const section = page.getByRole('region', { name: 'Infrastructure groups' });
  await section.waitFor({ timeout: 30_000 });
  const api = await demo!.apiAs('analyst', 'GET', '/api/v1/findings/groups?hours=24');
  assert.equal(api.status, 200);
  const groups = (api.json as { groups: unknown[] }).groups;
  if (groups.length === 0) await section.getByText('No group: no two servers of one network or AS are in findings of the same kind.').waitFor({ timeout: 15_000 });
  else assert.equal(await section.getByRole('row').count(), groups.length + 1);
  assert.ok(asked.includes('?hours=24'), asked.join(' '));
  await section.getByRole('combobox').selectOption('720');
  for (let i = 0; i < 40 && !asked.includes('?hours=720'); i++) await new Promise((r) => setTimeout(r, 250));
  assert.ok(asked.includes('?hours=720'), asked.join(' '));
  // a commission member is not the agency: the route refuses them (the view does not offer it)
  assert.equal((await demo!.apiAs('commissioner', 'GET', '/api/v1/findings/groups')).status, 403);
  assert.deepEqual(errors, []);
  await page.close();
});
