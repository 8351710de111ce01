/**
 * The browser's own check of the audit log (RFC 9162, Certificate Transparency 2.0), with WebCrypto:
 * an entry's leaf hash from its canonical JSON, its inclusion proof against the signed tree head's
 * root, and the head's Ed25519 signature (a C2SP signed note) where the browser has Ed25519.
 * Nothing here trusts the server's word that an entry is in the log: the hashes are recomputed.
 */

const enc = new TextEncoder();

export function b64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function unb64(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const buf = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    buf.set(p, o);
    o += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
}

/** RFC 9162 §2.1.1: the hash of a leaf, SHA-256(0x00 || entry) */
export function leafHash(entry: string): Promise<Uint8Array> {
  return sha256(new Uint8Array([0]), enc.encode(entry));
}

/** RFC 9162 §2.1.3.2: verifying an inclusion proof; true when the path leads to `root` */
export async function verifyInclusion(leafIndex: number, treeSize: number, leaf: Uint8Array, path: Uint8Array[], root: Uint8Array): Promise<boolean> {
  if (leafIndex >= treeSize) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  const one = new Uint8Array([1]);
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(one, p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await sha256(one, r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(r, root);
}

export function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export interface LoggedEntry {
  leafIndex: number;
  seq: number;
  entry: string;
  proof: { leafIndex: number; treeSize: number; leafHash: string; inclusionPath: string[] } | null;
}

export interface EntryCheck {
  seq: number;
  /** 'ok': leaf hash recomputed and the proof reaches the head's root; 'pending': newer than the head */
  result: 'ok' | 'pending' | 'bad-leaf' | 'bad-proof';
}

/** checks each entry against the head's root */
export async function checkEntries(entries: LoggedEntry[], rootHash: string): Promise<EntryCheck[]> {
  const root = unb64(rootHash);
  const out: EntryCheck[] = [];
  for (const e of entries) {
    if (!e.proof) {
      out.push({ seq: e.seq, result: 'pending' });
      continue;
    }
    const leaf = await leafHash(e.entry);
    if (b64(leaf) !== e.proof.leafHash) {
      out.push({ seq: e.seq, result: 'bad-leaf' });
      continue;
    }
    const ok = await verifyInclusion(e.proof.leafIndex, e.proof.treeSize, leaf, e.proof.inclusionPath.map(unb64), root);
    out.push({ seq: e.seq, result: ok ? 'ok' : 'bad-proof' });
  }
  return out;
}

/**
 * The Ed25519 signature of a signed note (C2SP signed-note): the text up to the blank line is signed;
 * each signature line is "— name base64(keyid[4] || signature[64])". `rawKey` is the 32-byte public key.
 * Answers null when this browser's WebCrypto has no Ed25519.
 */
export async function verifyNote(note: string, rawKey: Uint8Array<ArrayBuffer>): Promise<boolean | null> {
  const split = note.indexOf('\n\n');
  if (split < 0) return false;
  const text = note.slice(0, split + 1);
  const sigs = note.slice(split + 2).split('\n').filter((l) => l.startsWith('— '));
  let key: Awaited<ReturnType<typeof crypto.subtle.importKey>>;
  try {
    key = await crypto.subtle.importKey('raw', rawKey, { name: 'Ed25519' }, false, ['verify']);
  } catch {
    return null;
  }
  for (const line of sigs) {
    const parts = line.split(' ');
    const blob = unb64(parts[2] ?? '');
    if (blob.length !== 68) continue;
    if (await crypto.subtle.verify({ name: 'Ed25519' }, key, blob.slice(4), enc.encode(text) as Uint8Array<ArrayBuffer>)) return true;
  }
  return false;
}

// ---- a saved checkpoint, and whether the log now extends it (#22) ----

export interface Checkpoint {
  origin: string;
  treeSize: number;
  /** base64 */
  rootHash: string;
}

/**
 * The body of a C2SP checkpoint (tlog-checkpoint): origin, tree size in decimal, root hash in base64,
 * optional extension lines, a blank line, then signature lines. Null when the text is not one.
 */
export function parseCheckpoint(note: string): Checkpoint | null {
  const text = note.replace(/\r\n/g, '\n');
  const split = text.indexOf('\n\n');
  if (split < 0) return null;
  const [origin, size, root] = text.slice(0, split).split('\n');
  if (!origin || !size || !root || !/^(0|[1-9]\d{0,15})$/.test(size)) return null;
  const treeSize = Number(size);
  if (!Number.isSafeInteger(treeSize)) return null;
  let bytes: Uint8Array;
  try {
    bytes = unb64(root);
  } catch {
    return null;
  }
  if (bytes.length !== 32) return null;
  return { origin, treeSize, rootHash: root };
}

/**
 * RFC 9162 §2.1.4.2: whether the tree (second, secondHash) extends the tree (first, firstHash): every
 * entry of the first is in the second, unchanged, in the same place. The sizes 0 and first = second
 * take an empty proof (as transparency-dev/merkle does).
 */
export async function verifyConsistency(first: number, second: number, firstHash: Uint8Array, secondHash: Uint8Array, proof: Uint8Array[]): Promise<boolean> {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || second < first) return false;
  if ([firstHash, secondHash, ...proof].some((h) => h.length !== 32)) return false;
  if (first === 0) return proof.length === 0;
  if (first === second) return proof.length === 0 && equal(firstHash, secondHash);
  // 1. an empty path fails
  if (proof.length === 0) return false;
  // 2. when first is an exact power of 2, first_hash is prepended to the path
  const path = (first & (first - 1)) === 0 ? [firstHash, ...proof] : proof;
  const one = new Uint8Array([1]);
  // 3. fn = first - 1, sn = second - 1; 4. right-shift both while LSB(fn) is set
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 5. fr and sr start at the path's first value
  let fr = path[0]!;
  let sr = path[0]!;
  // 6. for each further value c
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = await sha256(one, c, fr);
      sr = await sha256(one, c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = await sha256(one, sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 7. fr is first_hash, sr is second_hash, sn is 0
  return sn === 0 && equal(fr, firstHash) && equal(sr, secondHash);
}
