/**
 * Operations through the UI only (#22), in Debian's Chromium on a real `acd demo`: the analyst drafts an
 * operation from the finding about the demo C2 (a malformed target is refused in the form, before the
 * API), plans a blocklist entry and a takedown notice against the operation's own targets (a BGP
 * blackhole is offered the addresses only), assembles the evidence; the lead is offered no draft form,
 * requests approval with a reason only (no council fields) and records the foreign ministry's
 * consultation; the commissioner approves; the executor (National Police Cyber Unit, demo) runs a dry run,
 * executes, verifies and lifts; the lead closes with an after-action report. A serious case: the lead is
 * offered no request before the security council's review, records it, then requests. Every step is
 * checked against what the API then holds; axe-core on each view; no console error; screenshots in
 * test-output/operations/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, JAPANESE_LOGIN, ROOT, buildWebIfStale, haveChromium, loginInPage, skipWithoutChromium, startWebDemo, type WebDemo } from '../helpers/web-demo.js';

const SHOTS = join(ROOT, 'test-output/operations');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
let demo: WebDemo | null = null;
let browser: Browser | null = null;

before(async () => {
  if (!haveChromium) return;
  buildWebIfStale();
  const launching = chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  demo = await startWebDemo({ name: 'web-operations' });
  browser = await launching;
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await demo?.close();
});

interface Op {
  id: string;
  title: string;
  state: string;
  serious: boolean;
  abroad: boolean;
  targets: { addresses: string[]; domains: string[] };
}
interface OpDetail {
  operation: Op;
  links: Array<{ kind: string; ref: string }>;
  measures: Array<{ id: string; kind: string; target: string; state: string; verifiedOk: boolean | null }>;
  consultations: Array<{ kind: string; body: string }>;
  transitions: Array<{ action: string }>;
}

async function until(ok: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(what);
}

const detail = async (id: string): Promise<OpDetail> => {
  const r = await demo!.apiAs('lead', 'GET', `/api/v1/operations/${id}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as OpDetail;
};

async function newPage(locale = 'en-US', timezoneId = 'America/New_York') {
  const context = await browser!.newContext({ locale, timezoneId, viewport: { width: 1280, height: 900 }, bypassCSP: true });
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

async function step<T>(page: Page, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    const r = await fn();
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    return r;
  } catch (e) {
    await page.screenshot({ path: join(SHOTS, `${name}-FAILED.png`), fullPage: true }).catch(() => undefined);
    throw e;
  }
}

async function openOperations(page: Page, name = 'Operations'): Promise<void> {
  const nav = page.getByRole('navigation', { name: /Views|画面/ });
  if (await nav.count()) await nav.getByRole('button', { name, exact: true }).click();
  await page.locator('main[data-view="operations"]').waitFor({ timeout: 10_000 });
}

test('an operation from a finding to its lifting, each party through its own screen', { skip: skipWithoutChromium, timeout: 600_000 }, async () => {
  const c2 = /C2 (\S+) \(\d+ bots\)/.exec(demo!.output())?.[1];
  assert.ok(c2, 'the demo names its C2');
  await until(async () => ((await demo!.apiAs('analyst', 'GET', '/api/v1/findings?limit=500')).json as Array<{ external?: string }>).some((f) => f.external === c2), 'no finding about the demo C2', 120_000);
  const { page, errors } = await newPage();
  const opsBefore = ((await demo!.apiAs('analyst', 'GET', '/api/v1/operations')).json as Op[]).length;

  // ---- the analyst: draft from the finding, targets checked, measures planned, evidence assembled ----
  await loginInPage(page, demo!, 'analyst');
  await openOperations(page);
  const draft = page.getByRole('region', { name: 'Draft an operation' });
  await draft.getByLabel('From a finding').selectOption(c2);
  assert.match(await draft.getByLabel('Title *').inputValue(), new RegExp(`server ${c2.replace(/\./g, '\\.')}`));
  assert.equal(await draft.getByLabel('Server addresses').inputValue(), c2);
  // a malformed target is refused in the form, naming the field and the line; nothing reaches the API
  await draft.getByLabel('Server addresses').fill(`${c2}\n300.1.2.3`);
  await draft.getByRole('button', { name: 'Save draft' }).click();
  await draft.getByRole('alert').filter({ hasText: 'addresses[2]: "300.1.2.3"' }).waitFor();
  assert.equal(((await demo!.apiAs('analyst', 'GET', '/api/v1/operations')).json as Op[]).length, opsBefore, 'a refused draft created nothing');
  await draft.getByLabel('Server addresses').fill(c2);
  await draft.getByLabel('Domains').fill('c2-panel.example');
  await draft.getByLabel(/Server abroad/).check();
  await draft.getByRole('button', { name: 'Save draft' }).click();
  await step(page, 'analyst-drafted', () => draft.getByRole('status').filter({ hasText: /drafted; [1-9]\d* findings linked/ }).waitFor());
  const ops = (await demo!.apiAs('analyst', 'GET', '/api/v1/operations')).json as Op[];
  const op = ops.find((o) => o.targets.addresses.includes(c2) && o.targets.domains.includes('c2-panel.example'));
  assert.ok(op, 'the draft is in the API');
  assert.equal(op.state, 'draft');
  assert.equal(op.abroad, true);
  const d0 = await detail(op.id);
  assert.ok(d0.links.length > 0 && d0.links.every((l) => l.kind === 'finding'), 'the findings about the C2 are its evidence');

  const card = page.getByRole('region', { name: `Operation: ${op.title}` });
  await card.waitFor();
  const plan = card.getByRole('form', { name: 'Plan a measure' });
  // a BGP blackhole acts on an address: the domain is not offered; a blocklist entry takes either
  await plan.getByLabel('Kind of measure *').selectOption('bgp_blackhole');
  assert.deepEqual(await plan.getByLabel('Target *').locator('option').allTextContents(), [c2]);
  await plan.getByLabel('Kind of measure *').selectOption('blocklist');
  assert.deepEqual((await plan.getByLabel('Target *').locator('option').allTextContents()).sort(), [c2, 'c2-panel.example'].sort());
  await plan.getByLabel('Target *').selectOption(c2);
  await plan.getByRole('button', { name: 'Plan measure' }).click();
  await card.getByRole('status').filter({ hasText: 'Measure planned.' }).waitFor();
  await plan.getByLabel('Kind of measure *').selectOption('takedown');
  await plan.getByLabel('Abuse contact (e-mail) *').fill('abuse@hoster.example');
  await plan.getByLabel('Hosting network').fill('the hosting network of the C2');
  await plan.getByRole('button', { name: 'Plan measure' }).click();
  await until(async () => (await detail(op.id)).measures.length === 2, 'two measures planned');
  // the analyst is offered no request (the lead's step)
  assert.equal(await card.getByRole('button', { name: 'Request approval' }).count(), 0);
  await card.getByRole('button', { name: 'Assemble evidence' }).click();
  await step(page, 'analyst-assembled', () => until(async () => (await detail(op.id)).operation.state === 'evidence_assembled', 'evidence assembled'));
  await axe(page, "the analyst's operations");

  // ---- the lead: no draft form; the request asks a reason, not the council's fields ----
  await loginInPage(page, demo!, 'lead');
  await openOperations(page);
  assert.equal(await page.getByRole('region', { name: 'Draft an operation' }).count(), 0, 'the lead is offered no draft form');
  await page.getByRole('button', { name: op.title, exact: true }).click();
  await card.waitFor();
  const request = card.getByRole('form', { name: "Request the commission's approval" });
  assert.equal(await request.getByLabel(/Consulted body|Outcome|Consulted at/).count(), 0, 'no council field in the request');
  await request.getByLabel('Grounds for the request').fill('Confirmed C2 with domestic victims; network-side measures only.');
  await request.getByRole('button', { name: 'Request approval' }).click();
  await step(page, 'lead-requested', () => until(async () => (await detail(op.id)).operation.state === 'approval_requested', 'approval requested'));
  // the server abroad: the foreign ministry's consultation, recorded by the lead
  const foreign = card.locator('details', { hasText: "Record the foreign ministry's consultation" });
  await foreign.getByLabel('Consulted body *').fill('Ministry of Foreign Affairs, cyber policy division');
  await foreign.getByLabel('Outcome *').fill('No objection to network-side measures.');
  await foreign.getByRole('button', { name: 'Record consultation' }).click();
  await until(async () => (await detail(op.id)).consultations.some((c) => c.kind === 'foreign_ministry'), 'the consultation is recorded');
  await axe(page, "the lead's operations");

  // ---- the commission approves (its own screen) ----
  await loginInPage(page, demo!, 'commissioner');
  const decide = page.getByRole('region', { name: 'Operations to decide' });
  await decide.getByRole('button', { name: op.title }).first().click();
  // the expiry and conditions are marked required where the law wants them (approving), and only there
  await decide.getByLabel('Decision *').selectOption('reject');
  assert.equal(await decide.getByLabel(/^Expires at/).count(), 0, 'no expiry for a rejection');
  await decide.getByLabel('Reason *', { exact: true }).waitFor();
  await decide.getByLabel('Decision *').selectOption('approve');
  await decide.getByLabel('Conditions *', { exact: true }).fill('Blocklist and notice only; review in 30 days.');
  // an approval without an expiry is not sent (the browser's own check of the required field)
  await decide.getByRole('button', { name: 'Record decision' }).click();
  assert.equal((await detail(op.id)).operation.state, 'approval_requested');
  const expires = new Date(Date.now() + 30 * 86400_000);
  await decide.getByLabel('Expires at *', { exact: true }).fill(new Date(expires.getTime() - expires.getTimezoneOffset() * 60_000).toISOString().slice(0, 16));
  await decide.getByRole('button', { name: 'Record decision' }).click();
  await step(page, 'commission-approved', () => until(async () => (await detail(op.id)).operation.state === 'approved', 'approved'));

  // ---- the executor: dry run, execute, verify, lift ----
  await loginInPage(page, demo!, 'executor');
  await page.locator('main[data-view="operations"]').waitFor({ timeout: 10_000 });
  assert.equal(await page.getByRole('region', { name: 'Draft an operation' }).count(), 0, 'the executor drafts nothing');
  await page.getByRole('button', { name: op.title, exact: true }).click();
  await card.getByRole('button', { name: 'Dry run' }).click();
  await card.getByText('Executing now would go ahead.').waitFor();
  await card.getByRole('button', { name: 'Execute', exact: true }).click();
  await step(page, 'executor-executed', () => card.getByRole('status').filter({ hasText: 'Executed: 2 of 2 measures applied.' }).waitFor());
  const d1 = await detail(op.id);
  assert.equal(d1.operation.state, 'measures_in_force');
  assert.deepEqual(d1.measures.map((m) => m.state), ['applied', 'applied']);
  await card.getByRole('button', { name: `Verify Blocklist entry on ${c2}` }).click();
  await card.getByRole('status').filter({ hasText: 'Verified: in place.' }).waitFor();
  assert.equal((await detail(op.id)).measures.find((m) => m.kind === 'blocklist')?.verifiedOk, true);
  await axe(page, "the executor's operations");
  await card.getByText('Lift the measures').click();
  await card.getByLabel('Reason for lifting *').fill('The C2 went offline after the takedown notice.');
  await card.getByRole('button', { name: 'Lift all measures' }).click();
  await step(page, 'executor-lifted', () => until(async () => (await detail(op.id)).operation.state === 'lifted', 'lifted'));
  assert.deepEqual((await detail(op.id)).measures.map((m) => m.state), ['lifted', 'lifted']);

  // ---- the lead closes it with the after-action report ----
  await loginInPage(page, demo!, 'lead');
  await openOperations(page);
  await page.getByRole('button', { name: op.title, exact: true }).click();
  await card.getByLabel('After-action report *').fill('Blocklisted and taken down within a day; no collateral.');
  await card.getByRole('button', { name: 'Close', exact: true }).click();
  await step(page, 'lead-closed', () => until(async () => (await detail(op.id)).operation.state === 'closed', 'closed'));

  assert.deepEqual(errors, [], 'console errors');
  await page.context().close();
});

test('a serious case: the lead is offered the request only after the security council\'s review', { skip: skipWithoutChromium, timeout: 300_000 }, async () => {
  const api = demo!.apiAs;
  const drafted = await api('analyst', 'POST', '/api/v1/operations', { title: `Serious case ${Date.now()}`, serious: true, abroad: false, targets: { addresses: ['203.0.113.77'] } });
  assert.equal(drafted.status, 201, JSON.stringify(drafted.json));
  const op = drafted.json as Op;
  for (const [path, body] of [
    ['links', { kind: 'report', ref: 'serious-report', note: 'reported by an operator' }],
    ['measures', { kind: 'blocklist', target: '203.0.113.77' }],
    ['transitions', { action: 'assemble_evidence' }],
  ] as const) assert.ok([201, 204, 200].includes((await api('analyst', 'POST', `/api/v1/operations/${op.id}/${path}`, body)).status), path);

  const { page, errors } = await newPage('ja-JP', 'Asia/Tokyo');
  await loginInPage(page, demo!, 'lead', JAPANESE_LOGIN);
  await openOperations(page, '措置');
  await page.getByRole('button', { name: op.title, exact: true }).click();
  const card = page.getByRole('region', { name: `措置: ${op.title}` });
  await card.waitFor();
  // no request yet: the law wants the council first; its form is open
  assert.equal(await card.getByRole('button', { name: '承認を請求' }).count(), 0, 'no request before the council');
  await card.getByText('重大な事案: 委員会の承認は国家安全保障会議の審査の後に請求します。').waitFor();
  const council = card.locator('details', { hasText: '国家安全保障会議の審査を記録する' });
  await council.getByLabel('協議先 *').fill('国家安全保障会議');
  await council.getByLabel('結果 *').fill('措置を了承');
  await council.getByRole('button', { name: '審査を記録' }).click();
  await step(page, 'ja-lead-council', () => card.getByRole('button', { name: '承認を請求' }).waitFor());
  await card.getByRole('button', { name: '承認を請求' }).click();
  await until(async () => (await detail(op.id)).operation.state === 'approval_requested', 'requested after the review');
  const d = await detail(op.id);
  assert.deepEqual(d.transitions.map((t) => t.action), ['assemble_evidence', 'record_council_review', 'request_approval']);
  assert.ok(d.consultations.some((c) => c.kind === 'security_council' && c.body === '国家安全保障会議'));
  await axe(page, "the lead's operations (ja)");
  assert.deepEqual(errors, [], 'console errors');
  await page.context().close();
});

test('flow exploration: the analyst sees the top talkers of the selected flows, the demo C2 first', { skip: skipWithoutChromium, timeout: 300_000 }, async () => {
  const c2 = /C2 (\S+) \(\d+ bots\)/.exec(demo!.output())?.[1];
  assert.ok(c2);
  interface Top {
    rows: Array<{ key: string; flows: number }>;
    total: { flows: number };
  }
  let api: Top | null = null;
  await until(async () => {
    api = (await demo!.apiAs('analyst', 'GET', '/api/v1/flows/top?by=external&hours=24&limit=10')).json as Top;
    return api.total.flows > 0;
  }, 'no selected flow', 120_000);
  assert.equal(api!.rows[0]?.key, c2, 'the C2 is the top talker of the selected flows');
  const { page, errors } = await newPage();
  await loginInPage(page, demo!, 'analyst');
  const region = page.getByRole('region', { name: 'Flow exploration' });
  await region.getByRole('link', { name: `Infrastructure page of ${c2}` }).waitFor();
  await region.getByRole('img', { name: /^Top \d+ external addresses of the selected flows by bytes/ }).waitFor();
  await region.getByLabel('Dimension', { exact: true }).selectOption('port');
  await region.getByRole('cell', { name: /^\d+\/(6|17)$/ }).first().waitFor();
  await page.screenshot({ path: join(SHOTS, 'analyst-flows.png'), fullPage: true });
  await axe(page, 'flow exploration');
  // the lead reads it too; the executor (not the agency) has no Analysis view and the API refuses it
  assert.equal((await demo!.apiAs('executor', 'GET', '/api/v1/flows/top?by=external')).status, 403);
  assert.deepEqual(errors, [], 'console errors');
  await page.context().close();
});
