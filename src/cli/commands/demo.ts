import type { Command } from 'commander';
import { join } from 'node:path';
import { addServerOptions, configFromOptions } from '../options.js';
import { startAcd, stopOnSignals } from '../../server/start.js';
import { ensureDemoAccounts } from '../../demo/accounts.js';

export function register(program: Command): void {
  addServerOptions(
    program
      .command('demo')
      .description('Start ACD on the embedded store with demo organisations and people (credentials printed here); no service needed'),
  )
    .addHelpText('after', '\nExamples:\n  $ npm start                 (runs: acd demo)\n  $ acd demo --port 9000 --data /tmp/acd-demo')
    .action(async (opts: Record<string, unknown>) => {
      const config = configFromOptions({ logLevel: 'warn', ...opts, data: opts.data ?? join('.acd-data', 'demo') });
      const running = await startAcd(config);
      const creds = await ensureDemoAccounts(running.store.db);
      console.log(`\nACD demo is running at ${running.url}`);
      console.log(`  API docs: ${running.url}/api/docs    health: ${running.url}/healthz    metrics: ${running.url}/metrics`);
      console.log('  demo people (passwords are new at every start):');
      for (const c of creds) console.log(`    ${c.username.padEnd(13)} ${c.password}   ${c.roles.join(', ')} — ${c.org}`);
      console.log('  Ctrl-C stops it.\n');
      stopOnSignals(running, running.logger);
    });
}
