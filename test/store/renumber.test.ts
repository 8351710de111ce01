/**
 * Migrations are numbered in release order. A store made when they were numbered in blocks by part (reports
 * 10, intel 20, …, applied in block order) upgrades without running any migration again: its version table is
 * rewritten to the release-order numbers, and its tables and columns equal a fresh install's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { sql } from 'kysely';
import { migrate, migrations, openStore, RENUMBERED, type Migration, type Store } from '../../src/store/index.js';
import { PG_URL, freshSchemaName } from '../helpers/stores.js';

/** the list as an old release numbered and ordered it */
const OLD: Migration[] = RENUMBERED.map(([name, from]) => {
  const m = migrations.find((x) => x.name === name);
  assert.ok(m, `migration ${name}`);
  return { version: from, name, up: m.up };
}).sort((a, b) => a.version - b.version);

async function columns(store: Store, schema: string): Promise<string[]> {
  const r = await sql<{ t: string; c: string; ty: string }>`
    select table_name as t, column_name as c, data_type as ty from information_schema.columns
    where table_schema = ${schema} order by table_name, column_name`.execute(store.db);
  return r.rows.map((x) => `${x.t}.${x.c}:${x.ty}`);
}

test('versions are release order: 1..n, unique names, and the renumbering covers every old version once', () => {
  assert.deepEqual(migrations.slice(0, RENUMBERED.length).map((m) => m.version), RENUMBERED.map((_, i) => i + 1));
  assert.equal(new Set(migrations.map((m) => m.name)).size, migrations.length);
  assert.equal(new Set(RENUMBERED.map(([, from]) => from)).size, RENUMBERED.length);
  for (const [name, , to] of RENUMBERED) assert.equal(migrations.find((m) => m.name === name)?.version, to, name);
});

for (const engine of ['pglite', 'postgres'] as const) {
  test(`${engine}: an old-numbered store upgrades without re-running a migration, and equals a fresh install`, async () => {
    const oldSchema = freshSchemaName();
    const newSchema = freshSchemaName();
    const open = (schema: string, list?: Migration[]): Promise<Store> =>
      engine === 'pglite'
        ? openStore({ data: 'memory://', ...(list ? { migrations: list } : {}) })
        : openStore({ db: PG_URL, schema, poolSize: 2, ...(list ? { migrations: list } : {}) });
    const old = await open(oldSchema, OLD);
    const fresh = await open(newSchema);
    try {
      const before = await old.db.selectFrom('acd_schema_version').select(['version', 'name']).orderBy('version').execute();
      assert.deepEqual(before.map((r) => r.version), OLD.map((m) => m.version), 'the old store records the old numbers');
      // every old migration creates tables: running one again would fail, so [] also proves none re-ran
      const applied = await migrate(old.db, migrations);
      assert.deepEqual(applied, migrations.filter((m) => !RENUMBERED.some(([n]) => n === m.name)).map((m) => m.version));
      const after = await old.db.selectFrom('acd_schema_version').select(['version', 'name']).orderBy('version').execute();
      const freshRows = await fresh.db.selectFrom('acd_schema_version').select(['version', 'name']).orderBy('version').execute();
      assert.deepEqual(after, freshRows, 'same versions and names as a fresh install');
      assert.deepEqual(await migrate(old.db, migrations), [], 'and a second upgrade does nothing');
      const schemaOf = engine === 'pglite' ? 'public' : undefined;
      assert.deepEqual(await columns(old, schemaOf ?? oldSchema), await columns(fresh, schemaOf ?? newSchema));
    } finally {
      await old.close();
      await fresh.close();
      if (engine === 'postgres') {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`drop schema if exists ${oldSchema} cascade; drop schema if exists ${newSchema} cascade`);
        await c.end();
      }
    }
  });
}
