/**
 * `acd worker --partitions 0-7 [--total 8] [--nats URL] [--db URL]`: a detector worker on NATS
 * JetStream. It consumes its partitions of the gate's output (published by collectors), runs the
 * detectors per partition, writes selected flows and findings to PostgreSQL idempotently and
 * acknowledges each batch after its write. Runs until SIGINT/SIGTERM; lag per partition on
 * --metrics-port's /metrics.
 */
import { createServer, type Server } from 'node:http';
import type { Command } from 'commander';
import { AcdError } from '../../shared/errors.js';
import { createLogger, silentLogger } from '../../shared/log.js';
import { createMetricsRegistry } from '../../shared/metrics.js';
import { openStore, type Store } from '../../store/index.js';
import { hostname } from 'node:os';
import { createBusWorker, createJetStreamBus, createLeaseManager, parsePartitions, type LeaseManager } from '../../bus/index.js';
import { createAsnLookup } from '../../selection/index.js';
import { loadConfig } from '../../config/index.js';
import { createIndicatorRefresher, type IndicatorRefresher } from '../../pipeline/index.js';

export interface WorkerCliOptions {
  partitions: string;
  total: string;
  nats: string;
  db?: string;
  schema?: string;
  prefix: string;
  metricsPort?: string;
  selectScore?: string;
  /** names this worker in partition leases (--partitions auto); default host-pid */
  id?: string;
  /** lease lifetime in ms for --partitions auto (default 10000) */
  leaseTtl?: string;
  verbose?: boolean;
  /** seconds between checks of the intel store for changed indicators (config indicatorRefreshSeconds) */
  indicatorRefresh?: string;
}

export async function runWorker(opts: WorkerCliOptions, stop: Promise<unknown>, err: (s: string) => void = (s) => process.stderr.write(s)): Promise<void> {
  const total = Number(opts.total);
  if (!Number.isInteger(total) || total < 1 || total > 65535) throw new AcdError('WORKER_BAD_TOTAL', `--total ${opts.total}: give the partition count, an integer 1-65535`);
  const auto = opts.partitions.trim() === 'auto';
  let partitions: number[] = [];
  if (!auto) {
    try {
      partitions = parsePartitions(opts.partitions, total);
    } catch (e) {
      throw new AcdError('WORKER_BAD_PARTITIONS', `--partitions: ${(e as Error).message} (or "auto")`);
    }
  }
  const id = opts.id ?? `${hostname().replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40)}-${process.pid}`;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new AcdError('WORKER_BAD_ID', `--id ${opts.id}: use 1-64 letters, digits, - and _`);
  const leaseTtl = opts.leaseTtl === undefined ? 10_000 : Number(opts.leaseTtl);
  if (!(Number.isInteger(leaseTtl) && leaseTtl >= 400 && leaseTtl <= 600_000)) throw new AcdError('WORKER_BAD_LEASE_TTL', `--lease-ttl ${opts.leaseTtl}: give milliseconds, an integer 400-600000`);
  let selectScore: number | undefined;
  if (opts.selectScore !== undefined) {
    selectScore = Number(opts.selectScore);
    if (!(selectScore >= 0 && selectScore <= 1)) throw new AcdError('WORKER_BAD_SELECT_SCORE', `--select-score ${opts.selectScore}: give a score between 0 and 1`);
  }
  const logger = opts.verbose ? createLogger({ name: 'acd-worker', destination: process.stderr }) : silentLogger;
  const registry = createMetricsRegistry();
  let store: Store | null = null;
  if (opts.db) store = await openStore({ db: opts.db, ...(opts.schema ? { schema: opts.schema } : {}) });
  else err('acd worker: no --db: findings and selected flows are kept in memory only\n');
  const bus = await createJetStreamBus({ servers: opts.nats, partitions: total, prefix: opts.prefix }, { logger });
  const worker = createBusWorker({
    bus,
    partitions,
    ...(store ? { db: store.db } : {}),
    config: selectScore === undefined ? {} : { selectScore },
    // the AS lookup only (no country ranges: the gate ran at the collector), so the beacon detector
    // demotes update vendors' networks exactly as the in-process pipeline does
    deps: { registry, logger, asn: createAsnLookup() },
  });
  let http: Server | null = null;
  if (opts.metricsPort) {
    http = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((r) => http!.listen(Number(opts.metricsPort), '127.0.0.1', r));
  }
  // #21: the detectors match the intel store's indicators, reloaded on change (config key
  // indicatorRefreshSeconds, from acd.config.json / ACD_INDICATOR_REFRESH_SECONDS / --indicator-refresh)
  let refresher: IndicatorRefresher | null = null;
  if (store) {
    const { indicatorRefreshSeconds } = loadConfig({ flags: { indicatorRefreshSeconds: opts.indicatorRefresh } });
    refresher = createIndicatorRefresher({ db: store.db, intervalMs: indicatorRefreshSeconds * 1000, apply: (list) => worker.setIndicators(list), logger, registry });
    await refresher.start();
    err(`acd worker: ${refresher.state.indicators} indicators from the intel store, checked every ${indicatorRefreshSeconds} s\n`);
  }
  await worker.start();
  let leases: LeaseManager | null = null;
  if (auto) {
    leases = await createLeaseManager({
      connection: bus.connection,
      config: { prefix: opts.prefix, partitions: total, id, ttlMs: leaseTtl },
      events: {
        take: async (p) => {
          await worker.take(p);
          err(`acd worker ${id}: took partition ${p} at ${Date.now()}\n`);
        },
        release: async (p) => {
          await worker.release(p);
          err(`acd worker ${id}: released partition ${p} at ${Date.now()}\n`);
        },
      },
      deps: { logger },
    });
    await leases.start();
  }
  err(`acd worker: consuming partitions ${opts.partitions} of ${total} from ${bus.stream}${leases ? ` (leases in KV bucket ${leases.bucket}, worker id ${id})` : ''}\n`);
  try {
    await stop;
  } finally {
    await leases?.stop();
    refresher?.stop();
    await worker.stop();
    await bus.close();
    http?.close();
    await store?.close?.();
    const s = worker.stats;
    err(`acd worker: ${s.batches} batches (${s.duplicates} already written), ${s.selected} selected flows stored, ${s.dropped} feed flows dropped after detection\n`);
  }
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('Run the detectors for some partitions of the flow bus (NATS JetStream): consume the gate output the collectors published, write selected flows and findings to PostgreSQL idempotently, acknowledge each batch after its write.')
    .requiredOption('--partitions <list>', 'partitions to consume: N, N-M or a comma list (e.g. 0-7, 0,2,4-5), or auto: share them with the other auto workers through leases')
    .option('--id <id>', 'this worker\'s id in the partition leases (default host-pid)')
    .option('--lease-ttl <ms>', 'partition lease lifetime for --partitions auto: a dead worker\'s partitions move after this (default 10000)')
    .option('--total <n>', 'the partition count the collectors publish with', '8')
    .option('--nats <url>', 'NATS server(s)', 'nats://127.0.0.1:4222')
    .option('--db <url>', 'PostgreSQL URL for selected flows and findings (without it: in memory only)')
    .option('--schema <name>', 'PostgreSQL schema (default: the search path)')
    .option('--prefix <p>', 'subject prefix: subjects are <p>.flows.<partition>', 'acd')
    .option('--select-score <s>', 'send findings at or above this score (0-1) back to the collectors as detector-rule selections (default 0.7, as in one process)')
    .option('--metrics-port <port>', 'serve /metrics (lag per partition) on 127.0.0.1:PORT')
    .option('--verbose', 'log (pino JSON lines) on stderr')
    .option('--indicator-refresh <seconds>', 'with --db: seconds between checks of the intel store for new, changed, revoked or expired indicators; the detectors reload them without a restart (config indicatorRefreshSeconds, default 30)')
    .addHelpText('after', [
      '',
      'Each partition is consumed by one worker: split the partitions between workers (0-3 and 4-7),',
      'or start every worker with --partitions auto: they share the partitions through leases in a NATS KV',
      'bucket, and a worker that joins, leaves or dies moves partitions (a graceful one hands over at once).',
      'A worker restarted after a crash replays its partitions from the stream (up to its maximum age)',
      'to rebuild the detectors; writes are idempotent, so nothing is stored twice.',
      '',
      'Examples:',
      '  $ acd worker --partitions 0-7 --db postgres://acd@db/acd',
      '  $ acd worker --partitions 4-7 --total 8 --nats nats://nats1:4222,nats://nats2:4222 --metrics-port 9464',
      '  $ acd worker --partitions auto --total 64 --id worker-3 --db postgres://acd@db/acd',
    ].join('\n'))
    .action(async (opts: WorkerCliOptions) => {
      let onSignal: (() => void) | undefined;
      const stop = new Promise<void>((resolve) => {
        onSignal = () => resolve();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      });
      try {
        await runWorker(opts, stop);
      } finally {
        if (onSignal) { process.off('SIGINT', onSignal); process.off('SIGTERM', onSignal); }
      }
    });
}
