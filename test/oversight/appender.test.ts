import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import type { Store } from '../../src/store/index.js';
import { SYSTEM_ACTOR } from '../../src/auth/index.js';
import {
  auditEntryFromRow,
  createAuditLogAppender,
  entryLeafHash,
  generateLogKey,
  merkleTreeHash,
  recordAudit,
  recordAuditBatch,
  verifyConsistency,
  verifyInclusion,
  verifyLogExport,
  type AuditInput,
} from '../../src/oversight/index.js';
import { engineCases } from '../helpers/stores.js';

const ev = (i: number): AuditInput => ({
  actor: i % 3 === 0 ? null : SYSTEM_ACTOR,
  action: `test.act${i % 5}`,
  target: { type: 'thing', id: `t-${i}` },
  reason: i % 2 ? `because ${i}` : null,
  basis: i % 4 === 0 ? `appr-${i}` : null,
  details: { i, nested: { ok: true, list: [i, 'x'] } },
  at: new Date(Date.UTC(2026, 10, 25, 12, 0, 0, i)),
});

for (const engine of engineCases()) {
  describe(`audit log appender on ${engine.name}`, () => {
    let store: Store;
    before(async () => {
      store = await engine.open();
    });
    after(async () => {
      await store.close();
      await engine.cleanup();
    });

    test('appends rows in seq order, signs heads only when grown, proofs verify against the rows read back', async () => {
      const key = generateLogKey('test/audit-log');
      let clock = 1_000_000;
      const log = await createAuditLogAppender({ store, key, config: { intervalMs: 0, batchSize: 7 }, now: () => clock++ });
      assert.equal(await log.tick(), undefined, 'an empty log signs nothing');
      await recordAuditBatch(store.db, Array.from({ length: 20 }, (_, i) => ev(i)));
      const h1 = await log.tick();
      assert.ok(h1);
      assert.equal(h1.treeSize, 20);
      assert.equal(await log.tick(), undefined, 'no new head for an unchanged log');
      // a rolled-back transaction leaves a gap in seq; later rows still get the next leaves
      await store.db
        .transaction()
        .execute(async (trx) => {
          await recordAudit(trx, ev(99));
          throw new Error('roll back');
        })
        .catch(() => undefined);
      await recordAuditBatch(store.db, Array.from({ length: 13 }, (_, i) => ev(20 + i)));
      const h2 = await log.signHead();
      assert.equal(h2.treeSize, 33);
      assert.ok(h2.timestamp > h1.timestamp);

      // the leaves are the rows as stored, in seq order
      const rows = await store.db.selectFrom('audit_events').selectAll().orderBy('seq').execute();
      assert.equal(rows.length, 33);
      const leaves = rows.map((r) => entryLeafHash(auditEntryFromRow(r)));
      assert.deepEqual(h2.rootHash, merkleTreeHash(leaves));
      assert.deepEqual(h1.rootHash, merkleTreeHash(leaves.slice(0, 20)));
      const byIndex = await store.db.selectFrom('audit_log_leaves' as never).selectAll().orderBy('leaf_index' as never).execute() as Array<{ seq: number; leaf_index: number }>;
      assert.deepEqual(byIndex.map((r) => Number(r.seq)), rows.map((r) => r.seq));

      // inclusion by seq (default: the latest head) and by index at an older size
      const p = await log.inclusionProof({ seq: rows[25]!.seq });
      assert.equal(p.leafIndex, 25);
      assert.equal(p.treeSize, 33);
      assert.ok(verifyInclusion(leaves[25]!, 25, 33, p.path, h2.rootHash));
      const p2 = await log.inclusionProof({ leafIndex: 3, treeSize: 20 });
      assert.equal(p2.seq, rows[3]!.seq);
      assert.ok(verifyInclusion(leaves[3]!, 3, 20, p2.path, h1.rootHash));
      assert.ok(verifyConsistency(20, 33, h1.rootHash, h2.rootHash, await log.consistencyProof(20)));
      await assert.rejects(() => log.inclusionProof({ leafIndex: 33 }), { code: 'AUDIT_BAD_ARGUMENT' });
      await assert.rejects(() => log.inclusionProof({ seq: 123456 }), { code: 'AUDIT_BAD_ARGUMENT' });
      await assert.rejects(() => log.consistencyProof(10, 40), { code: 'AUDIT_BAD_ARGUMENT' });

      // history, newest first; the export verifies with the public key alone
      const hs = await log.heads();
      assert.deepEqual(hs.map((h) => h.treeSize), [33, 20]);
      const exp = await log.exportLog();
      const r = await verifyLogExport(JSON.parse(JSON.stringify(exp)), log.publicKey().vkey);
      assert.equal(r.ok, true, JSON.stringify(r.firstFailure));
      assert.equal(r.verifiedSize, 33);
      // under another key it does not
      const other = await verifyLogExport(exp, { ...generateLogKey('test/audit-log') });
      assert.equal(other.ok, false);
      assert.equal(other.firstFailure?.kind, 'tree-head');

      // a second appender (a restart) continues the same tree and knows the last head
      await recordAuditBatch(store.db, [ev(40), ev(41)]);
      const again = await createAuditLogAppender({ store, key, config: { intervalMs: 0 } });
      assert.equal(again.size, 33);
      assert.equal(again.latestHead()?.treeSize, 33);
      assert.equal(await again.appendPending(), 2);
      // the first one notices the tree grew behind it and catches up instead of overwriting
      await recordAuditBatch(store.db, [ev(42)]);
      assert.equal(await log.appendPending(), 0, 'stale: reopens, appends nothing this round');
      assert.equal(await log.appendPending(), 1);
      assert.equal(log.size, 36);
      const final = await again.exportLog();
      assert.equal(final.entries.length, 35, 'the export stops at this appender\'s committed size');
      assert.equal((await verifyLogExport(final, again.publicKey().vkey)).ok, true);
    });

    test('a row that commits after a later one (a gap in seq filled late) is appended late and counted', async () => {
      const registry = new Registry();
      const key = generateLogKey('test/audit-log');
      const log = await createAuditLogAppender({ store, key, config: { intervalMs: 0 }, registry });
      await log.appendPending();
      // a transaction takes its seq, a later one commits first
      const gap = Number((await sql<{ n: number }>`select nextval('audit_events_seq_seq') as n`.execute(store.db)).rows[0]!.n);
      await recordAuditBatch(store.db, [ev(50), ev(51)]);
      assert.equal(await log.appendPending(), 2);
      const size = log.size;
      await sql`insert into audit_events (seq, at, action, target_type, details) values (${gap}, now(), 'test.late', 'thing', '{}')`.execute(store.db);
      assert.equal(await log.appendPending(), 1);
      assert.equal(await log.leafIndexOfSeq(gap), size, 'the late row takes the next leaf');
      assert.match(await registry.metrics(), /acd_audit_log_late_rows_total 1/);
      await log.signHead();
      const r = await verifyLogExport(await log.exportLog(), log.publicKey().vkey);
      assert.equal(r.ok, true, JSON.stringify(r.firstFailure));
    });

    test('a started appender appends and signs on its interval, and once more when it stops', async () => {
      const key = generateLogKey('test/audit-log');
      const log = await createAuditLogAppender({ store, key, config: { intervalMs: 20 } });
      log.start();
      await recordAuditBatch(store.db, [ev(60)]);
      const seq = (await store.db.selectFrom('audit_events').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow()).seq;
      for (let i = 0; i < 200 && (await log.leafIndexOfSeq(seq)) === undefined; i++) await new Promise((r) => setTimeout(r, 10));
      assert.notEqual(await log.leafIndexOfSeq(seq), undefined, 'appended by the interval');
      for (let i = 0; i < 200 && log.latestHead()?.treeSize !== log.size; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(log.latestHead()?.treeSize, log.size, 'signed by the interval');
      await recordAuditBatch(store.db, [ev(61)]);
      // (ev(60) and ev(61) are earlier than the row before them: the appender records that in the log too, so the seq is looked up)
      const last = (await store.db.selectFrom('audit_events').select('seq').where('target_id', '=', 't-61').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow()).seq;
      await log.stop();
      assert.equal(log.latestHead()?.treeSize, log.size);
      // appended on stopping and covered by the head signed then (the appender's own audit_log.backdated row about
      // it may come before or after it, so its leaf is not necessarily the very last)
      const leaf = await log.leafIndexOfSeq(last);
      assert.notEqual(leaf, undefined, 'the last row appended on stopping');
      assert.ok(leaf! < log.latestHead()!.treeSize, 'and signed on stopping');
    });

    test('the mapping and heads tables refuse changes', async () => {
      await assert.rejects(() => sql`update audit_log_leaves set leaf_index = leaf_index`.execute(store.db), /append-only/);
      await assert.rejects(() => sql`delete from audit_log_heads`.execute(store.db), /append-only/);
    });
  });
}
