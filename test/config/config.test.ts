import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { AcdError } from '../../src/shared/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'acd-config-'));

test('defaults apply when nothing is given', () => {
  const c = loadConfig({ env: {}, cwd: dir });
  assert.equal(c.port, 8080);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.data, './.acd-data');
  assert.equal(c.db, undefined);
  assert.equal(c.country, 'JP');
});

test('file < environment < flags, in that order of strength', () => {
  const file = join(dir, 'acd.config.json');
  writeFileSync(file, JSON.stringify({ port: 1111, host: '0.0.0.0', logLevel: 'debug' }));
  const fromFile = loadConfig({ env: {}, cwd: dir });
  assert.equal(fromFile.port, 1111);
  const withEnv = loadConfig({ env: { ACD_PORT: '2222', ACD_LOG_LEVEL: 'warn' }, cwd: dir });
  assert.equal(withEnv.port, 2222);
  assert.equal(withEnv.logLevel, 'warn');
  assert.equal(withEnv.host, '0.0.0.0');
  const withFlags = loadConfig({ env: { ACD_PORT: '2222' }, flags: { port: '3333' }, cwd: dir });
  assert.equal(withFlags.port, 3333);
});

test('lists come from comma-separated text', () => {
  const c = loadConfig({ env: { ACD_DOMESTIC: '147.32.0.0/16, 10.0.0.0/8' }, cwd: mkdtempSync(join(tmpdir(), 'acd-c-')) });
  assert.deepEqual(c.domestic, ['147.32.0.0/16', '10.0.0.0/8']);
});

function configError(fn: () => unknown): AcdError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AcdError);
    return e;
  }
  assert.fail('no error');
}

test('a wrong value names the key, the value and what is allowed', () => {
  const empty = mkdtempSync(join(tmpdir(), 'acd-c-'));
  const e1 = configError(() => loadConfig({ env: { ACD_PORT: 'eighty' }, cwd: empty }));
  assert.equal(e1.code, 'CONFIG_INVALID');
  assert.match(e1.message, /"port" has value "eighty".*integer from 0 to 65535/);
  const e2 = configError(() => loadConfig({ env: {}, flags: { logLevel: 'chatty' }, cwd: empty }));
  assert.match(e2.message, /"logLevel" has value "chatty".*one of "fatal"/);
  const e3 = configError(() => loadConfig({ env: { ACD_DB: 'mysql://x' }, cwd: empty }));
  assert.match(e3.message, /"db" has value "mysql:\/\/x".*postgres/);
  const e4 = configError(() => loadConfig({ env: {}, flags: { port: 70000 }, cwd: empty }));
  assert.match(e4.message, /70000/);
});

test('an unknown key in the file is refused, naming it', () => {
  const d = mkdtempSync(join(tmpdir(), 'acd-c-'));
  writeFileSync(join(d, 'acd.config.json'), JSON.stringify({ prot: 80 }));
  assert.match(configError(() => loadConfig({ env: {}, cwd: d })).message, /"prot" is unknown/);
});

test('a config file that is not JSON is refused, naming the file', () => {
  const d = mkdtempSync(join(tmpdir(), 'acd-c-'));
  writeFileSync(join(d, 'acd.config.json'), '{ port: 80 ');
  const e = configError(() => loadConfig({ env: {}, cwd: d }));
  assert.equal(e.code, 'CONFIG_FILE');
  assert.match(e.message, /acd\.config\.json is not valid JSON/);
});

test('ACD_ variables that are not configuration keys are ignored', () => {
  const c = loadConfig({ env: { ACD_TEST_PG_URL: 'x', ACD_PORT: '81' }, cwd: mkdtempSync(join(tmpdir(), 'acd-c-')) });
  assert.equal(c.port, 81);
});
