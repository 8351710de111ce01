// The store's public interface: open a store on either engine, the table types, batch writes.
export { openStore, migrate, pgPoolOf, type Store, type StoreOptions, type Engine } from './store.js';
export { batchInsert, type BatchColumn } from './batch.js';
export { createGroupCommit, type GroupCommit, type GroupCommitOptions, type GroupCommitStats } from './group-commit.js';
export type * from './schema.js';
export { migrations, RENUMBERED, type Migration } from './migrations/index.js';

import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * A part's view of the store with its own tables added. Each part declares its tables next to its
 * code (e.g. src/reports/tables.ts) and adds its migration to ./migrations/index.ts.
 */
export function withTables<T>(db: Kysely<Database>): Kysely<Database & T> {
  return db as unknown as Kysely<Database & T>;
}
export { periodic, timedWriter, type BufferedOptions, type Writer } from './writer.js';
export { STORE_ERRORS, storeError, type StoreErrorCode } from './errors.js';
