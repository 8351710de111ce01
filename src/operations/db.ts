/** The operations part's view of the store. */
import type { Kysely, Transaction } from 'kysely';
import { withTables, type Database } from '../store/index.js';
import type { OperationsTables } from './tables.js';

export type ODb = Kysely<Database & OperationsTables> | Transaction<Database & OperationsTables>;
export type AnyDb = Kysely<Database> | Transaction<Database> | ODb;

export const odb = (db: AnyDb): Kysely<Database & OperationsTables> => withTables<OperationsTables>(db as Kysely<Database>);
/** the same connection typed for calls into other parts (recordAudit) */
export const base = (db: AnyDb): Kysely<Database> => db as unknown as Kysely<Database>;

export interface OperationsConfig {
  /** hours within which the commission must be notified of an emergency operation (default 24) */
  emergencyNotifyHours: number;
  /** the longest an approval or ratification may run (default 90 days) */
  maxApprovalDays: number;
}

export const DEFAULT_OPERATIONS_CONFIG: OperationsConfig = { emergencyNotifyHours: 24, maxApprovalDays: 90 };
