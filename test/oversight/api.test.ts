import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, bearer, type TestApp } from '../helpers/app.js';
import { buildProgram } from '../../src/cli/main.js';
import { auditEntryFromRow, entryLeafHash, importVerifier, openTreeHead, verifyConsistency, verifyInclusion, verifyLogExport } from '../../src/oversight/index.js';

describe('audit log API', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => t.close());

  const get = (url: string, who = t.people.auditor) => t.app.inject({ method: 'GET', url, headers: bearer(who) });

  test('heads, proofs and the export verify with the published key alone', async () => {
    assert.equal((await get('/api/v1/audit-log/head')).statusCode, 404, 'nothing signed yet');
    const signed = await t.app.inject({ method: 'POST', url: '/api/v1/audit-log/heads', headers: bearer(t.people.commission_member) });
    assert.equal(signed.statusCode, 201, signed.body);
    const h1 = signed.json() as { treeSize: number; rootHash: string; checkpoint: string };
    // the fixtures' organisations, people and tokens are audited: all in the log
    const rows = await t.store.db.selectFrom('audit_events').selectAll().orderBy('seq').execute();
    assert.ok(h1.treeSize >= 30);
    const key = (await get('/api/v1/audit-log/public-key', t.people.partner)).json() as { vkey: string; pem: string; name: string };
    const verifier = importVerifier(key.vkey);
    assert.equal(openTreeHead(h1.checkpoint, verifier).treeSize, h1.treeSize);
    assert.equal(openTreeHead(h1.checkpoint, importVerifier(key.pem, key.name)).treeSize, h1.treeSize);
    const latest = (await get('/api/v1/audit-log/head', t.people.operator)).json() as { checkpoint: string };
    assert.equal(latest.checkpoint, h1.checkpoint);

    // inclusion of one audit event by its seq, against the latest head
    const row = rows[7]!;
    const inc = (await get(`/api/v1/audit-log/proof/inclusion?seq=${row.seq}`)).json() as { leafIndex: number; treeSize: number; leafHash: string; inclusionPath: string[]; seq: number };
    assert.equal(inc.seq, row.seq);
    const leaf = entryLeafHash(auditEntryFromRow(row));
    assert.equal(inc.leafHash, leaf.toString('base64'));
    assert.ok(verifyInclusion(leaf, inc.leafIndex, inc.treeSize, inc.inclusionPath.map((s) => Buffer.from(s, 'base64')), Buffer.from(h1.rootHash, 'base64')));

    // the sign request itself was audited; a second head, consistent with the first
    const h2 = (await t.app.inject({ method: 'POST', url: '/api/v1/audit-log/heads', headers: bearer(t.people.admin) })).json() as { treeSize: number; rootHash: string };
    assert.ok(h2.treeSize > h1.treeSize);
    const signs = await t.store.db.selectFrom('audit_events').select('action').where('action', '=', 'audit_log.sign').execute();
    assert.equal(signs.length, 2);
    const cons = (await get(`/api/v1/audit-log/proof/consistency?first=${h1.treeSize}`)).json() as { second: number; consistencyPath: string[] };
    assert.equal(cons.second, h2.treeSize);
    assert.ok(verifyConsistency(h1.treeSize, h2.treeSize, Buffer.from(h1.rootHash, 'base64'), Buffer.from(h2.rootHash, 'base64'), cons.consistencyPath.map((s) => Buffer.from(s, 'base64'))));
    const history = (await get('/api/v1/audit-log/heads?limit=10')).json() as Array<{ treeSize: number }>;
    assert.deepEqual(history.map((h) => h.treeSize), [h2.treeSize, h1.treeSize]);

    // the entries view: each entry with a proof against the latest head
    const view = (await get('/api/v1/audit-log/entries?limit=3', t.people.commission_member)).json() as { entries: Array<{ leafIndex: number; entry: string; proof: { inclusionPath: string[]; treeSize: number } | null }>; head: { rootHash: string } };
    assert.equal(view.entries.length, 3);
    for (const e of view.entries) {
      assert.ok(e.proof);
      assert.ok(verifyInclusion(entryLeafHash(e.entry), e.leafIndex, e.proof.treeSize, e.proof.inclusionPath.map((s) => Buffer.from(s, 'base64')), Buffer.from(view.head.rootHash, 'base64')));
    }

    // the export verifies; reading it is audited
    const exp = await get('/api/v1/audit-log/export');
    assert.equal(exp.statusCode, 200);
    const r = await verifyLogExport(exp.json(), key.vkey);
    assert.equal(r.ok, true, JSON.stringify(r.firstFailure));
    assert.equal(r.verifiedSize, h2.treeSize);
    const reads = await t.store.db.selectFrom('audit_events').select(['action', 'actor_user_id']).where('action', 'in', ['audit_log.export', 'audit_log.read']).execute();
    assert.deepEqual(reads.map((x) => x.action).sort(), ['audit_log.export', 'audit_log.read']);
    assert.ok(reads.some((x) => x.actor_user_id === t.people.auditor.userId));
  });

  test('bad proof requests: 400 naming the parameter, 404 for an event not in the log, 403 for other roles', async () => {
    assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/audit-log/heads', headers: bearer(t.people.admin), payload: {} })).statusCode, 201);
    const both = await get('/api/v1/audit-log/proof/inclusion?seq=1&leafIndex=0');
    assert.equal(both.statusCode, 400);
    assert.match(both.json().message, /exactly one/);
    assert.equal((await get('/api/v1/audit-log/proof/inclusion')).statusCode, 400);
    const missing = await get('/api/v1/audit-log/proof/inclusion?seq=999999');
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json().message, /999999/);
    const far = await get('/api/v1/audit-log/proof/inclusion?leafIndex=999999');
    assert.equal(far.statusCode, 400);
    assert.match(far.json().message, /^leafIndex: /);
    const backwards = await get('/api/v1/audit-log/proof/consistency?first=5&second=3');
    assert.equal(backwards.statusCode, 400);
    assert.match(backwards.json().message, /larger than/);
    assert.equal((await get('/api/v1/audit-log/proof/consistency?first=abc')).statusCode, 400);
    for (const role of ['operator', 'agency_analyst', 'partner', 'carrier'] as const) {
      assert.equal((await get('/api/v1/audit-log/export', t.people[role])).statusCode, 403, role);
    }
  });

  test('transparency report: counts by action and period as JSON and CSV, no ids or addresses', async () => {
    const res = await get('/api/v1/transparency?period=day', t.people.commission_member);
    assert.equal(res.statusCode, 200, res.body);
    const rep = res.json() as { audit: Array<{ period: string; action: string; count: number }>; period: string };
    assert.equal(rep.period, 'day');
    const rows = await t.store.db.selectFrom('audit_events').select('action').execute();
    const byAction = new Map<string, number>();
    for (const r of rows) byAction.set(r.action, (byAction.get(r.action) ?? 0) + 1);
    byAction.set('transparency.read', (byAction.get('transparency.read') ?? 1) - 1); // this read is recorded after counting
    for (const a of rep.audit) assert.equal(a.count, byAction.get(a.action), a.action);
    assert.equal(rep.audit.reduce((s, a) => s + a.count, 0), rows.length - 1);
    const csv = await get('/api/v1/transparency?period=month&format=csv');
    assert.match(csv.headers['content-type'] as string, /text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    assert.equal(lines[0], 'source,period,approval_id,category,metric,count');
    assert.ok(lines.some((l) => /^audit,\d{4}-\d{2}-01T00:00:00\.000Z,,,user\.create,\d+$/.test(l)), lines.join('\n'));
    assert.ok(!csv.body.includes(t.people.admin.userId), 'no person ids');
    const html = await get('/api/v1/transparency?format=html');
    assert.match(html.headers['content-type'] as string, /text\/html/);
    // (#19) the page is for a parliament: figures with Japanese and English labels, raw action codes stay in the audit view
    assert.match(html.body, /<h1>透明性報告 <span class="en">Transparency report<\/span><\/h1>/);
    assert.match(html.body, /<h2>承認 <span class="en">Approvals<\/span><\/h2>/);
    assert.doesNotMatch(html.body, /user\.create/);
    assert.match(html.body, /tied to the audit log's signed tree head|No signed head of the audit log yet/);
    const bad = await get('/api/v1/transparency?from=2026-12-01T00:00:00Z&to=2026-01-01T00:00:00Z');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /after/);
  });

  test('acd audit export --url --sign and acd audit verify --url check a live server', async () => {
    const url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'acd-audit-cli-'));
    const out: string[] = [];
    const orig = console.log;
    console.log = (s: string) => void out.push(s);
    try {
      const vkey = ((await get('/api/v1/audit-log/public-key')).json() as { vkey: string }).vkey;
      const token = t.people.auditor.token;
      const file = join(dir, 'export.json');
      await (await buildProgram()).parseAsync(['node', 'acd', 'audit', 'export', '--url', url, '--token', token, '--sign', '--out', file]);
      const exp = JSON.parse(readFileSync(file, 'utf8')) as { entries: string[]; treeHeads: string[] };
      assert.ok(exp.entries.length > 30);
      await (await buildProgram()).parseAsync(['node', 'acd', 'audit', 'verify', file, '--key', vkey]);
      await (await buildProgram()).parseAsync(['node', 'acd', 'audit', 'verify', '--url', url, '--token', token, '--key', vkey]);
      assert.equal(out.length, 2);
      for (const line of out) assert.match(line, /^audit log verified: \d+ entries, \d+ signed tree heads/);
      assert.notEqual(process.exitCode, 1);
      // a key that is not the log's: the first head fails, exit code 1
      out.length = 0;
      await (await buildProgram()).parseAsync(['node', 'acd', 'audit', 'verify', file, '--key', vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+')]);
      assert.match(out.join('\n'), /FAILS at the public key/);
      assert.equal(process.exitCode, 1);
      process.exitCode = 0;
    } finally {
      console.log = orig;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
