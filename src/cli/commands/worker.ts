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
import { createBusWorker, createJetStreamBus, parsePartitions } from '../../bus/index.js';

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
  verbose?: boolean;
}

export async function runWorker(opts: WorkerCliOptions, stop: Promise<unknown>, err: (s: string) => void = (s) => process.stderr.write(s)): Promise<void> {
  const total = Number(opts.total);
  if (!Number.isInteger(total) || total < 1 || total > 65535) throw new AcdError('WORKER_BAD_TOTAL', `--total ${opts.total}: give the partition count, an integer 1-65535`);
  let partitions: number[];
  try {
    partitions = parsePartitions(opts.partitions, total);
  } catch (e) {
    throw new AcdError('WORKER_BAD_PARTITIONS', `--partitions: ${(e as Error).message}`);
  }
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
    deps: { registry, logger },
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
  await worker.start();
  err(`acd worker: consuming partitions ${opts.partitions} of ${total} from ${bus.stream}\n`);
  try {
    await stop;
  } finally {
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
    .requiredOption('--partitions <list>', 'partitions to consume: N, N-M or a comma list (e.g. 0-7, 0,2,4-5)')
    .option('--total <n>', 'the partition count the collectors publish with', '8')
    .option('--nats <url>', 'NATS server(s)', 'nats://127.0.0.1:4222')
    .option('--db <url>', 'PostgreSQL URL for selected flows and findings (without it: in memory only)')
    .option('--schema <name>', 'PostgreSQL schema (default: the search path)')
    .option('--prefix <p>', 'subject prefix: subjects are <p>.flows.<partition>', 'acd')
    .option('--select-score <s>', 'send findings at or above this score (0-1) back to the collectors as detector-rule selections (the pipeline uses 0.7)')
    .option('--metrics-port <port>', 'serve /metrics (lag per partition) on 127.0.0.1:PORT')
    .option('--verbose', 'log (pino JSON lines) on stderr')
    .addHelpText('after', [
      '',
      'Each partition is consumed by one worker: split the partitions between workers (0-3 and 4-7).',
      'A worker restarted after a crash replays its partitions from the stream (up to its maximum age)',
      'to rebuild the detectors; writes are idempotent, so nothing is stored twice.',
      '',
      'Examples:',
      '  $ acd worker --partitions 0-7 --db postgres://acd@db/acd',
      '  $ acd worker --partitions 4-7 --total 8 --nats nats://nats1:4222,nats://nats2:4222 --metrics-port 9464',
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
