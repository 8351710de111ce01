/**
 * Store: batch insert and point read on both engines. Baselines in the same run: row-by-row inserts
 * (what a batch replaces) and a bare `select 1` round trip (the floor of any read).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { openStore, batchInsert, type Store } from '../../src/store/index.js';
import { measure, report } from '../lib.js';

const PG_URL = process.env.ACD_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test';
const BATCH_ROWS = 50_000;
const SINGLE_ROWS = 2_000;
const READS = 5_000;

const cols = [
  { name: 'id', type: 'text' },
  { name: 'name', type: 'text' },
  { name: 'kind', type: 'text' },
  { name: 'created_at', type: 'timestamptz' },
];

async function run(name: string, store: Store): Promise<void> {
  const now = new Date();
  const rows = Array.from({ length: BATCH_ROWS }, (_v, i) => [`b${i}`, `batch org ${i}`, 'partner', now]);
  const batch = await measure(async () => batchInsert(store.db, 'organisations', cols, rows));
  const single = await measure(async () => {
    for (let i = 0; i < SINGLE_ROWS; i++) {
      await store.db.insertInto('organisations').values({ id: `s${i}`, name: `single org ${i}`, kind: 'partner', sector: null, country: null, created_at: now }).execute();
    }
    return SINGLE_ROWS;
  });
  report(`${name}: batch insert (unnest, ${BATCH_ROWS} rows)`, batch, single, 'rows', 'row-by-row');

  const ids = Array.from({ length: READS }, () => `b${Math.floor(Math.random() * BATCH_ROWS)}`);
  const reads = await measure(async () => {
    for (const id of ids) await store.db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return READS;
  });
  const floor = await measure(async () => {
    for (let i = 0; i < READS; i++) await sql`select 1`.execute(store.db);
    return READS;
  });
  report(`${name}: point read by primary key`, reads, floor, 'reads', 'select 1');
}

const lite = await openStore({ data: 'memory://' });
await run('pglite', lite);
await lite.close();

const schema = `bench_${randomBytes(4).toString('hex')}`;
try {
  const pgStore = await openStore({ db: PG_URL, schema, poolSize: 4 });
  await run('postgres', pgStore);
  await pgStore.close();
} finally {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect().then(() => c.query(`drop schema if exists ${schema} cascade`)).catch((e: unknown) => console.log(`postgres: ${(e as Error).message}`));
  await c.end().catch(() => {});
}
