/**
 * Partition leases for `acd worker --partitions auto`: workers share the partitions among themselves,
 * and adding or removing a worker moves partitions without two workers consuming one at once.
 *
 * The leases live in a NATS KV bucket (a JetStream stream in the KV layout, so `nats kv` reads it):
 * bucket `<PREFIX>_LEASES`, history 1, memory storage.
 *   key `p.<N>`   {worker, until}   partition N's holder and when its lease runs out (worker null: free)
 *   key `w.<id>`  {until}           a worker's membership heartbeat
 * Every write is a compare-and-set on the key's last revision (Nats-Expected-Last-Subject-Sequence),
 * so of two workers racing for a partition exactly one wins.
 *
 * Every `heartbeatMs` each worker:
 *   1. renews its membership and its leases (until = now + ttl); a renewal that fails the CAS means
 *      the lease was taken (this worker stalled beyond the TTL): it stops consuming that partition at once;
 *   2. computes the target share from the live members (sorted ids; partition p → member p mod count);
 *   3. releases each partition it holds that is now another's: it stops consuming first (the batch in
 *      hand is finished, written and acknowledged), THEN frees the lease;
 *   4. claims each partition of its share whose lease is free or expired, and starts consuming it
 *      (in the background: setting up a consumer takes a while, and the renewals must not wait for it).
 * A worker that leaves gracefully releases everything and deletes its membership; one that dies
 * (SIGKILL) stops renewing, and its leases and membership expire after `ttlMs`.
 *
 * Decisions:
 * - The new holder replays the partition from the start of the stream (./jetstream.ts) to rebuild
 *   the detectors' memory; the writes are idempotent (./worker.ts), so the stored result is that of
 *   one uninterrupted run. A hand-over costs a replay of up to the stream's max age for that partition.
 * - Times are wall-clock milliseconds of the workers: their clocks must agree to well within the TTL
 *   (NTP). A lease taken over from a stalled worker can overlap its last in-flight batch; the
 *   idempotent writes make that harmless for selected flows and findings.
 * - Reading the state costs one request per partition key per heartbeat and worker: fine for
 *   hundreds of partitions at a 2 s heartbeat, not for tens of thousands (a watch would be).
 */
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { DiscardPolicy, RetentionPolicy, StorageType, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { silentLogger, type Logger } from '../shared/log.js';

export interface LeaseConfig {
  /** subject prefix of the bus (the bucket is `<PREFIX>_LEASES`) */
  prefix: string;
  /** the partition count */
  partitions: number;
  /** this worker's id: letters, digits, - and _ */
  id: string;
  /** lease lifetime (default 10 s) */
  ttlMs?: number;
  /** renew and rebalance period (default ttl / 4) */
  heartbeatMs?: number;
}

export interface LeaseEvents {
  /** start consuming partition p (called once a lease is won) */
  take(p: number): Promise<void>;
  /** stop consuming partition p, finishing and acknowledging the batch in hand (called before the lease is freed) */
  release(p: number): Promise<void>;
}

export interface LeaseManager {
  readonly bucket: string;
  /** partitions held now */
  held(): number[];
  /** one round of renew / release / claim (the timer runs it every heartbeat) */
  tick(): Promise<void>;
  start(): Promise<void>;
  /** releases every lease (after stopping each partition) and leaves */
  stop(): Promise<void>;
}

interface Lease {
  worker: string | null;
  until: number;
}

export function leaseBucket(prefix: string): string {
  return `${prefix.replace(/[^A-Za-z0-9_-]/g, '_').toUpperCase()}_LEASES`;
}

export async function createLeaseManager(opts: { connection: NatsConnection; config: LeaseConfig; events: LeaseEvents; deps?: { logger?: Logger } }): Promise<LeaseManager> {
  const { connection: nc, config, events } = opts;
  const logger = opts.deps?.logger ?? silentLogger;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(config.id)) throw new Error(`worker id "${config.id}": use 1-64 letters, digits, - and _`);
  const ttl = config.ttlMs ?? 10_000;
  const every = config.heartbeatMs ?? Math.max(100, Math.floor(ttl / 4));
  if (every * 2 > ttl) throw new Error(`lease heartbeat ${every} ms must be at most half the TTL ${ttl} ms`);
  const bucket = leaseBucket(config.prefix);
  const stream = `KV_${bucket}`;
  const subj = (key: string): string => `$KV.${bucket}.${key}`;
  const jsm: JetStreamManager = await jetstreamManager(nc);
  const js: JetStreamClient = jetstream(nc);
  const streamConfig = {
    name: stream,
    subjects: [`$KV.${bucket}.>`],
    storage: StorageType.Memory,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.New,
    max_msgs_per_subject: 1,
    allow_rollup_hdrs: true,
    deny_delete: true,
    allow_direct: true,
    // a key nobody writes for a day is gone (dead workers' memberships)
    max_age: nanos(86_400_000),
    num_replicas: 1,
  };
  try {
    await jsm.streams.info(stream);
  } catch {
    try {
      await jsm.streams.add(streamConfig);
    } catch (e) {
      // another worker created it at the same moment
      await jsm.streams.info(stream).catch(() => {
        throw e;
      });
    }
  }

  const read = async <T>(key: string): Promise<{ value: T | null; rev: number }> => {
    const m = await jsm.streams.getMessage(stream, { last_by_subj: subj(key) });
    if (!m) return { value: null, rev: 0 };
    return { value: m.data.length > 0 ? (m.json<T>()) : null, rev: m.seq };
  };
  /** compare-and-set: writes only if the key's last revision is still `rev`; returns the new revision or null */
  const cas = async (key: string, value: unknown, rev: number): Promise<number | null> => {
    try {
      const ack = await js.publish(subj(key), JSON.stringify(value), { expect: { lastSubjectSequence: rev } });
      return ack.seq;
    } catch (e) {
      const msg = (e as Error).message ?? '';
      if (/wrong last sequence|10071/i.test(msg) || (e as { code?: unknown }).code === 10071) return null;
      throw e;
    }
  };

  const held = new Map<number, number>(); // partition → lease revision
  // partitions being started: a round never waits for a consumer to be set up (it would delay renewals)
  const starting = new Map<number, Promise<void>>();
  const release = async (p: number): Promise<void> => {
    await starting.get(p);
    await events.release(p);
  };
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;

  const members = async (now: number): Promise<string[]> => {
    const info = await jsm.streams.info(stream, { subjects_filter: subj('w.>') });
    const others = Object.keys(info.state.subjects ?? {}).map((s) => s.slice(subj('w.').length)).filter((id) => id !== config.id);
    const values = await Promise.all(others.map((id) => read<{ until: number }>(`w.${id}`)));
    const ids = others.filter((_, i) => (values[i]!.value?.until ?? 0) > now);
    ids.push(config.id);
    return ids.sort();
  };

  let lastRound = 0;
  const round = async (): Promise<void> => {
    const now = Date.now();
    if (lastRound > 0 && now - lastRound > ttl / 2) logger.warn({ sinceLastMs: now - lastRound, ttlMs: ttl }, 'lease round late: renewals are close to the TTL');
    lastRound = now;
    // 1. membership and renewals
    const m = await read<{ until: number }>(`w.${config.id}`);
    await cas(`w.${config.id}`, { until: now + ttl }, m.rev);
    // all renewals at once (one round trip, not one per partition)
    const renewed = await Promise.all([...held].map(async ([p, rev]) => [p, await cas(`p.${p}`, { worker: config.id, until: now + ttl } satisfies Lease, rev)] as const));
    for (const [p, next] of renewed) {
      if (next === null) {
        logger.warn({ partition: p }, 'partition lease lost (taken after this worker missed its renewals): stopping it');
        held.delete(p);
        await release(p);
      } else held.set(p, next);
    }
    const renewMs = Date.now() - now;
    if (renewMs > ttl / 4) logger.warn({ renewMs, ttlMs: ttl }, 'lease renewals slow');
    // 2. the share
    const ids = await members(now);
    const me = ids.indexOf(config.id);
    const mine = (p: number): boolean => p % ids.length === me;
    // 3. hand over what is now another's: stop consuming first, then free the lease
    for (const [p, rev] of [...held]) {
      if (mine(p)) continue;
      await release(p);
      held.delete(p);
      await cas(`p.${p}`, { worker: null, until: 0 } satisfies Lease, rev);
    }
    // 4. claim what is ours and free (or expired)
    for (let p = 0; p < config.partitions; p++) {
      if (!mine(p) || held.has(p) || stopped) continue;
      const cur = await read<Lease>(`p.${p}`);
      if (cur.value && cur.value.worker !== null && cur.value.worker !== config.id && cur.value.until > Date.now()) continue;
      const rev = await cas(`p.${p}`, { worker: config.id, until: Date.now() + ttl } satisfies Lease, cur.rev);
      if (rev === null) continue; // another worker won it
      held.set(p, rev);
      starting.set(
        p,
        events
          .take(p)
          .catch(async (e: unknown) => {
            logger.error({ err: e, partition: p }, 'starting a partition failed: lease freed');
            const r = held.get(p);
            held.delete(p);
            if (r !== undefined) await cas(`p.${p}`, { worker: null, until: 0 } satisfies Lease, r).catch(() => null);
          })
          .finally(() => starting.delete(p)),
      );
    }
  };

  const tick = async (): Promise<void> => {
    while (running) await running;
    running = round().finally(() => {
      running = null;
    });
    return running;
  };

  return {
    bucket,
    held: () => [...held.keys()].sort((a, b) => a - b),
    tick,
    async start() {
      await tick();
      const loop = (): void => {
        timer = setTimeout(() => {
          tick()
            .catch((err: unknown) => logger.error({ err }, 'lease round failed'))
            .finally(() => {
              if (!stopped) loop();
            });
        }, every);
      };
      loop();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      while (running) await running;
      for (const [p, rev] of [...held]) {
        await release(p);
        held.delete(p);
        await cas(`p.${p}`, { worker: null, until: 0 } satisfies Lease, rev).catch(() => null);
      }
      const m = await read<{ until: number }>(`w.${config.id}`).catch(() => ({ rev: 0 }));
      await cas(`w.${config.id}`, { until: 0 }, m.rev).catch(() => null);
    },
  };
}
