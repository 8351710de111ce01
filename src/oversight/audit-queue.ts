/**
 * The audit of frequent reads (every TAXII page served): one event per read, written by the store's
 * group commit (store/group-commit.ts) so that reads served at the same time share one commit instead
 * of paying one each (that commit was the largest part of a page's time).
 *
 * `append` resolves only once the statement holding the event has committed: a read is answered after
 * its event is durable, never before, also when the process is killed. When the event cannot be
 * written, `append` rejects and the read must be refused. Events are written in the order appended
 * (one statement at a time). State changes do not go through here: they are audited in their own
 * transaction (recordAudit with the transaction).
 */
import type { Kysely } from 'kysely';
import { createGroupCommit, type Database } from '../store/index.js';
import { recordAuditBatch, type AuditInput } from './audit.js';

export interface AuditQueueOptions {
  /** events in one statement at most (default 500) */
  maxBatch?: number;
  /** the writer of one batch (tests); default recordAuditBatch on `db` */
  write?: (events: AuditInput[]) => Promise<void>;
}

export interface AuditQueue {
  /** Stamps the event (now, unless it has `at`) and resolves once it has committed; rejects if it cannot be written. */
  append(event: AuditInput): Promise<void>;
}

export function createAuditQueue(db: Kysely<Database>, o: AuditQueueOptions = {}): AuditQueue {
  const write = o.write ?? ((events: AuditInput[]) => recordAuditBatch(db, events));
  const commits = createGroupCommit<AuditInput, void>({
    write: async (events) => {
      await write(events);
      return events.map(() => undefined);
    },
    maxBatch: o.maxBatch ?? 500,
  });
  return {
    append: (event) => commits.submit(event.at ? event : { ...event, at: new Date() }),
  };
}

const queues = new WeakMap<object, AuditQueue>();

/** The audit queue of a store (its Kysely instance) in this process, made on first use. */
export function auditQueueOf(db: Kysely<Database>): AuditQueue {
  let q = queues.get(db);
  if (!q) {
    q = createAuditQueue(db);
    queues.set(db, q);
  }
  return q;
}
