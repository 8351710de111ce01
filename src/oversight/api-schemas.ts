/**
 * The Merkle log's JSON on the API, as TypeBox schemas (the route's contract and its OpenAPI text) and
 * the functions that fill them. Hashes are standard base64, sizes and indexes integers, timestamps
 * milliseconds since the epoch (as in the checkpoint). A signed tree head travels whole, as its signed
 * note: that text, not the JSON beside it, is what a verifier checks.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { SignedTreeHead } from './tree-head.js';

const Hash = Type.String({ description: 'SHA-256, standard base64', pattern: '^[A-Za-z0-9+/]{43}=$' });

export const TreeHeadSchema = Type.Object({
  treeSize: Type.Integer({ minimum: 0 }),
  timestamp: Type.Integer({ minimum: 0, description: 'milliseconds since the Unix epoch' }),
  rootHash: Hash,
  checkpoint: Type.String({ description: 'the signed note (C2SP checkpoint signed with Ed25519): verify this text' }),
});
export type TreeHeadJson = Static<typeof TreeHeadSchema>;

export const InclusionProofSchema = Type.Object({
  leafIndex: Type.Integer({ minimum: 0 }),
  treeSize: Type.Integer({ minimum: 1 }),
  leafHash: Hash,
  inclusionPath: Type.Array(Hash, { description: 'RFC 9162 §2.1.3.1, leaf end first' }),
});
export type InclusionProofJson = Static<typeof InclusionProofSchema>;

export const ConsistencyProofSchema = Type.Object({
  first: Type.Integer({ minimum: 0 }),
  second: Type.Integer({ minimum: 0 }),
  consistencyPath: Type.Array(Hash, { description: 'RFC 9162 §2.1.4.1' }),
});
export type ConsistencyProofJson = Static<typeof ConsistencyProofSchema>;

export const PublicKeySchema = Type.Object({
  name: Type.String({ description: "the log's origin, the key's name in signed notes" }),
  keyId: Type.String({ description: 'signed-note key id, hex' }),
  pem: Type.String({ description: 'SubjectPublicKeyInfo PEM' }),
  raw: Type.String({ description: 'the 32-byte Ed25519 key, standard base64' }),
  vkey: Type.String({ description: 'signed-note verifier key: name+keyid+base64(0x01 ‖ key)' }),
});

const b64 = (h: Uint8Array): string => Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('base64');

export function treeHeadToJson(h: SignedTreeHead): TreeHeadJson {
  return { treeSize: h.treeSize, timestamp: h.timestamp, rootHash: b64(h.rootHash), checkpoint: h.note };
}

export function inclusionProofToJson(leafIndex: number, treeSize: number, leafHash: Uint8Array, path: readonly Uint8Array[]): InclusionProofJson {
  return { leafIndex, treeSize, leafHash: b64(leafHash), inclusionPath: path.map(b64) };
}

export function consistencyProofToJson(first: number, second: number, path: readonly Uint8Array[]): ConsistencyProofJson {
  return { first, second, consistencyPath: path.map(b64) };
}
