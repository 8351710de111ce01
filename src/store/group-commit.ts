/**
 * Group commit: items submitted at about the same time are written by one statement (one round trip,
 * one WAL flush) and each submitter is answered only once the statement holding its item has
 * committed, so an answer still means the item is durable. On this box a WAL flush is ~2 ms, which
 * caps one-commit-per-item writing near 1 k items/s whatever the CPU.
 *
 * - What arrives in one turn of the event loop goes together; what arrives while statements are in
 *   flight goes in the next one. A lone item is not delayed: it is sent at the end of its turn.
 * - At most `maxInFlight` statements at once (each holds a pool connection). With 1, batches are
 *   written in the order their items were submitted.
 * - A failed batch is tried again item by item, so only a bad item fails (its submitter gets the error).
 *
 * Used by report filing (src/reports/filing.ts) and by the audit of reads (src/oversight/audit-queue.ts).
 */
export interface GroupCommitOptions<T, R> {
  /** writes the items in one statement and answers one result per item, in order */
  write: (items: T[]) => Promise<R[]>;
  /** items in one statement at most (default 256) */
  maxBatch?: number;
  /** statements in flight at most (default 1) */
  maxInFlight?: number;
}

export interface GroupCommitStats {
  /** statements sent, a retried item's own statement included */
  statements: number;
  /** items written */
  items: number;
  /** batches that failed and were retried item by item */
  retried: number;
}

export interface GroupCommit<T, R> {
  /** Resolves with the item's result once the statement holding it has committed. */
  submit(item: T): Promise<R>;
  readonly stats: GroupCommitStats;
}

interface Pending<T, R> {
  item: T;
  resolve(r: R): void;
  reject(e: unknown): void;
}

export function createGroupCommit<T, R>(o: GroupCommitOptions<T, R>): GroupCommit<T, R> {
  const maxBatch = o.maxBatch ?? 256;
  const maxInFlight = o.maxInFlight ?? 1;
  if (!(maxBatch >= 1 && maxInFlight >= 1)) throw new Error(`group commit: maxBatch ${maxBatch} and maxInFlight ${maxInFlight} must be at least 1`);
  const stats: GroupCommitStats = { statements: 0, items: 0, retried: 0 };
  const queue: Pending<T, R>[] = [];
  let inFlight = 0;
  let scheduled = false;

  const send = async (batch: Pending<T, R>[]): Promise<R[]> => {
    stats.statements++;
    const results = await o.write(batch.map((p) => p.item));
    stats.items += batch.length;
    return results;
  };
  const flush = async (batch: Pending<T, R>[]): Promise<void> => {
    try {
      const results = await send(batch);
      for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i]!);
    } catch (e) {
      if (batch.length === 1) {
        batch[0]!.reject(e);
        return;
      }
      stats.retried++;
      await Promise.all(
        batch.map(async (p) => {
          try {
            p.resolve((await send([p]))[0]!);
          } catch (e1) {
            p.reject(e1);
          }
        }),
      );
    }
  };
  const pump = (): void => {
    while (inFlight < maxInFlight && queue.length) {
      const batch = queue.splice(0, maxBatch);
      inFlight++;
      void flush(batch).finally(() => {
        inFlight--;
        pump();
      });
    }
  };
  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          // after the poll phase: the submissions read in this turn of the event loop go together
          setImmediate(() => {
            scheduled = false;
            pump();
          });
        }
      });
    },
    stats,
  };
}
