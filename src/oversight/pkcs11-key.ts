/**
 * The log key behind PKCS#11: an Ed25519 key pair on a token (a hardware security module, or Debian's
 * SoftHSM 2 to test against) signs tree heads without its private half ever entering this process.
 * Through pkcs11js (an optional dependency: a native module built at install). The key is found by its
 * label (CKA_LABEL) on the token with the given label; its public half is read from CKA_EC_POINT.
 * Mechanisms (PKCS#11 3.0): CKM_EDDSA = 0x1057 signs; the pair is made with CKM_EC_EDWARDS_KEY_PAIR_GEN.
 */
import { auditError } from './errors.js';
import { rawToKeyObject, verifierOf, type LogKey } from './keys.js';

const CKM_EDDSA = 0x1057;

export interface Pkcs11KeyOptions {
  /** the PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so */
  module: string;
  /** the token's label */
  token: string;
  /** the user PIN */
  pin: string;
  /** CKA_LABEL of the key pair */
  keyLabel: string;
  /** the log's name */
  origin: string;
}

export interface Pkcs11LogKey {
  key: LogKey;
  close(): void;
}

type Pkcs11Module = typeof import('pkcs11js');

async function loadPkcs11js(): Promise<Pkcs11Module> {
  try {
    const m = (await import('pkcs11js')) as Pkcs11Module & { default?: Pkcs11Module };
    return m.default ?? m;
  } catch (e) {
    throw auditError('AUDIT_KEY_INVALID', `PKCS#11 needs the optional package pkcs11js (a native module; install a C compiler and run npm install): ${(e as Error).message}`);
  }
}

/** The Ed25519 public key in CKA_EC_POINT: the 32 bytes, or their DER OCTET STRING (04 20 ‖ key). */
function rawPoint(point: Buffer): Buffer {
  if (point.length === 32) return point;
  if (point.length === 34 && point[0] === 0x04 && point[1] === 0x20) return point.subarray(2);
  throw auditError('AUDIT_KEY_INVALID', `the token's key is not an Ed25519 key (CKA_EC_POINT of ${point.length} bytes)`);
}

export async function openPkcs11LogKey(o: Pkcs11KeyOptions): Promise<Pkcs11LogKey> {
  const lib = await loadPkcs11js();
  const p = new lib.PKCS11();
  try {
    p.load(o.module);
  } catch (e) {
    throw auditError('AUDIT_KEY_INVALID', `PKCS#11 module ${o.module} does not load: ${(e as Error).message}`);
  }
  p.C_Initialize();
  let session: Buffer | undefined;
  try {
    const slot = p.C_GetSlotList(true).find((s) => p.C_GetTokenInfo(s).label.trim() === o.token);
    if (!slot) throw auditError('AUDIT_KEY_INVALID', `no PKCS#11 token labelled ${o.token} in ${o.module}`);
    session = p.C_OpenSession(slot, lib.CKF_SERIAL_SESSION | lib.CKF_RW_SESSION);
    try {
      p.C_Login(session, lib.CKU_USER, o.pin);
    } catch (e) {
      throw auditError('AUDIT_KEY_INVALID', `PKCS#11 login to token ${o.token} failed: ${(e as Error).message}`);
    }
    const find = (cls: number): Buffer | undefined => {
      p.C_FindObjectsInit(session!, [
        { type: lib.CKA_CLASS, value: cls },
        { type: lib.CKA_LABEL, value: o.keyLabel },
      ]);
      const h = p.C_FindObjects(session!, 1)[0];
      p.C_FindObjectsFinal(session!);
      return h;
    };
    const priv = find(lib.CKO_PRIVATE_KEY);
    const pub = find(lib.CKO_PUBLIC_KEY);
    if (!priv || !pub) throw auditError('AUDIT_KEY_INVALID', `no Ed25519 key pair labelled ${o.keyLabel} on token ${o.token}`);
    const point = p.C_GetAttributeValue(session, pub, [{ type: lib.CKA_EC_POINT }])[0]?.value;
    if (!Buffer.isBuffer(point)) throw auditError('AUDIT_KEY_INVALID', `the public key ${o.keyLabel} has no CKA_EC_POINT`);
    const verifier = verifierOf(o.origin, rawToKeyObject(rawPoint(point)));
    const s = session;
    const key: LogKey = {
      ...verifier,
      privateKey: null,
      signBytes(data) {
        p.C_SignInit(s, { mechanism: CKM_EDDSA }, priv);
        return p.C_Sign(s, data, Buffer.alloc(64));
      },
    };
    return {
      key,
      close() {
        try {
          p.C_Logout(s);
          p.C_CloseSession(s);
        } finally {
          p.C_Finalize();
        }
      },
    };
  } catch (e) {
    if (session) p.C_CloseSession(session);
    p.C_Finalize();
    throw e;
  }
}
