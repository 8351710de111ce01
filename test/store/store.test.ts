import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { batchInsert, migrate, migrations, type Store } from '../../src/store/index.js';
import { recordAudit, recordAuditBatch, listAudit } from '../../src/oversight/index.js';
import { SYSTEM_ACTOR } from '../../src/auth/index.js';
import { engineCases } from '../helpers/stores.js';

for (const engine of engineCases()) {
  describe(`store on ${engine.name}`, () => {
    let store: Store;
    before(async () => {
      store = await engine.open();
    });
    after(async () => {
      await store.close();
      await engine.cleanup();
    });

    test('reports its engine', () => {
      assert.equal(store.engine, engine.name);
    });

    test('migrations are recorded in the version table and not applied twice', async () => {
      const rows = await store.db.selectFrom('acd_schema_version').selectAll().orderBy('version').execute();
      assert.deepEqual(rows.map((r) => r.version), migrations.map((m) => m.version));
      const again = await migrate(store.db, migrations);
      assert.deepEqual(again, []);
    });

    test('a failing migration rolls back and records nothing', async () => {
      const bad = [...migrations, { version: 999, name: 'broken', up: async (db: Parameters<(typeof migrations)[0]['up']>[0]) => {
        await sql`create table half_made (x int)`.execute(db);
        await sql`select * from no_such_table`.execute(db);
      } }];
      await assert.rejects(migrate(store.db, bad), /no_such_table/);
      const v = await store.db.selectFrom('acd_schema_version').select('version').where('version', '=', 999).execute();
      assert.equal(v.length, 0);
      const t = await sql<{ n: number }>`select count(*) as n from information_schema.tables where table_name = 'half_made'`.execute(store.db);
      assert.equal(t.rows[0]?.n, 0);
    });

    test('batch insert writes thousands of rows in one statement, with arrays, jsonb, nulls and timestamps', async () => {
      const at = new Date('2026-01-02T03:04:05.678Z');
      const rows = Array.from({ length: 5000 }, (_v, i) => [at, `u${i}`, i % 2 ? ['auditor'] : [], 'test.batch', 'thing', i % 3 ? null : `id${i}`, { i, note: "quote ' and \" and ," }]);
      const n = await batchInsert(store.db, 'audit_events', [
        { name: 'at', type: 'timestamptz' },
        { name: 'actor_user_id', type: 'text' },
        { name: 'actor_roles', type: 'text[]' },
        { name: 'action', type: 'text' },
        { name: 'target_type', type: 'text' },
        { name: 'target_id', type: 'text' },
        { name: 'details', type: 'jsonb' },
      ], rows);
      assert.equal(n, 5000);
      const back = await store.db.selectFrom('audit_events').selectAll().where('action', '=', 'test.batch').orderBy('seq').execute();
      assert.equal(back.length, 5000);
      assert.equal(typeof back[0]!.seq, 'number');
      assert.equal(new Date(back[7]!.at).toISOString(), at.toISOString());
      assert.deepEqual(back[1]!.actor_roles, ['auditor']);
      assert.deepEqual(back[2]!.actor_roles, []);
      assert.equal(back[3]!.target_id, 'id3');
      assert.equal(back[4]!.target_id, null);
      assert.deepEqual(back[4]!.details, { i: 4, note: "quote ' and \" and ," });
    });

    test('batch insert refuses a table or column name that is not a plain identifier', async () => {
      await assert.rejects(batchInsert(store.db, 'audit_events; drop table users', [{ name: 'action', type: 'text' }], [['x']]), /bad table name/);
      await assert.rejects(batchInsert(store.db, 'audit_events', [{ name: 'action)', type: 'text' }], [['x']]), /bad column/);
    });

    test('the audit table is append-only: UPDATE, DELETE and TRUNCATE are refused by the database', async () => {
      await recordAudit(store.db, { actor: SYSTEM_ACTOR, action: 'test.append_only', target: { type: 'thing', id: 'a' }, reason: 'test' });
      await assert.rejects(sql`update audit_events set action = 'x' where action = 'test.append_only'`.execute(store.db), /append-only/);
      await assert.rejects(sql`delete from audit_events where action = 'test.append_only'`.execute(store.db), /append-only/);
      await assert.rejects(sql`truncate audit_events`.execute(store.db), /append-only/);
      const rows = await listAudit(store.db, { action: 'test.append_only' });
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.reason, 'test');
      assert.equal(rows[0]!.actor_user_id, 'system');
    });

    test('audit events keep their order; a page after a seq continues without gaps', async () => {
      await recordAuditBatch(store.db, Array.from({ length: 30 }, (_v, i) => ({ actor: null, action: 'test.order', target: { type: 'n', id: String(i) } })));
      const first = await listAudit(store.db, { action: 'test.order', limit: 10 });
      const next = await listAudit(store.db, { action: 'test.order', afterSeq: first.at(-1)!.seq, limit: 100 });
      assert.deepEqual([...first, ...next].map((r) => r.target_id), Array.from({ length: 30 }, (_v, i) => String(i)));
    });

    test('a transaction that fails leaves nothing behind', async () => {
      await assert.rejects(
        store.db.transaction().execute(async (trx) => {
          await trx.insertInto('organisations').values({ id: 'tx-org', name: 'TX', kind: 'agency', sector: null, country: null, created_at: new Date() }).execute();
          throw new Error('abort');
        }),
        /abort/,
      );
      const found = await store.db.selectFrom('organisations').select('id').where('id', '=', 'tx-org').execute();
      assert.equal(found.length, 0);
    });

    test('the schema refuses an operator organisation without a sector', async () => {
      await assert.rejects(
        store.db.insertInto('organisations').values({ id: 'op', name: 'Op', kind: 'operator', sector: null, country: null, created_at: new Date() }).execute(),
        /check constraint/,
      );
    });

    test('concurrent queries on one store all complete (the embedded engine queues them)', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, (_v, i) => sql<{ v: number }>`select ${i}::int as v`.execute(store.db)));
      assert.deepEqual(results.map((r) => r.rows[0]!.v), Array.from({ length: 50 }, (_v, i) => i));
    });
  });
}
