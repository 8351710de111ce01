/**
 * Interoperability of the witness with the C2SP formats, checked by an implementation written here from
 * the specifications (https://c2sp.org/signed-note, /tlog-checkpoint, /tlog-witness, /tlog-cosignature)
 * with openssl doing every Ed25519 operation. Nothing of ACD's note, checkpoint or cosignature code is
 * used on the checking side: the request body is built by hand, the response parsed by hand, key IDs
 * computed by hand, signatures verified by `openssl pkeyutl`. The other way round, a cosignature made
 * by openssl from the spec is accepted by ACD's verifier.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWitness, generateLogKey, hashLeaf, importCosignerVerifier, MemoryNodeStore, MerkleTree, signTreeHead, startWitnessServer, verifyCosignature, type RunningWitness, type Witness } from '../../src/oversight/index.js';
import { exportPublicKey } from '../../src/oversight/keys.js';

// ---- the independent side: from the specs, openssl for Ed25519 ----
const DASH = '\u2014';
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

let work: string;
let n = 0;
const tmp = (data: Buffer | string): string => {
  const p = join(work, `f${n++}`);
  writeFileSync(p, data);
  return p;
};
function opensslVerify(rawPub: Buffer, msg: Buffer, sig: Buffer): boolean {
  try {
    execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', tmp(Buffer.concat([SPKI_ED25519, rawPub])), '-keyform', 'DER', '-rawin', '-in', tmp(msg), '-sigfile', tmp(sig)], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}
/** signed-note: "<name>+<hex id>+<base64(type ‖ key)>" */
function parseVkey(vkey: string): { name: string; id: Buffer; type: number; key: Buffer } {
  const parts = vkey.split('+');
  const b = Buffer.from(parts.slice(2).join('+'), 'base64');
  return { name: parts[0]!, id: Buffer.from(parts[1]!, 'hex'), type: b[0]!, key: b.subarray(1) };
}
/** signed-note: key ID = SHA-256(name ‖ "\n" ‖ type ‖ key)[:4] */
const keyId = (name: string, type: number, key: Buffer): Buffer => createHash('sha256').update(Buffer.concat([Buffer.from(`${name}\n`), Buffer.from([type]), key])).digest().subarray(0, 4);
/** signed-note: body, blank line, "— name base64(id ‖ sig)" lines */
function splitNote(note: string): { body: string; sigs: Array<{ name: string; id: Buffer; sig: Buffer }> } {
  const i = note.indexOf('\n\n');
  const body = note.slice(0, i + 1);
  const sigs = note
    .slice(i + 2)
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      assert.ok(l.startsWith(`${DASH} `), `signature line: ${l}`);
      const [name, b64] = l.slice(2).split(' ') as [string, string];
      const b = Buffer.from(b64, 'base64');
      return { name, id: b.subarray(0, 4), sig: b.subarray(4) };
    });
  return { body, sigs };
}

describe('witness interoperability with an implementation from the C2SP specs', () => {
  let witness: Witness;
  let running: RunningWitness;
  const logKey = generateLogKey('example.org/interop-log');
  const logPub = exportPublicKey(logKey);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'acd-interop-'));
    witness = createWitness({ dataDir: join(work, 'witness'), name: 'example.org/interop-witness', logs: [logPub.vkey] });
    running = await startWitnessServer(witness, { host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await running.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('checkpoints, the add-checkpoint exchange and cosignatures check out with openssl', async () => {
    const tree = await MerkleTree.open(new MemoryNodeStore());
    await tree.appendLeaves(Array.from({ length: 9 }, (_, i) => hashLeaf(Buffer.from(`leaf ${i}`))));
    const h5 = signTreeHead({ treeSize: 5, rootHash: await tree.root(5), timestamp: 1_790_000_000_000 }, logKey);
    const h9 = signTreeHead({ treeSize: 9, rootHash: await tree.root(9), timestamp: 1_790_000_001_000 }, logKey);

    // the log's checkpoint: tlog-checkpoint body, signed-note signature (type 0x01) verified by openssl
    const lk = parseVkey(logPub.vkey);
    assert.equal(lk.type, 0x01);
    assert.deepEqual(lk.id, keyId(lk.name, 0x01, lk.key));
    const n5 = splitNote(h5.note);
    const [origin, size, root] = n5.body.split('\n') as [string, string, string];
    assert.deepEqual([origin, size, root], ['example.org/interop-log', '5', (await tree.root(5)).toString('base64')]);
    assert.equal(n5.sigs.length, 1);
    assert.deepEqual(n5.sigs[0]!.id, lk.id);
    assert.equal(opensslVerify(lk.key, Buffer.from(n5.body), n5.sigs[0]!.sig), true, 'the log signature verifies with openssl');

    // tlog-witness: the request built by hand
    const first = await fetch(`${running.url}/add-checkpoint`, { method: 'POST', body: `old 0\n\n${h5.note}` });
    assert.equal(first.status, 200);
    const lines = (await first.text()).split('\n').filter((l) => l.length > 0);
    assert.equal(lines.length, 1);
    const wk = parseVkey(witness.vkey);
    assert.equal(wk.type, 0x04, 'a cosignature/v1 vkey');
    assert.deepEqual(wk.id, keyId(wk.name, 0x04, wk.key));
    const cos = splitNote(h5.note + lines.map((l) => `${l}\n`).join('')).sigs[1]!;
    assert.equal(cos.name, 'example.org/interop-witness');
    assert.deepEqual(cos.id, wk.id);
    assert.equal(cos.sig.length, 8 + 64, 'timestamped_signature: u64 timestamp ‖ Ed25519 signature');
    const t = cos.sig.readBigUInt64BE(0);
    assert.ok(Math.abs(Number(t) - Date.now() / 1000) < 300, 'the timestamp is POSIX seconds, now');
    const message = Buffer.from(`cosignature/v1\ntime ${t}\n${n5.body}`);
    assert.equal(opensslVerify(wk.key, message, cos.sig.subarray(8)), true, 'the cosignature verifies with openssl');
    assert.equal(opensslVerify(wk.key, Buffer.from(`cosignature/v1\ntime ${t + 1n}\n${n5.body}`), cos.sig.subarray(8)), false, 'and only over its own time');

    // a stale old size: 409, text/x.tlog.size, the size it holds
    const stale = await fetch(`${running.url}/add-checkpoint`, { method: 'POST', body: `old 0\n\n${h9.note}` });
    assert.equal(stale.status, 409);
    assert.equal(stale.headers.get('content-type'), 'text/x.tlog.size');
    assert.equal(await stale.text(), '5\n');
    // with the RFC 6962 consistency proof: cosigned
    const proof = (await tree.consistencyProof(5, 9)).map((h) => `${h.toString('base64')}\n`).join('');
    const second = await fetch(`${running.url}/add-checkpoint`, { method: 'POST', body: `old 5\n${proof}\n${h9.note}` });
    assert.equal(second.status, 200);
    const cos9 = splitNote(h9.note + (await second.text())).sigs[1]!;
    const t9 = cos9.sig.readBigUInt64BE(0);
    assert.equal(opensslVerify(wk.key, Buffer.from(`cosignature/v1\ntime ${t9}\n${splitNote(h9.note).body}`), cos9.sig.subarray(8)), true);
  });

  test('a cosignature made with openssl from the spec is accepted by ACD', () => {
    const pem = join(work, 'ext-witness.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', pem], { stdio: 'pipe' });
    const der = execFileSync('openssl', ['pkey', '-in', pem, '-pubout', '-outform', 'DER'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const raw = der.subarray(SPKI_ED25519.length);
    const name = 'example.net/external-witness';
    const id = keyId(name, 0x04, raw);
    const vkey = `${name}+${id.toString('hex')}+${Buffer.concat([Buffer.from([0x04]), raw]).toString('base64')}`;
    const h = signTreeHead({ treeSize: 3, rootHash: createHash('sha256').update('x').digest(), timestamp: 1_790_000_000_000 }, logKey);
    const body = splitNote(h.note).body;
    const time = 1_790_000_123;
    const msgFile = join(work, 'cos-msg');
    writeFileSync(msgFile, `cosignature/v1\ntime ${time}\n${body}`);
    const sig = execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', pem, '-rawin', '-in', msgFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    const ts = Buffer.alloc(8);
    ts.writeBigUInt64BE(BigInt(time));
    const cosigned = `${h.note}${DASH} ${name} ${Buffer.concat([id, ts, sig]).toString('base64')}\n`;
    assert.deepEqual(verifyCosignature(cosigned, importCosignerVerifier(vkey)), { timestamp: time });
    // one bit changed in the signature: refused
    const bad = Buffer.from(sig);
    bad[10] = bad[10]! ^ 1;
    assert.throws(() => verifyCosignature(`${h.note}${DASH} ${name} ${Buffer.concat([id, ts, bad]).toString('base64')}\n`, importCosignerVerifier(vkey)), /does not verify/);
    assert.ok(readFileSync(msgFile).length > 0);
  });
});
