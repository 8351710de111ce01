/**
 * `acd collect --listen udp://HOST:PORT --stats [--seconds N]`: a stand-alone NetFlow v5/v9/IPFIX
 * collector that decodes and counts, and prints totals per exporter on SIGINT/SIGTERM or after N
 * seconds. Until the lawful selection gate is wired behind it the records go nowhere: it prints
 * counts only, never a flow's addresses.
 */
import type { Command } from 'commander';
import { AcdError } from '../../shared/errors.js';
import { createLogger, silentLogger, type Logger } from '../../shared/log.js';
import { createFlowDecoder, createUdpCollector, type ExporterStats } from '../../flow/index.js';

export interface CollectCliOptions {
  listen: string;
  stats?: boolean;
  seconds?: string | number;
  json?: boolean;
  verbose?: boolean;
}

interface Out {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const COLUMNS = ['datagrams', 'flows', 'packets', 'bytes', 'malformed', 'unknown-template', 'lost'] as const;

function row(s: ExporterStats): Array<string | number> {
  return [s.exporter, s.datagrams, s.flows, s.packets, s.bytes, s.malformed, s.unknownTemplate, s.lost];
}

/** The per-exporter totals as an aligned table, with a total line and malformed reasons. */
export function formatStatsTable(all: ExporterStats[]): string {
  const total = all.reduce<Array<string | number>>((acc, s) => acc.map((v, i) => (i === 0 ? v : (v as number) + (row(s)[i] as number))), ['total', 0, 0, 0, 0, 0, 0, 0]);
  const rows = [['exporter', ...COLUMNS], ...all.map(row), ...(all.length > 1 ? [total] : [])].map((r) => r.map(String));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  for (const s of all) {
    const reasons = Object.entries(s.malformedByReason).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`);
    if (reasons.length) lines.push(`${s.exporter} malformed: ${reasons.join(', ')}`);
  }
  if (all.length === 0) lines.push('(no datagrams received)');
  return `${lines.join('\n')}\n`;
}

export interface CollectResult {
  listen: string;
  seconds: number;
  exporters: ExporterStats[];
}

/**
 * Runs the collector until `stop` resolves (a signal, a timer) and returns the totals; prints them
 * as the options say. `onListening` is told the bound address (for port 0).
 */
export async function runCollect(
  opts: CollectCliOptions, out: Out, stop: Promise<unknown>,
  deps: { logger?: Logger; onListening?: (url: string) => void } = {},
): Promise<CollectResult> {
  const decoder = createFlowDecoder();
  // no selection gate yet: decoded records are counted by the decoder and dropped here
  const collector = createUdpCollector({ listen: opts.listen, decoder, sink: () => {}, logger: deps.logger ?? silentLogger });
  await collector.start();
  const a = collector.address();
  const url = `udp://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
  out.stderr(`acd collect: listening on ${url}\n`);
  deps.onListening?.(url);
  const t0 = Date.now();
  try {
    await stop;
  } finally {
    await collector.stop();
  }
  const result: CollectResult = { listen: url, seconds: (Date.now() - t0) / 1000, exporters: decoder.allStats() };
  if (opts.json) out.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else if (opts.stats) out.stdout(formatStatsTable(result.exporters));
  else {
    const sum = (k: 'datagrams' | 'flows' | 'malformed'): number => result.exporters.reduce((n, s) => n + s[k], 0);
    out.stdout(`${result.exporters.length} exporters: ${sum('datagrams')} datagrams, ${sum('flows')} flows, ${sum('malformed')} malformed\n`);
  }
  return result;
}

export function parseSeconds(v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new AcdError('COLLECT_BAD_SECONDS', `--seconds ${String(v)}: give a positive number of seconds`);
  return n;
}

export function register(program: Command): void {
  program
    .command('collect')
    .description('Collect NetFlow v5, v9 and IPFIX on a UDP port, decode and count; print totals per exporter (datagrams, flows, packets, bytes, malformed, unknown-template, lost) on Ctrl-C or after --seconds. Prints counts only, never flow addresses.')
    .requiredOption('--listen <url>', 'where to listen: udp://HOST:PORT (udp://[::]:PORT for IPv6)')
    .option('--stats', 'print the per-exporter table (with malformed reasons) at the end')
    .option('--seconds <n>', 'stop after N seconds instead of waiting for Ctrl-C')
    .option('--json', 'print the totals per exporter as JSON')
    .option('--verbose', 'log the collector (pino JSON lines) on stderr')
    .addHelpText('after', [
      '',
      'The exporter of a flow is the UDP peer "ip:port" ("[ip]:port" for IPv6). "lost" counts what the',
      "exporters' sequence numbers say went missing: flows for v5, datagrams for v9, records for IPFIX.",
      '',
      'Examples:',
      '  $ acd collect --listen udp://0.0.0.0:2055 --stats',
      '  $ acd collect --listen udp://127.0.0.1:9995 --stats --seconds 60',
      '  $ softflowd -r capture.pcap -n 127.0.0.1:9995 -v 10 -A milli   (in another terminal)',
    ].join('\n'))
    .action(async (opts: CollectCliOptions) => {
      const seconds = parseSeconds(opts.seconds);
      let timer: NodeJS.Timeout | undefined;
      let onSignal: (() => void) | undefined;
      const stop = new Promise<void>((resolve) => {
        onSignal = () => resolve();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        if (seconds !== undefined) timer = setTimeout(resolve, seconds * 1000);
      });
      try {
        await runCollect(opts, {
          stdout: (s) => process.stdout.write(s),
          stderr: (s) => process.stderr.write(s),
        }, stop, { logger: opts.verbose ? createLogger({ name: 'acd-collect', destination: process.stderr }) : silentLogger });
      } finally {
        clearTimeout(timer);
        if (onSignal) { process.off('SIGINT', onSignal); process.off('SIGTERM', onSignal); }
      }
    });
}
