/**
 * The tree head's text form: a C2SP checkpoint (https://c2sp.org/tlog-checkpoint), the note text a
 * signed tree head is:
 *
 *   <origin>\n                      the log's name, e.g. "acd.example.org/audit"
 *   <tree size, decimal>\n
 *   <root hash, standard base64>\n  RFC 9162 MTH of the first <tree size> entries
 *   timestamp <ms since epoch>\n     extension line (the RFC 9162 TreeHeadDataV2 timestamp)
 *
 * Checkpoint parsers ignore extension lines, so any checkpoint tool reads the size and root; ours
 * requires the timestamp. It is covered by the signature like every other line.
 */
import { HASH_SIZE } from './merkle.js';
import { auditError } from './errors.js';

export interface TreeHead {
  origin: string;
  treeSize: number;
  rootHash: Buffer;
  /** milliseconds since the Unix epoch */
  timestamp: number;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

export function formatCheckpoint(head: TreeHead): string {
  if (head.origin.length === 0 || /[\n]/.test(head.origin)) throw auditError('AUDIT_BAD_ARGUMENT', 'a checkpoint origin is one non-empty line');
  if (!Number.isSafeInteger(head.treeSize) || head.treeSize < 0) throw auditError('AUDIT_BAD_ARGUMENT', `tree size ${head.treeSize} is not a count`);
  if (head.rootHash.length !== HASH_SIZE) throw auditError('AUDIT_BAD_ARGUMENT', 'a root hash is 32 bytes');
  if (!Number.isSafeInteger(head.timestamp) || head.timestamp < 0) throw auditError('AUDIT_BAD_ARGUMENT', `timestamp ${head.timestamp} is not milliseconds since the epoch`);
  return `${head.origin}\n${head.treeSize}\n${head.rootHash.toString('base64')}\ntimestamp ${head.timestamp}\n`;
}

export function parseCheckpoint(text: string): TreeHead {
  const bad = (why: string): never => {
    throw auditError('AUDIT_HEAD_MALFORMED', `checkpoint: ${why}`);
  };
  if (!text.endsWith('\n')) bad('does not end in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) bad('fewer than three lines (origin, size, root hash)');
  const [origin, size, root, ...ext] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) bad('empty origin');
  if (!DECIMAL.test(size) || !Number.isSafeInteger(Number(size))) bad(`tree size ${JSON.stringify(size)} is not a decimal count`);
  const rootHash = Buffer.from(root, 'base64');
  if (rootHash.length !== HASH_SIZE || rootHash.toString('base64') !== root) bad('root hash is not 32 bytes of standard base64');
  const ts = ext.filter((l) => l.startsWith('timestamp '));
  if (ts.length !== 1) bad('needs exactly one "timestamp <ms>" extension line');
  const msText = ts[0]!.slice('timestamp '.length);
  if (!DECIMAL.test(msText) || !Number.isSafeInteger(Number(msText))) bad(`timestamp ${JSON.stringify(msText)} is not decimal milliseconds`);
  return { origin, treeSize: Number(size), rootHash, timestamp: Number(msText) };
}
