/**
 * The dashboard end to end, in Debian's Chromium (playwright-core drives /usr/bin/chromium; no browser
 * is downloaded): a real `acd demo` is started, each demo person logs in through the login page and sees
 * the view of its role; the administrator creates an organisation and a person through the forms; where
 * the reports and operations APIs exist, the operator files a report and the commission member decides.
 * A screenshot of each view goes to test-output/screenshots/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, ROOT, buildWebIfStale, haveChromium, loginInPage, startWebDemo, type WebDemo } from '../helpers/web-demo.js';

const SHOTS = join(ROOT, 'test-output/screenshots');

let demo: WebDemo | null = null;
let url = '';
let context: BrowserContext | null = null;
let launching: Promise<BrowserContext> | null = null;
let page: Page;
let profile = '';
let paths: Record<string, Record<string, unknown>> = {};

before(async () => {
  if (!haveChromium) return;
  // npm ci builds the dashboard (prepare); a checkout without the build, or with sources newer than it, gets it here
  buildWebIfStale();
  profile = mkdtempSync(join(tmpdir(), 'acd-web-chromium-'));
  // the browser starts while the demo does
  launching = chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 800 } });
  demo = await startWebDemo({ name: 'web-demo' });
  url = demo.url;
  paths = ((await (await fetch(`${url}/api/docs/json`)).json()) as { paths: typeof paths }).paths;
  context = await launching;
  page = context.pages()[0] ?? (await context.newPage());
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  // the browser is closed even when the demo did not start (a browser left open keeps the test alive)
  await (context ?? (await launching?.catch(() => null)))?.close();
  await demo?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** a call to the API as a demo person (session cookie + CSRF token, as the dashboard does it) */
const apiAs = (username: string, method: string, path: string, body?: unknown) => demo!.apiAs(username, method, path, body);

const hasRoute = (method: string, re: RegExp): boolean => Object.entries(paths).some(([p, ops]) => re.test(p) && method.toLowerCase() in ops);

async function loginAs(username: string): Promise<void> {
  await loginInPage(page, demo!, username);
}

async function logoutAndShoot(name: string): Promise<void> {
  await fitsWidth(`the ${name} view`);
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('button', { name: 'Log in' }).waitFor();
}

/** runs a step; on failure keeps a screenshot of the page beside the others */
async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    await page.screenshot({ path: join(SHOTS, `${name}-FAILED.png`), fullPage: true }).catch(() => undefined);
    throw e;
  }
}

async function section(title: string | RegExp) {
  const s = page.getByRole('region', { name: title });
  await s.waitFor();
  return s;
}

/** the page fits 1280 px: nothing wider than the viewport (no sideways scrolling) */
async function fitsWidth(what: string): Promise<void> {
  const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
  assert.ok(width <= 1280, `${what} is ${width} px wide at 1280x800`);
}

/** the demo's botnet C2, as the demo prints it */
function demoC2(): string {
  const out = demo!.output();
  const m = /C2 (\S+) \(\d+ bots\)/.exec(out);
  assert.ok(m, `the demo names its C2:\n${out}`);
  return m[1]!;
}

test('the login page: labelled fields, keyboard order, the attribution, a wrong password refused', { skip: !haveChromium && `${CHROMIUM} is missing (apt-get install chromium)` }, async () => {
  await page.goto(url + '/');
  assert.equal(await page.title(), 'ACD — active cyber defence');
  await page.getByLabel('Username').focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate('document.activeElement && document.activeElement.id'), 'password');
  const footer = await page.locator('footer').innerText();
  assert.match(footer, /IP geolocation by DB-IP \(https:\/\/db-ip\.com\), CC BY 4\.0; ASN data from @ip-location-db\/asn/);
  await page.getByLabel('Username').fill('analyst');
  await page.getByLabel('Password').fill('not-the-password');
  await page.keyboard.press('Enter');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /username or password is wrong/);
  await page.screenshot({ path: join(SHOTS, 'login.png') });
  // no request went to another origin: no fonts, no CDN
  const external = await page.evaluate("performance.getEntriesByType('resource').map((e) => e.name).filter((n) => !n.startsWith(location.origin))");
  assert.deepEqual(external, []);
});

test('the administrator creates an organisation and a person in it, and issues a token', { skip: !haveChromium && `${CHROMIUM} is missing` }, async () => {
  await loginAs('admin');
  const orgs = await section('Organisations');
  await orgs.getByRole('button', { name: 'Kanto Electric (demo)' }).waitFor();
  await orgs.getByText('Create an organisation').click();
  await orgs.getByLabel('Name *').fill('Hokkaido Gas (e2e)');
  await orgs.getByLabel('Kind *').selectOption('operator');
  await orgs.getByLabel('Sector').selectOption('gas');
  await orgs.getByLabel('Country').fill('JP');
  await orgs.getByRole('button', { name: 'Create organisation' }).click();
  await orgs.getByRole('button', { name: 'Hokkaido Gas (e2e)' }).waitFor();

  const people = await section('People of Hokkaido Gas (e2e)');
  await people.getByText('No people in this organisation yet.').waitFor();
  await people.getByText('Create a person in Hokkaido Gas (e2e)').click();
  await people.getByLabel('Username *').fill('gas-operator');
  await people.getByLabel('Display name *').fill('Gina Gas');
  await people.getByLabel('Password').fill('a long enough password');
  await people.getByLabel('operator', { exact: true }).check();
  await people.getByRole('button', { name: 'Create person' }).click();
  await people.getByRole('button', { name: 'gas-operator' }).waitFor();

  const tokens = await section('API tokens of gas-operator');
  await tokens.getByText('Issue a token').click();
  await tokens.getByLabel('Name *').fill('e2e');
  await tokens.getByRole('button', { name: 'Issue token' }).click();
  const secret = await tokens.getByRole('status').innerText();
  assert.match(secret, /shown once/);
  await tokens.getByRole('button', { name: 'Revoke token e2e' }).waitFor();
  await page.screenshot({ path: join(SHOTS, 'admin-tokens.png') });

  // everyone of every organisation in one list, the new person included; a filter; a person's tokens from there
  const everyone = await section('Everyone');
  await step('admin-everyone', () => everyone.getByRole('row', { name: /^gas-operator Gina Gas Hokkaido Gas \(e2e\) operator no$/ }).waitFor({ timeout: 10_000 }));
  for (const [who, org] of [['commissioner', 'Oversight Commission (demo)'], ['operator', 'Kanto Electric (demo)'], ['analyst', 'National Cyber Agency (demo)']]) {
    assert.match(await everyone.getByRole('row', { name: new RegExp(`^${who} `) }).innerText(), new RegExp(org!.replace(/[()]/g, '\\$&')));
  }
  await everyone.getByLabel('Filter').fill('commission');
  const shown = (await everyone.getByRole('row').allInnerTexts()).slice(1).map((r) => r.split('\t')[0]);
  assert.deepEqual(shown.sort(), ['auditor', 'commissioner']);
  await everyone.getByRole('button', { name: 'commissioner' }).click();
  const theirs = await section('API tokens of commissioner');
  await theirs.getByText('Issue a token').waitFor();
  // the token just issued to gas-operator is not shown under another person's name
  assert.equal(await theirs.getByRole('status').count(), 0);
  assert.doesNotMatch(await theirs.innerText(), /acd_tok_/);
  await fitsWidth('the administration view');
  await logoutAndShoot('admin');

  // what the browser did is what the API holds
  const r = await apiAs('admin', 'GET', '/api/v1/organisations');
  assert.equal(r.status, 200);
  assert.ok((r.json as Array<{ name: string }>).some((o) => o.name === 'Hokkaido Gas (e2e)'));
});

test('the analyst sees the pipeline, findings and operations, or says plainly which API has not landed', { skip: !haveChromium && `${CHROMIUM} is missing` }, async () => {
  await loginAs('analyst');
  await page.locator('main[data-view="analysis"]').waitFor();
  const pipeline = await section('Pipeline, live');
  const findings = await section('Findings');
  if (hasRoute('get', /^\/api\/v1\/findings$/)) {
    // the demo's findings appear within a minute of its start; wait a little for the first ones
    let rows: Array<{ type: string; key: string }> = [];
    for (let i = 0; i < 10 && rows.length === 0; i++) {
      rows = (await apiAs('analyst', 'GET', '/api/v1/findings')).json as typeof rows;
      if (rows.length === 0) await new Promise((r) => setTimeout(r, 1000));
    }
    if (rows.length === 0) {
      await findings.getByText(/No findings yet/).waitFor();
    } else {
      // one finding with its evidence drawn: a fan-in (victims) if there is one, else the first
      const type = rows.some((f) => f.type === 'fan-in') ? 'fan-in' : rows[0]!.type;
      // one row per finding on request (by default, one row per external server)
      await findings.getByLabel('Group by server').uncheck();
      await findings.getByLabel('Type').selectOption(type);
      await findings.getByRole('button', { name: type, exact: true }).first().click();
      const evidence = await section(/^Evidence: /);
      await step('analyst-evidence', () => evidence.getByRole('img').first().waitFor({ timeout: 10_000 }));
      if (type === 'fan-in') await step('analyst-fanin', () => evidence.getByRole('img', { name: /victims of the fan-in/ }).waitFor({ timeout: 5000 }));
      await page.screenshot({ path: join(SHOTS, 'analyst-evidence.png') });
    }
  } else {
    assert.match(await findings.innerText(), /Not available yet/);
  }
  // live figures when the server counts the gate (an API route or counters on /metrics), else the honest empty state
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const counted = hasRoute('get', /^\/api\/v1\/(pipeline|gate|selection)/) || /^acd_\w*(gate|selection|pipeline)\w*received/m.test(metrics);
  if (counted) await pipeline.getByText('received', { exact: true }).waitFor();
  else await pipeline.getByText('Not available yet.').waitFor();
  await logoutAndShoot('analyst');
});

test('the analyst opens the infrastructure page of the demo C2: its findings with evidence, the operation and report naming it; promotes a finding and drafts an operation from it', { skip: !haveChromium && `${CHROMIUM} is missing` }, async () => {
  const c2 = demoC2();
  // the demo's findings about its C2 appear within a minute of the start
  let found: Array<{ type: string; key: string }> = [];
  for (let i = 0; i < 60 && found.length === 0; i++) {
    const r = await apiAs('analyst', 'GET', `/api/v1/infrastructure/${c2}`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    found = (r.json as { findings: typeof found }).findings;
    if (found.length === 0) await new Promise((res) => setTimeout(res, 1000));
  }
  assert.ok(found.length > 0, `no finding about the demo C2 ${c2} within 60 s`);
  // a collection the agency may write, for the promotion (the lead manages collections)
  const col = await apiAs('lead', 'POST', '/api/v1/intel/collections', { title: 'Agency analysis (e2e)', readRoles: ['agency_analyst', 'agency_lead'], writeRoles: ['agency_analyst', 'agency_lead'], defaultTlp: 'red' });
  assert.equal(col.status, 201, JSON.stringify(col.json));

  await loginAs('analyst');
  const findings = await section('Findings');
  // by default one row per external server: the demo C2 (a fan-in and a beacon per victim) is one row
  await step('analyst-grouped', () => findings.getByRole('link', { name: `Infrastructure page of ${c2}` }).waitFor({ timeout: 10_000 }));
  assert.equal(await findings.getByRole('link', { name: `Infrastructure page of ${c2}` }).count(), 1);
  assert.match(await findings.getByRole('row', { name: new RegExp(c2.replace(/\./g, '\\.')) }).innerText(), /beacon \d+/);
  // from the findings list: the C2's address links to its page
  await findings.getByLabel('Type').selectOption(found[0]!.type);
  await step('analyst-infra-link', () => findings.getByRole('link', { name: `Infrastructure page of ${c2}` }).first().click());
  const heading = page.getByRole('heading', { level: 1, name: `Infrastructure ${c2}` });
  await heading.waitFor();
  assert.equal(await page.evaluate('location.hash'), `#/infrastructure/${c2}`);
  // focus moves to the page's heading (keyboard and screen reader users land on it)
  assert.equal(await page.evaluate('document.activeElement && document.activeElement.id'), 'infra-title');
  const list = await section(`Findings about ${c2}`);
  for (const type of new Set(found.map((f) => f.type))) await step('analyst-infra-types', () => list.getByRole('button', { name: type, exact: true }).first().waitFor({ timeout: 10_000 }));
  const summary = await page.locator('section[aria-labelledby="infra-title"]').innerText();
  // a time in the viewer's zone with its offset (the browser runs in UTC here)
  assert.match(summary, /First seen\s+.*\d\d:\d\d:\d\d.*(UTC|GMT)/);
  assert.match(summary, /Domestic hosts involved\s+at least [1-9]/);
  await page.getByRole('img', { name: `When the findings about ${c2} were first and last seen, by type` }).waitFor();
  const evidence = await section(/^Evidence: /);
  await step('analyst-infra-evidence', () => evidence.getByRole('img').first().waitFor({ timeout: 10_000 }));
  // the demo's operation against the C2 and the operator's report naming it
  const linked = await section('Linked operations, reports and intelligence');
  await step('analyst-infra-linked', () => linked.getByRole('cell', { name: `Botnet C2 at ${c2}` }).waitFor({ timeout: 10_000 }));
  await step('analyst-infra-report', () => linked.getByRole('cell', { name: 'Office PCs beaconing to an unknown foreign server' }).first().waitFor({ timeout: 15_000 }));
  await fitsWidth('the infrastructure page');
  // by keyboard, the skip link moves focus to the content and stays on this page (the hash names it)
  await page.getByRole('link', { name: 'Skip to content' }).focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate('document.activeElement && document.activeElement.tagName'), 'MAIN');
  assert.equal(await page.evaluate('location.hash'), `#/infrastructure/${c2}`);
  await heading.waitFor();
  // charts and all: nothing was fetched from another origin
  assert.deepEqual(await page.evaluate("performance.getEntriesByType('resource').map((e) => e.name).filter((n) => !n.startsWith(location.origin))"), []);
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: join(SHOTS, 'analyst-infrastructure.png') });

  // promote the finding shown to intelligence (the full tier, into the agency's collection)
  await evidence.getByText('Promote to intelligence').click();
  await evidence.getByLabel('Tier *').selectOption('full');
  await evidence.getByLabel('Collection *').selectOption({ label: 'Agency analysis (e2e)' });
  await evidence.getByRole('button', { name: 'Promote', exact: true }).click();
  await step('analyst-infra-promote', () => evidence.getByRole('status').filter({ hasText: /^Promoted as full/ }).waitFor({ timeout: 10_000 }));

  // draft an operation against the address: every finding about it goes with it as evidence
  const draft = await section('Draft an operation against this address');
  assert.match(await draft.getByLabel('Title *').inputValue(), new RegExp(`server ${c2.replace(/\./g, '\\.')}$`));
  await draft.getByLabel('Abroad *').check();
  await draft.getByRole('button', { name: 'Save draft' }).click();
  const done = draft.getByRole('status');
  await step('analyst-infra-draft', () => done.filter({ hasText: /findings linked/ }).waitFor({ timeout: 15_000 }));
  const m = /; (\d+) of (\d+) findings linked/.exec(await done.innerText());
  assert.ok(m && m[1] === m[2] && Number(m[1]) >= found.length, await done.innerText());
  await page.screenshot({ path: join(SHOTS, 'analyst-infrastructure-actions.png') });

  // what the browser did is what the API holds: the draft, its target, the findings as its evidence
  const ops = (await apiAs('analyst', 'GET', '/api/v1/operations')).json as Array<{ id: string; state: string; abroad: boolean; targets: { addresses: string[] } }>;
  const mine = ops.filter((o) => o.state === 'draft' && o.abroad && o.targets.addresses.includes(c2));
  assert.equal(mine.length, 1, JSON.stringify(ops));
  const detail = (await apiAs('analyst', 'GET', `/api/v1/operations/${mine[0]!.id}`)).json as { links: Array<{ kind: string; ref: string }> };
  const linkedKeys = detail.links.filter((l) => l.kind === 'finding').map((l) => l.ref);
  for (const f of found) assert.ok(linkedKeys.includes(f.key), `${f.key} linked`);
  // the promotion reached the collection: the page finds it as intelligence naming the C2
  await page.getByRole('button', { name: 'Log out' }).click();
  await loginAs('analyst');
  // the page by its address in the URL
  await page.evaluate(`location.hash = '#/infrastructure/${c2}'`);
  const linkedAgain = await section('Linked operations, reports and intelligence');
  await step('analyst-infra-intel', () => linkedAgain.getByRole('cell', { name: 'Agency analysis (e2e)' }).first().waitFor({ timeout: 15_000 }));
  await logoutAndShoot('analyst-infrastructure-linked');
});

test('the operator sees reports, systems and what is due, and files a report where the API exists', { skip: !haveChromium && `${CHROMIUM} is missing` }, async () => {
  await loginAs('operator');
  await page.locator('main[data-view="operator"]').waitFor();
  const reports = await section('Incident reports and deadlines');
  const filing = await section('File a report');
  await section('Registered systems');
  await section('Guidance');
  if (!hasRoute('post', /^\/api\/v1\/reports$/)) {
    assert.match(await reports.innerText(), /Not available yet/);
    assert.match(await filing.innerText(), /Not available yet/);
  } else {
    // the form is drawn from the API's own schema; detected two hours ago (browser and test share the clock and zone)
    const d = new Date(Date.now() - 2 * 3600_000);
    const local = new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await filing.getByLabel('Kind *').selectOption('incident');
    await filing.getByLabel('Title *').fill('Substation HMI unreachable (e2e)');
    await filing.getByLabel('Detected at *').fill(local);
    await filing.getByLabel('What happened *').fill('The HMI of substation 4 stopped answering; traffic to an unknown host abroad was seen.');
    await filing.getByLabel('Level *').selectOption('degraded');
    await filing.getByLabel('Description *').fill('Operators fell back to manual control for 40 minutes.');
    await filing.getByRole('button', { name: 'File report' }).click();
    await step('operator', () => reports.getByRole('button', { name: 'Substation HMI unreachable (e2e)' }).waitFor({ timeout: 10_000 }));
    // its deadlines are the server's: the filing met the early warning; the notification is due 72 h after
    // detection (about 70 h from now), the final report a month after
    const detail = await section('Report: Substation HMI unreachable (e2e)');
    const text = await detail.innerText();
    assert.match(text, /early_warning\s.*\smet/, text);
    assert.match(text, /notification\s+.+ \(in 3 days\)\s+—\s+pending/, text);
    // and the operator follows it up with an update
    await detail.getByLabel('Stage *').selectOption('update');
    await detail.getByLabel('What happened *').fill('Isolated the HMI; the host abroad is blocked at the border.');
    await detail.getByLabel('Level *').selectOption('none');
    await detail.getByLabel('Description *').fill('Back to normal operation.');
    await detail.getByRole('button', { name: 'Send stage' }).click();
    await step('operator-update', () => detail.getByRole('cell', { name: 'update', exact: true }).waitFor({ timeout: 10_000 }));
  }
  await logoutAndShoot('operator');
});

test('the commission member decides an approval with its criteria in view, and sees measures, the audit log and the transparency report', { skip: !haveChromium && `${CHROMIUM} is missing` }, async () => {
  // an agency lead proposes an approval through the API, for the commission to decide in the dashboard
  const canDecide = hasRoute('post', /^\/api\/v1\/approvals\/\{\w+\}\/decision$/) && hasRoute('post', /^\/api\/v1\/approvals$/);
  const approvalId = `e2e-transit-${Date.now()}`;
  if (canDecide) {
    const proposed = await apiAs('lead', 'POST', '/api/v1/approvals', {
      id: approvalId,
      category: 'transit',
      carriers: ['nippon-backbone-e2e'],
      criteria: [{ id: 'botnet-c2-prefix', kind: 'prefix', prefix: '203.0.113.0/24' }],
      start: new Date().toISOString(),
      status: 'proposed',
    });
    assert.equal(proposed.status, 201, JSON.stringify(proposed.json));
  }
  // and an operation the agency drafts and asks approval for (analyst drafts and links evidence, lead requests)
  let opId = '';
  if (hasRoute('post', /^\/api\/v1\/operations\/\{\w+\}\/decision$/)) {
    const drafted = await apiAs('analyst', 'POST', '/api/v1/operations', { title: 'Sinkhole botnet C2 (e2e)', serious: false, abroad: false, targets: { addresses: ['203.0.113.7'] } });
    assert.equal(drafted.status, 201, JSON.stringify(drafted.json));
    opId = (drafted.json as { id: string }).id;
    const steps: Array<[string, string, string, unknown]> = [
      ['analyst', 'POST', `/api/v1/operations/${opId}/links`, { kind: 'report', ref: 'e2e-report', note: 'the operator reported the beaconing' }],
      ['analyst', 'POST', `/api/v1/operations/${opId}/transitions`, { action: 'assemble_evidence' }],
      ['analyst', 'POST', `/api/v1/operations/${opId}/measures`, { kind: 'blocklist', target: '203.0.113.7' }],
      ['lead', 'POST', `/api/v1/operations/${opId}/transitions`, { action: 'request_approval', reason: 'confirmed C2 of the demo botnet' }],
    ];
    for (const [who, method, path, body] of steps) {
      const r = await apiAs(who, method, path, body);
      assert.ok(r.status < 300, `${who} ${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
    }
  }
  await loginAs('commissioner');
  await page.locator('main[data-view="oversight"]').waitFor();
  const audit = await section(/^Audit log$/);
  // the audit search shows the newest entries first, this very login among them
  const search = await section('Search the audit log');
  await search.getByRole('cell', { name: 'auth.login' }).first().waitFor();
  // filtered by action and actor: only the commissioner's logins
  await search.getByLabel('Action (e.g. report.* )').fill('auth.*');
  await search.getByLabel('Actor (username)').fill('commissioner');
  await search.getByRole('button', { name: 'Search' }).click();
  await step('commission-audit-search', async () => {
    await search.getByRole('cell', { name: 'auth.login' }).first().waitFor({ timeout: 10_000 });
    const actions = (await search.getByRole('row').allInnerTexts()).slice(1);
    assert.ok(actions.length > 0 && actions.every((r) => /\tcommissioner\tauth\./.test(r)), actions.join('\n'));
  });
  if (hasRoute('post', /^\/api\/v1\/audit-log\/heads$/) && hasRoute('get', /^\/api\/v1\/audit-log\/entries$/)) {
    // a fresh signed head, then the browser recomputes every leaf hash and inclusion proof against it
    await audit.getByRole('button', { name: 'Sign a tree head now' }).click();
    await step('commission-audit', () => audit.getByText(/^Verified in this browser: \d+ entries are in the signed tree of/).waitFor({ timeout: 15_000 }));
    assert.match(await audit.innerText(), /Ed25519 signature\s+valid/);
  }
  const approvals = await section('Approvals of acquisition');
  if (canDecide) {
    await approvals.getByRole('button', { name: approvalId }).click();
    // the evidence of the request: its criteria
    await approvals.getByRole('cell', { name: '203.0.113.0/24' }).waitFor();
    await approvals.getByLabel('Decision *').selectOption('approve');
    await approvals.getByLabel('Reason *').fill('Transit traffic to a confirmed botnet C2 range; necessary and proportionate for 6 months.');
    await approvals.getByRole('button', { name: 'Record decision' }).click();
    await step('commission', () => approvals.getByRole('row', { name: new RegExp(approvalId) }).getByText('approved').waitFor({ timeout: 10_000 }));
    const stored = await apiAs('commissioner', 'GET', `/api/v1/approvals/${approvalId}`);
    assert.equal((stored.json as { status: string }).status, 'approved');
  } else {
    assert.match(await approvals.innerText(), /Not available yet/);
  }
  const operations = await section('Operations to decide');
  if (!hasRoute('get', /^\/api\/v1\/operations$/)) assert.match(await operations.innerText(), /Not available yet/);
  else if (opId) {
    // the operation the agency asked approval for: decided here
    await operations.getByRole('button', { name: 'Sinkhole botnet C2 (e2e)' }).click();
    await operations.getByLabel('Decision *').selectOption('approve');
    await operations.getByLabel('Conditions').fill('Blocklist only; review in 30 days.');
    const until = new Date(Date.now() + 30 * 86400_000);
    await operations.getByLabel('Expires at').fill(new Date(until.getTime() - until.getTimezoneOffset() * 60_000).toISOString().slice(0, 16));
    await operations.getByRole('button', { name: 'Record decision' }).click();
    await step('commission-operation', () => operations.getByRole('row', { name: /Sinkhole botnet C2 \(e2e\)/ }).getByText('approved').waitFor({ timeout: 10_000 }));
    const stored = await apiAs('commissioner', 'GET', `/api/v1/operations/${opId}`);
    assert.match(JSON.stringify(stored.json), /"state":"approved"/);
  }
  await section('Measures in force');
  await section('Transparency report');
  await logoutAndShoot('commission');
});

test('the agency lead proposes an approval through the form; a commission member approves it with the findings it covers in view', { skip: !haveChromium && `${CHROMIUM} is missing` }, async () => {
  if (!hasRoute('post', /^\/api\/v1\/approvals$/)) return;
  const c2 = demoC2();
  const id = `e2e-form-${Date.now()}`;
  await loginAs('lead');
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Approvals', exact: true }).click();
  const form = await section('Propose an approval');
  await form.getByLabel('Approval id *').fill(id);
  await form.getByLabel('Category *').selectOption('foreign-domestic');
  await form.getByLabel('Carriers *').fill('nippon-backbone-demo');
  await form.getByLabel('Kind of criterion 1').selectOption('address');
  await form.getByLabel('Address of criterion 1').fill(c2);
  // by keyboard: add a second criterion, a detector rule
  await form.getByRole('button', { name: 'Add a criterion' }).focus();
  await page.keyboard.press('Enter');
  await form.getByLabel('Kind of criterion 2').selectOption('detector');
  await form.getByLabel('Detector of criterion 2').selectOption('beacon');
  await form.getByRole('button', { name: 'Add a criterion' }).click();
  await form.getByLabel('Prefix of criterion 3').fill('203.0.113.5/24');
  await form.getByRole('button', { name: 'Propose approval' }).click();
  // the server refuses a prefix with host bits set, and names the criterion
  const alert = form.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /approval\.criteria\[2\]\.prefix: '203\.0\.113\.5\/24' has host bits set/);
  await form.getByLabel('Prefix of criterion 3').fill('203.0.113.0/24');
  await form.getByRole('button', { name: 'Propose approval' }).click();
  await step('lead-approval', () => page.getByRole('status').filter({ hasText: `Approval ${id} proposed` }).waitFor({ timeout: 10_000 }));
  const list = await section(/^Approvals$/);
  await step('lead-approval-list', () => list.getByRole('row', { name: new RegExp(id) }).getByText('proposed').waitFor({ timeout: 10_000 }));
  await fitsWidth('the approvals view');
  await logoutAndShoot('lead-approval-proposed');
  const proposed = (await apiAs('lead', 'GET', `/api/v1/approvals/${id}`)).json as { status: string; category: string; carriers: string[]; criteria: unknown[] };
  assert.equal(proposed.status, 'proposed');
  assert.equal(proposed.category, 'foreign-domestic');
  assert.deepEqual(proposed.carriers, ['nippon-backbone-demo']);
  assert.deepEqual(proposed.criteria, [
    { id: 'address-1', kind: 'address', address: c2 },
    { id: 'detector-2', kind: 'detector', detector: 'beacon' },
    { id: 'prefix-3', kind: 'prefix', prefix: '203.0.113.0/24' },
  ]);

  await loginAs('commissioner');
  const approvals = await section('Approvals of acquisition');
  await approvals.getByRole('button', { name: id }).click();
  // the evidence: each criterion with the findings it covers; the C2's findings are there
  const c2Row = approvals.getByRole('row', { name: new RegExp(`^address ${c2.replace(/\./g, '\\.')} [1-9]`) });
  await step('commission-approval-evidence', () => c2Row.waitFor({ timeout: 10_000 }));
  await approvals.getByLabel('Decision *').selectOption('approve');
  await approvals.getByLabel('Reason *').fill('Confirmed botnet C2 with domestic victims; the address and beacon rule only, for the default period.');
  await page.screenshot({ path: join(SHOTS, 'commission-approval-evidence.png') });
  await approvals.getByRole('button', { name: 'Record decision' }).click();
  await step('commission-approval', () => approvals.getByRole('row', { name: new RegExp(id) }).getByText('approved').waitFor({ timeout: 10_000 }));
  await fitsWidth('the oversight view');
  await logoutAndShoot('commission-approval-approved');
  const decided = (await apiAs('commissioner', 'GET', `/api/v1/approvals/${id}`)).json as { status: string; decisionReason: string };
  assert.equal(decided.status, 'approved');
  assert.match(decided.decisionReason, /^Confirmed botnet C2/);
});

test('the partner sees the intelligence shared with it', { skip: !haveChromium && `${CHROMIUM} is missing` }, async () => {
  await loginAs('partner');
  await page.locator('main[data-view="intel"]').waitFor();
  await page.getByRole('region').first().waitFor();
  await logoutAndShoot('partner');
});

test('the other demo roles land on their views: lead on analysis, auditor on oversight (reading only), carrier on its links', { skip: !haveChromium && `${CHROMIUM} is missing` }, async () => {
  for (const [who, view] of [['lead', 'analysis'], ['auditor', 'oversight'], ['carrier', 'carrier']] as const) {
    await loginAs(who);
    await page.locator(`main[data-view="${view}"]`).waitFor();
    if (who === 'auditor') assert.equal(await page.getByRole('button', { name: 'Sign a tree head now' }).count(), 0, 'an auditor does not sign heads');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
  }
});
