/**
 * What the log's signer remembers outside the database: the last tree head it signed, and the evidence
 * of every signature it refused. An insider who truncates `audit_events`, `audit_log_leaves`,
 * `audit_merkle_nodes` and `audit_log_heads` together leaves the database consistent with itself; only
 * a memory the database does not hold shows the cut. The signer's is this file, kept beside the key
 * (whoever can re-sign can also rewrite it, which is why the witness exists: witness.ts).
 *
 *   <state path>                  the last signed head (the signed note), replaced atomically
 *   <state path>.evidence.jsonl   one JSON line per refused signature (never rewritten, only appended)
 *
 * The default state path is the key file's path with `.last-head` appended.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SignerState {
  /** the last signed head's note, or undefined when none was recorded */
  lastNote(): string | undefined;
  /** records a head just signed (durably: written, synced, renamed over the last one) */
  recordSigned(note: string): void;
  /** appends one piece of evidence (a refused signature) */
  recordEvidence(e: Record<string, unknown>): void;
  /** the evidence recorded by this process (and, for a file, before) */
  evidence(): Array<Record<string, unknown>>;
  readonly path: string | null;
}

export function memorySignerState(): SignerState {
  let last: string | undefined;
  const ev: Array<Record<string, unknown>> = [];
  return {
    path: null,
    lastNote: () => last,
    recordSigned(note) {
      last = note;
    },
    recordEvidence(e) {
      ev.push(e);
    },
    evidence: () => [...ev],
  };
}

export function fileSignerState(path: string): SignerState {
  const evidencePath = `${path}.evidence.jsonl`;
  let last: string | undefined = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (last === '') last = undefined;
  return {
    path,
    lastNote: () => last,
    recordSigned(note) {
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.tmp-${process.pid}`;
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, note);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
      last = note;
    },
    recordEvidence(e) {
      mkdirSync(dirname(path), { recursive: true });
      appendFileSync(evidencePath, JSON.stringify(e) + '\n', { mode: 0o600 });
    },
    evidence() {
      if (!existsSync(evidencePath)) return [];
      return readFileSync(evidencePath, 'utf8')
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
  };
}
