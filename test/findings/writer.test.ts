/**
 * The store writers under a failing store (#23): bounded, dropping with a count, a failed batch put
 * back for the next attempt; on both engines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createFindingWriter, ROWS_PER_INSERT } from '../../src/findings/index.js';
import type { Finding } from '../../src/detect/index.js';
import { engineCases } from '../helpers/stores.js';

const mk = (key: string, score: number): Finding => ({
  type: 'beacon', key, external: '198.51.100.7', port: 443, proto: 6, direction: 'outbound', domestic: ['10.0.0.1'], domesticCount: 1,
  firstSeen: 1_700_000_000_000, lastSeen: 1_700_000_060_000, score, subscores: {}, evidence: {}, updates: 1,
});

for (const engine of engineCases()) {
  test(`${engine.name}: the finding writer keeps a failed batch within its bound, counts what it drops, and writes it once the store is back`, async () => {
    const store = await engine.open();
    try {
      const db = store.db;
      // the store "fails": its findings table is away
      await sql`alter table findings rename to findings_away`.execute(db);
      const w = createFindingWriter(db, { maxPending: 3 });
      w.push(mk('a', 0.8)); w.push(mk('b', 0.8)); w.push(mk('c', 0.8));
      await assert.rejects(w.flush());
      assert.equal(w.pending, 3, 'the failed batch is kept');
      w.push(mk('d', 0.9)); w.push(mk('e', 0.9));
      assert.equal(w.dropped, 2, 'new findings beyond the bound are counted');
      w.push(mk('a', 0.95));
      assert.equal(w.pending, 3);
      assert.equal(w.dropped, 2, 'a newer state of a held finding replaces it');
      await sql`alter table findings_away rename to findings`.execute(db);
      assert.equal(await w.flush(), 3);
      const rows = await sql<{ key: string; score: number }>`select key, score from findings order by key`.execute(db);
      assert.deepEqual(rows.rows.map((r) => [r.key, Number(r.score)]), [['a', 0.95], ['b', 0.8], ['c', 0.8]]);
      assert.equal(w.pending, 0);
    } finally {
      await store.close();
      await engine.cleanup();
    }
  });
}

for (const engine of engineCases()) {
  test(`${engine.name}: a flush of more findings than one statement's bind parameters hold writes every one (split into INSERTs of ${ROWS_PER_INSERT})`, async () => {
    const store = await engine.open();
    try {
      const db = store.db;
      const w = createFindingWriter(db);
      // 15 parameters a finding: 5 000 in one INSERT would be 75 000 > PostgreSQL's 65 535
      const n = 5000;
      for (let i = 0; i < n; i++) w.push(mk(`k${i}`, 0.5));
      assert.equal(await w.flush(), n);
      assert.equal(w.pending, 0);
      const c = await sql<{ n: string }>`select count(*) as n from findings`.execute(db);
      assert.equal(Number(c.rows[0]!.n), n, 'every finding of the flush is stored');
      // a second flush with newer states of all of them updates, not duplicates
      for (let i = 0; i < n; i++) w.push(mk(`k${i}`, 0.75));
      assert.equal(await w.flush(), n);
      const s = await sql<{ n: string; lo: number }>`select count(*) as n, min(score) as lo from findings`.execute(db);
      assert.deepEqual([Number(s.rows[0]!.n), Number(s.rows[0]!.lo)], [n, 0.75]);
    } finally {
      await store.close();
      await engine.cleanup();
    }
  });
}
