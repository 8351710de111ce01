/**
 * The insider with database access (on PostgreSQL a superuser, triggers disabled): truncation of the log
 * with the signed heads left in place, then with the heads deleted too, then regrown past the old size.
 * What must hold: the appender never signs backwards (it refuses, says so in a metric, its health and the
 * log, and keeps the evidence), the export carries every head and verify names the cut, and a head the
 * commission kept proves the cut even when every head in the database is gone.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import type { Store } from '../../src/store/index.js';
import { SYSTEM_ACTOR } from '../../src/auth/index.js';
import { AcdError } from '../../src/shared/errors.js';
import {
  createAuditLogAppender,
  fileSignerState,
  generateLogKey,
  recordAuditBatch,
  verifyLogExport,
  type AuditInput,
  type SignedTreeHead,
} from '../../src/oversight/index.js';
import { buildProgram } from '../../src/cli/main.js';
import { engineCases } from '../helpers/stores.js';

const T0 = Date.UTC(2026, 10, 25, 9, 0, 0);
const ev = (i: number): AuditInput => ({
  actor: SYSTEM_ACTOR,
  action: i % 2 ? 'approval.decide' : 'operation.read',
  target: { type: 'thing', id: `t-${i}` },
  details: { i },
  at: new Date(T0 + i * 1000),
});

/** runs `acd …` in this process, returns its output and exit code */
async function acd(args: string[]): Promise<{ out: string; code: number }> {
  const out: string[] = [];
  const orig = console.log;
  console.log = (s: string) => void out.push(s);
  process.exitCode = 0;
  try {
    await (await buildProgram()).parseAsync(['node', 'acd', ...args]);
  } finally {
    console.log = orig;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out: out.join('\n'), code };
}

for (const engine of engineCases()) {
  describe(`an insider truncates the audit log on ${engine.name}`, () => {
    let store: Store;
    let dir: string;
    const key = generateLogKey('test/insider');
    const vkey = (): string => `${key.name}+${key.keyId.toString('hex')}+${Buffer.concat([Buffer.from([1]), key.publicKey.export({ format: 'der', type: 'spki' }).subarray(12)]).toString('base64')}`;
    let statePath: string;
    let head72: SignedTreeHead;
    let head30: SignedTreeHead;

    const truncateTo = async (n: number): Promise<void> => {
      const seqs = (await sql<{ seq: string }>`select seq from audit_log_leaves where leaf_index >= ${n}`.execute(store.db)).rows.map((r) => Number(r.seq));
      await sql`delete from audit_events where seq = any(${seqs}::bigint[])`.execute(store.db);
      await sql`delete from audit_log_leaves where leaf_index >= ${n}`.execute(store.db);
      await sql`delete from audit_merkle_nodes where idx >= ${n}`.execute(store.db);
    };

    before(async () => {
      store = await engine.open();
      dir = mkdtempSync(join(tmpdir(), 'acd-insider-'));
      statePath = join(dir, 'audit-log-key.pem.last-head');
      const log = await createAuditLogAppender({ store, key, config: { intervalMs: 0, batchSize: 16 }, signerState: fileSignerState(statePath), now: () => T0 + 100_000 });
      await recordAuditBatch(store.db, Array.from({ length: 30 }, (_, i) => ev(i)));
      head30 = await log.signHead();
      await recordAuditBatch(store.db, Array.from({ length: 42 }, (_, i) => ev(30 + i)));
      head72 = await log.signHead();
      assert.equal(head30.treeSize, 30);
      assert.equal(head72.treeSize, 72);
      // the commission keeps both checkpoints (acd audit checkpoint)
      writeFileSync(join(dir, 'kept-30.checkpoint'), head30.note);
      writeFileSync(join(dir, 'kept-72.checkpoint'), head72.note);
      // the insider: superuser, every trigger off
      for (const t of ['audit_events', 'audit_log_leaves', 'audit_merkle_nodes', 'audit_log_heads', 'audit_log_cosigned']) {
        await sql`alter table ${sql.id(t)} disable trigger user`.execute(store.db);
      }
    });
    after(async () => {
      await store.close();
      await engine.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    test('heads kept: the export carries the head of 72, verify names the truncation, the appender refuses to sign 47', async () => {
      await truncateTo(47);
      // the server restarts (or the running one notices the tree shrank): same key, same signer state
      const registry = new Registry();
      const log = await createAuditLogAppender({ store, key, config: { intervalMs: 0 }, signerState: fileSignerState(statePath), registry });
      assert.equal(log.size, 47);
      const exp = await log.exportLog();
      assert.equal(exp.treeHeads.length, 2, 'the export carries every signed head, also the one larger than the tree');
      assert.equal(exp.treeHeads[1], head72.note);
      const r = await verifyLogExport(JSON.parse(JSON.stringify(exp)), vkey());
      assert.equal(r.ok, false);
      assert.deepEqual({ kind: r.firstFailure?.kind, index: r.firstFailure?.index, code: r.firstFailure?.code }, { kind: 'tree-head', index: 1, code: 'AUDIT_LOG_TRUNCATED' });
      assert.match(r.firstFailure!.reason, /covers 72 entries, the log holds only 47: the log was truncated/);

      // acd audit verify exits 1 naming the truncation
      const file = join(dir, 'export-a.json');
      writeFileSync(file, JSON.stringify(exp));
      const cli = await acd(['audit', 'verify', file, '--key', vkey()]);
      assert.equal(cli.code, 1);
      assert.match(cli.out, /FAILS at signed tree head 1 \[AUDIT_LOG_TRUNCATED\]/);

      // never sign backwards
      const headsBefore = Number((await sql<{ n: string }>`select count(*) as n from audit_log_heads`.execute(store.db)).rows[0]!.n);
      await assert.rejects(() => log.signHead(), (e: unknown) => e instanceof AcdError && e.code === 'AUDIT_SIGN_REFUSED' && /72/.test(e.message));
      await assert.rejects(() => log.tick(), (e: unknown) => e instanceof AcdError && e.code === 'AUDIT_SIGN_REFUSED');
      const headsAfter = Number((await sql<{ n: string }>`select count(*) as n from audit_log_heads`.execute(store.db)).rows[0]!.n);
      assert.equal(headsAfter, headsBefore, 'no head was signed');
      const h = log.health();
      assert.equal(h.ok, false);
      assert.equal(h.refusal?.code, 'AUDIT_SIGN_BACKWARDS');
      assert.equal(h.refusal?.lastSigned.treeSize, 72);
      assert.ok(h.refusal!.candidate.treeSize >= 47);
      const metrics = await registry.metrics();
      assert.match(metrics, /acd_audit_log_sign_refused_total [1-9]/);
      assert.match(metrics, /acd_audit_log_signing_refused 1/);
      // the evidence: beside the key, and in the log itself (recorded once for the same cut)
      const evidence = readFileSync(`${statePath}.evidence.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { code: string; lastSigned: { note: string } });
      assert.equal(evidence.length, 1);
      assert.equal(evidence[0]!.code, 'AUDIT_SIGN_BACKWARDS');
      assert.equal(evidence[0]!.lastSigned.note, head72.note);
      const refused = await store.db.selectFrom('audit_events').selectAll().where('action', '=', 'audit_log.sign_refused').execute();
      assert.equal(refused.length, 1);
      assert.equal((refused[0]!.details as { lastSignedSize: number }).lastSignedSize, 72);
    });

    test('heads deleted too: the signer state still refuses; a signer without memory signs 47, and only a kept head proves the cut', async () => {
      await sql`delete from audit_log_heads where tree_size > 47`.execute(store.db);
      const remembered = await createAuditLogAppender({ store, key, config: { intervalMs: 0 }, signerState: fileSignerState(statePath) });
      await assert.rejects(() => remembered.signHead(), (e: unknown) => e instanceof AcdError && e.code === 'AUDIT_SIGN_REFUSED');
      assert.equal(remembered.health().refusal?.lastSigned.source, 'signer-state');

      // the insider also replaced the state file (they hold the key): the log re-signs a shorter history
      const forgetful = await createAuditLogAppender({ store, key, config: { intervalMs: 0 } });
      const resigned = await forgetful.signHead();
      assert.ok(resigned.treeSize >= 47 && resigned.treeSize < 72);
      const exp = await forgetful.exportLog();
      assert.equal((await verifyLogExport(JSON.parse(JSON.stringify(exp)), vkey())).ok, true, 'without a kept head the cut is invisible');
      const file = join(dir, 'export-b.json');
      writeFileSync(file, JSON.stringify(exp));
      // the commission's kept heads: 30 still fits, 72 shows the cut
      const ok30 = await acd(['audit', 'verify', file, '--key', vkey(), '--trusted-head', join(dir, 'kept-30.checkpoint')]);
      assert.equal(ok30.code, 0, ok30.out);
      const cut = await acd(['audit', 'verify', file, '--key', vkey(), '--trusted-head', join(dir, 'kept-30.checkpoint'), join(dir, 'kept-72.checkpoint')]);
      assert.equal(cut.code, 1);
      assert.match(cut.out, /FAILS at kept head 1 \[AUDIT_LOG_TRUNCATED\]/);
      assert.match(cut.out, /cut below the kept size 72/);
    });

    test('regrown past the kept size: the kept head shows the rewrite, naming its size', async () => {
      await recordAuditBatch(store.db, Array.from({ length: 40 }, (_, i) => ev(100 + i)));
      const forgetful = await createAuditLogAppender({ store, key, config: { intervalMs: 0 } });
      const h = await forgetful.signHead();
      assert.ok(h.treeSize > 72);
      const exp = JSON.parse(JSON.stringify(await forgetful.exportLog())) as unknown;
      const r = await verifyLogExport(exp, vkey(), { trustedHeads: [head30.note, head72.note] });
      assert.equal(r.ok, false);
      assert.deepEqual({ kind: r.firstFailure?.kind, index: r.firstFailure?.index, code: r.firstFailure?.code }, { kind: 'trusted-head', index: 1, code: 'AUDIT_HEAD_INCONSISTENT' });
      assert.match(r.firstFailure!.reason, /kept head of size 72/);
      // a kept head that is not the log's is refused as such
      const other = generateLogKey('test/insider');
      const forged = await verifyLogExport(exp, vkey(), { trustedHeads: [head72.note.replace(/\u2014 .*\n$/u, `\u2014 test/insider ${Buffer.concat([other.keyId, Buffer.alloc(64)]).toString('base64')}\n`)] });
      assert.equal(forged.firstFailure?.code, 'AUDIT_HEAD_SIGNATURE');
    });
  });

  describe(`a backdated row on ${engine.name}`, () => {
    let store: Store;
    before(async () => {
      store = await engine.open();
    });
    after(async () => {
      await store.close();
      await engine.cleanup();
    });

    test('a row earlier than its predecessor by more than the skew is flagged by the appender and by verify', async () => {
      const registry = new Registry();
      const key = generateLogKey('test/backdate');
      const log = await createAuditLogAppender({ store, key, config: { intervalMs: 0, maxSkewMs: 60_000 }, registry });
      await recordAuditBatch(store.db, Array.from({ length: 10 }, (_, i) => ev(i)));
      // 30 s back: within the skew (a late commit); 2 h back: backdated
      await recordAuditBatch(store.db, [{ ...ev(10), at: new Date(T0 + 9_000 - 30_000) }]);
      await sql`insert into audit_events (at, action, target_type, target_id, details) values (${new Date(T0 - 7_200_000)}, 'approval.decide', 'approval', 'appr-backdated', '{}')`.execute(store.db);
      await log.appendPending();
      const backdatedSeq = Number((await sql<{ seq: string }>`select seq from audit_events where target_id = 'appr-backdated'`.execute(store.db)).rows[0]!.seq);
      assert.match(await registry.metrics(), /acd_audit_log_backdated_rows_total 1/);
      const flags = await store.db.selectFrom('audit_events').selectAll().where('action', '=', 'audit_log.backdated').execute();
      assert.equal(flags.length, 1);
      assert.equal(flags[0]!.target_id, String(backdatedSeq));
      assert.equal((flags[0]!.details as { earlierByMs: number }).earlierByMs, 7_200_000 - 30_000 + 9_000);
      await log.signHead();
      const exp = JSON.parse(JSON.stringify(await log.exportLog())) as unknown;
      const r = await verifyLogExport(exp, log.publicKey().vkey, { maxSkewMs: 60_000 });
      assert.equal(r.ok, false);
      assert.deepEqual({ kind: r.firstFailure?.kind, index: r.firstFailure?.index, code: r.firstFailure?.code }, { kind: 'entry', index: 11, code: 'AUDIT_ENTRY_BACKDATED' });
      // the auditor who knows of a clock step may widen the skew, knowingly
      assert.equal((await verifyLogExport(exp, log.publicKey().vkey, { maxSkewMs: 3 * 3_600_000 })).ok, true);
      const dir = mkdtempSync(join(tmpdir(), 'acd-backdate-'));
      try {
        writeFileSync(join(dir, 'e.json'), JSON.stringify(exp));
        const cli = await acd(['audit', 'verify', join(dir, 'e.json'), '--key', log.publicKey().vkey, '--max-skew', '60']);
        assert.equal(cli.code, 1);
        assert.match(cli.out, /FAILS at entry 11 \[AUDIT_ENTRY_BACKDATED\]/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
