import type { Command } from 'commander';
import { addServerOptions, configFromOptions } from '../options.js';
import { startAcd, stopOnSignals } from '../../server/index.js';

/** serve's own flags for the bus (config keys bus, nats, busPartitions, busPrefix). */
export function busOverrides(opts: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (opts.bus !== undefined) out.bus = opts.bus;
  if (opts.nats !== undefined) out.nats = opts.nats;
  if (opts.busPartitions !== undefined) out.busPartitions = opts.busPartitions;
  if (opts.busPrefix !== undefined) out.busPrefix = opts.busPrefix;
  return out;
}

export function register(program: Command): void {
  addServerOptions(
    program
      .command('serve')
      .description('Start the ACD server: HTTP API, OpenAPI docs at /api/docs, /healthz and /metrics'),
  )
    .option('--bus <kind>', "none (detectors in this process) or jetstream (the collector's gate publishes to NATS; `acd worker` runs the detectors)")
    .option('--nats <url>', 'NATS server(s) for --bus jetstream (default nats://127.0.0.1:4222)')
    .option('--bus-partitions <n>', 'bus partitions; the workers use the same --total (default 8)')
    .option('--bus-prefix <p>', 'bus subject prefix (default acd)')
    .addHelpText('after', [
      '',
      'Examples:',
      '  $ acd serve --port 8080',
      '  $ acd serve --db postgres://acd@127.0.0.1:5432/acd --host 0.0.0.0',
      '  $ acd serve --db postgres://acd@db/acd --collector udp://0.0.0.0:2055 --bus jetstream --nats nats://127.0.0.1:4222',
      '  $ ACD_PORT=9000 acd serve',
    ].join('\n'))
    .action(async (opts: Record<string, unknown>) => {
      const config = configFromOptions(opts, busOverrides(opts));
      const running = await startAcd(config);
      stopOnSignals(running, running.logger);
    });
}
