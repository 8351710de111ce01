/**
 * The log's Ed25519 key (node:crypto) and the forms its public half is published in:
 *  - PEM (SubjectPublicKeyInfo): `openssl pkeyutl -verify -pubin -inkey log.pem -rawin …` reads it;
 *  - raw: the 32-byte key in standard base64;
 *  - vkey: the signed-note verifier key `<name>+<key id hex>+<base64(0x01 ‖ key)>`, which Go's
 *    golang.org/x/mod/sumdb/note and the transparency-dev tools take as is.
 * The key id is the signed-note one: the first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ key).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { auditError } from './errors.js';

/** the DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw key follows */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const ALG_ED25519 = 0x01;

export interface LogVerifier {
  /** the key's name in notes: the log's origin, e.g. "acd.example.org/audit" */
  name: string;
  publicKey: KeyObject;
  /** 4 bytes */
  keyId: Buffer;
}

export interface LogKey extends LogVerifier {
  /** the private key in this process; null when it lives in a token (PKCS#11, pkcs11-key.ts) and signBytes signs */
  privateKey: KeyObject | null;
  /** signs with a key that never leaves its token */
  signBytes?: (data: Buffer) => Buffer;
}

/** An Ed25519 signature by the key, wherever it lives. */
export function signWithKey(key: LogKey, data: Buffer): Buffer {
  if (key.signBytes) return key.signBytes(data);
  if (!key.privateKey) throw auditError('AUDIT_KEY_INVALID', `key ${key.name} has no private half in this process`);
  return sign(null, data, key.privateKey);
}

export interface PublishedKey {
  name: string;
  keyId: string;
  pem: string;
  raw: string;
  vkey: string;
}

function checkName(name: string): void {
  if (name.length === 0 || /[\s+]/u.test(name)) throw auditError('AUDIT_KEY_INVALID', `key name ${JSON.stringify(name)} must be non-empty, without spaces or "+"`);
}

export function rawPublicKey(publicKey: KeyObject): Buffer {
  if (publicKey.asymmetricKeyType !== 'ed25519') throw auditError('AUDIT_KEY_INVALID', `the log key must be Ed25519, not ${publicKey.asymmetricKeyType}`);
  return publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX.length);
}

// C2SP signed-note: key ID = SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key)[:4]
export function noteKeyId(name: string, raw: Uint8Array): Buffer {
  return createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a, ALG_ED25519]))
    .update(raw)
    .digest()
    .subarray(0, 4);
}

export function verifierOf(name: string, publicKey: KeyObject): LogVerifier {
  checkName(name);
  return { name, publicKey, keyId: noteKeyId(name, rawPublicKey(publicKey)) };
}

export function generateLogKey(name: string): LogKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { ...verifierOf(name, publicKey), privateKey };
}

/** The private key as PKCS#8 PEM, for the server's key file (mode 0600). */
export function privateKeyPem(key: LogKey): string {
  if (!key.privateKey) throw auditError('AUDIT_KEY_INVALID', `key ${key.name} lives in a token: it has no PEM`);
  return key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** A log key from its PKCS#8 PEM. */
export function logKeyFromPem(name: string, pem: string): LogKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (e) {
    throw auditError('AUDIT_KEY_INVALID', `the log's private key does not parse: ${(e as Error).message}`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw auditError('AUDIT_KEY_INVALID', `the log key must be Ed25519, not ${privateKey.asymmetricKeyType}`);
  return { ...verifierOf(name, createPublicKey(privateKey)), privateKey };
}

/** What the server publishes at its public-key endpoint. */
export function exportPublicKey(key: LogVerifier): PublishedKey {
  const raw = rawPublicKey(key.publicKey);
  return {
    name: key.name,
    keyId: key.keyId.toString('hex'),
    pem: key.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    raw: raw.toString('base64'),
    vkey: `${key.name}+${key.keyId.toString('hex')}+${Buffer.concat([Buffer.from([ALG_ED25519]), raw]).toString('base64')}`,
  };
}

/**
 * A verifier from a published key: a vkey string (carries its name), a PEM public key, or the raw key
 * in base64 (both need the log's name).
 */
export function importVerifier(spec: string, name?: string): LogVerifier {
  const s = spec.trim();
  const bad = (why: string): never => {
    throw auditError('AUDIT_KEY_INVALID', `public key: ${why}`);
  };
  if (s.includes('-----BEGIN')) {
    if (!name) return bad('a PEM key needs the log name (origin) beside it');
    try {
      return verifierOf(name, createPublicKey(s));
    } catch (e) {
      if ((e as { code?: string }).code === 'AUDIT_KEY_INVALID') throw e;
      return bad(`PEM does not parse: ${(e as Error).message}`);
    }
  }
  // name+keyid+base64: the name holds no '+', the base64 may
  const vk = /^([^+\s]+)\+([0-9a-fA-F]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(s);
  if (vk) {
    const [, vname, idHex, keyB64] = vk as unknown as [string, string, string, string];
    const bytes = Buffer.from(keyB64, 'base64');
    if (bytes.length !== 33 || bytes[0] !== ALG_ED25519) bad('the vkey does not hold an Ed25519 key');
    const v = verifierOf(vname, rawToKeyObject(bytes.subarray(1)));
    if (v.keyId.toString('hex') !== idHex.toLowerCase()) bad(`the vkey's key id ${idHex} does not match its name and key`);
    if (name !== undefined && name !== vname) bad(`the vkey names ${vname}, expected ${name}`);
    return v;
  }
  const raw = Buffer.from(s, 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== s) bad('neither PEM, a vkey, nor 32 bytes of base64');
  if (!name) return bad('a raw key needs the log name (origin) beside it');
  return verifierOf(name, rawToKeyObject(raw));
}

export function rawToKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}
