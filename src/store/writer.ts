/**
 * The buffered writers' common shape and timer, for the parts that write what the pipeline keeps:
 * selected flows (selection/flow-store.ts, batched), findings (findings/writer.ts, upserted by key). Each writer buffers in memory and writes in one statement per
 * batch; a buffer is bounded so a stalled database cannot exhaust memory — what overflows is counted.
 *
 * Under a slow or failing store these writers DROP (counted: `dropped`, the *_dropped_total metrics),
 * they do not push back (#23): the path feeding them is a live UDP stream that cannot be slowed, so
 * back-pressure would only move the loss to the socket, where it is counted less precisely and takes
 * the detectors' input with it. A failed batch is kept for the next attempt within the same bound. A
 * timer writes at most one batch at a time (a tick while a write is still running is skipped, so a
 * stalled store queues no writes). The bus worker is the other case: it writes a batch before it
 * acknowledges it, so there a slow store applies back-pressure through the bus (JetStream's
 * max_ack_pending), which keeps the flows durably; nothing is dropped.
 */
import type { Logger } from '../shared/log.js';
import type { Registry } from 'prom-client';

export interface Writer<T> {
  push(item: T): void;
  flush(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
  readonly pending: number;
  /** items not written because the buffer was full (at push, or when a failed batch was put back) */
  readonly dropped: number;
}

export interface BufferedOptions {
  flushMs: number;
  maxPending: number;
  name: string;
  registry?: Registry;
  logger?: Logger;
}

export function periodic(flush: () => Promise<unknown>, ms: number, logger: Logger, name: string): { start(): void; stop(): void } {
  let timer: NodeJS.Timeout | null = null;
  let busy = false;
  return {
    start() {
      timer ??= setInterval(() => {
        // one write at a time: a tick during a slow write is skipped (no queue of writes builds up)
        if (busy) return;
        busy = true;
        flush()
          .catch((err: unknown) => logger.error({ err, writer: name }, 'write failed; will retry'))
          .finally(() => { busy = false; });
      }, ms);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}

/**
 * A Writer from a writer's own buffer (push, flush, counts) and the shared lifecycle: a `periodic` timer
 * that starts and stops it, and a stop that writes what is left.
 */
export function timedWriter<T>(
  o: BufferedOptions,
  logger: Logger,
  own: { push(item: T): void; flush(): Promise<number>; pending(): number; dropped(): number },
): Writer<T> {
  const timer = periodic(own.flush, o.flushMs, logger, o.name);
  return {
    push: own.push,
    flush: own.flush,
    start: () => timer.start(),
    async stop() {
      timer.stop();
      await own.flush();
    },
    get pending() {
      return own.pending();
    },
    get dropped() {
      return own.dropped();
    },
  };
}
