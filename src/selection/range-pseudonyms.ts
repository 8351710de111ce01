/**
 * Address ranges in pseudonym space. Crypto-PAn preserves prefixes: two addresses that share their top
 * k bits have pseudonyms that share their top k bits, and on each prefix block it is a bijection. So the
 * pseudonyms of every address of `p/len` are exactly the block `P/len`, where P is the pseudonym of p
 * with its host bits cleared. This lets a range an operator registered in clear be compared with the
 * pseudonymised addresses of findings and selected flows without turning any pseudonym back into an
 * address (no re-identification, no decision needed) and without the key bytes leaving this part.
 *
 * Keys rotate and approvals may have keys of their own, and a stored finding does not name the key its
 * addresses were made with: the caller gets the range under every key whose validity meets the time it
 * asks about, and matches an address against the key(s) in force when it was seen.
 */
import type { Kysely } from 'kysely';
import { withTables, type Database } from '../store/index.js';
import { bytesToWords, mask32, wordsToBytes, type Prefix } from './cidr.js';
import { CryptoPan } from './cryptopan.js';
import type { SelectionTables } from './tables.js';

export interface PseudonymisedRanges {
  keyId: string;
  /** validity of the key, ms since the epoch, [validFrom, validTo) */
  validFrom: number;
  validTo: number;
  approvalId: string | null;
  /** the input ranges in the same order, as pseudonym blocks */
  prefixes: Prefix[];
}

/** The pseudonym block of one range under one cipher. */
export function pseudonymisePrefix(pan: CryptoPan, p: Prefix): Prefix {
  if (p.family === 4) {
    const m = mask32(p.length);
    const first = (pan.encrypt4(p.first) & m) >>> 0;
    return { family: 4, first, last: (first | ~m) >>> 0, length: p.length };
  }
  const w = bytesToWords(pan.encrypt6(wordsToBytes(p.first)));
  const first = new Uint32Array(4);
  const last = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    const m = mask32(p.length - i * 32);
    first[i] = ((w[i] ?? 0) & m) >>> 0;
    last[i] = (first[i]! | ~m) >>> 0;
  }
  return { family: 6, first, last, length: p.length };
}

/**
 * The ranges as pseudonym blocks under every pseudonym key in the store whose validity meets [from, to]
 * (every key when no window is given).
 */
export async function pseudonymisedRanges(db: Kysely<Database>, ranges: readonly Prefix[], window?: { from: Date; to: Date }): Promise<PseudonymisedRanges[]> {
  if (ranges.length === 0) return [];
  let q = withTables<SelectionTables>(db).selectFrom('pseudonym_keys').select(['id', 'key_bytes', 'valid_from', 'valid_to', 'approval_id']).orderBy('valid_from');
  if (window) q = q.where('valid_from', '<=', window.to).where('valid_to', '>', window.from);
  const keys = await q.execute();
  return keys.map((k) => {
    const pan = new CryptoPan(new Uint8Array(k.key_bytes), { cache: false });
    return {
      keyId: k.id,
      validFrom: new Date(k.valid_from).getTime(),
      validTo: new Date(k.valid_to).getTime(),
      approvalId: k.approval_id,
      prefixes: ranges.map((p) => pseudonymisePrefix(pan, p)),
    };
  });
}
