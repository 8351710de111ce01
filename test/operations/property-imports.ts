export * from '../../src/operations/index.js';
import { withTables, type Database } from '../../src/store/index.js';
import type { Kysely } from 'kysely';
import type { OperationsTables } from '../../src/operations/index.js';
export const withTablesOps = (db: Kysely<Database>) => withTables<OperationsTables>(db);
