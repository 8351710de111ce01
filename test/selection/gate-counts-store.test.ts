/**
 * The gate's counts in the store: a write of more rows than one statement's bind parameters hold stores
 * them all, and a write that fails part-way stores none (a retry then counts each flow once, not twice).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { COUNT_ROWS_PER_INSERT, METRICS, addGateCounts, type CountRow } from '../../src/selection/index.js';
import { engineCases } from '../helpers/stores.js';

/** `hours` hours of one carrier's foreign-domestic counts, every metric non-zero: hours × 6 stored rows. */
function rows(hours: number, carrier = 'carrier-a'): CountRow[] {
  const out: CountRow[] = [];
  for (let h = 0; h < hours; h++) {
    const r = { carrier, category: 'foreign-domestic', approvalId: null, hour: new Date(Date.UTC(2026, 0, 1) + h * 3_600_000).toISOString() } as CountRow;
    METRICS.forEach((m, i) => (r[m] = i + 1));
    out.push(r);
  }
  return out;
}

for (const engine of engineCases()) {
  test(`${engine.name}: more count rows than one INSERT holds are all stored, and added again on a second write`, async () => {
    const store = await engine.open();
    try {
      const db = store.db;
      const hours = 2001; // 12 006 stored rows, 6 parameters each: 72 036 > 65 535 in one statement
      assert.ok(hours * METRICS.length > COUNT_ROWS_PER_INSERT, 'the write needs several statements');
      assert.equal(await addGateCounts(db, rows(hours)), hours * METRICS.length);
      const a = await sql<{ n: string; total: string }>`select count(*) as n, sum(count) as total from gate_counts`.execute(db);
      assert.deepEqual([Number(a.rows[0]!.n), Number(a.rows[0]!.total)], [hours * METRICS.length, hours * 21]);
      await addGateCounts(db, rows(hours));
      const b = await sql<{ total: string }>`select sum(count) as total from gate_counts`.execute(db);
      assert.equal(Number(b.rows[0]!.total), hours * 42, 'a second write adds to the stored counts');
    } finally {
      await store.close();
      await engine.cleanup();
    }
  });

  test(`${engine.name}: a count write whose last statement fails stores nothing of it, so a retry counts once`, async () => {
    const store = await engine.open();
    try {
      const db = store.db;
      // the store refuses one carrier's rows: they come last, in the write's last statement
      await sql`alter table gate_counts add constraint no_poison check (carrier <> 'poison')`.execute(db);
      const batch = rows(1000).concat(rows(1, 'poison'));
      assert.ok(batch.length * METRICS.length > COUNT_ROWS_PER_INSERT);
      await assert.rejects(addGateCounts(db, batch));
      const a = await sql<{ n: string }>`select count(*) as n from gate_counts`.execute(db);
      assert.equal(Number(a.rows[0]!.n), 0, 'the statements before the failing one are rolled back');
      await sql`alter table gate_counts drop constraint no_poison`.execute(db);
      await addGateCounts(db, batch);
      const b = await sql<{ total: string }>`select sum(count) as total from gate_counts`.execute(db);
      assert.equal(Number(b.rows[0]!.total), 1001 * 21, 'the retry counts every flow once');
    } finally {
      await store.close();
      await engine.cleanup();
    }
  });
}
