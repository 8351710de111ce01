/**
 * `acd witness`: the commission's witness, as its own process with its own key and data folder (see
 * src/oversight/witness.ts). It prints one JSON line when it listens: {"url", "vkey"}; the server is
 * then configured with auditWitnessUrl = url and auditWitnessKey = vkey.
 *   acd witness serve --data ./.acd-witness --listen 127.0.0.1:7380 --name commission/witness --log-key "acd/audit-log+…"
 *   acd witness key --data ./.acd-witness --name commission/witness      (prints the cosigner vkey)
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AcdError } from '../../shared/errors.js';
import { createLogger } from '../../shared/log.js';
import { createWitness, startWitnessServer } from '../../oversight/index.js';

const keyText = (spec: string): string => (existsSync(spec) ? readFileSync(spec, 'utf8').trim() : spec);

function listenOf(s: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(s);
  if (!m) throw new AcdError('WITNESS_BAD_ARGUMENT', `--listen ${s}: give HOST:PORT`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

export function register(program: Command): void {
  const w = program.command('witness').description("The audit log's witness (C2SP tlog-witness): cosigns heads that are consistent with the last it cosigned")
    .addHelpText('after', '\nExamples:\n  $ acd witness key --data ./.acd-witness --name commission/witness\n  $ acd witness <command> --help   what one command does, its options and an example\n');
  w.command('serve', { isDefault: true })
    .description('Run the witness: POST /add-checkpoint; keeps its key and its last cosigned size per log in --data')
    .requiredOption('--data <dir>', "the witness's own data folder (never the server's)")
    .requiredOption('--log-key <vkey...>', "the log's public key(s) it witnesses (vkey text or a file)")
    .option('--name <name>', "the witness's name in its cosignature lines", 'acd/commission-witness')
    .option('--listen <host:port>', 'address to listen on (port 0: any free port)', '127.0.0.1:7380')
    .option('--log-level <level>', 'pino level', 'info')
    .option('--exit-with-parent', 'exit when standard input closes (how `acd demo` runs it beside the server)')
    .addHelpText('after', '\nExamples:\n  $ acd witness serve --data /var/lib/acd-witness --log-key "$(acd audit key)" --listen 0.0.0.0:7380 --name commission.example.org/witness\n  $ acd witness --data /var/lib/acd-witness --log-key log.vkey     (serve is the default command)')
    .action(async (opts: { data: string; logKey: string[]; name: string; listen: string; logLevel: string; exitWithParent?: boolean }) => {
      const logger = createLogger({ level: opts.logLevel, name: 'witness', destination: process.stderr });
      const witness = createWitness({ dataDir: opts.data, name: opts.name, logs: opts.logKey.map(keyText), logger });
      const running = await startWitnessServer(witness, { ...listenOf(opts.listen), logger });
      console.log(JSON.stringify({ url: running.url, vkey: witness.vkey }));
      logger.info({ url: running.url, vkey: witness.vkey, data: opts.data }, 'witness listening');
      const stop = (): void => {
        void running.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      if (opts.exitWithParent) {
        process.stdin.on('end', stop);
        process.stdin.on('close', stop);
        process.stdin.resume();
      }
    });
  w.command('key')
    .description("Print the witness's cosigner vkey (creates the key in --data when missing)")
    .requiredOption('--data <dir>', "the witness's data folder")
    .option('--name <name>', "the witness's name", 'acd/commission-witness')
    .addHelpText('after', '\nExamples:\n  $ acd witness key --data /var/lib/acd-witness --name commission.example.org/witness > witness.vkey')
    .action((opts: { data: string; name: string }) => {
      console.log(createWitness({ dataDir: opts.data, name: opts.name, logs: [] }).vkey);
    });
}
