/**
 * C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature), the Ed25519 type (cosignature/v1):
 *
 *   key ID      = SHA-256(<name> ‖ "\n" ‖ 0x04 ‖ 32-byte Ed25519 public key)[:4]
 *   signature   = timestamp (u64, big-endian, POSIX seconds) ‖ Ed25519 signature (64 bytes)
 *   signed text = "cosignature/v1\n" ‖ "time <timestamp>\n" ‖ the checkpoint's note body (final newline included)
 *   line        = "— <name> base64(key ID ‖ signature)\n", appended to the checkpoint's signature lines
 *   vkey        = <name>+<key ID hex>+base64(0x04 ‖ public key)
 *
 * A cosignature says: as of that time, the largest consistent tree the cosigner has seen for the
 * checkpoint's origin has this root hash.
 */
import { createHash, createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { parseNote } from './note.js';
import { rawPublicKey, signWithKey, type LogKey, type LogVerifier } from './keys.js';
import { auditError } from './errors.js';

const ALG_COSIGNATURE_V1 = 0x04;
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const DASH = '\u2014';

/** A cosigner (witness) key: the same shape as a log key, with the cosignature key id. */
export type CosignerKey = LogKey;
export type CosignerVerifier = LogVerifier;

export function cosignerKeyId(name: string, raw: Uint8Array): Buffer {
  return createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a, ALG_COSIGNATURE_V1]))
    .update(raw)
    .digest()
    .subarray(0, 4);
}

function checkName(name: string): void {
  if (name.length === 0 || /[\s+]/u.test(name)) throw auditError('AUDIT_KEY_INVALID', `cosigner name ${JSON.stringify(name)} must be non-empty, without spaces or "+"`);
}

export function cosignerFromKeys(name: string, privateKey: KeyObject): CosignerKey {
  checkName(name);
  const publicKey = createPublicKey(privateKey);
  return { name, publicKey, privateKey, keyId: cosignerKeyId(name, rawPublicKey(publicKey)) };
}

export function generateCosignerKey(name: string): CosignerKey {
  return cosignerFromKeys(name, generateKeyPairSync('ed25519').privateKey);
}

export function cosignerVkey(key: CosignerVerifier): string {
  return `${key.name}+${key.keyId.toString('hex')}+${Buffer.concat([Buffer.from([ALG_COSIGNATURE_V1]), rawPublicKey(key.publicKey)]).toString('base64')}`;
}

/** A cosigner verifier from its vkey (signature type 0x04). */
export function importCosignerVerifier(vkey: string): CosignerVerifier {
  const m = /^([^+\s]+)\+([0-9a-fA-F]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(vkey.trim());
  if (!m) throw auditError('AUDIT_KEY_INVALID', 'witness key: not a vkey <name>+<key id>+<base64>');
  const [, name, idHex, b64] = m as unknown as [string, string, string, string];
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length !== 33 || bytes[0] !== ALG_COSIGNATURE_V1) throw auditError('AUDIT_KEY_INVALID', 'witness key: not an Ed25519 cosignature/v1 key (type 0x04)');
  const publicKey = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, bytes.subarray(1)]), format: 'der', type: 'spki' });
  checkName(name);
  const keyId = cosignerKeyId(name, bytes.subarray(1));
  if (keyId.toString('hex') !== idHex.toLowerCase()) throw auditError('AUDIT_KEY_INVALID', `witness key: key id ${idHex} does not match its name and key`);
  return { name, publicKey, keyId };
}

export function cosignedMessage(checkpointText: string, timestamp: number): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${timestamp}\n${checkpointText}`, 'utf8');
}

/** The cosignature line over a checkpoint's note body, at `timestamp` (POSIX seconds). */
export function cosignCheckpoint(checkpointText: string, key: CosignerKey, timestamp: number): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw auditError('AUDIT_BAD_ARGUMENT', `cosignature time ${timestamp} is not POSIX seconds`);
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(timestamp));
  const sig = signWithKey(key, cosignedMessage(checkpointText, timestamp));
  return `${DASH} ${key.name} ${Buffer.concat([key.keyId, ts, sig]).toString('base64')}\n`;
}

/** Checks the cosignature by `verifier` on a note; returns its time (POSIX seconds). AUDIT_COSIGNATURE_INVALID / AUDIT_HEAD_NOT_WITNESSED otherwise. */
export function verifyCosignature(note: string, verifier: CosignerVerifier): { timestamp: number } {
  const { text, signatures } = parseNote(note);
  const mine = signatures.filter((s) => s.name === verifier.name && s.keyId.equals(verifier.keyId));
  if (mine.length === 0) throw auditError('AUDIT_HEAD_NOT_WITNESSED', `the checkpoint bears no cosignature by ${verifier.name} (key id ${verifier.keyId.toString('hex')})`);
  for (const s of mine) {
    if (s.signature.length !== 72) continue;
    const timestamp = s.signature.readBigUInt64BE(0);
    if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) continue;
    if (verify(null, cosignedMessage(text, Number(timestamp)), verifier.publicKey, s.signature.subarray(8))) return { timestamp: Number(timestamp) };
  }
  throw auditError('AUDIT_COSIGNATURE_INVALID', `the cosignature by ${verifier.name} does not verify: the checkpoint or its cosignature was altered or forged`);
}
