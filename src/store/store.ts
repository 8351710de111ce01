/**
 * The store: one schema on two engines. PGlite (embedded PostgreSQL, the default: no service needed)
 * or PostgreSQL through `pg`. Both are driven through Kysely's PostgreSQL dialect, so the parts of ACD
 * never see which engine they run on.
 */
import { mkdirSync } from 'node:fs';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { PGliteDialect } from './pglite-dialect.js';
import { migrations, RENUMBERED, type Migration } from './migrations/index.js';
import type { Database } from './schema.js';
import { AcdError } from '../shared/errors.js';
import { silentLogger, type Logger } from '../shared/log.js';

export type Engine = 'pglite' | 'postgres';

export interface StoreOptions {
  /** PostgreSQL URL; when absent the embedded engine is used */
  db?: string;
  /** folder of the embedded engine's data; 'memory://' keeps it in memory */
  data?: string;
  /** PostgreSQL schema to use (created when missing): lets tests run side by side in one database */
  schema?: string;
  logger?: Logger;
  /** pool size for PostgreSQL */
  poolSize?: number;
  /** the migrations to apply (default: every migration); tests give an older list to make an older store */
  migrations?: Migration[];
}

export interface Store {
  readonly db: Kysely<Database>;
  readonly engine: Engine;
  close(): Promise<void>;
}

// int8 (bigint, bigserial, count(*)) as a JS number on both engines: every count ACD keeps fits in 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));

/**
 * timestamptz (1184) and timestamp (1114) as PostgreSQL writes them ("0001-01-01 00:00:00+00",
 * "2024-05-01 12:00:00.5+09:30", "0044-03-15 00:00:00+00 BC") → Date. PGlite's own parser hands the text
 * to Date(), whose legacy parsing reads years 0-49 as 2000-2049 (0001-01-01 came back as 2001, #20);
 * node-postgres parses these itself (postgres-date) and agrees with this one.
 */
const PG_TIMESTAMP = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?( BC)?$/;
export function parsePgTimestamp(v: string): Date {
  if (v === 'infinity') return new Date(Infinity);
  if (v === '-infinity') return new Date(-Infinity);
  const m = PG_TIMESTAMP.exec(v);
  if (!m) return new Date(v);
  let year = Number(m[1]);
  if (m[12]) year = 1 - year; // 1 BC is year 0
  const ms = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  const d = new Date(Date.UTC(2000, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms));
  d.setUTCFullYear(year);
  if (m[8]) {
    const offset = (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0)) * 1000;
    d.setTime(d.getTime() - (m[8] === '-' ? -offset : offset));
  }
  return d;
}

const SAFE_SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

const pools = new WeakMap<object, pg.Pool>();

/**
 * The pg pool under a PostgreSQL store's Kysely instance (undefined on PGlite), for what Kysely cannot
 * say: a named (prepared) statement, planned once per connection, on a hot path (src/reports/filing.ts).
 */
export function pgPoolOf(db: Kysely<Database>): pg.Pool | undefined {
  return pools.get(db);
}

export async function openStore(opts: StoreOptions): Promise<Store> {
  const logger = opts.logger ?? silentLogger;
  if (opts.schema !== undefined && !SAFE_SCHEMA.test(opts.schema)) {
    throw new AcdError('STORE_SCHEMA', `schema name "${opts.schema}" is not allowed: use lower-case letters, digits and _`);
  }
  let db: Kysely<Database>;
  let engine: Engine;
  if (opts.db) {
    engine = 'postgres';
    if (opts.schema) {
      // The schema must exist before connections that name it in their search_path are used.
      const c = new pg.Client({ connectionString: opts.db });
      await c.connect();
      try {
        await c.query(`create schema if not exists ${opts.schema}`);
      } finally {
        await c.end();
      }
    }
    const pool = new pg.Pool({
      connectionString: opts.db,
      max: opts.poolSize ?? 10,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    pool.on('error', (err) => logger.error({ err }, 'postgres pool error'));
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    pools.set(db, pool);
  } else {
    engine = 'pglite';
    const dir = opts.data ?? './.acd-data';
    if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true });
    const lite = await PGlite.create(dir, { parsers: { 20: (v: string) => Number(v), 1184: parsePgTimestamp, 1114: parsePgTimestamp } });
    db = new Kysely<Database>({ dialect: new PGliteDialect(lite) });
    if (opts.schema) {
      await sql`create schema if not exists ${sql.id(opts.schema)}`.execute(db);
      await sql`set search_path to ${sql.id(opts.schema)}`.execute(db);
    }
  }
  try {
    const applied = await migrate(db, opts.migrations ?? migrations);
    if (applied.length) logger.info({ engine, applied }, 'store migrated');
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return { db, engine, close: () => db.destroy() };
}

/**
 * A store made before migrations were numbered in release order records the old block versions (reports 10,
 * intel 20, …): rewrite each such row, found by its name and old version, to its release-order version, so the
 * migrations it ran are not run again. Two steps, because old and new numbers overlap and a primary key is
 * checked row by row. Idempotent: a renumbered store has no (name, old version) row left.
 */
async function renumber(trx: Kysely<Database>): Promise<void> {
  const rows = await trx.selectFrom('acd_schema_version').select(['version', 'name']).execute();
  const old = RENUMBERED.filter(([name, from, to]) => from !== to && rows.some((r) => r.name === name && r.version === from));
  if (old.length === 0) return;
  for (const [name, from] of old) {
    await trx.updateTable('acd_schema_version').set({ version: -from }).where('name', '=', name).where('version', '=', from).execute();
  }
  for (const [name, from, to] of old) {
    await trx.updateTable('acd_schema_version').set({ version: to }).where('name', '=', name).where('version', '=', -from).execute();
  }
}

/** Applies the migrations not yet recorded in acd_schema_version, each in its own transaction. */
export async function migrate(db: Kysely<Database>, list: Migration[]): Promise<number[]> {
  const applied: number[] = [];
  await db.transaction().execute(async (trx) => {
    // One migrator at a time, even with several processes on one PostgreSQL.
    await sql`select pg_advisory_xact_lock(7420001)`.execute(trx);
    await sql`
      create table if not exists acd_schema_version (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now()
      )`.execute(trx);
    await renumber(trx);
    const done = new Set((await trx.selectFrom('acd_schema_version').select('version').execute()).map((r) => r.version));
    for (const m of list) {
      if (done.has(m.version)) continue;
      await m.up(trx as unknown as Kysely<unknown>);
      await trx.insertInto('acd_schema_version').values({ version: m.version, name: m.name, applied_at: new Date() }).execute();
      applied.push(m.version);
    }
  });
  return applied;
}
