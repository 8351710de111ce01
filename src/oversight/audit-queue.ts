/**
 * A batched, asynchronous appender of audit events, for reads that are audited one event each but
 * are too frequent to pay a commit (a WAL flush) apiece — e.g. every TAXII page served.
 *
 * - `append` stamps the event (`at` = now), queues it and returns at once; the queue is written in
 *   batches (one multi-row insert, one commit) `flushDelayMs` after the first queued event, or at once
 *   when `maxBatch` events wait.
 * - The queue is bounded (`maxQueue`): when full, `append` waits until a flush has made room, and
 *   fails when that flush fails — a read is then refused rather than served with no event queued.
 * - A failed batch stays at the head of the queue (same events, same times) and is retried with
 *   back-off; nothing is dropped.
 * - `flush()` writes everything queued before it returns (or throws): whatever must see the events
 *   (listing the audit trail, shutting down) calls it first. `auditQueueOf(db)` gives the one queue of
 *   a store in this process; `flushAuditQueue(db)` flushes it if there is one.
 *
 * - `append(event, { durable: true })` resolves only once the batch holding the event has committed
 *   (group commit: the batch is written at once, and whatever arrives while it is in flight goes in the
 *   next one). A read that must not be answered before its audit event is durable — every TAXII page —
 *   awaits that. When such a batch fails, its durable events are dropped and their appends rejected
 *   (the read is then refused, so there is no access to record); the others are kept for the retry.
 * - Without `durable`, an event is durable `flushDelayMs` (default 20 ms) after the append returns: a
 *   process killed outright may lose the events of its last few milliseconds. Use it only where that
 *   is acceptable. State changes never go through here: they are audited in their own transaction
 *   (recordAudit with the transaction).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import { recordAuditBatch, type AuditInput } from './audit.js';

export interface AuditQueueOptions {
  /** the longest an event waits before its batch is written (ms). Default 20. */
  flushDelayMs?: number;
  /** events per insert; a full batch is written at once. Default 500. */
  maxBatch?: number;
  /** events queued at most; beyond, append waits for a flush. Default 10 000. */
  maxQueue?: number;
  /** told of a failed batch (it is kept and retried) */
  onError?: (err: unknown, queued: number) => void;
  /** the writer of one batch (tests); default recordAuditBatch on `db` */
  write?: (events: AuditInput[]) => Promise<void>;
}

export interface AuditQueue {
  /**
   * Queues one event (stamped now unless it has `at`); waits while the queue is full and, when
   * `durable`, until the event's batch has committed (rejects if that batch fails).
   */
  append(event: AuditInput, opts?: { durable?: boolean }): Promise<void>;
  /** Writes every event queued so far; throws when a batch cannot be written (it stays queued). */
  flush(): Promise<void>;
  /** Flushes, stops the timer and forgets this queue as its store's (auditQueueOf makes a new one). */
  close(): Promise<void>;
  /** events queued and not yet written */
  readonly pending: number;
}

export function createAuditQueue(db: Kysely<Database>, o: AuditQueueOptions = {}): AuditQueue {
  const delay = o.flushDelayMs ?? 20;
  const maxBatch = o.maxBatch ?? 500;
  const maxQueue = o.maxQueue ?? 10_000;
  const write = o.write ?? ((events: AuditInput[]) => recordAuditBatch(db, events));
  if (!(maxBatch >= 1 && maxQueue >= maxBatch)) throw new Error(`audit queue: maxBatch ${maxBatch} must be at least 1 and at most maxQueue ${maxQueue}`);
  interface Item {
    event: AuditInput;
    /** settled when the event's batch commits or fails (durable appends only) */
    waiter?: { resolve: () => void; reject: (e: unknown) => void };
  }
  let queue: Item[] = [];
  /** durable events queued: while there are any, batches go at once */
  let durableQueued = 0;
  let timer: NodeJS.Timeout | undefined;
  /** when the timer fires (ms since the epoch), to bring it forward for durable events */
  let due = Infinity;
  let inFlight: Promise<void> | undefined;
  let backoff = delay;

  /** Writes the head batch; on failure puts it back in front. */
  const writeBatch = async (): Promise<void> => {
    if (queue.length === 0) return;
    const batch = queue.slice(0, maxBatch);
    queue = queue.slice(batch.length);
    const durable = batch.filter((i) => i.waiter);
    durableQueued -= durable.length;
    try {
      await write(batch.map((i) => i.event));
      backoff = delay;
    } catch (e) {
      // the durable appends fail with the batch (their reads are refused); the rest is retried
      for (const i of durable) i.waiter!.reject(e);
      queue = batch.filter((i) => !i.waiter).concat(queue);
      backoff = Math.min(Math.max(backoff * 2, 50), 5000);
      o.onError?.(e, queue.length);
      throw e;
    }
    for (const i of durable) i.waiter!.resolve();
  };
  /** One batch at a time. */
  const step = (): Promise<void> => {
    // after the one before it, whether it was written or not (a failed batch is back in the queue)
    const p = (inFlight ?? Promise.resolve()).catch(() => {}).then(writeBatch);
    const mine = p.finally(() => {
      if (inFlight === mine) inFlight = undefined;
    });
    inFlight = mine;
    return mine;
  };
  /** the wait before the next batch: none when a batch is full or a durable event waits */
  const nextDelay = (): number => (queue.length >= maxBatch || durableQueued > 0 ? 0 : delay);
  const schedule = (ms: number): void => {
    if (queue.length === 0) return;
    const at = Date.now() + ms;
    if (timer) {
      if (at >= due) return;
      clearTimeout(timer);
    }
    due = at;
    timer = setTimeout(() => {
      timer = undefined;
      due = Infinity;
      step().then(
        () => schedule(nextDelay()),
        () => schedule(backoff),
      );
    }, ms);
    // a timer for events nobody waits on must not keep a process alive; one for a durable append must
    if (durableQueued === 0) timer.unref();
  };
  const flush = async (): Promise<void> => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
      due = Infinity;
    }
    try {
      if (inFlight) await inFlight.catch(() => {});
      while (queue.length) await step();
    } finally {
      schedule(backoff);
    }
  };
  const self: AuditQueue = {
    async append(event, opts) {
      const e = event.at ? event : { ...event, at: new Date() };
      if (queue.length >= maxQueue) await flush();
      if (!opts?.durable) {
        queue.push({ event: e });
        schedule(nextDelay());
        return;
      }
      const committed = new Promise<void>((resolve, reject) => queue.push({ event: e, waiter: { resolve, reject } }));
      durableQueued++;
      schedule(0);
      await committed;
    },
    flush,
    async close() {
      if (queues.get(db) === self) queues.delete(db);
      await flush();
      if (timer) clearTimeout(timer);
      timer = undefined;
      due = Infinity;
    },
    get pending() {
      return queue.length;
    },
  };
  return self;
}

const queues = new WeakMap<object, AuditQueue>();

/** The audit queue of a store (its Kysely instance) in this process, made on first use. */
export function auditQueueOf(db: Kysely<Database>, o: AuditQueueOptions = {}): AuditQueue {
  let q = queues.get(db);
  if (!q) {
    q = createAuditQueue(db, o);
    queues.set(db, q);
  }
  return q;
}

/** Writes what the store's queue holds, if it has one. */
export async function flushAuditQueue(db: Kysely<Database> | object): Promise<void> {
  await queues.get(db)?.flush();
}
