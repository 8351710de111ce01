/**
 * The witness: cosigns every head the appender signs (C2SP tlog-witness), refuses a head the log
 * re-signed after a truncation, keeps its last cosigned size across its own restart (as its own
 * process, `acd witness`), and `verify` with the witness key requires the cosignature.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { sql } from 'kysely';
import type { Store } from '../../src/store/index.js';
import { SYSTEM_ACTOR } from '../../src/auth/index.js';
import {
  createAuditLogAppender,
  createWitness,
  createWitnessClient,
  generateLogKey,
  hashLeaf,
  importCosignerVerifier,
  MemoryNodeStore,
  MerkleTree,
  recordAuditBatch,
  signTreeHead,
  startWitnessServer,
  verifyCosignature,
  verifyLogExport,
  WITNESS_STATE_FILE,
  type AuditInput,
  type RunningWitness,
  type Witness,
} from '../../src/oversight/index.js';
import { engineCases } from '../helpers/stores.js';

const T0 = Date.UTC(2026, 10, 26, 9, 0, 0);
const ev = (i: number): AuditInput => ({ actor: SYSTEM_ACTOR, action: 'operation.decide', target: { type: 'operation', id: `op-${i}` }, details: { i }, at: new Date(T0 + i * 1000) });

for (const engine of engineCases()) {
  describe(`the witness cosigns the audit log on ${engine.name}`, () => {
    let store: Store;
    let dir: string;
    let witness: Witness;
    let running: RunningWitness;
    const key = generateLogKey('test/witnessed-log');
    const vkey = (): string => `${key.name}+${key.keyId.toString('hex')}+${Buffer.concat([Buffer.from([1]), key.publicKey.export({ format: 'der', type: 'spki' }).subarray(12)]).toString('base64')}`;

    before(async () => {
      store = await engine.open();
      dir = mkdtempSync(join(tmpdir(), 'acd-witness-'));
      witness = createWitness({ dataDir: join(dir, 'witness'), name: 'test/commission-witness', logs: [vkey()] });
      running = await startWitnessServer(witness, { host: '127.0.0.1', port: 0 });
    });
    after(async () => {
      await running.close();
      await store.close();
      await engine.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    test('every head is cosigned, published and exported with its cosignature; verify --witness-key passes', async () => {
      const client = createWitnessClient({ url: running.url, verifier: importCosignerVerifier(witness.vkey) });
      const log = await createAuditLogAppender({ store, key, config: { intervalMs: 0 }, witness: client });
      await recordAuditBatch(store.db, Array.from({ length: 10 }, (_, i) => ev(i)));
      await log.signHead();
      await recordAuditBatch(store.db, Array.from({ length: 15 }, (_, i) => ev(10 + i)));
      const h25 = await log.signHead();
      assert.equal(h25.treeSize, 25);
      assert.equal(witness.state('test/witnessed-log')?.size, 25);
      assert.equal(log.health().witness?.lastCosignedSize, 25);
      const pub = await log.latestPublished();
      assert.equal(pub?.cosigned, true);
      assert.equal(verifyCosignature(pub!.head.note, importCosignerVerifier(witness.vkey)).timestamp > 0, true);
      const exp = JSON.parse(JSON.stringify(await log.exportLog())) as { treeHeads: string[] };
      assert.equal(exp.treeHeads.length, 2);
      for (const n of exp.treeHeads) assert.match(n, /\u2014 test\/commission-witness /u);
      const r = await verifyLogExport(exp, vkey(), { witnesses: [importCosignerVerifier(witness.vkey)] });
      assert.equal(r.ok, true, JSON.stringify(r.firstFailure));
      // another witness key: not witnessed
      const other = createWitness({ dataDir: join(dir, 'other'), name: 'test/commission-witness', logs: [] });
      const r2 = await verifyLogExport(exp, vkey(), { witnesses: [importCosignerVerifier(other.vkey)] });
      assert.equal(r2.firstFailure?.code, 'AUDIT_HEAD_NOT_WITNESSED');
    });

    test('after a truncation the log re-signs with its key alone; the witness refuses it and verify --witness-key fails', async () => {
      for (const t of ['audit_events', 'audit_log_leaves', 'audit_merkle_nodes', 'audit_log_heads', 'audit_log_cosigned']) {
        await sql`alter table ${sql.id(t)} disable trigger user`.execute(store.db);
      }
      const seqs = (await sql<{ seq: string }>`select seq from audit_log_leaves where leaf_index >= 15`.execute(store.db)).rows.map((r) => Number(r.seq));
      await sql`delete from audit_events where seq = any(${seqs}::bigint[])`.execute(store.db);
      await sql`delete from audit_log_leaves where leaf_index >= 15`.execute(store.db);
      await sql`delete from audit_merkle_nodes where idx >= 15`.execute(store.db);
      await sql`delete from audit_log_heads where tree_size > 15`.execute(store.db);
      await sql`delete from audit_log_cosigned where tree_size > 15`.execute(store.db);
      const client = createWitnessClient({ url: running.url, verifier: importCosignerVerifier(witness.vkey) });
      const log = await createAuditLogAppender({ store, key, config: { intervalMs: 0 }, witness: client });
      const h = await log.signHead();
      assert.ok(h.treeSize < 25);
      assert.match(log.health().witness?.lastError ?? '', /last cosigned a head of 25 entries, larger than this head/);
      assert.equal(witness.state('test/witnessed-log')?.size, 25, 'the witness keeps 25');
      assert.equal((await log.latestPublished())?.cosigned, false);
      const refused = readFileSync(join(witness.dataDir, 'witness-refused.jsonl'), 'utf8');
      assert.match(refused, /the log went back/);
      const r = await verifyLogExport(JSON.parse(JSON.stringify(await log.exportLog())) as unknown, vkey(), { witnesses: [importCosignerVerifier(witness.vkey)] });
      assert.equal(r.ok, false);
      assert.equal(r.firstFailure?.kind, 'tree-head');
      assert.equal(r.firstFailure?.code, 'AUDIT_HEAD_NOT_WITNESSED');
    });
  });
}

describe('acd witness as its own process', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  after(() => {
    child?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const startProcess = async (dataDir: string, logVkey: string): Promise<{ url: string; vkey: string; proc: ChildProcess }> => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'witness', 'serve', '--data', dataDir, '--log-key', logVkey, '--listen', '127.0.0.1:0', '--name', 'test/proc-witness', '--log-level', 'silent'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child = proc;
    const line = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: proc.stdout! });
      rl.once('line', resolve);
      proc.once('exit', (c) => reject(new Error(`acd witness exited with ${String(c)}`)));
    });
    return { ...(JSON.parse(line) as { url: string; vkey: string }), proc };
  };
  const post = async (url: string, body: string): Promise<{ status: number; type: string; text: string }> => {
    const res = await fetch(`${url}/add-checkpoint`, { method: 'POST', body });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };
  const stop = async (proc: ChildProcess): Promise<void> => {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  };

  test('keeps its last cosigned size across a restart and refuses an inconsistent head', async () => {
    dir = mkdtempSync(join(tmpdir(), 'acd-witness-proc-'));
    const logKey = generateLogKey('test/proc-log');
    const logVkey = `${logKey.name}+${logKey.keyId.toString('hex')}+${Buffer.concat([Buffer.from([1]), logKey.publicKey.export({ format: 'der', type: 'spki' }).subarray(12)]).toString('base64')}`;
    const tree = await MerkleTree.open(new MemoryNodeStore());
    await tree.appendLeaves(Array.from({ length: 20 }, (_, i) => hashLeaf(Buffer.from(`entry ${i}`))));
    const head = async (n: number, k = logKey) => signTreeHead({ treeSize: n, rootHash: await tree.root(n), timestamp: T0 + n }, k);
    const data = join(dir, 'witness-data');

    const w1 = await startProcess(data, logVkey);
    const h12 = await head(12);
    const ok = await post(w1.url, `old 0\n\n${h12.note}`);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(verifyCosignature(h12.note + ok.text, importCosignerVerifier(w1.vkey)).timestamp > 0, true);
    await stop(w1.proc);
    assert.equal((JSON.parse(readFileSync(join(data, WITNESS_STATE_FILE), 'utf8')) as Record<string, { size: number }>)['test/proc-log']?.size, 12);

    const w2 = await startProcess(data, logVkey);
    assert.equal(w2.vkey, w1.vkey, 'the same key after the restart');
    // a log that lost track asks from 0: the witness answers with the size it keeps
    const conflict = await post(w2.url, `old 0\n\n${(await head(15)).note}`);
    assert.equal(conflict.status, 409);
    assert.equal(conflict.type, 'text/x.tlog.size');
    assert.equal(conflict.text, '12\n');
    // a smaller head re-signed by the log's key (a truncation) cannot be cosigned
    const smaller = await post(w2.url, `old 12\n\n${(await head(8)).note}`);
    assert.equal(smaller.status, 400);
    // a different history of the same size: conflict
    const forkTree = await MerkleTree.open(new MemoryNodeStore());
    await forkTree.appendLeaves(Array.from({ length: 12 }, (_, i) => hashLeaf(Buffer.from(`rewritten ${i}`))));
    const fork12 = signTreeHead({ treeSize: 12, rootHash: await forkTree.root(12), timestamp: T0 + 99 }, logKey);
    assert.equal((await post(w2.url, `old 12\n\n${fork12.note}`)).status, 409);
    // a larger head with a proof that does not verify: 422
    const bogus = (await tree.consistencyProof(11, 16)).map((h) => h.toString('base64')).join('\n');
    assert.equal((await post(w2.url, `old 12\n${bogus}\n\n${(await head(16)).note}`)).status, 422);
    // a head signed by another key: 403; an unknown log: 404
    assert.equal((await post(w2.url, `old 12\n\n${(await head(16, generateLogKey('test/proc-log'))).note}`)).status, 403);
    assert.equal((await post(w2.url, `old 0\n\n${signTreeHead({ treeSize: 1, rootHash: await tree.root(1), timestamp: T0 }, generateLogKey('test/other-log')).note}`)).status, 404);
    // the consistent extension with its proof is cosigned
    const proof = (await tree.consistencyProof(12, 16)).map((h) => `${h.toString('base64')}\n`).join('');
    const grown = await post(w2.url, `old 12\n${proof}\n${(await head(16)).note}`);
    assert.equal(grown.status, 200, grown.text);
    await stop(w2.proc);
    assert.ok(existsSync(join(data, 'witness-refused.jsonl')), 'the refused requests are kept as evidence');
  });
});
