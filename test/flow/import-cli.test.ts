/**
 * `acd import`: per-file counts on stdout, messages on stderr, exit status; and never a flow address.
 */
import { thirdParty, thirdPartySkip } from '../helpers/third-party.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runImport, type ImportCliOptions } from '../../src/cli/commands/import.js';
import { buildProgram } from '../../src/cli/main.js';

const DATA = thirdParty('stratosphere') + '/';
const C001 = `${DATA}stratosphere-security-datasets-for-testing/001-zeek-scenario-malicious/conn.log`;
const T5 = `${DATA}slips-dataset/test5-mixed.binetflow`;
const skip = existsSync(DATA) ? false : thirdPartySkip('stratosphere');

async function cli(files: string[], opts: ImportCliOptions = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runImport(files, opts, { stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, tty: false });
  return { code, out, err };
}

/** every IPv4 address and every long IPv6 address in a file's text */
function addressesIn(path: string): Set<string> {
  const text = readFileSync(path, 'utf8');
  return new Set([...text.matchAll(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b|\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){3,7}\b/g)].map((m) => m[0]));
}

test('prints per-file counts and a total, and no address from the files', { skip }, async () => {
  const r = await cli([C001, T5]);
  assert.equal(r.code, 0);
  assert.match(r.out, /001-zeek-scenario-malicious\/conn\.log: zeek, 1000 lines: 992 records, 8 skipped \(header 8\), 0 malformed; /);
  assert.match(r.out, /test5-mixed\.binetflow: binetflow, 301 lines: 296 records, 5 skipped \(header 1, non-ip 4\), 0 malformed; /);
  assert.match(r.out, /total: 2 of 2 files, 1301 lines: 1288 records, 13 skipped, 0 malformed/);
  const addrs = new Set([...addressesIn(C001), ...addressesIn(T5)]);
  assert.ok(addrs.size > 50);
  for (const a of addrs) assert.ok(!r.out.includes(a) && !r.err.includes(a), `address ${a} printed`);
});

test('--json prints the statistics; a rejected file gives exit status 1 and its reason, the other files are still read', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acd-import-cli-'));
  const prose = join(dir, 'notes.txt');
  writeFileSync(prose, 'not a flow file\n');
  const r = await cli([prose, T5], { json: true, progress: true });
  assert.equal(r.code, 1);
  const stats = JSON.parse(r.out) as Array<Record<string, unknown>>;
  assert.equal(stats.length, 2);
  assert.equal(stats[0]?.code, 'IMPORT_UNKNOWN_FORMAT');
  assert.equal(stats[1]?.records, 296);
  assert.match(r.err, /notes\.txt: not a flow file ACD can import: .* \[IMPORT_UNKNOWN_FORMAT\]/);
  assert.match(r.err, /test5-mixed\.binetflow: [\d.]+\/[\d.]+ MiB \(100%\), 296 records, \d+ records\/s/, 'progress at the end');
});

test('malformed lines are reported up to --max-errors, then summarised', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acd-import-cli-'));
  const p = join(dir, 'bad.jsonl');
  const good = '{"src":"10.1.2.3","dst":"10.3.2.1","start":1}';
  writeFileSync(p, [good, ...Array.from({ length: 5 }, () => '{"src":"10.1.2.3","dst":"10.3.2.1"}')].join('\n'));
  const r = await cli([p], { maxErrors: 2 });
  assert.equal(r.code, 0);
  assert.equal(r.err.match(/bad\.jsonl:\d+: field: start missing/g)?.length, 2);
  assert.match(r.err, /more malformed lines, not shown \(--max-errors 2\)/);
  assert.match(r.out, /6 lines: 1 records, 0 skipped, 5 malformed \(field 5\)/);
  assert.ok(!r.err.includes('10.1.2.3'));
});

test('an unknown --format is refused', async () => {
  await assert.rejects(cli(['x'], { format: 'pcap' }), /--format pcap: use one of zeek, zeek-json, binetflow, jsonl/);
});

test('the command is registered with a help text and an example', async () => {
  const program = await buildProgram();
  const cmd = program.commands.find((c) => c.name() === 'import');
  assert.ok(cmd);
  let help = '';
  cmd.configureOutput({ writeOut: (s) => { help += s; } });
  cmd.outputHelp();
  assert.match(help, /--format <format>/);
  assert.match(help, /Examples:\n {2}\$ acd import/);
});

test('- reads standard input (gzip detected there too)', async () => {
  const { gzipSync } = await import('node:zlib');
  const text = '{"src":"10.1.2.3","dst":"10.3.2.1","start":1}\n{"src":"10.1.2.3","dst":"10.3.2.1","start":2}\n';
  for (const bytes of [Buffer.from(text), gzipSync(text)]) {
    let out = '';
    const code = await runImport(['-'], {}, { stdout: (s) => { out += s; }, stderr: () => {}, tty: false, stdin: Readable.from([bytes]) });
    assert.equal(code, 0);
    assert.match(out, /^stdin: jsonl.*, 2 lines: 2 records, 0 skipped, 0 malformed/);
  }
});
