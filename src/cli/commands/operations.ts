/**
 * `acd operations`: neutralisation operations from the command line.
 *   expire          one expiry pass: lifts every operation whose decision has ended (for cron, or after downtime);
 *   blocklist       the measures in force as text, CSV or a STIX 2.1 bundle;
 *   gobgpd-config   the TOML for the gobgpd ACD announces blackholes and FlowSpec rules through.
 */
import type { Command } from 'commander';
import { addStoreOptions, configFromOptions } from '../options.js';
import { openStore } from '../../store/index.js';
import { AcdError } from '../../shared/errors.js';
import { renderTable } from '../table.js';
import { blocklistCsv, blocklistEntries, blocklistStix, blocklistText, driversFromConfig, expireOperations, gobgpdConfig } from '../../operations/index.js';

async function withStore<T>(opts: Record<string, unknown>, fn: (store: Awaited<ReturnType<typeof openStore>>, data: string) => Promise<T>): Promise<T> {
  const config = configFromOptions(opts);
  const store = await openStore(config.db ? { db: config.db } : { data: config.data });
  try {
    return await fn(store, config.data);
  } finally {
    await store.close();
  }
}

export function register(program: Command): void {
  const ops = program.command('operations').description('neutralisation operations: expiry, blocklists, the GoBGP speaker')
    .addHelpText('after', '\nExamples:\n  $ acd operations blocklist --format table\n  $ acd operations <command> --help   what one command does, its options and an example\n');

  addStoreOptions(ops.command('expire').description('lift every operation whose approval, ratification or emergency time has ended (audited as ACD); prints a table of the operations lifted (OPERATION, REASON, RESULT)'))
    .option('--json', 'print the operations lifted as a JSON array of {id, reason, error?}')
    .addHelpText('after', '\nDrivers come from the configuration (rpzZoneFile, gobgpApi, ...; see the README configuration table). Exit status 1 when a driver failed to lift one.\n\nExample:\n  $ acd operations expire --db postgres://acd@127.0.0.1:5432/acd\n')
    .action(async (opts: Record<string, unknown>) => {
      const out = await withStore(opts, (store) => expireOperations(store.db, driversFromConfig(store.db, configFromOptions(opts)), new Date()));
      if (opts.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      else process.stdout.write(`${renderTable(['OPERATION', 'REASON', 'RESULT'], out.map((o) => [o.id, o.reason, o.error ? `failed: ${o.error}` : 'lifted']))}\n${out.length} operations due\n`);
      if (out.some((o) => o.error)) process.exitCode = 1;
    });

  addStoreOptions(ops.command('blocklist').description('print the measures in force as a blocklist'))
    .option('--format <format>', 'txt (one address or name a line, for firewalls and resolvers), csv, stix (a STIX 2.1 bundle) or table (for people: TYPE, VALUE, MEASURES, OPERATIONS, SINCE, UNTIL)', 'txt')
    .addHelpText('after', '\nExamples:\n  $ acd operations blocklist --format csv > blocklist.csv\n  $ acd operations blocklist --format table\n')
    .action(async (opts: Record<string, unknown>) => {
      const format = String(opts.format);
      if (!['txt', 'csv', 'stix', 'table'].includes(format)) throw new AcdError('BAD_FORMAT', `--format: ${format} is not txt, csv, stix or table`);
      const entries = await withStore(opts, (store) => blocklistEntries(store.db));
      if (format === 'table') {
        process.stdout.write(`${renderTable(['TYPE', 'VALUE', 'MEASURES', 'OPERATIONS', 'SINCE', 'UNTIL'], entries.map((e) => [e.type, e.value, e.kinds.join(' '), e.operations.join(' '), e.since, e.until ?? 'emergency: awaiting the commission']))}\n`);
        return;
      }
      process.stdout.write(format === 'csv' ? blocklistCsv(entries) : format === 'stix' ? `${JSON.stringify(blocklistStix(entries), null, 2)}\n` : blocklistText(entries));
    });

  ops.command('gobgpd-config')
    .description('print the gobgpd TOML for ACD\'s BGP speaker (unicast and FlowSpec, v4 and v6, to each neighbour)')
    .requiredOption('--as <asn>', 'ACD\'s AS number')
    .requiredOption('--router-id <id>', 'BGP router id (an IPv4 address)')
    .option('--port <port>', 'BGP port', '179')
    .requiredOption('--local-address <addr>', 'address gobgpd listens on and peers from')
    .option('--neighbor <spec>', 'a neighbour address:as[:port], IPv6 in brackets: [2001:db8::2]:64500 (repeat for more)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .addHelpText('after', '\nExample:\n  $ acd operations gobgpd-config --as 64512 --router-id 192.0.2.1 --local-address 192.0.2.1 --neighbor 192.0.2.2:64500 > gobgpd.toml\n  $ gobgpd -f gobgpd.toml --api-hosts 127.0.0.1:50051\n')
    .action((opts: { as: string; routerId: string; port: string; localAddress: string; neighbor: string[] }) => {
      const int = (v: string, what: string, max: number) => {
        if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw new AcdError('BAD_OPTION', `${what}: ${v} is not an integer 1-${max}`);
        return Number(v);
      };
      if (opts.neighbor.length === 0) throw new AcdError('BAD_OPTION', '--neighbor: name at least one neighbour (address:as[:port])');
      const neighbors = opts.neighbor.map((n) => {
        const m = /^(\[[0-9a-fA-F:]+\]|[0-9.]+):(\d+)(?::(\d+))?$/.exec(n);
        if (!m) throw new AcdError('BAD_OPTION', `--neighbor: ${n} is not address:as[:port]`);
        return { address: m[1]!.replace(/^\[|\]$/g, ''), as: int(m[2]!, '--neighbor AS', 4294967295), ...(m[3] ? { port: int(m[3], '--neighbor port', 65535) } : {}) };
      });
      process.stdout.write(gobgpdConfig({ as: int(opts.as, '--as', 4294967295), routerId: opts.routerId, port: int(opts.port, '--port', 65535), localAddress: opts.localAddress, neighbors }));
    });
}
