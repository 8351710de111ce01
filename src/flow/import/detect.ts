/**
 * Format detection from a file's first bytes (after gunzip): a Zeek header, a JSON object with Zeek conn
 * keys or with FlowRecord keys, or a binetflow header line. Anything else is rejected with the reason.
 */
import { AcdError } from '../../shared/errors.js';
import { isBinetflowHeader } from './binetflow.js';
import type { ImportFormat } from './types.js';

/** How many bytes detection looks at (the first line must fit). */
export const DETECT_BYTES = 64 * 1024;

function wrong(file: string, reason: string): AcdError {
  return new AcdError('IMPORT_UNKNOWN_FORMAT', `${file}: not a flow file ACD can import: ${reason}`);
}

/**
 * Offset of the first byte in the first line (at most 4 KiB) that cannot be in a text file (NUL, or a
 * control character other than \t \r \f), or -1. Only the first line decides: garbage further on is
 * counted line by line by the parser, not a reason to reject the whole file.
 */
export function firstBinaryByte(head: Uint8Array): number {
  const n = Math.min(head.length, 4096);
  for (let i = 0; i < n; i++) {
    const b = head[i] ?? 0;
    if (b === 10) return -1;
    if (b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 12) return i;
  }
  return -1;
}

/** Detects the format of a file from its first bytes; throws AcdError IMPORT_UNKNOWN_FORMAT naming the file and why. */
export function detectFormat(head: Buffer, file: string): ImportFormat {
  if (head.length === 0) throw wrong(file, 'the file is empty');
  const bin = firstBinaryByte(head);
  if (bin >= 0) throw wrong(file, `binary data (byte 0x${(head[bin] ?? 0).toString(16).padStart(2, '0')} at offset ${bin}), not text`);
  let text = head.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // the first non-blank line
  let first = '';
  for (const l of text.split('\n')) {
    const t = l.replace(/\r$/, '');
    if (t.trim() !== '') { first = t; break; }
  }
  if (first === '') throw wrong(file, 'only blank lines');
  if (first.startsWith('#')) {
    if (/^#(separator|fields|path|set_separator|unset_field|empty_field|open|types)\b/m.test(text)) return 'zeek';
    throw wrong(file, 'starts with a # comment but has no Zeek header (#separator, #fields)');
  }
  if (first.startsWith('{')) {
    let o: unknown;
    try {
      o = JSON.parse(first);
    } catch {
      throw wrong(file, first.length >= text.length - 1
        ? `the first line is longer than ${DETECT_BYTES} bytes or not complete JSON`
        : 'the first line starts with { but is not valid JSON');
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw wrong(file, 'the first line is not a JSON object');
    if ('id.orig_h' in o) {
      if ('conn_state' in o || 'orig_pkts' in o || 'duration' in o) return 'zeek-json';
      throw wrong(file, 'a Zeek JSON log but not conn.log (no conn_state, orig_pkts or duration)');
    }
    if ('src' in o && 'dst' in o) return 'jsonl';
    throw wrong(file, 'JSON lines with neither Zeek conn keys (id.orig_h) nor FlowRecord keys (src, dst)');
  }
  if (isBinetflowHeader(first)) return 'binetflow';
  throw wrong(file, 'the first line is none of: a Zeek header (#separator/#fields), a JSON object, a binetflow header (StartTime,...,SrcAddr,...)');
}
