/**
 * The bus on NATS JetStream (detector-rule selections travel back on core NATS `<prefix>.select`): one stream `<PREFIX>_FLOWS` over subjects `<prefix>.flows.<partition>`,
 * memory storage, limits retention with a short maximum age (default 10 min), duplicate window for
 * re-published batches (Nats-Msg-Id = the batch's producer/partition/seq). One durable pull consumer
 * per partition (`<prefix>-p<N>`, explicit ack, filtered to its subject), nothing else reads it.
 *
 * Decisions:
 * - A worker that takes a partition re-creates its consumer to deliver ALL the stream holds for it:
 *   detector state lives in the worker's memory, so a restarted worker rebuilds it by replaying the
 *   partition (within the stream's maximum age). The writes are idempotent (./worker.ts), so replay
 *   never duplicates. Cost: a restart replays up to max-age of traffic; what is older is not rebuilt.
 * - Back-pressure: max_ack_pending per consumer bounds the batches in flight to a worker; a slow
 *   worker leaves batches pending in the stream (lag, on /metrics), it does not lose them — unless
 *   the lag exceeds the maximum age, when the stream's limit discards them (counted by NATS).
 * - Ack only after the handler resolved; a throwing handler is retried in place (with backoff and
 *   in-progress acks), so a partition's batches are handled strictly in order.
 */
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { BatchHandler, Bus, SelectionMessage, Subscription } from './bus.js';
import { silentLogger, type Logger } from '../shared/log.js';

export interface JetStreamBusConfig {
  servers: string;
  partitions: number;
  /** subject prefix (default "acd"): subjects are `<prefix>.flows.<p>` */
  prefix?: string;
  maxAgeMs?: number;
  /** stream replicas (1 on one server; 3 in a cluster) */
  replicas?: number;
  /** wait for the stream's ack of each publish (default true); false = fire and forget (not for production) */
  ackPublish?: boolean;
  /** NATS user and password (default: ACD_NATS_USER / ACD_NATS_PASSWORD from the environment, when set);
   *  src/bus/nats-access.conf gives collectors and workers different rights */
  auth?: { user: string; pass: string };
}

export interface JetStreamBus extends Bus {
  readonly stream: string;
  readonly connection: NatsConnection;
  /** deletes the stream and its consumers (tests, benchmarks) */
  destroy(): Promise<void>;
}

export function streamName(prefix: string): string {
  return `${prefix.replace(/[^A-Za-z0-9_-]/g, '_').toUpperCase()}_FLOWS`;
}

export async function createJetStreamBus(config: JetStreamBusConfig, deps: { logger?: Logger } = {}): Promise<JetStreamBus> {
  const logger = deps.logger ?? silentLogger;
  const prefix = config.prefix ?? 'acd';
  const stream = streamName(prefix);
  const envUser = process.env.ACD_NATS_USER;
  const auth = config.auth ?? (envUser ? { user: envUser, pass: process.env.ACD_NATS_PASSWORD ?? '' } : undefined);
  const nc = await connect({ servers: config.servers, name: `acd-bus-${process.pid}`, ...(auth ? { user: auth.user, pass: auth.pass, inboxPrefix: `_INBOX_${auth.user}` } : {}) });
  const jsm: JetStreamManager = await jetstreamManager(nc);
  const js: JetStreamClient = jetstream(nc);
  const streamConfig = {
    name: stream,
    subjects: [`${prefix}.flows.*`],
    storage: StorageType.Memory,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(config.maxAgeMs ?? 10 * 60_000),
    duplicate_window: nanos(Math.min(config.maxAgeMs ?? 10 * 60_000, 2 * 60_000)),
    num_replicas: config.replicas ?? 1,
  };
  let exists = true;
  try {
    await jsm.streams.info(stream);
  } catch {
    exists = false;
  }
  if (!exists) await jsm.streams.add(streamConfig);
  else {
    try {
      await jsm.streams.update(stream, streamConfig);
    } catch (err) {
      // a collector's or worker's credential may not manage streams (src/bus/nats-access.conf): the
      // stream an operator made is used as it is
      logger.info({ err, stream }, 'stream exists and was not updated (no right to, or a setting cannot change)');
    }
  }
  const subject = (p: number): string => `${prefix}.flows.${p}`;
  const durable = (p: number): string => `${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}-p${p}`;
  const ackPublish = config.ackPublish ?? true;

  return {
    kind: 'jetstream',
    partitions: config.partitions,
    stream,
    connection: nc,
    async publish(partition, batch, id) {
      if (!(partition >= 0 && partition < config.partitions)) throw new Error(`jetstream bus: partition ${partition} out of 0-${config.partitions - 1}`);
      if (ackPublish) await js.publish(subject(partition), batch, { msgID: id });
      else nc.publish(subject(partition), batch);
    },
    async publishSelection(m) {
      nc.publish(`${prefix}.select`, JSON.stringify(m));
      await nc.flush();
    },
    async onSelection(h) {
      const sub = nc.subscribe(`${prefix}.select`, {
        callback: (err, msg) => {
          if (err) return;
          try {
            h(msg.json<SelectionMessage>());
          } catch (e) {
            logger.warn({ err: e }, 'bad selection message ignored');
          }
        },
      });
      return { stop: async () => sub.unsubscribe() };
    },
    async subscribe(partitions, handler: BatchHandler, opts = {}): Promise<Subscription> {
      const maxAckPending = opts.maxAckPending ?? 64;
      const iters: ConsumerMessages[] = [];
      let stopping = false;
      const loops: Promise<void>[] = [];
      for (const p of partitions) {
        const name = durable(p);
        try {
          await jsm.consumers.delete(stream, name);
        } catch {
          // none yet
        }
        await jsm.consumers.add(stream, {
          durable_name: name,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          filter_subject: subject(p),
          max_ack_pending: maxAckPending,
          ack_wait: nanos(60_000),
        });
        const consumer = await js.consumers.get(stream, name);
        const it = await consumer.consume({ max_messages: Math.min(maxAckPending, 64) });
        iters.push(it);
        loops.push(
          (async () => {
            for await (const m of it) {
              // retried here, never nak'd: a nak would let later batches overtake this one, and a
              // partition's detectors must see its batches in order
              for (let attempt = 1; ; attempt++) {
                try {
                  await handler(m.data, { partition: p, busSeq: m.seq, deliveries: m.info.deliveryCount });
                  m.ack();
                  break;
                } catch (err) {
                  if (stopping) return;
                  if (attempt === 1 || attempt % 30 === 0) logger.error({ err, partition: p, seq: m.seq, attempt }, 'bus batch failed; retrying');
                  m.working();
                  await new Promise((r) => setTimeout(r, Math.min(1000, 50 * attempt)));
                }
              }
            }
          })(),
        );
      }
      return {
        async lag() {
          const out = new Map<number, number>();
          for (const p of partitions) {
            const info = await jsm.consumers.info(stream, durable(p));
            out.set(p, info.num_pending + info.num_ack_pending);
          }
          return out;
        },
        async stop() {
          stopping = true;
          for (const it of iters) await it.close();
          await Promise.allSettled(loops);
        },
      };
    },
    async close() {
      await nc.drain();
    },
    async destroy() {
      try {
        await jsm.streams.delete(stream);
      } catch {
        // already gone
      }
    },
  };
}
