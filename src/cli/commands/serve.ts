import type { Command } from 'commander';
import { addServerOptions, configFromOptions } from '../options.js';
import { startAcd, stopOnSignals } from '../../server/start.js';

export function register(program: Command): void {
  addServerOptions(
    program
      .command('serve')
      .description('Start the ACD server: HTTP API, OpenAPI docs at /api/docs, /healthz and /metrics'),
  )
    .addHelpText('after', '\nExamples:\n  $ acd serve --port 8080\n  $ acd serve --db postgres://acd@127.0.0.1:5432/acd --host 0.0.0.0\n  $ ACD_PORT=9000 acd serve')
    .action(async (opts: Record<string, unknown>) => {
      const config = configFromOptions(opts);
      const running = await startAcd(config);
      stopOnSignals(running, running.logger);
    });
}
