import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPublicKey, generateLogKey, importVerifier, logKeyFromPem, noteKeyId, privateKeyPem, rawPublicKey, type LogKey } from '../../src/oversight/keys.js';
import { openNote, parseNote, signNote } from '../../src/oversight/note.js';
import { formatCheckpoint, parseCheckpoint } from '../../src/oversight/checkpoint.js';
import { openTreeHead, signTreeHead } from '../../src/oversight/tree-head.js';
import { hashLeaf } from '../../src/oversight/merkle.js';

// The example of golang.org/x/mod/sumdb/note (also C2SP signed-note's): key, text and signed note.
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

function goKey(): LogKey {
  const seed = Buffer.from(GO_SKEY.slice('PRIVATE+KEY+PeterNeumann+c74f20a3+'.length), 'base64').subarray(1);
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  return logKeyFromPem('PeterNeumann', privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
}

test('signed notes match Go sumdb/note byte for byte: same key id, same vkey, same signature', () => {
  const key = goKey();
  assert.equal(exportPublicKey(key).vkey, GO_VKEY);
  assert.equal(key.keyId.toString('hex'), 'c74f20a3');
  assert.equal(signNote(GO_TEXT, key), GO_NOTE);
  assert.equal(openNote(GO_NOTE, importVerifier(GO_VKEY)), GO_TEXT);
  assert.throws(() => openNote(GO_NOTE.replace('cryptography', 'cryptographY'), importVerifier(GO_VKEY)), { code: 'AUDIT_HEAD_SIGNATURE' });
});

test('the key id is SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4], as C2SP signed-note says', () => {
  const key = generateLogKey('acd.test/audit');
  const raw = rawPublicKey(key.publicKey);
  const expected = createHash('sha256').update(Buffer.concat([Buffer.from('acd.test/audit\n'), Buffer.from([1]), raw])).digest().subarray(0, 4);
  assert.deepEqual(noteKeyId('acd.test/audit', raw), expected);
  assert.deepEqual(key.keyId, expected);
});

test('a signed tree head is a checkpoint with a timestamp line, and opens with every published key form', () => {
  const key = generateLogKey('acd.test/audit');
  const root = hashLeaf(Buffer.from('x'));
  const head = signTreeHead({ treeSize: 42, rootHash: root, timestamp: 1764090000123 }, key);
  const [text, sigs] = head.note.split('\n\n') as [string, string];
  assert.equal(text, `acd.test/audit\n42\n${root.toString('base64')}\ntimestamp 1764090000123`);
  assert.match(sigs, /^\u2014 acd\.test\/audit [A-Za-z0-9+/]{91}=\n$/u, 'one signature line: 4-byte key id + 64-byte signature');
  const pub = exportPublicKey(key);
  for (const v of [importVerifier(pub.vkey), importVerifier(pub.pem, 'acd.test/audit'), importVerifier(pub.raw, 'acd.test/audit')]) {
    const opened = openTreeHead(head.note, v);
    assert.equal(opened.treeSize, 42);
    assert.equal(opened.timestamp, 1764090000123);
    assert.deepEqual(opened.rootHash, root);
  }
  // the private key survives its PEM
  const again = logKeyFromPem('acd.test/audit', privateKeyPem(key));
  assert.deepEqual(again.keyId, key.keyId);
  assert.equal(openTreeHead(signTreeHead({ treeSize: 1, rootHash: root, timestamp: 1 }, again).note, importVerifier(pub.vkey)).treeSize, 1);
});

test('forged or altered tree heads are refused, each with its code', () => {
  const key = generateLogKey('acd.test/audit');
  const v = importVerifier(exportPublicKey(key).vkey);
  const root = hashLeaf(Buffer.from('x'));
  const { note } = signTreeHead({ treeSize: 7, rootHash: root, timestamp: 1000 }, key);
  const code = (c: string) => ({ code: c });
  // every altered line: size, root, timestamp, origin
  assert.throws(() => openTreeHead(note.replace('\n7\n', '\n8\n'), v), code('AUDIT_HEAD_SIGNATURE'));
  assert.throws(() => openTreeHead(note.replace(root.toString('base64'), hashLeaf(Buffer.from('y')).toString('base64')), v), code('AUDIT_HEAD_SIGNATURE'));
  assert.throws(() => openTreeHead(note.replace('timestamp 1000', 'timestamp 2000'), v), code('AUDIT_HEAD_SIGNATURE'));
  // another key of the same name
  const other = generateLogKey('acd.test/audit');
  assert.throws(() => openTreeHead(signTreeHead({ treeSize: 7, rootHash: root, timestamp: 1000 }, other).note, v), code('AUDIT_HEAD_SIGNATURE'));
  // a right key but a head from another log
  const elsewhere = generateLogKey('other.test/log');
  assert.throws(() => openTreeHead(signTreeHead({ treeSize: 7, rootHash: root, timestamp: 1000 }, elsewhere).note, importVerifier(exportPublicKey(elsewhere).vkey), { origin: 'acd.test/audit' }), code('AUDIT_HEAD_WRONG_ORIGIN'));
  // a cosignature by an unknown key is ignored; our signature still counts
  const cosigned = note + `\u2014 witness.test ${Buffer.alloc(68, 1).toString('base64')}\n`;
  assert.equal(openTreeHead(cosigned, v).treeSize, 7);
  // malformed notes and checkpoints
  assert.throws(() => parseNote('no signatures\n'), code('AUDIT_HEAD_MALFORMED'));
  assert.throws(() => parseNote(note.slice(0, -1)), code('AUDIT_HEAD_MALFORMED'));
  assert.throws(() => parseNote(note.replace('\u2014 ', '- ')), code('AUDIT_HEAD_MALFORMED'));
  assert.throws(() => parseCheckpoint('o\n07\nAAAA\ntimestamp 1\n'), code('AUDIT_HEAD_MALFORMED'));
  assert.throws(() => parseCheckpoint(`o\n7\n${root.toString('base64')}\n`), code('AUDIT_HEAD_MALFORMED'));
  assert.throws(() => parseCheckpoint(`o\n7\n${root.toString('base64').slice(4)}\ntimestamp 1\n`), code('AUDIT_HEAD_MALFORMED'));
  assert.deepEqual(parseCheckpoint(formatCheckpoint({ origin: 'o', treeSize: 0, rootHash: root, timestamp: 0 })), { origin: 'o', treeSize: 0, rootHash: root, timestamp: 0 });
  // bad keys
  assert.throws(() => importVerifier('PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), code('AUDIT_KEY_INVALID'));
  assert.throws(() => importVerifier('not a key'), code('AUDIT_KEY_INVALID'));
  assert.throws(() => importVerifier(exportPublicKey(key).pem), code('AUDIT_KEY_INVALID'), 'PEM without a name');
  assert.throws(() => generateLogKey('has space'), code('AUDIT_KEY_INVALID'));
});

test('anyone can check a tree head with openssl: the note text, the PEM key and the signature minus its key id', (t) => {
  if (spawnSync('openssl', ['version']).status !== 0) {
    t.skip('openssl is not installed (Debian package openssl)');
    return;
  }
  const key = generateLogKey('acd.test/audit');
  const head = signTreeHead({ treeSize: 3, rootHash: hashLeaf(Buffer.from('z')), timestamp: 5 }, key);
  const { text, signatures } = parseNote(head.note);
  const dir = mkdtempSync(join(tmpdir(), 'acd-sth-'));
  try {
    writeFileSync(join(dir, 'pub.pem'), exportPublicKey(key).pem);
    writeFileSync(join(dir, 'sig'), signatures[0]!.signature);
    const check = (body: string): number | null => {
      writeFileSync(join(dir, 'text'), body);
      return spawnSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'pub.pem'), '-rawin', '-in', join(dir, 'text'), '-sigfile', join(dir, 'sig')]).status;
    };
    assert.equal(check(text), 0, 'openssl verifies the checkpoint');
    assert.notEqual(check(text.replace('\n3\n', '\n4\n')), 0, 'openssl refuses an altered checkpoint');
    // and the PEM is a standard SubjectPublicKeyInfo
    assert.equal(createPublicKey(exportPublicKey(key).pem).asymmetricKeyType, 'ed25519');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
