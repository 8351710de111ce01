/**
 * The two engines every store test runs on: embedded PGlite (in memory) and the real PostgreSQL at
 * 127.0.0.1:5432 (database `test`), each test file in a schema of its own so files can run in parallel.
 * PostgreSQL is required: a missing server fails the suite rather than skipping it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store, type StoreOptions } from '../../src/store/index.js';

export const PG_URL = process.env.ACD_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test';

export interface EngineCase {
  name: 'pglite' | 'postgres';
  open(): Promise<Store>;
  /** drops what open() made (the PostgreSQL schema) */
  cleanup(): Promise<void>;
}

export function engineCases(): EngineCase[] {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  return [
    { name: 'pglite', open: () => openStore({ data: 'memory://' }), cleanup: async () => {} },
    {
      name: 'postgres',
      open: () => openStore({ db: PG_URL, schema, poolSize: 4 } satisfies StoreOptions),
      cleanup: async () => {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`drop schema if exists ${schema} cascade`);
        await c.end();
      },
    },
  ];
}

export function freshSchemaName(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}
