/**
 * Signed tree heads: a checkpoint (checkpoint.ts) in a signed note (note.ts) under the log's Ed25519
 * key (keys.ts). The RFC 9162 §4.10 fields (tree size, timestamp, root hash) in a text anyone can check
 * with a checkpoint tool, Go's note package, or openssl (strip the 4-byte key id from the signature).
 */
import type { LogKey, LogVerifier } from './keys.js';
import { formatCheckpoint, parseCheckpoint, type TreeHead } from './checkpoint.js';
import { openNote, signNote } from './note.js';
import { auditError } from './errors.js';

export type { TreeHead };

export interface SignedTreeHead extends TreeHead {
  /** the whole signed note: what is published, stored and exported */
  note: string;
}

// RFC 9162 §4.10: sign the tree head (as a checkpoint); the key's name must be the origin
export function signTreeHead(head: Omit<TreeHead, 'origin'> & { origin?: string }, key: LogKey): SignedTreeHead {
  const origin = head.origin ?? key.name;
  if (origin !== key.name) throw auditError('AUDIT_BAD_ARGUMENT', `origin ${origin} differs from the key's name ${key.name}`);
  const full: TreeHead = { origin, treeSize: head.treeSize, rootHash: head.rootHash, timestamp: head.timestamp };
  return { ...full, note: signNote(formatCheckpoint(full), key) };
}

// RFC 9162 §8.1.3 (client: verify the STH's signature): open a signed tree head
export function openTreeHead(note: string, verifier: LogVerifier, opts: { origin?: string } = {}): SignedTreeHead {
  const head = parseCheckpoint(openNote(note, verifier));
  const origin = opts.origin ?? verifier.name;
  if (head.origin !== origin) throw auditError('AUDIT_HEAD_WRONG_ORIGIN', `the checkpoint is from log ${head.origin}, expected ${origin}`);
  return { ...head, note };
}
