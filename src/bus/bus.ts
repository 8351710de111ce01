/**
 * The bus between collectors and detector workers: batches of gate output, one stream of batches per
 * partition, each partition consumed by exactly one worker, in order. Two implementations: in-process
 * (./memory.ts, the one-machine default) and NATS JetStream (./jetstream.ts).
 *
 * Contract (both implementations):
 * - `publish` resolves once the bus holds the batch (JetStream: the stream acknowledged it).
 * - A partition's batches reach its handler one at a time, in publish order.
 * - A batch is acknowledged only when its handler resolves; a handler that throws (or a worker that
 *   dies) gets the batch again. Handlers must therefore be idempotent (see ./worker.ts).
 */
import type { FindingType } from '../detect/index.js';

export interface BatchMeta {
  partition: number;
  /** the bus's own sequence number for the message (JetStream stream sequence; in-process counter) */
  busSeq: number;
  /** times delivered (1 on the first delivery) */
  deliveries: number;
}

export type BatchHandler = (batch: Uint8Array, meta: BatchMeta) => Promise<void>;

export interface Subscription {
  /** batches published but not yet acknowledged, per partition (the lag) */
  lag(): Promise<Map<number, number>>;
  stop(): Promise<void>;
}

/**
 * A detector rule fired on a server: the collectors select its flows from then on under the detector
 * criterion of every approval in force that names the detector (as the one-process pipeline does).
 * A small control message, sent once per finding key.
 */
export interface SelectionMessage {
  type: FindingType;
  external: string;
  port: number;
  proto: number;
  /** the finding's last seen (event time): approvals are checked as of then */
  at: number;
}

export interface Bus {
  readonly kind: 'memory' | 'jetstream';
  /** worker → every collector: a detector rule's selection (not persisted: a collector that starts later does not get it) */
  publishSelection(m: SelectionMessage): Promise<void>;
  onSelection(handler: (m: SelectionMessage) => void): Promise<{ stop(): Promise<void> }>;
  readonly partitions: number;
  /** `id` names the batch for de-duplication of a re-published batch (JetStream's Nats-Msg-Id) */
  publish(partition: number, batch: Uint8Array, id: string): Promise<void>;
  /** consumes `partitions` (each 0 ≤ p < this.partitions) */
  subscribe(partitions: number[], handler: BatchHandler, opts?: { maxAckPending?: number }): Promise<Subscription>;
  close(): Promise<void>;
}

/** "0-7", "0,2,4-5" → [0, 1, …]; every number must be below `total`. */
export function parsePartitions(spec: string, total: number): number[] {
  const out = new Set<number>();
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new Error(`partitions "${spec}": "${part}" is not N or N-M`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new Error(`partitions "${spec}": range ${a}-${b} runs backwards`);
    if (b >= total) throw new Error(`partitions "${spec}": ${b} is not below the partition count ${total}`);
    for (let i = a; i <= b; i++) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}
