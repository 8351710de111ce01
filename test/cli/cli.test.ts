import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../../src/cli/main.js';

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');
const acd = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });

test('every command and every group of commands has a description and a --help with an example', async () => {
  const program = await buildProgram();
  const walk = (cmd: typeof program): (typeof program)[] => [cmd, ...cmd.commands.flatMap((c) => walk(c as typeof program))];
  const all = walk(program).filter((c) => c !== program);
  assert.ok(all.length >= 3);
  for (const c of all) {
    assert.ok(c.description().length > 10, `${c.name()} has no description`);
    let help = '';
    c.configureOutput({ writeOut: (s) => (help += s), writeErr: (s) => (help += s) });
    c.outputHelp();
    // commander prints addHelpText('after') only through the help event; emit it as --help would
    (c as unknown as NodeJS.EventEmitter).emit('afterHelp', { error: false, command: c, write: (s: string) => (help += s) });
    assert.match(help, /Usage:/, `${c.name()} --help`);
    assert.match(help, /Example/, `${c.name()} --help has no example`);
    assert.match(help, new RegExp(`\\$ (\\S+=\\S+ )*acd (\\S+ )?${c.name()}\\b`), `${c.name()} --help: the example runs ${c.name()}`);
  }
});

test('`acd admin create` bootstraps the first administrator, and refuses a bad username', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acd-admin-'));
  const ok = acd(['admin', 'create', '--username', 'root-admin', '--data', dir]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /created administrator root-admin/);
  assert.match(ok.stdout, /password \(shown once\): \S{12,}/);
  const again = acd(['admin', 'create', '--username', 'root-admin', '--data', dir]);
  assert.notEqual(again.status, 0);
  assert.match(again.stderr, /username "root-admin" is taken/);
  const bad = acd(['admin', 'create', '--username', 'Bad Name!', '--data', dir]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /INVALID_USERNAME/);
});

test('a wrong configuration value stops start-up with a message naming key, value and what is allowed', () => {
  const r = acd(['serve', '--port', 'eighty']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /config key "port" has value "eighty", which is not allowed: expected integer from 0 to 65535/);
});

test('--help of the program lists the commands', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', MAIN, '--help'], { encoding: 'utf8' });
  for (const c of ['serve', 'admin', 'demo']) assert.match(out, new RegExp(`\\b${c}\\b`));
});
