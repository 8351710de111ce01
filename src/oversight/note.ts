/**
 * C2SP signed-note (https://c2sp.org/signed-note), Ed25519 signatures only:
 *
 *   <text, one or more lines, each ending in "\n">
 *   <empty line>
 *   — <key name> <base64(key id (4 bytes) ‖ Ed25519 signature (64 bytes))>\n      (one line per signer)
 *
 * The signature is over the text's bytes, final newline included. Lines from keys the verifier does not
 * know (a witness's cosignature, say) are kept and ignored.
 */
import { verify } from 'node:crypto';
import { signWithKey, type LogKey, type LogVerifier } from './keys.js';
import { auditError } from './errors.js';

const DASH = '\u2014';
const MAX_NOTE = 1 << 20;
const MAX_SIGNATURES = 100;

export interface NoteSignature {
  name: string;
  keyId: Buffer;
  signature: Buffer;
}

/** Signs a note text (which must end in a newline and hold no empty line). */
export function signNote(text: string, key: LogKey): string {
  if (!text.endsWith('\n') || text.includes('\n\n') || text.length === 0) {
    throw auditError('AUDIT_BAD_ARGUMENT', 'a note text must be non-empty, end in a newline and hold no empty line');
  }
  const sig = signWithKey(key, Buffer.from(text, 'utf8'));
  return `${text}\n${DASH} ${key.name} ${Buffer.concat([key.keyId, sig]).toString('base64')}\n`;
}

/** Splits a note into its text and signature lines, checking the format (AUDIT_HEAD_MALFORMED). */
export function parseNote(note: string): { text: string; signatures: NoteSignature[] } {
  const bad = (why: string): never => {
    throw auditError('AUDIT_HEAD_MALFORMED', `signed note: ${why}`);
  };
  if (typeof note !== 'string' || note.length > MAX_NOTE) bad('not a string of at most 1 MiB');
  if (!note.endsWith('\n')) bad('does not end in a newline');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) bad('no empty line between text and signatures');
  const text = note.slice(0, split + 1);
  if (text.includes('\n\n')) bad('the text holds an empty line');
  const lines = note.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) bad(`more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map((line, i) => {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/u.exec(line);
    if (!m) return bad(`signature line ${i + 1} is not "— <name> <base64>"`);
    const bytes = Buffer.from(m[2]!, 'base64');
    if (bytes.length < 5) bad(`signature line ${i + 1} is too short`);
    return { name: m[1]!, keyId: bytes.subarray(0, 4), signature: bytes.subarray(4) };
  });
  return { text, signatures };
}

/** Opens a note: returns its text if `verifier` signed it (AUDIT_HEAD_SIGNATURE otherwise). */
export function openNote(note: string, verifier: LogVerifier): string {
  const { text, signatures } = parseNote(note);
  const mine = signatures.filter((s) => s.name === verifier.name && s.keyId.equals(verifier.keyId));
  if (mine.length === 0) {
    throw auditError('AUDIT_HEAD_SIGNATURE', `the note bears no signature by ${verifier.name} (key id ${verifier.keyId.toString('hex')})`);
  }
  const data = Buffer.from(text, 'utf8');
  for (const s of mine) {
    if (s.signature.length === 64 && verify(null, data, verifier.publicKey, s.signature)) return text;
  }
  throw auditError('AUDIT_HEAD_SIGNATURE', `the signature by ${verifier.name} does not verify: the note was altered or forged`);
}
