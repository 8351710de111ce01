/**
 * Verifying the audit log against a saved checkpoint, in Debian's Chromium on a real `acd demo` (#22):
 * the commission member fetches the latest checkpoint and saves it in the browser; the log grows and a
 * new head is signed; the browser verifies (signatures with the log's key, RFC 9162 consistency proof)
 * and says PASS; a checkpoint with its root hash changed (a log rewritten after it was saved, or a forged
 * one) says FAIL, naming the bad signature and the failed proof; one of another size claimed for the
 * same root fails too. The saved checkpoint survives a reload; an auditor verifies as well, in Japanese.
 * Screenshots in test-output/checkpoint/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, JAPANESE_LOGIN, ROOT, buildWebIfStale, haveChromium, loginInPage, skipWithoutChromium, startWebDemo, type WebDemo } from '../helpers/web-demo.js';

const SHOTS = join(ROOT, 'test-output/checkpoint');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
let demo: WebDemo | null = null;
let browser: Browser | null = null;

before(async () => {
  if (!haveChromium) return;
  buildWebIfStale();
  const launching = chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  demo = await startWebDemo({ name: 'web-checkpoint', args: ['--no-traffic'] });
  browser = await launching;
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await demo?.close();
});

async function axe(page: Page, view: string): Promise<void> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.addScriptTag({ path: AXE });
  const found = (await page.evaluate(`window.axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`)) as unknown[];
  assert.deepEqual(found, [], `axe: serious or critical violations on ${view}`);
}

const signHead = async (): Promise<number> => {
  const r = await demo!.apiAs('commissioner', 'POST', '/api/v1/audit-log/heads');
  assert.ok(r.status === 200 || r.status === 201, JSON.stringify(r.json));
  const head = (await demo!.apiAs('commissioner', 'GET', '/api/v1/audit-log/head')).json as { treeSize: number };
  return head.treeSize;
};

test('the commission saves a checkpoint and later verifies the log against it: PASS for the real log, FAIL for a changed one', { skip: skipWithoutChromium, timeout: 300_000 }, async () => {
  const first = await signHead();
  const context = await browser!.newContext({ locale: 'en-US', timezoneId: 'America/New_York', viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(String(e)));

  await loginInPage(page, demo!, 'commissioner');
  const box = page.getByRole('region', { name: 'Verify against a saved checkpoint' });
  await box.getByRole('button', { name: 'Fetch the latest checkpoint' }).click();
  const area = box.getByLabel('Saved checkpoint');
  await box.getByText(/A checkpoint of \d+ entries of /).waitFor();
  const saved = await area.inputValue();
  const savedSize = Number(saved.split('\n')[1]);
  assert.ok(savedSize >= first, `saved ${savedSize}, signed ${first}`);
  await box.getByRole('button', { name: 'Save in this browser' }).click();
  await box.getByRole('status').filter({ hasText: 'Saved in this browser' }).waitFor();

  // the log grows (each read is audited) and a newer head is signed
  for (let i = 0; i < 3; i++) await demo!.apiAs('auditor', 'GET', '/api/v1/audit/search?limit=5');
  const later = await signHead();
  assert.ok(later > savedSize, `the log grew: ${savedSize} → ${later}`);

  // a reload keeps the saved checkpoint
  await page.reload();
  await box.getByLabel('Saved checkpoint').waitFor();
  assert.equal(await box.getByLabel('Saved checkpoint').inputValue(), saved);
  await box.getByRole('button', { name: 'Verify the log against it' }).click();
  const result = box.getByRole('region', { name: 'Checkpoint verification' });
  await result.getByText('PASS: the log extends the saved checkpoint.').waitFor();
  assert.match(await result.innerText(), new RegExp(`extends the saved one of ${savedSize}`));
  await page.screenshot({ path: join(SHOTS, 'pass.png'), fullPage: true });
  await axe(page, 'the checkpoint verification (pass)');

  // the same checkpoint with another root: the log does not extend it, and its signature no longer holds
  const lines = saved.split('\n');
  const root = Buffer.from(lines[2]!, 'base64');
  root[0] = root[0]! ^ 0xff;
  const forged = [lines[0], lines[1], root.toString('base64'), ...lines.slice(3)].join('\n');
  await area.fill(forged);
  await box.getByRole('button', { name: 'Verify the log against it' }).click();
  await result.getByText('FAIL: the log does not extend the saved checkpoint.').waitFor();
  const text = await result.innerText();
  assert.match(text, /signature of the saved checkpoint is NOT valid/);
  assert.match(text, /consistency proof .* does NOT verify/);
  await page.screenshot({ path: join(SHOTS, 'fail-root.png'), fullPage: true });

  // a larger size than the log has now: the log "shrank"
  await area.fill([lines[0], String(later + 1000), ...lines.slice(2)].join('\n'));
  await box.getByRole('button', { name: 'Verify the log against it' }).click();
  await result.getByText(/The log shrank/).waitFor();
  await result.getByText('FAIL: the log does not extend the saved checkpoint.').waitFor();

  // text that is no checkpoint
  await area.fill('hello');
  await box.getByText('Not a checkpoint yet.').waitFor();
  await box.getByRole('button', { name: 'Verify the log against it' }).click();
  await result.getByText(/is not a checkpoint/).waitFor();
  assert.deepEqual(errors, [], 'console errors');
  await context.close();

  // an auditor, in Japanese
  const ja = await browser!.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const jp = await ja.newPage();
  jp.setDefaultTimeout(20_000);
  await loginInPage(jp, demo!, 'auditor', JAPANESE_LOGIN);
  const jbox = jp.getByRole('region', { name: '保存したチェックポイントとの照合' });
  await jbox.getByLabel('保存したチェックポイント').fill(saved);
  await jbox.getByRole('button', { name: 'ログを検証' }).click();
  await jbox.getByText('合格: ログは保存したチェックポイントを延長しています。').waitFor();
  await jp.screenshot({ path: join(SHOTS, 'ja-auditor-pass.png'), fullPage: true });
  await axe(jp, 'the checkpoint verification (ja)');
  await ja.close();
});
