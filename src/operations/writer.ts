/**
 * One writer per driver. Every change a driver makes to its peer (apply, lift, expiry, reconciliation)
 * runs through `withWriter`: first an in-process queue per peer (so two requests of one process never
 * interleave their zone writes or RIB changes), then, inside the caller's transaction, a PostgreSQL
 * transaction-level advisory lock on the same key (so two processes sharing one PostgreSQL store never
 * do). The advisory lock is released when the transaction commits, after the measures it recorded are
 * visible to the next writer: the next one reads the set in force its predecessor left.
 *
 * Lock order, which keeps this free of deadlocks: a caller takes the queue before it opens its
 * transaction, and one transaction holds one driver's lock at most.
 */
import { sql, type Transaction } from 'kysely';
import type { Database } from '../store/index.js';
import type { MeasureDriver } from './measures.js';

const queues = new Map<string, Promise<void>>();

/** The peer a driver writes (its zone file, its gobgpd): one writer per key. */
export function writerKey(driver: Pick<MeasureDriver, 'kind' | 'lockKey'>): string {
  return `acd.operations:${driver.lockKey ?? driver.kind}`;
}

/** Runs `fn` alone among this process's writers of `key` (FIFO). */
export async function inQueue<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = previous.then(() => mine);
  queues.set(key, tail);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (queues.get(key) === tail) queues.delete(key);
  }
}

/** Takes the cross-process lock of `key` for the rest of the transaction `trx`. */
export async function advisoryLock<D extends Database>(trx: Transaction<D>, key: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(trx);
}

/** How many writers of this process wait or run (for the bench and tests). */
export function queuedWriters(): number {
  return queues.size;
}
