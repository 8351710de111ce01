/**
 * The dashboard's own audit log check (web/src/merkle.ts) against RFC 9162's definitions computed here
 * independently (MTH and PATH, §2.1.1 and §2.1.3.1), for every leaf of every tree up to 33 leaves;
 * entries as the server sends them with tampering caught; Ed25519 signed notes. (The e2e test checks
 * the same code in Chromium against a real server's signed head.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { checkEntries, leafHash, parseCheckpoint, verifyConsistency, verifyInclusion, verifyNote, type LoggedEntry } from '../../web/src/merkle.js';

const H = (...parts: Buffer[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();
const largestPow2Below = (n: number): number => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
/** RFC 9162 §2.1.1 */
function mth(d: Buffer[]): Buffer {
  if (d.length === 0) return H();
  if (d.length === 1) return H(Buffer.from([0]), d[0]!);
  const k = largestPow2Below(d.length);
  return H(Buffer.from([1]), mth(d.slice(0, k)), mth(d.slice(k)));
}
/** RFC 9162 §2.1.3.1 */
function path(m: number, d: Buffer[]): Buffer[] {
  if (d.length <= 1) return [];
  const k = largestPow2Below(d.length);
  return m < k ? [...path(m, d.slice(0, k)), mth(d.slice(k))] : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}

test('inclusion proofs: every leaf of every tree up to 33 leaves verifies; a wrong leaf, index or path element, or a short path, does not', async () => {
  const data = Array.from({ length: 33 }, (_, i) => Buffer.from(`{"seq":${i}}`));
  for (let n = 1; n <= data.length; n++) {
    const d = data.slice(0, n);
    const root = new Uint8Array(mth(d));
    for (let m = 0; m < n; m++) {
      const leaf = await leafHash(d[m]!.toString());
      assert.deepEqual(Buffer.from(leaf), H(Buffer.from([0]), d[m]!));
      const p = path(m, d).map((b) => new Uint8Array(b));
      assert.equal(await verifyInclusion(m, n, leaf, p, root), true, `leaf ${m} of ${n}`);
      if (n > 1) {
        assert.equal(await verifyInclusion((m + 1) % n, n, leaf, p, root), false, `leaf ${m} of ${n} at the wrong index`);
        const bent = p.map((x, i) => (i === 0 ? Uint8Array.from(x, (v, j) => (j === 0 ? v ^ 1 : v)) : x));
        assert.equal(await verifyInclusion(m, n, leaf, bent, root), false, `leaf ${m} of ${n} with a changed path`);
      }
      assert.equal(await verifyInclusion(m, n, await leafHash('{"seq":-1}'), p, root), false);
      assert.equal(await verifyInclusion(m, n, leaf, p.slice(1), root) && p.length > 0, false, `leaf ${m} of ${n} with a short path`);
      assert.equal(await verifyInclusion(n, n, leaf, p, root), false, 'an index beyond the tree');
    }
  }
});

test('checkEntries: entries and proofs as the server sends them; a changed entry or proof is caught; pending entries named', async () => {
  const entries = Array.from({ length: 11 }, (_, i) => `{"action":"demo.${i}","seq":${i}}`);
  const d = entries.map((e) => Buffer.from(e));
  const size = 9; // the head covers the first 9; the last 2 are newer
  const root = mth(d.slice(0, size)).toString('base64');
  const logged: LoggedEntry[] = entries.map((entry, i) => ({
    leafIndex: i,
    seq: i + 1,
    entry,
    proof: i < size ? { leafIndex: i, treeSize: size, leafHash: H(Buffer.from([0]), d[i]!).toString('base64'), inclusionPath: path(i, d.slice(0, size)).map((b) => b.toString('base64')) } : null,
  }));
  const checks = await checkEntries(logged, root);
  assert.deepEqual(checks.map((c) => c.result), [...Array(size).fill('ok'), 'pending', 'pending']);
  const changed = { ...logged[3]!, entry: logged[3]!.entry.replace('demo.3', 'demo.X') };
  assert.equal((await checkEntries([changed], root))[0]!.result, 'bad-leaf');
  const moved = { ...logged[3]!, proof: { ...logged[3]!.proof!, leafIndex: 4 } };
  assert.equal((await checkEntries([moved], root))[0]!.result, 'bad-proof');
  const otherRoot = mth(d.slice(0, size - 1)).toString('base64');
  assert.equal((await checkEntries([logged[0]!], otherRoot))[0]!.result, 'bad-proof');
});

test('verifyNote: an Ed25519 signed note (C2SP) verifies with its key, not with another key or a changed text', async () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519').publicKey;
  const raw = (k: KeyObject) => new Uint8Array(k.export({ format: 'der', type: 'spki' }).subarray(-32));
  const text = 'acd/audit-log\n43\ntM7m/G7vXCH0wPs2Yiu2WjSxWF3yyqsHS2gl49A+DUo=\n';
  const sig = sign(null, Buffer.from(text), privateKey);
  const note = `${text}\n— acd/audit-log ${Buffer.concat([Buffer.from([1, 2, 3, 4]), sig]).toString('base64')}\n`;
  const ok = await verifyNote(note, raw(publicKey));
  if (ok === null) return; // no Ed25519 in this WebCrypto: the dashboard says "not checked"
  assert.equal(ok, true);
  assert.equal(await verifyNote(note, raw(other)), false);
  assert.equal(await verifyNote(note.replace('\n43\n', '\n44\n'), raw(publicKey)), false);
  assert.equal(await verifyNote(text, raw(publicKey)), false, 'a note without signature lines');
});

/** RFC 9162 §2.1.4.1: SUBPROOF(m, D[n], b) */
function subproof(m: number, d: Buffer[], b: boolean): Buffer[] {
  const n = d.length;
  if (m === n) return b ? [] : [mth(d)];
  const k = largestPow2Below(n);
  return m <= k ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))] : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}

test('consistency proofs (#22): every pair of tree sizes up to 33 verifies; another root, a changed entry, a flipped path element or swapped roots do not', async () => {
  const data = Array.from({ length: 33 }, (_, i) => Buffer.from(`{"seq":${i}}`));
  let checked = 0;
  for (let n = 1; n <= data.length; n++) {
    const second = new Uint8Array(mth(data.slice(0, n)));
    for (let m = 1; m <= n; m++) {
      const first = new Uint8Array(mth(data.slice(0, m)));
      const proof = m === n ? [] : subproof(m, data.slice(0, n), true).map((b) => new Uint8Array(b));
      assert.equal(await verifyConsistency(m, n, first, second, proof), true, `${m} → ${n}`);
      checked++;
      if (m === n) continue;
      // a log rewritten before m: the old root no longer matches
      const rewritten = [...data.slice(0, m - 1), Buffer.from('{"seq":"forged"}'), ...data.slice(m, n)];
      assert.equal(await verifyConsistency(m, n, first, new Uint8Array(mth(rewritten)), proof), false, `rewritten ${m} → ${n}`);
      const flipped = proof.map((p, i) => (i === proof.length - 1 ? Uint8Array.from(p, (x, j) => (j === 0 ? x ^ 1 : x)) : p));
      assert.equal(await verifyConsistency(m, n, first, second, flipped), false, `flipped ${m} → ${n}`);
      assert.equal(await verifyConsistency(m, n, second, first, proof), false, `roots swapped ${m} → ${n}`);
    }
  }
  assert.equal(checked, (33 * 34) / 2);
  // a shrunken log is never consistent; the empty tree is a prefix of every tree
  const r = new Uint8Array(32);
  assert.equal(await verifyConsistency(5, 4, r, r, []), false);
  assert.equal(await verifyConsistency(0, 4, r, r, []), true);
});

test('a checkpoint is read as origin, size and root; anything else is refused', () => {
  const root = Buffer.alloc(32, 7).toString('base64');
  assert.deepEqual(parseCheckpoint(`acd.example/audit\n42\n${root}\n\n— acd.example/audit AAAA\n`), { origin: 'acd.example/audit', treeSize: 42, rootHash: root });
  for (const bad of ['', 'no blank line', `o\n-1\n${root}\n\n`, `o\n042\n${root}\n\n`, `o\n1\n${Buffer.alloc(31).toString('base64')}\n\n`, `o\n1\nnot base64!\n\n`, `o\n99999999999999999\n${root}\n\n`]) {
    assert.equal(parseCheckpoint(bad), null, JSON.stringify(bad));
  }
});
