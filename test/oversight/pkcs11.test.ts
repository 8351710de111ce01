/**
 * The log key behind PKCS#11, against a real token: Debian's SoftHSM 2 (softhsm2-util, libsofthsm2.so),
 * a token initialised in a temporary folder, an Ed25519 key pair generated ON the token (the private
 * half never leaves it). The appender signs heads through it; they verify under the token's public key
 * with ACD's verifier and with openssl.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import { openStore, type Store } from '../../src/store/index.js';
import { SYSTEM_ACTOR } from '../../src/auth/index.js';
import { createAuditLogAppender, exportPublicKey, openPkcs11LogKey, recordAuditBatch, verifyLogExport } from '../../src/oversight/index.js';

const MODULE = '/usr/lib/softhsm/libsofthsm2.so';

describe('the audit log key on a PKCS#11 token (SoftHSM 2)', () => {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'acd-hsm-'));
    mkdirSync(join(dir, 'tokens'));
    writeFileSync(join(dir, 'softhsm2.conf'), `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
    process.env.SOFTHSM2_CONF = join(dir, 'softhsm2.conf');
    execFileSync('softhsm2-util', ['--init-token', '--free', '--label', 'acd-test', '--pin', '1234', '--so-pin', '5678'], { stdio: 'pipe' });
    // the key pair, made on the token (CKM_EC_EDWARDS_KEY_PAIR_GEN, curve Ed25519 by OID 1.3.101.112)
    const p = new pkcs11js.PKCS11();
    p.load(MODULE);
    p.C_Initialize();
    try {
      const slot = p.C_GetSlotList(true).find((s) => p.C_GetTokenInfo(s).label.trim() === 'acd-test')!;
      const s = p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      p.C_Login(s, pkcs11js.CKU_USER, '1234');
      p.C_GenerateKeyPair(
        s,
        { mechanism: 0x1055 },
        [
          { type: pkcs11js.CKA_TOKEN, value: true },
          { type: pkcs11js.CKA_VERIFY, value: true },
          { type: pkcs11js.CKA_LABEL, value: 'acd-audit-log' },
          { type: pkcs11js.CKA_EC_PARAMS, value: Buffer.from('06032b6570', 'hex') },
        ],
        [
          { type: pkcs11js.CKA_TOKEN, value: true },
          { type: pkcs11js.CKA_SIGN, value: true },
          { type: pkcs11js.CKA_PRIVATE, value: true },
          { type: pkcs11js.CKA_SENSITIVE, value: true },
          { type: pkcs11js.CKA_EXTRACTABLE, value: false },
          { type: pkcs11js.CKA_LABEL, value: 'acd-audit-log' },
        ],
      );
      p.C_Logout(s);
      p.C_CloseSession(s);
    } finally {
      p.C_Finalize();
    }
    store = await openStore({ data: 'memory://' });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the appender signs through the token; heads verify under its public key (ACD and openssl)', async () => {
    const hsm = await openPkcs11LogKey({ module: MODULE, token: 'acd-test', pin: '1234', keyLabel: 'acd-audit-log', origin: 'test/hsm-log' });
    try {
      assert.equal(hsm.key.privateKey, null, 'no private key in this process');
      const log = await createAuditLogAppender({ store, key: hsm.key, config: { intervalMs: 0 } });
      await recordAuditBatch(store.db, Array.from({ length: 12 }, (_, i) => ({ actor: SYSTEM_ACTOR, action: 'operation.read', target: { type: 'operation', id: `op-${i}` }, at: new Date(Date.UTC(2026, 10, 27, 9, 0, i)) })));
      const head = await log.signHead();
      assert.equal(head.treeSize, 12);
      const pub = exportPublicKey(hsm.key);
      const r = await verifyLogExport(JSON.parse(JSON.stringify(await log.exportLog())) as unknown, pub.vkey);
      assert.equal(r.ok, true, JSON.stringify(r.firstFailure));
      // openssl: the signature line is key id (4) ‖ Ed25519 signature (64) over the note text
      const split = head.note.lastIndexOf('\n\n');
      const text = head.note.slice(0, split + 1);
      const sig = Buffer.from(head.note.slice(split + 2).trim().split(' ')[2]!, 'base64').subarray(4);
      writeFileSync(join(dir, 'pub.pem'), pub.pem);
      writeFileSync(join(dir, 'msg'), text);
      writeFileSync(join(dir, 'sig'), sig);
      const out = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'pub.pem'), '-rawin', '-in', join(dir, 'msg'), '-sigfile', join(dir, 'sig')], { stdio: 'pipe' }).toString();
      assert.match(out, /Signature Verified Successfully/);
    } finally {
      hsm.close();
    }
  });

  test('a wrong PIN or an unknown key label is refused with AUDIT_KEY_INVALID', async () => {
    await assert.rejects(() => openPkcs11LogKey({ module: MODULE, token: 'acd-test', pin: '0000', keyLabel: 'acd-audit-log', origin: 'test/hsm-log' }), (e: unknown) => (e as { code?: string }).code === 'AUDIT_KEY_INVALID' && /login/.test((e as Error).message));
    await assert.rejects(() => openPkcs11LogKey({ module: MODULE, token: 'acd-test', pin: '1234', keyLabel: 'no-such-key', origin: 'test/hsm-log' }), (e: unknown) => (e as { code?: string }).code === 'AUDIT_KEY_INVALID' && /no Ed25519 key pair labelled no-such-key/.test((e as Error).message));
    await assert.rejects(() => openPkcs11LogKey({ module: MODULE, token: 'no-such-token', pin: '1234', keyLabel: 'acd-audit-log', origin: 'test/hsm-log' }), /no PKCS#11 token labelled no-such-token/);
  });
});
