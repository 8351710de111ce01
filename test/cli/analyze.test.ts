/**
 * `acd analyze` says why flows were set aside (issue #24): the real CLI on small generated Zeek JSON logs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');
const acd = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', timeout: 120_000 });

const T0 = Date.UTC(2026, 5, 1) / 1000;
const conn = (i: number, src: string, dst: string, ts: number | string = T0 + i * 10): string =>
  JSON.stringify({ ts, uid: `C${i}`, 'id.orig_h': src, 'id.orig_p': 40000 + (i % 20000), 'id.resp_h': dst, 'id.resp_p': 443, proto: 'tcp', duration: 1.5, orig_bytes: 300, resp_bytes: 900, conn_state: 'SF', history: 'ShADadFf', orig_pkts: 6, orig_ip_bytes: 600, resp_pkts: 6, resp_ip_bytes: 1200 });

interface Summary {
  lines: { lines: number; records: number; skipped: number; malformed: number; malformedBy: Record<string, number> };
  received: number;
  byCategory: Record<'foreign-domestic' | 'transit' | 'domestic-domestic', number>;
  setAside: Record<'domestic-domestic' | 'no-approval' | 'no-key', number>;
  selected: number;
  discarded: number;
  explanation: string | null;
  findings: number;
}
const summaryOf = (stdout: string): Summary => {
  const lines = stdout.trim().split('\n');
  const last = JSON.parse(lines.at(-1)!) as { summary?: Summary };
  assert.ok(last.summary, `the last line of --json is the summary: ${lines.at(-1)}`);
  return last.summary;
};

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'acd-analyze-'));
  try { fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

test('a file of domestic↔domestic flows only: no findings, and the explanation names domestic↔domestic and the scope', () => {
  withDir((dir) => {
    const log = join(dir, 'conn.log');
    writeFileSync(log, Array.from({ length: 300 }, (_, i) => conn(i, `192.168.1.${i % 200}`, `192.168.2.${(i * 7) % 200}`)).join('\n') + '\n');
    const r = acd(['analyze', log, '--domestic', '192.168.0.0/16']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '', 'no findings, no table');
    assert.match(r.stderr, /why: 300 of 300 flows were domestic↔domestic: ACD only analyses cross-border traffic \(domestic = 192\.168\.0\.0\/16; give --domestic/);
    assert.match(r.stderr, /set aside 300: out of scope \(domestic↔domestic\) 300, no approval 0, no pseudonym key 0/);
    const j = acd(['analyze', log, '--domestic', '192.168.0.0/16', '--json']);
    assert.equal(j.status, 0, j.stderr);
    const s = summaryOf(j.stdout);
    assert.equal(s.received, 300);
    assert.equal(s.setAside['domestic-domestic'], 300);
    assert.equal(s.byCategory['domestic-domestic'], 300);
    assert.equal(s.selected + s.discarded, 0);
    assert.match(s.explanation ?? '', /^300 of 300 flows were domestic↔domestic/);
  });
});

test('without --domestic the explanation names the country whose address space is domestic', () => {
  withDir((dir) => {
    const log = join(dir, 'conn.log');
    // 133.0.0.0/8 and 126.0.0.0/8 are Japanese allocations (WIDE, SoftBank)
    writeFileSync(log, Array.from({ length: 50 }, (_, i) => conn(i, `133.11.0.${i + 1}`, `126.0.0.${i + 1}`)).join('\n') + '\n');
    const r = acd(['analyze', log, '--country', 'JP']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /why: 50 of 50 flows were domestic↔domestic: .*country JP/);
  });
});

test('a mixed file: the counts by reason add up to the flows received, the lines to the file, and a bad line is named FILE:LINE', () => {
  withDir((dir) => {
    const log = join(dir, 'mixed.log');
    const lines: string[] = [];
    for (let i = 0; i < 120; i++) {
      if (i % 3 === 0) lines.push(conn(i, `192.168.1.${i % 200}`, '192.168.9.9')); // domestic↔domestic
      else if (i % 3 === 1) lines.push(conn(i, `192.168.1.${i % 200}`, '93.184.216.34')); // cross-border
      else lines.push(conn(i, '8.8.8.8', '1.1.1.1')); // transit
    }
    lines.splice(41, 0, '{"ts": 1780000000, "uid": "Cbad", "id.orig_h": "not-an-address"}'); // line 42
    writeFileSync(log, lines.join('\n') + '\n');
    const r = acd(['analyze', log, '--domestic', '192.168.0.0/16', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`acd analyze: ${log.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:42: `));
    const s = summaryOf(r.stdout);
    assert.equal(s.lines.lines, 121);
    assert.equal(s.lines.malformed, 1);
    assert.equal(s.lines.records + s.lines.skipped + s.lines.malformed, s.lines.lines);
    assert.equal(s.received, s.lines.records);
    assert.deepEqual(s.byCategory, { 'foreign-domestic': 40, transit: 40, 'domestic-domestic': 40 });
    const setAside = s.setAside['domestic-domestic'] + s.setAside['no-approval'] + s.setAside['no-key'];
    assert.equal(setAside + s.selected + s.discarded, s.received);
    assert.equal(s.setAside['domestic-domestic'], 40);
    assert.equal(s.explanation, null, 'a third set aside is not "most"');
    // the findings lines before the summary are findings
    for (const l of r.stdout.trim().split('\n').slice(0, -1)) assert.ok('score' in JSON.parse(l));
  });
});

test('flows whose time is not a valid date never reach the gate: counted as malformed lines by reason "time", named FILE:LINE', () => {
  withDir((dir) => {
    const log = join(dir, 'times.log');
    // ts beyond the year 9999 and before 1970, then one good line
    writeFileSync(log, [conn(0, '192.168.1.1', '93.184.216.34', 9e12), conn(1, '192.168.1.1', '93.184.216.34', -1000), conn(2, '192.168.1.1', '93.184.216.34')].join('\n') + '\n');
    const r = acd(['analyze', log, '--domestic', '192.168.0.0/16', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /times\.log:1: time: /);
    assert.match(r.stderr, /times\.log:2: time: /);
    const s = summaryOf(r.stdout);
    assert.deepEqual(s.lines.malformedBy, { time: 2 });
    assert.equal(s.received, 1);
    assert.equal(s.setAside['no-approval'], 0);
    assert.match(s.explanation ?? '', /^2 of 3 lines were malformed \(time 2\)/);
  });
});

test('a file of malformed lines: the explanation says the lines were malformed, and --max-errors limits the messages', () => {
  withDir((dir) => {
    const log = join(dir, 'bad.log');
    writeFileSync(log, [conn(0, '192.168.1.1', '93.184.216.34'), ...Array.from({ length: 30 }, (_, i) => `{"ts": ${T0 + i}, "uid": "C${i}", "id.orig_h": 5}`)].join('\n') + '\n');
    const r = acd(['analyze', log, '--domestic', '192.168.0.0/16', '--max-errors', '3']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.match(/^acd analyze: .*bad\.log:\d+: /gm)?.length, 3, r.stderr);
    assert.match(r.stderr, /more malformed lines, not shown \(--max-errors 3\)/);
    assert.match(r.stderr, /why: 30 of 31 lines were malformed/);
  });
});
