import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPublicKey, loadOrCreateLogKey, logKeySource, DEFAULT_LOG_ORIGIN } from '../../src/oversight/index.js';

test('the log key file: created 0600 when missing, the same key when read again, a bad file named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acd-key-'));
  try {
    const path = join(dir, 'sub', 'audit-log-key.pem');
    const a = loadOrCreateLogKey(path, 'test/log');
    assert.equal(a.created, true);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const b = loadOrCreateLogKey(path, 'test/log');
    assert.equal(b.created, false);
    assert.equal(exportPublicKey(b.key).vkey, exportPublicKey(a.key).vkey);
    const bad = join(dir, 'bad.pem');
    writeFileSync(bad, 'not a key');
    assert.throws(() => loadOrCreateLogKey(bad), { code: 'AUDIT_KEY_INVALID' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('where the key lives: ACD_AUDIT_LOG_KEY, else the data folder; an in-memory store gets a fresh one', () => {
  assert.deepEqual(logKeySource({ data: '/var/lib/acd' }, {}), { path: '/var/lib/acd/audit-log-key.pem', origin: DEFAULT_LOG_ORIGIN });
  assert.deepEqual(logKeySource({ data: 'memory://' }, {}), { path: null, origin: DEFAULT_LOG_ORIGIN });
  assert.deepEqual(logKeySource({ data: './.acd-data', db: 'postgres://x/acd' }, { ACD_AUDIT_LOG_KEY: '/etc/acd/log.pem', ACD_AUDIT_LOG_ORIGIN: 'acd.example.org/audit' }), { path: '/etc/acd/log.pem', origin: 'acd.example.org/audit' });
  assert.deepEqual(logKeySource({ data: 'memory://', db: 'postgres://x/acd' }, {}), { path: '.acd-data/audit-log-key.pem', origin: DEFAULT_LOG_ORIGIN });
});

test('key custody at start: a key others can read stops the server; a key in the data folder is warned about', async () => {
  const { mkdtempSync, chmodSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { checkKeyCustody, loadOrCreateLogKey: create } = await import('../../src/oversight/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'acd-custody-'));
  try {
    const data = join(dir, 'data');
    const inData = join(data, 'audit-log-key.pem');
    create(inData);
    assert.match(checkKeyCustody(inData, data).warnings.join('\n'), /lives in the data folder/);
    const outside = join(dir, 'keys', 'audit-log-key.pem');
    create(outside);
    assert.deepEqual(checkKeyCustody(outside, data).warnings, []);
    chmodSync(outside, 0o640);
    assert.throws(() => checkKeyCustody(outside, data), (e: unknown) => (e as { code?: string }).code === 'AUDIT_KEY_CUSTODY' && /mode 0640/.test((e as Error).message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the configuration names the key and the origin (auditLogKey, auditLogOrigin)', () => {
  assert.deepEqual(logKeySource({ data: './.acd-data', auditLogKey: '/etc/acd/log.pem', auditLogOrigin: 'acd.example.org/audit' }), { path: '/etc/acd/log.pem', origin: 'acd.example.org/audit' });
});
