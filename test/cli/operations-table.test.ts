/**
 * `acd operations expire` and `acd operations blocklist --format table` print headed tables (issue #24); `--json`
 * and the machine formats stay as they were. The real CLI on an embedded store made for the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTable } from '../helpers/table.js';

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');
const acd = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', timeout: 300_000 });

test('operations expire and blocklist: a header line over the rows; --json and --format txt unchanged; a bad format named', { timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'acd-ops-'));
  try {
    const exp = acd(['operations', 'expire', '--data', dir]);
    assert.equal(exp.status, 0, exp.stderr);
    assert.match(exp.stdout, /^OPERATION {2}REASON {2}RESULT\n0 operations due\n$/);
    assert.deepEqual(parseTable(exp.stdout.split('\n')[0]!), []);
    const json = acd(['operations', 'expire', '--data', dir, '--json']);
    assert.equal(json.status, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), []);
    const tab = acd(['operations', 'blocklist', '--data', dir, '--format', 'table']);
    assert.equal(tab.status, 0, tab.stderr);
    assert.equal(tab.stdout, 'TYPE  VALUE  MEASURES  OPERATIONS  SINCE  UNTIL\n');
    const txt = acd(['operations', 'blocklist', '--data', dir]);
    assert.match(txt.stdout, /^# ACD blocklist: measures in force at \S+ \(0 entries\)\n$/);
    const bad = acd(['operations', 'blocklist', '--data', dir, '--format', 'xml']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--format: xml is not txt, csv, stix or table/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
