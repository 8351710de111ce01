/**
 * End-to-end verification of an exported audit log, as the commission runs it with nothing but the
 * log's public key: every entry re-hashed (RFC 9162 §2.1.1 leaf hashes of canonical JSON), every
 * signed tree head's signature checked and its root recomputed from the entries, consecutive heads
 * checked for consistency (§2.1.4.2, when the export carries the log's proofs), and the first failure
 * named.
 *
 * Where the failure is placed: the signed heads vouch for prefixes of the log. With only entries and
 * heads, a tampered entry shows as "entries [a, b) do not hash to head h's root": the failure is put at
 * a, the first entry no head vouches for any more. With the log's recorded leaf hashes (the node store's
 * level 0, which an edit of the audit table does not touch) the verifier first authenticates those
 * against the signed roots and then names the exact first entry whose hash differs: the changed one,
 * the first moved one, the position of a deleted or inserted one.
 */
import { AcdError } from '../shared/errors.js';
import { entryLeafHash, type AuditEntry } from './canonical.js';
import { HASH_SIZE } from './merkle.js';
import { MemoryNodeStore } from './node-store.js';
import { MerkleTree } from './tree.js';
import { verifyConsistency } from './proofs.js';
import { openTreeHead, type SignedTreeHead } from './tree-head.js';
import { importVerifier, type LogVerifier } from './keys.js';
import { auditError, type AuditLogErrorCode } from './errors.js';
import { verifyCosignature, type CosignerVerifier } from './cosignature.js';

export interface VerifyLogInput {
  /** the entries in log order: canonical JSON texts (as exported) or entry objects */
  entries: readonly (string | AuditEntry)[];
  /** signed tree heads (signed-note checkpoints), oldest first */
  treeHeads: readonly string[];
  /** the key the verifier trusts: a vkey, or PEM / raw base64 together with `origin`; never take it from the export */
  publicKey: string | LogVerifier;
  /** the log's name; defaults to the key's name */
  origin?: string;
  /**
   * the leaf hashes the log recorded, in order (all of them, even past the last head): lets the verifier
   * name the exact entry that fails, and refuse entries the log never appended
   */
  leafHashes?: readonly Uint8Array[];
  /** consistencyProofs[i] (i ≥ 1): the log's proof from head i−1 to head i; checked when present */
  consistencyProofs?: readonly (readonly Uint8Array[] | null)[];
  /**
   * heads kept by the verifier (the commission's saved checkpoints): each must be signed by the log's
   * key and be a prefix of the log exported; a kept head larger than the log names the cut
   */
  trustedHeads?: readonly string[];
  /** witnesses whose cosignature the latest head must bear (C2SP tlog-cosignature) */
  witnesses?: readonly CosignerVerifier[];
  /** an entry earlier than the one before it by more than this (ms) fails; default 300 000; null: not checked */
  maxSkewMs?: number | null;
}

export interface VerifyFailure {
  /** 'entry': index is an entry's position (0-based); 'tree-head': the head's position; 'trusted-head': the kept head's position; 'key': the key given */
  kind: 'entry' | 'tree-head' | 'trusted-head' | 'key';
  index: number;
  code: AuditLogErrorCode;
  reason: string;
}

export interface VerifyLogResult {
  ok: boolean;
  entries: number;
  treeHeads: number;
  /** entries vouched for by a verified signed head (the largest head's size, when ok) */
  verifiedSize: number;
  /** entries after the last signed head: well-formed, but no signature covers them yet */
  unsignedTail: number;
  firstFailure: VerifyFailure | null;
}

/** the skew verify allows between an entry's time and its predecessor's unless told otherwise */
export const DEFAULT_MAX_SKEW_MS = 300_000;

const codeOf = (e: unknown): AuditLogErrorCode => (e instanceof AcdError ? (e.code as AuditLogErrorCode) : 'AUDIT_ENTRY_INVALID');
const msgOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

async function treeOf(leaves: readonly Uint8Array[]): Promise<MerkleTree> {
  const t = await MerkleTree.open(new MemoryNodeStore());
  for (let i = 0; i < leaves.length; i += 65536) await t.appendLeaves(leaves.slice(i, i + 65536));
  return t;
}

export async function verifyLog(input: VerifyLogInput): Promise<VerifyLogResult> {
  const result = (verifiedSize: number, firstFailure: VerifyFailure | null): VerifyLogResult => ({
    ok: firstFailure === null,
    entries: input.entries.length,
    treeHeads: input.treeHeads.length,
    verifiedSize,
    unsignedTail: firstFailure === null ? input.entries.length - verifiedSize : 0,
    firstFailure,
  });
  const fail = (kind: VerifyFailure['kind'], index: number, code: AuditLogErrorCode, reason: string, verified = 0): VerifyLogResult =>
    result(verified, { kind, index, code, reason });

  // 1. the key
  let verifier: LogVerifier;
  try {
    verifier = typeof input.publicKey === 'string' ? importVerifier(input.publicKey, input.origin) : input.publicKey;
  } catch (e) {
    return fail('key', 0, codeOf(e), msgOf(e));
  }

  // 2. every head: signature, origin, order, and consistency with the one before
  const heads: SignedTreeHead[] = [];
  for (let i = 0; i < input.treeHeads.length; i++) {
    let h: SignedTreeHead;
    try {
      h = openTreeHead(input.treeHeads[i]!, verifier, input.origin ? { origin: input.origin } : {});
    } catch (e) {
      return fail('tree-head', i, codeOf(e), `tree head ${i}: ${msgOf(e)}`);
    }
    const prev = heads[i - 1];
    if (prev) {
      if (h.treeSize < prev.treeSize || h.timestamp < prev.timestamp) {
        return fail('tree-head', i, 'AUDIT_HEAD_ORDER', `tree head ${i} (size ${h.treeSize}, time ${h.timestamp}) goes back from head ${i - 1} (size ${prev.treeSize}, time ${prev.timestamp})`);
      }
      const proof = input.consistencyProofs?.[i];
      const consistent =
        proof !== undefined && proof !== null
          ? verifyConsistency(prev.treeSize, h.treeSize, prev.rootHash, h.rootHash, proof)
          : h.treeSize !== prev.treeSize || h.rootHash.equals(prev.rootHash);
      if (!consistent) {
        return fail('tree-head', i, 'AUDIT_HEAD_INCONSISTENT', `tree head ${i} (size ${h.treeSize}) is not consistent with head ${i - 1} (size ${prev.treeSize}): the log was rewritten between them`);
      }
    }
    heads.push(h);
  }

  // 3. every entry's leaf hash, up to the first that is not a well-formed canonical entry
  const leaves: Buffer[] = [];
  let invalid: VerifyFailure | null = null;
  for (let j = 0; j < input.entries.length; j++) {
    try {
      leaves.push(entryLeafHash(input.entries[j]!));
    } catch (e) {
      invalid = { kind: 'entry', index: j, code: codeOf(e), reason: `entry ${j}: ${msgOf(e)}` };
      break;
    }
  }
  const entryTree = await treeOf(leaves);

  // 4. the log's recorded leaf hashes, trusted for as many heads as their roots match in a row
  const recorded = input.leafHashes ?? [];
  if (!recorded.every((h) => h instanceof Uint8Array && h.length === HASH_SIZE)) {
    return fail('entry', 0, 'AUDIT_EXPORT_INVALID', 'the recorded leaf hashes are not all 32-byte hashes');
  }
  const recordedTree = await treeOf(recorded);
  // 4a. with the log's leaves at hand, a signed head larger than the log is a cut (a head that is not a root of them fails below, at the first entry it no longer vouches for)
  if (input.leafHashes) {
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]!;
      if (h.treeSize > recorded.length) {
        return fail('tree-head', i, 'AUDIT_LOG_TRUNCATED', `signed tree head ${i} covers ${h.treeSize} entries, the log holds only ${recorded.length}: the log was truncated (entries ${recorded.length}..${h.treeSize - 1} are gone)`);
      }
    }
  }
  // 4b. heads the verifier kept: signed by the log, and a prefix of this log
  const kept = input.trustedHeads ?? [];
  const logSize = input.leafHashes ? recorded.length : leaves.length;
  const logTree = input.leafHashes ? recordedTree : entryTree;
  const lastHead = heads[heads.length - 1];
  for (let k = 0; k < kept.length; k++) {
    let h: SignedTreeHead;
    try {
      h = openTreeHead(kept[k]!, verifier, input.origin ? { origin: input.origin } : {});
    } catch (e) {
      return fail('trusted-head', k, codeOf(e), `kept head ${k}: ${msgOf(e)}`);
    }
    if (h.treeSize > logSize) {
      return fail('trusted-head', k, 'AUDIT_LOG_TRUNCATED', `the kept head of size ${h.treeSize} is larger than the log (${logSize} entries): the log was cut below the kept size ${h.treeSize}`);
    }
    if (!(await logTree.root(h.treeSize)).equals(h.rootHash)) {
      return fail('trusted-head', k, 'AUDIT_HEAD_INCONSISTENT', `the log's first ${h.treeSize} entries do not hash to the kept head of size ${h.treeSize}: the log was rewritten or cut and regrown since it was kept`);
    }
    if (lastHead && lastHead.treeSize >= h.treeSize) {
      // RFC 9162 §2.1.4: a consistency proof from the kept head to the latest, from the log's own leaves
      const proof = await logTree.consistencyProof(h.treeSize, lastHead.treeSize);
      if (!verifyConsistency(h.treeSize, lastHead.treeSize, h.rootHash, lastHead.rootHash, proof)) {
        return fail('trusted-head', k, 'AUDIT_HEAD_INCONSISTENT', `the latest head (size ${lastHead.treeSize}) is not consistent with the kept head of size ${h.treeSize}`);
      }
    }
  }
  // 4c. the witnesses: the latest head must bear a valid cosignature by each
  if (input.witnesses && input.witnesses.length > 0) {
    if (!lastHead) return fail('tree-head', 0, 'AUDIT_HEAD_NOT_WITNESSED', 'the export holds no signed head, so none is witnessed');
    for (const w of input.witnesses) {
      try {
        verifyCosignature(lastHead.note, w);
      } catch (e) {
        return fail('tree-head', heads.length - 1, codeOf(e), `the latest head (size ${lastHead.treeSize}): ${msgOf(e)}`);
      }
    }
    // and every cosignature by them on an earlier head must be genuine
    for (let i = 0; i < heads.length - 1; i++) {
      for (const w of input.witnesses) {
        try {
          verifyCosignature(heads[i]!.note, w);
        } catch (e) {
          if (codeOf(e) === 'AUDIT_HEAD_NOT_WITNESSED') continue;
          return fail('tree-head', i, codeOf(e), `tree head ${i}: ${msgOf(e)}`);
        }
      }
    }
  }
  let trusted = 0; // recorded[0, trusted) is authenticated by signed heads
  for (const h of heads) {
    if (h.treeSize > recorded.length || !(await recordedTree.root(h.treeSize)).equals(h.rootHash)) break;
    trusted = h.treeSize;
  }

  // 5. walk the heads: each must be the root of the entries it covers
  let verified = 0;
  for (let i = 0; i < heads.length; i++) {
    const h = heads[i]!;
    if (h.treeSize <= verified) continue;
    if (h.treeSize <= trusted) {
      // pinpoint: compare entry by entry with the authenticated leaf hashes
      for (let j = verified; j < h.treeSize; j++) {
        if (invalid && invalid.index === j) return result(verified, invalid);
        if (j >= input.entries.length) {
          return fail('entry', j, 'AUDIT_ENTRY_MISSING', `entry ${j} is missing: signed tree head ${i} covers ${h.treeSize} entries, the export has ${input.entries.length}`, verified);
        }
        if (!leaves[j]!.equals(recorded[j]!)) {
          return fail('entry', j, 'AUDIT_ENTRY_MISMATCH', `entry ${j} does not hash to the leaf the log recorded and signed head ${i} commits to: it was changed, moved, inserted, or an entry before it was deleted`, verified);
        }
      }
      verified = h.treeSize;
      continue;
    }
    // no trusted leaf hashes here: the root of the entries must equal the head's
    if (invalid && invalid.index < h.treeSize) return result(verified, invalid);
    if (h.treeSize > input.entries.length) {
      // without the log's leaves the heads cannot tell which of entries [verified, …) went missing
      return fail('entry', verified, 'AUDIT_ENTRY_MISSING', `signed tree head ${i} covers ${h.treeSize} entries, the export has ${input.entries.length}: entries from ${verified} on are not vouched for`, verified);
    }
    if (!(await entryTree.root(h.treeSize)).equals(h.rootHash)) {
      return fail('entry', verified, 'AUDIT_ENTRIES_DO_NOT_MATCH_HEAD', `entries ${verified}..${h.treeSize - 1} do not hash to the root of signed tree head ${i}: one of them was changed, moved, inserted or deleted`, verified);
    }
    verified = h.treeSize;
  }

  // 6. entries after the last head: well-formed, and equal to the log's leaves where it recorded them
  if (invalid) return result(verified, invalid);
  for (let j = verified; j < Math.min(leaves.length, recorded.length); j++) {
    if (!leaves[j]!.equals(recorded[j]!)) {
      return fail('entry', j, 'AUDIT_ENTRY_MISMATCH', `entry ${j} (after the last signed head) does not hash to the leaf the log recorded for it`, verified);
    }
  }
  // with the log's leaves at hand, an entry beyond them is a row the log never appended
  if (input.leafHashes && leaves.length > recorded.length) {
    const j = Math.max(verified, recorded.length);
    return fail('entry', j, 'AUDIT_ENTRY_UNLOGGED', `entry ${j} is not in the log: the log recorded ${recorded.length} leaves, the export has ${leaves.length} entries`, verified);
  }
  // 7. time is monotone: an entry earlier than the one before it by more than the skew is flagged
  const skew = input.maxSkewMs === undefined ? DEFAULT_MAX_SKEW_MS : input.maxSkewMs;
  if (skew !== null) {
    let prev: number | undefined;
    for (let j = 0; j < input.entries.length; j++) {
      const e = input.entries[j]!;
      const when = Date.parse(typeof e === 'string' ? (JSON.parse(e) as { when: string }).when : e.when);
      if (prev !== undefined && when < prev - skew) {
        return fail('entry', j, 'AUDIT_ENTRY_BACKDATED', `entry ${j} (${new Date(when).toISOString()}) is earlier than the entry before it (${new Date(prev).toISOString()}) by ${Math.round((prev - when) / 1000)} s, more than the allowed ${Math.round(skew / 1000)} s: backdated, or the clock went back`, verified);
      }
      prev = when;
    }
  }
  return result(verified, null);
}

/**
 * The export file `acd audit export` writes and `acd audit verify` reads (JSON):
 *   { "format": "acd-audit-export/1", "origin": "<log name>", "publicKey": "<vkey, for information>",
 *     "entries": ["<canonical JSON>", …], "leafHashes": ["<base64>", …], "treeHeads": ["<signed note>", …],
 *     "consistencyProofs": [null, ["<base64>", …], …] }
 * The key to trust is given to the verifier separately (from the log's published endpoint or the
 * commission's own records), never read from the file.
 */
export interface LogExportFile {
  format: 'acd-audit-export/1';
  origin: string;
  publicKey?: string;
  entries: string[];
  leafHashes?: string[];
  treeHeads: string[];
  consistencyProofs?: (string[] | null)[];
}

export const EXPORT_FORMAT = 'acd-audit-export/1';

export function parseLogExport(value: unknown): Omit<VerifyLogInput, 'publicKey'> & { origin: string } {
  const bad = (why: string): never => {
    throw auditError('AUDIT_EXPORT_INVALID', `audit export: ${why}`);
  };
  if (typeof value !== 'object' || value === null) return bad('not a JSON object');
  const f = value as Partial<LogExportFile>;
  if (f.format !== EXPORT_FORMAT) bad(`format is ${JSON.stringify(f.format)}, expected ${EXPORT_FORMAT}`);
  if (typeof f.origin !== 'string' || f.origin.length === 0) bad('origin must be the log name');
  const strings = (v: unknown, what: string): string[] => {
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) bad(`${what} must be an array of strings`);
    return v as string[];
  };
  const b64 = (s: string, what: string): Buffer => {
    const b = Buffer.from(s, 'base64');
    if (b.length !== HASH_SIZE || b.toString('base64') !== s) bad(`${what} is not a base64 SHA-256 hash`);
    return b;
  };
  const out: Omit<VerifyLogInput, 'publicKey'> & { origin: string } = {
    origin: f.origin as string,
    entries: strings(f.entries, 'entries'),
    treeHeads: strings(f.treeHeads, 'treeHeads'),
  };
  if (f.leafHashes !== undefined) out.leafHashes = strings(f.leafHashes, 'leafHashes').map((s, i) => b64(s, `leafHashes[${i}]`));
  if (f.consistencyProofs !== undefined) {
    if (!Array.isArray(f.consistencyProofs)) bad('consistencyProofs must be an array');
    out.consistencyProofs = f.consistencyProofs.map((p, i) => (p === null ? null : strings(p, `consistencyProofs[${i}]`).map((s, j) => b64(s, `consistencyProofs[${i}][${j}]`))));
  }
  return out;
}

/** Verifies an export file's contents with a key the caller trusts. */
export function verifyLogExport(
  file: unknown,
  publicKey: string | LogVerifier,
  opts: Pick<VerifyLogInput, 'trustedHeads' | 'witnesses' | 'maxSkewMs'> = {},
): Promise<VerifyLogResult> {
  return verifyLog({ ...parseLogExport(file), publicKey, ...opts });
}

/** One line for people (the CLI's output): what was checked, or where it first fails and why. */
export function describeVerifyResult(r: VerifyLogResult): string {
  if (r.firstFailure) {
    const f = r.firstFailure;
    const where = f.kind === 'entry' ? `entry ${f.index}` : f.kind === 'tree-head' ? `signed tree head ${f.index}` : f.kind === 'trusted-head' ? `kept head ${f.index}` : 'the public key';
    return `audit log FAILS at ${where} [${f.code}]: ${f.reason}`;
  }
  const tail = r.unsignedTail ? `; ${r.unsignedTail} later entries are well-formed but not yet under a signed head` : '';
  return `audit log verified: ${r.entries} entries, ${r.treeHeads} signed tree heads, the first ${r.verifiedSize} entries vouched for${tail}`;
}
