/**
 * Pseudonym keys and their rotation, and the one way back from a pseudonym to an address.
 *
 * A PseudonymKey is valid for a period (normally an approval's period; the store keeps keys in their
 * own table). A key may be bound to one approval, in which case flows under that approval use it in
 * preference to the general keys. The gate asks `keyFor(time, approvalId)` for each flow it emits; no
 * key for the time means the flow is not emitted at all (fail closed; counted as "no key"). Periods
 * of the keys in one list (general, or one approval's) must not overlap: rotation starts the next
 * key where the previous one ends.
 *
 * Re-identification (`depseudonymise`) is a separate function that needs the id of the commission
 * decision that allows it and returns what the caller must write to the audit log.
 */
import { randomBytes } from 'node:crypto';
import { ipv4ToString, ipv6ToString, parseIpv4, parseIpv6 } from '../flow/index.js';
import { CryptoPan, type CryptoPanOptions } from './cryptopan.js';
import { selectionError } from './errors.js';

export interface PseudonymKey {
  readonly id: string;
  /** 32 bytes: AES-128 key ‖ pad seed */
  readonly key: Uint8Array;
  /** validity, milliseconds since the epoch, [validFrom, validTo) */
  readonly validFrom: number;
  readonly validTo: number;
  /** when set, the key serves only flows under this approval */
  readonly approvalId?: string;
}

/** What may be shown about a key: never its bytes. */
export interface PseudonymKeyInfo {
  id: string;
  validFrom: number;
  validTo: number;
  approvalId?: string;
}

export interface ActiveKey {
  readonly id: string;
  readonly pan: CryptoPan;
  readonly validFrom: number;
  readonly validTo: number;
}

export interface Pseudonymiser {
  /** the key in force at `time` for flows under `approvalId` (bound keys first), or null */
  keyFor(time: number, approvalId?: string): ActiveKey | null;
  /** key rotation: adds a key; a key whose id exists already is rejected */
  addKey(key: PseudonymKey): void;
  /** removes a key (e.g. once all data pseudonymised under it is purged) */
  removeKey(id: string): boolean;
  keys(): PseudonymKeyInfo[];
  /** internal: the cipher of a key id, for depseudonymise */
  cipherOf(id: string): CryptoPan | null;
}

export function generatePseudonymKey(id: string, validFrom: number, validTo: number, approvalId?: string): PseudonymKey {
  return { id, key: new Uint8Array(randomBytes(32)), validFrom, validTo, ...(approvalId ? { approvalId } : {}) };
}

/** Parses a key file's text: 64 hexadecimal digits (whitespace ignored). */
export function parseKeyHex(text: string): Uint8Array {
  const hex = text.replace(/\s+/g, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw selectionError('PSEUDONYM_BAD_KEY', 'a pseudonym key is 64 hexadecimal digits (32 bytes)');
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function createPseudonymiser(opts: { keys?: readonly PseudonymKey[]; cache?: CryptoPanOptions } = {}): Pseudonymiser {
  const general: ActiveKey[] = [];
  const bound = new Map<string, ActiveKey[]>();
  const all = new Map<string, { info: PseudonymKeyInfo; active: ActiveKey; list: ActiveKey[] }>();
  let last: ActiveKey | null = null;

  const pick = (list: ActiveKey[] | undefined, t: number): ActiveKey | null => {
    if (!list) return null;
    // periods within one list do not overlap (addKey checks), so at most one key holds t
    for (let i = list.length - 1; i >= 0; i--) {
      const k = list[i]!;
      if (k.validFrom <= t && t < k.validTo) return k;
    }
    return null;
  };

  const api: Pseudonymiser = {
    keyFor(t, approvalId) {
      if (approvalId !== undefined && bound.size > 0) {
        const k = pick(bound.get(approvalId), t);
        if (k) return k;
      }
      if (last && last.validFrom <= t && t < last.validTo) return last;
      const k = pick(general, t);
      if (k) last = k;
      return k;
    },
    addKey(k) {
      if (!k.id) throw selectionError('PSEUDONYM_BAD_KEY', 'pseudonymKey.id: must not be empty');
      if (all.has(k.id)) throw selectionError('PSEUDONYM_BAD_KEY', `pseudonymKey.id: '${k.id}' exists already`);
      if (!(k.key instanceof Uint8Array) || k.key.length !== 32) {
        throw selectionError('PSEUDONYM_BAD_KEY', `pseudonymKey.key: must be 32 bytes (key ${k.id})`);
      }
      if (!Number.isFinite(k.validFrom) || !Number.isFinite(k.validTo) || k.validTo <= k.validFrom) {
        throw selectionError('PSEUDONYM_BAD_KEY', `pseudonymKey.validTo: must be after validFrom (key ${k.id})`);
      }
      const active: ActiveKey = { id: k.id, pan: new CryptoPan(k.key, opts.cache), validFrom: k.validFrom, validTo: k.validTo };
      const list = k.approvalId !== undefined ? (bound.get(k.approvalId) ?? []) : general;
      const clash = list.find((o) => o.validFrom < k.validTo && k.validFrom < o.validTo);
      if (clash) {
        throw selectionError('PSEUDONYM_BAD_KEY', `pseudonymKey.validFrom: the period of key ${k.id} overlaps key ${clash.id}; rotate by starting the new key where the old one ends`);
      }
      list.push(active);
      if (k.approvalId !== undefined) bound.set(k.approvalId, list);
      const info: PseudonymKeyInfo = { id: k.id, validFrom: k.validFrom, validTo: k.validTo };
      if (k.approvalId !== undefined) info.approvalId = k.approvalId;
      all.set(k.id, { info, active, list });
    },
    removeKey(id) {
      const e = all.get(id);
      if (!e) return false;
      e.list.splice(e.list.indexOf(e.active), 1);
      all.delete(id);
      if (last === e.active) last = null;
      return true;
    },
    keys: () => [...all.values()].map((e) => ({ ...e.info })),
    cipherOf: (id) => all.get(id)?.active.pan ?? null,
  };
  for (const k of opts.keys ?? []) api.addKey(k);
  return api;
}

export interface Reidentification {
  /** the original address */
  address: string;
  pseudonym: string;
  keyId: string;
  decisionId: string;
}

/**
 * Turns a pseudonym back into the address. Privileged: `decisionId` names the commission decision
 * that allows it; the caller must check the decision and write the returned record to the audit log.
 */
export function depseudonymise(p: Pseudonymiser, req: { keyId: string; pseudonym: string; decisionId: string }): Reidentification {
  if (typeof req.decisionId !== 'string' || req.decisionId.trim() === '') {
    throw selectionError('REIDENTIFY_NO_DECISION', 'depseudonymise: decisionId is required: re-identification needs a commission decision', { status: 403 });
  }
  const pan = p.cipherOf(req.keyId);
  if (!pan) throw selectionError('REIDENTIFY_NO_KEY', `depseudonymise: pseudonym key ${req.keyId} does not exist`, { status: 404 });
  let address: string;
  const v4 = parseIpv4(req.pseudonym);
  if (v4 >= 0) address = ipv4ToString(pan.decrypt4(v4));
  else {
    const b = parseIpv6(req.pseudonym);
    if (!b) throw selectionError('REIDENTIFY_BAD_ADDRESS', `depseudonymise: '${req.pseudonym}' is not an IP address`);
    address = ipv6ToString(pan.decrypt6(b));
  }
  return { address, pseudonym: req.pseudonym, keyId: req.keyId, decisionId: req.decisionId };
}
