/**
 * Tampering behind ACD's back. The audit table's trigger refuses UPDATE and DELETE, but it only stops
 * accidents: the database's owner disables it in one statement (as done here). What makes tampering
 * show is the Merkle log: rows are changed, deleted, reordered and inserted directly in the database,
 * the log is exported, and verification must fail at the entry that was touched, each time.
 * (A row added after every logged row is indistinguishable from a new event: it is appended as one,
 * with its out-of-date "when" in plain sight.)
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Store } from '../../src/store/index.js';
import { SYSTEM_ACTOR } from '../../src/auth/index.js';
import { createAuditLogAppender, generateLogKey, recordAudit, recordAuditBatch, verifyLogExport, type AuditInput, type AuditLogAppender, type VerifyLogResult } from '../../src/oversight/index.js';
import { buildProgram } from '../../src/cli/main.js';
import { engineCases } from '../helpers/stores.js';

const ev = (i: number): AuditInput => ({
  actor: SYSTEM_ACTOR,
  action: i % 2 ? 'approval.decide' : 'flow.read',
  target: { type: 'approval', id: `appr-${i}` },
  reason: `reason ${i}`,
  basis: `appr-${i}`,
  details: { i },
  at: new Date(Date.UTC(2026, 10, 25, 10, 0, i)),
});

for (const engine of engineCases()) {
  describe(`tampering with audit_events on ${engine.name}`, () => {
    let store: Store;
    let log: AuditLogAppender;
    let seqs: number[];
    let gapSeq: number;
    const key = generateLogKey('test/tamper');
    const vkey = (): string => log.publicKey().vkey;
    const check = async (): Promise<VerifyLogResult> => verifyLogExport(JSON.parse(JSON.stringify(await log.exportLog())), vkey());
    const restore = async (): Promise<void> => {
      await sql`delete from audit_events`.execute(store.db);
      await sql`insert into audit_events select * from audit_backup`.execute(store.db);
      const r = await check();
      assert.equal(r.ok, true, `restored: ${JSON.stringify(r.firstFailure)}`);
    };

    before(async () => {
      store = await engine.open();
      log = await createAuditLogAppender({ store, key, config: { intervalMs: 0, batchSize: 8 } });
      await recordAuditBatch(store.db, Array.from({ length: 10 }, (_, i) => ev(i)));
      // a rolled-back change leaves a gap in seq between leaf 9 and leaf 10
      await store.db.transaction().execute(async (trx) => {
        await recordAudit(trx, ev(100));
        throw new Error('rolled back');
      }).catch(() => undefined);
      await recordAuditBatch(store.db, Array.from({ length: 10 }, (_, i) => ev(10 + i)));
      await log.signHead();
      await recordAuditBatch(store.db, Array.from({ length: 5 }, (_, i) => ev(20 + i)));
      await log.signHead();
      seqs = (await store.db.selectFrom('audit_events').select('seq').orderBy('seq').execute()).map((r) => r.seq);
      assert.equal(seqs.length, 25);
      gapSeq = seqs[9]! + 1;
      assert.equal(seqs[10], gapSeq + 1, 'the rolled-back row left one gap');
      // the database owner, behind ACD's back
      await sql`create table audit_backup as select * from audit_events`.execute(store.db);
      await sql`alter table audit_events disable trigger user`.execute(store.db);
    });
    after(async () => {
      await store.close();
      await engine.cleanup();
    });

    const expectFailure = (r: VerifyLogResult, index: number, code: string): void => {
      assert.equal(r.ok, false);
      assert.deepEqual({ kind: r.firstFailure?.kind, index: r.firstFailure?.index, code: r.firstFailure?.code }, { kind: 'entry', index, code }, r.firstFailure?.reason);
    };

    test('untouched, the export verifies', async () => {
      const r = await check();
      assert.equal(r.ok, true, JSON.stringify(r.firstFailure));
      assert.equal(r.verifiedSize, 25);
    });

    test('a changed row fails at that entry (reason, time, actor, details)', async () => {
      for (const [k, change] of [
        [4, sql`update audit_events set reason = 'nothing to see' where seq = ${seqs[4]}`],
        [12, sql`update audit_events set at = at + interval '1 millisecond' where seq = ${seqs[12]}`],
        [0, sql`update audit_events set actor_user_id = 'someone-else' where seq = ${seqs[0]}`],
        [24, sql`update audit_events set details = '{"i": 25}' where seq = ${seqs[24]}`],
      ] as const) {
        await change.execute(store.db);
        expectFailure(await check(), k, 'AUDIT_ENTRY_MISMATCH');
        await restore();
      }
    });

    test('a deleted row fails at its position; the last one as missing', async () => {
      await sql`delete from audit_events where seq = ${seqs[7]}`.execute(store.db);
      expectFailure(await check(), 7, 'AUDIT_ENTRY_MISMATCH');
      await restore();
      await sql`delete from audit_events where seq = ${seqs[24]}`.execute(store.db);
      expectFailure(await check(), 24, 'AUDIT_ENTRY_MISSING');
      await restore();
    });

    test('reordered rows fail at the first one moved', async () => {
      await sql`update audit_events set seq = -1 where seq = ${seqs[2]}`.execute(store.db);
      await sql`update audit_events set seq = ${seqs[2]} where seq = ${seqs[15]}`.execute(store.db);
      await sql`update audit_events set seq = ${seqs[15]} where seq = -1`.execute(store.db);
      expectFailure(await check(), 2, 'AUDIT_ENTRY_MISMATCH');
      await restore();
    });

    test('a row inserted among logged rows fails where it was put', async () => {
      await sql`insert into audit_events (seq, at, actor_user_id, actor_org_id, actor_roles, action, target_type, target_id, reason, basis_id, details)
        values (${gapSeq}, '2026-11-25T10:00:09.500Z', 'u-forged', 'o-1', '{commission_member}', 'approval.decide', 'approval', 'appr-forged', 'backdated', 'appr-9', '{}')`.execute(store.db);
      const r = await check();
      expectFailure(r, 10, 'AUDIT_ENTRY_MISMATCH');
      // acd audit verify says the same, and names the row
      const dir = mkdtempSync(join(tmpdir(), 'acd-tamper-'));
      try {
        const file = join(dir, 'export.json');
        writeFileSync(file, JSON.stringify(await log.exportLog()));
        const out: string[] = [];
        const orig = console.log;
        console.log = (s: string) => void out.push(s);
        try {
          await (await buildProgram()).parseAsync(['node', 'acd', 'audit', 'verify', file, '--key', vkey()]);
        } finally {
          console.log = orig;
        }
        assert.equal(process.exitCode, 1);
        process.exitCode = 0;
        assert.match(out.join('\n'), /FAILS at entry 10 \[AUDIT_ENTRY_MISMATCH\]/);
        assert.match(out.join('\n'), new RegExp(`entry 10 \\(audit_events\\.seq ${gapSeq}\\): approval\\.decide on approval appr-forged`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      await restore();
    });
  });
}
