/**
 * The in-process bus (one machine, the default): one queue per partition, handled in order by the
 * subscriber in the same process. Back-pressure: `publish` waits while a partition holds
 * `maxPending` unacknowledged batches. A handler that throws gets its batch again after `retryMs`.
 * Batches published before anyone subscribes wait in the queue (the stream's role in JetStream).
 */
import type { BatchHandler, Bus, SelectionMessage, Subscription } from './bus.js';

interface Entry {
  batch: Uint8Array;
  busSeq: number;
  deliveries: number;
}

export function createMemoryBus(opts: { partitions: number; maxPending?: number; retryMs?: number }): Bus {
  const maxPending = opts.maxPending ?? 256;
  const retryMs = opts.retryMs ?? 200;
  const queues: Entry[][] = Array.from({ length: opts.partitions }, () => []);
  const handlers: Array<BatchHandler | null> = new Array<BatchHandler | null>(opts.partitions).fill(null);
  const running: boolean[] = new Array<boolean>(opts.partitions).fill(false);
  const waiters: Array<Array<() => void>> = Array.from({ length: opts.partitions }, () => []);
  let seq = 0;
  let closed = false;
  const selectionHandlers = new Set<(m: SelectionMessage) => void>();

  const wake = (p: number): void => {
    const w = waiters[p]!;
    while (w.length > 0 && queues[p]!.length < maxPending) w.shift()!();
  };

  const pump = async (p: number): Promise<void> => {
    if (running[p]) return;
    running[p] = true;
    try {
      const q = queues[p]!;
      for (;;) {
        const h = handlers[p];
        const e = q[0];
        if (!h || !e || closed) break;
        e.deliveries++;
        try {
          await h(e.batch, { partition: p, busSeq: e.busSeq, deliveries: e.deliveries });
          q.shift(); // acknowledged
          wake(p);
        } catch {
          await new Promise((r) => setTimeout(r, retryMs));
        }
      }
    } finally {
      running[p] = false;
    }
  };

  return {
    kind: 'memory',
    partitions: opts.partitions,
    async publish(partition, batch) {
      if (closed) throw new Error('memory bus: closed');
      if (!(partition >= 0 && partition < opts.partitions)) throw new Error(`memory bus: partition ${partition} out of 0-${opts.partitions - 1}`);
      while (queues[partition]!.length >= maxPending) await new Promise<void>((r) => waiters[partition]!.push(r));
      queues[partition]!.push({ batch, busSeq: ++seq, deliveries: 0 });
      void pump(partition);
    },
    async publishSelection(m) {
      for (const h of selectionHandlers) h({ ...m });
    },
    async onSelection(h) {
      selectionHandlers.add(h);
      return { stop: async () => void selectionHandlers.delete(h) };
    },
    async subscribe(partitions, handler): Promise<Subscription> {
      for (const p of partitions) {
        if (handlers[p]) throw new Error(`memory bus: partition ${p} already has a consumer`);
        handlers[p] = handler;
        void pump(p);
      }
      return {
        async lag() {
          return new Map(partitions.map((p) => [p, queues[p]!.length]));
        },
        async stop() {
          for (const p of partitions) handlers[p] = null;
          while (partitions.some((p) => running[p])) await new Promise((r) => setTimeout(r, 5));
        },
      };
    },
    async close() {
      closed = true;
      for (let p = 0; p < opts.partitions; p++) {
        handlers[p] = null;
        for (const w of waiters[p]!.splice(0)) w();
      }
    },
  };
}
