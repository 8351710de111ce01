/**
 * `acd approvals` and `acd reidentify` against a real ACD listening on a port: the CLI is an HTTP client,
 * so the server's roles, validation (the wrong field named) and audit apply to it. Most runs are in this
 * process (the command tree with its output captured); two run the real `acd` binary as a child process.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Command } from 'commander';
import { createTestApp, type TestApp, type TestPerson } from '../helpers/app.js';
import { register, parseCriterionFlag } from '../../src/cli/commands/approvals.js';
import { loadPseudonymKeys } from '../../src/selection/approval-store.js';
import { createPseudonymiser } from '../../src/selection/index.js';
import { ipv4ToString, parseIpv4 } from '../../src/flow/index.js';
import { listAudit } from '../../src/oversight/index.js';
import type { AcdError } from '../../src/shared/errors.js';
import { parseTable as table } from '../helpers/table.js';

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');

describe('acd approvals / acd reidentify against a running ACD', () => {
  let t: TestApp;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), 'acd-approvals-cli-'));

  /** runs `acd ARGS…` in this process as `who` (through ACD_URL / ACD_TOKEN unless env is given); returns stdout */
  async function acd(who: TestPerson | null, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
    let out = '';
    const program = new Command('acd').exitOverride();
    register(program, { out: (s) => (out += s), env: env ?? { ACD_URL: url, ...(who ? { ACD_TOKEN: who.token } : {}) } });
    for (const c of program.commands) for (const s of c.commands) s.exitOverride();
    await program.parseAsync(['node', 'acd', ...args]);
    return out;
  }
  const child = (args: string[], env: NodeJS.ProcessEnv) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, ...env }, timeout: 120_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  before(async () => {
    t = await createTestApp();
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => t.close());

  test('propose by flags and by JSON file (lead), decide and end (commission), list and show; every step audited by its caller', async () => {
    const p = JSON.parse(await acd(t.people.agency_lead, ['approvals', 'propose', '--id', 'cli-a', '--category', 'foreign-domestic', '--carrier', 'carrier-c', '--criterion', 'address:41.108.179.197', '--criterion', 'web=port:443/6', '--criterion', 'detector:beacon']));
    assert.equal(p.status, 'proposed');
    assert.deepEqual(p.criteria, [
      { id: 'c1', kind: 'address', address: '41.108.179.197' },
      { id: 'web', kind: 'port', port: 443, proto: 6 },
      { id: 'c3', kind: 'detector', detector: 'beacon' },
    ]);
    const file = join(dir, 'approval.json');
    writeFileSync(file, JSON.stringify({ id: 'cli-file', category: 'transit', carriers: ['carrier-c'], criteria: [{ id: 'x', kind: 'prefix', prefix: '203.0.113.0/24' }], start: new Date().toISOString() }));
    const f = JSON.parse(await acd(t.people.agency_lead, ['approvals', 'propose', file, '--id', 'cli-file-2']));
    assert.deepEqual([f.id, f.category, f.status], ['cli-file-2', 'transit', 'proposed'], 'a flag replaces the field of the file');

    const d = JSON.parse(await acd(t.people.commission_member, ['approvals', 'decide', 'cli-a', 'approve', '--reason', 'necessary and proportionate']));
    assert.deepEqual([d.status, d.decidedBy], ['approved', t.people.commission_member.userId]);
    const list = await acd(t.people.auditor, ['approvals', 'list', '--status', 'approved']);
    const rows = table(list);
    assert.deepEqual(Object.keys(rows[0] ?? {}), ['ID', 'STATUS', 'CATEGORY', 'CARRIERS', 'CRITERIA', 'START', 'END']);
    const a = rows.find((x) => x.ID === 'cli-a');
    assert.deepEqual([a?.STATUS, a?.CATEGORY, a?.CARRIERS, a?.CRITERIA], ['approved', 'foreign-domestic', 'carrier-c', '3']);
    assert.doesNotMatch(list, /cli-file/);
    assert.equal(JSON.parse(await acd(t.people.agency_analyst, ['approvals', 'show', 'cli-file-2'])).status, 'proposed');
    assert.equal(JSON.parse(await acd(t.people.commission_member, ['approvals', 'decide', 'cli-file-2', 'reject', '--reason', 'too broad'])).status, 'rejected');

    const audit = (await listAudit(t.store.db, { limit: 500 })).filter((r) => r.target_type === 'approval' && String(r.target_id).startsWith('cli-'));
    assert.deepEqual(audit.map((r) => `${r.action}:${r.target_id}:${r.actor_user_id}`), [
      `approval.propose:cli-a:${t.people.agency_lead.userId}`,
      `approval.propose:cli-file-2:${t.people.agency_lead.userId}`,
      `approval.approve:cli-a:${t.people.commission_member.userId}`,
      `approval.reject:cli-file-2:${t.people.commission_member.userId}`,
    ]);
  });

  test('reidentify: request (lead), decide (commission), resolve once (the lead)', async () => {
    const key = createPseudonymiser({ keys: await loadPseudonymKeys(t.store.db) }).keyFor(Date.now(), 'cli-a')!;
    const pseudonym = ipv4ToString(key.pan.encrypt4(parseIpv4('147.32.83.234')));
    const r = JSON.parse(await acd(t.people.agency_lead, ['reidentify', 'request', '--pseudonym', pseudonym, '--approval', 'cli-a', '--finding', 'beacon|41.108.179.197|443/6', '--justification', 'notify the owner of the host']));
    assert.deepEqual([r.status, r.keyId], ['proposed', 'key-cli-a']);
    await assert.rejects(acd(t.people.agency_lead, ['reidentify', 'resolve', r.id]), (e: AcdError) => e.code === 'REIDENTIFY_NO_DECISION' && e.status === 403);
    const d = JSON.parse(await acd(t.people.commission_member, ['reidentify', 'decide', r.id, 'approve', '--reason', 'owner must be told', '--valid-minutes', '5']));
    assert.equal(d.status, 'approved');
    const req = table(await acd(t.people.commission_member, ['reidentify', 'list'])).find((x) => x.ID === r.id);
    assert.deepEqual([req?.STATUS, req?.KEY, req?.PSEUDONYMS, req?.PURPOSE], ['approved', 'key-cli-a', '1', 'finding:beacon|41.108.179.197|443/6']);
    assert.match(req?.['VALID UNTIL'] ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(table(await acd(t.people.agency_lead, ['reidentify', 'resolve', r.id])), [{ PSEUDONYM: pseudonym, ADDRESS: '147.32.83.234' }]);
    await assert.rejects(acd(t.people.agency_lead, ['reidentify', 'resolve', r.id]), (e: AcdError) => e.code === 'REIDENTIFY_USED' && e.status === 409);
  });

  test('errors: the server\'s (role, wrong field) and the CLI\'s own (no server, no token, bad flag), each saying what and where', async () => {
    await assert.rejects(acd(t.people.agency_analyst, ['approvals', 'propose', '--id', 'x', '--category', 'transit', '--carrier', 'c', '--criterion', 'port:53']), (e: AcdError) => e.status === 403 && /needs one of the roles agency_lead/.test(e.message));
    await assert.rejects(
      acd(t.people.agency_lead, ['approvals', 'propose', '--id', 'bad', '--category', 'transit', '--carrier', 'c', '--criterion', 'prefix:10.0.0.0/33']),
      (e: AcdError) => e.code === 'APPROVAL_INVALID' && e.message === "POST /api/v1/approvals: 400 approval.criteria[0].prefix: '10.0.0.0/33' is not a CIDR prefix",
    );
    await assert.rejects(acd(t.people.agency_lead, ['approvals', 'propose', '--id', 'bad', '--category', 'transit', '--carrier', 'c', '--criterion', 'regex:.*']), /--criterion\[0\]: 'regex:\.\*' is not \[ID=\]KIND:VALUE/);
    await assert.rejects(acd(t.people.agency_lead, ['approvals', 'propose', '--id', 'bad']), /--category \(foreign-domestic or transit\), --carrier, --criterion: required, or give the approval as a JSON file/);
    const notJson = join(dir, 'broken.json');
    writeFileSync(notJson, '{"id": ');
    await assert.rejects(acd(t.people.agency_lead, ['approvals', 'propose', notJson]), (e: AcdError) => e.code === 'CLI_BAD_FILE' && e.message.startsWith(`${notJson}: not JSON`));
    await assert.rejects(acd(t.people.agency_lead, ['approvals', 'propose', join(dir, 'missing.json')]), /missing\.json: cannot read it \(ENOENT\)/);
    await assert.rejects(acd(t.people.commission_member, ['approvals', 'decide', 'cli-a', 'maybe', '--reason', 'unsure']), /DECISION: 'maybe' is not approve or reject/);
    await assert.rejects(acd(t.people.commission_member, ['approvals', 'end', 'nope', '--reason', 'gone']), (e: AcdError) => e.status === 404 && /approval nope does not exist/.test(e.message));
    await assert.rejects(acd(null, ['approvals', 'list'], {}), (e: AcdError) => e.code === 'CLI_NO_URL');
    await assert.rejects(acd(null, ['approvals', 'list'], { ACD_URL: url }), (e: AcdError) => e.code === 'CLI_NO_TOKEN');
    await assert.rejects(acd(null, ['approvals', 'list', '--url', 'ftp://x'], { ACD_TOKEN: 't' }), (e: AcdError) => e.code === 'CLI_BAD_URL');
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    await assert.rejects(acd(null, ['approvals', 'list', '--url', `http://127.0.0.1:${closed}`, '--token', 'x'], {}), (e: AcdError) => e.code === 'CLI_UNREACHABLE' && e.message === `cannot reach http://127.0.0.1:${closed}: ECONNREFUSED`);
    await assert.rejects(acd(null, ['approvals', 'list', '--token', 'not-a-token'], { ACD_URL: url }), (e: AcdError) => e.status === 401);
    await assert.rejects(acd(t.people.agency_lead, ['reidentify', 'request', '--pseudonym', '10.0.0.1', '--approval', 'cli-a', '--justification', 'notify the owner']), /--finding, --operation, --flows: name exactly one/);
    await assert.rejects(acd(t.people.agency_lead, ['reidentify', 'request', '--pseudonym', '10.0.0.1,10.0.0.x', '--approval', 'cli-a', '--flows', 'cli-a', '--justification', 'notify the owner']), /400 reidentification\.pseudonyms\[1\]: '10\.0\.0\.x' is not an IPv4 or IPv6 address/);
    assert.deepEqual(parseCriterionFlag('port:/17', 0), { id: 'c1', kind: 'port', proto: 17 });
  });

  test('the real `acd` binary: ACD_URL / ACD_TOKEN from the environment, exit 2 with the server\'s message on a refusal', async () => {
    const ok = await child(['approvals', 'list', '--json'], { ACD_URL: url, ACD_TOKEN: t.people.auditor.token });
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok((JSON.parse(ok.stdout) as Array<{ id: string }>).some((a) => a.id === 'cli-a'));
    const refused = await child(['approvals', 'end', 'cli-a', '--reason', 'not mine to end'], { ACD_URL: url, ACD_TOKEN: t.people.agency_lead.token });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^acd: POST \/api\/v1\/approvals\/cli-a\/end: 403 .*needs one of the roles commission_member \[FORBIDDEN\]$/m);
  });
});
