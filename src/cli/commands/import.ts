/**
 * `acd import FILE…`: reads flow files (Zeek conn.log TSV/JSON, Argus binetflow, FlowRecord JSON lines,
 * plain or .gz) and prints per-file counts. Until the lawful selection gate is wired behind it, the
 * records go nowhere: the command prints counts only, never a flow's addresses (ACD never shows an
 * unselected flow), and malformed-line messages never quote the line.
 */
import type { Command } from 'commander';
import { AcdError } from '../../shared/errors.js';
import {
  IMPORT_FORMATS, importFlowFile, importFlowStream, isImportFormat,
  type ImportFormat, type ImportOptions, type ImportProgress, type ImportStats,
} from '../../flow/index.js';

export interface ImportCliOptions {
  format?: string;
  exporter?: string;
  json?: boolean;
  progress?: boolean;
  maxErrors?: string | number;
}

interface Out {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** draw progress on one line with \r (a terminal) rather than a line per update */
  tty: boolean;
  /** what "-" reads */
  stdin?: AsyncIterable<Buffer | string>;
}

const MiB = 1024 * 1024;

function fmtCounts(m: Record<string, number>): string {
  const e = Object.entries(m);
  return e.length === 0 ? '' : ` (${e.map(([k, v]) => `${k} ${v}`).join(', ')})`;
}

function summary(s: ImportStats): string {
  return `${s.file}: ${s.format}${s.gzip ? ' (gzip)' : ''}, ${s.lines} lines: ${s.records} records, `
    + `${s.skipped} skipped${fmtCounts(s.skippedBy)}, ${s.malformed} malformed${fmtCounts(s.malformedBy)}; `
    + `${s.packets} packets, ${s.bytesInFlows} bytes; ${s.elapsedMs} ms`;
}

function progressLine(p: ImportProgress): string {
  const size = p.totalBytes > 0 ? `/${(p.totalBytes / MiB).toFixed(1)} MiB (${Math.min(100, (100 * p.bytesRead) / p.totalBytes).toFixed(0)}%)` : ' MiB';
  const rate = p.elapsedMs > 0 ? Math.round((p.records * 1000) / p.elapsedMs) : 0;
  return `${p.file}: ${(p.bytesRead / MiB).toFixed(1)}${size}, ${p.records} records, ${rate} records/s`;
}

/** Runs the import of `files`; returns the exit code (0 all files read, 1 a file was rejected). */
export async function runImport(files: string[], opts: ImportCliOptions, out: Out): Promise<number> {
  let format: ImportFormat | undefined;
  if (opts.format !== undefined) {
    if (!isImportFormat(opts.format)) {
      throw new AcdError('IMPORT_BAD_FORMAT_OPTION', `--format ${opts.format}: use one of ${IMPORT_FORMATS.join(', ')}`);
    }
    format = opts.format;
  }
  const maxErrors = Number(opts.maxErrors ?? 10);
  const results: Array<ImportStats | { file: string; error: string; code: string }> = [];
  let failed = 0;
  for (const file of files) {
    let shown = 0;
    let drew = false;
    try {
      const options: ImportOptions = {
        ...(format ? { format } : {}),
        ...(opts.exporter ? { exporter: opts.exporter } : {}),
        sink: () => { /* counted by the importer; no gate wired yet, so nothing is kept */ },
        onError: (e) => {
          if (shown < maxErrors) out.stderr(`${drew ? '\n' : ''}acd import: ${e.message}\n`);
          else if (shown === maxErrors) out.stderr(`acd import: ${file}: more malformed lines, not shown (--max-errors ${maxErrors})\n`);
          shown++;
          drew = false;
        },
        ...(opts.progress ? {
          progressIntervalMs: out.tty ? 250 : 2000,
          onProgress: (p: ImportProgress) => {
            out.stderr(out.tty ? `\r${progressLine(p)}\x1b[K` : `${progressLine(p)}\n`);
            drew = out.tty;
          },
        } : {}),
      };
      const stats = file === '-'
        ? await importFlowStream(out.stdin ?? process.stdin, 'stdin', options)
        : await importFlowFile(file, options);
      if (drew) out.stderr('\n');
      results.push(stats);
      if (!opts.json) out.stdout(`${summary(stats)}\n`);
    } catch (err) {
      if (drew) out.stderr('\n');
      if (!(err instanceof AcdError)) throw err;
      failed++;
      results.push({ file, error: err.message, code: err.code });
      out.stderr(`acd import: ${err.message} [${err.code}]\n`);
    }
  }
  if (opts.json) out.stdout(`${JSON.stringify(results, null, 2)}\n`);
  else if (files.length > 1) {
    const ok = results.filter((r): r is ImportStats => 'records' in r);
    const sum = (k: 'lines' | 'records' | 'skipped' | 'malformed'): number => ok.reduce((a, r) => a + r[k], 0);
    out.stdout(`total: ${ok.length} of ${files.length} files, ${sum('lines')} lines: ${sum('records')} records, ${sum('skipped')} skipped, ${sum('malformed')} malformed\n`);
  }
  return failed > 0 ? 1 : 0;
}

export function register(program: Command): void {
  program
    .command('import')
    .description('Check flow files (Zeek conn.log TSV or JSON, Argus/Stratosphere .binetflow, FlowRecord JSON lines; plain or .gz): parse every line and print per-file counts (lines, records, skipped and malformed by reason). It only checks and counts: nothing is stored, gated or analysed (`acd analyze` runs the pipeline on files). Prints counts only, never flow addresses.')
    .argument('<files...>', 'files to import; - reads standard input')
    .option('--format <format>', `read as this format instead of detecting it: ${IMPORT_FORMATS.join(' | ')}`)
    .option('--exporter <id>', 'exporter id for the records (default file:NAME)')
    .option('--json', 'print the per-file statistics as JSON')
    .option('--progress', 'show progress (bytes read, records/s) on stderr; on by default when stderr is a terminal')
    .option('--no-progress', 'no progress, even on a terminal')
    .option('--max-errors <n>', 'malformed-line messages shown per file', '10')
    .addHelpText('after', [
      '',
      'Exit status: 0 when every file was read (malformed lines are counted, not fatal), 1 when a file was rejected',
      '(missing, unknown or wrong format), 2 on a bad option.',
      '',
      'Examples:',
      '  $ acd import conn.log',
      '  $ acd import --json capture.binetflow conn.log.gz',
      '  $ acd import --format zeek-json --exporter carrier-a/link-3 conn.json',
      '  $ zcat conn.*.log.gz | acd import -',
    ].join('\n'))
    .action(async (files: string[], opts: ImportCliOptions & { progress?: boolean }) => {
      // commander sets progress true by default because of --no-progress: only a terminal or an explicit --progress shows it
      const explicit = process.argv.includes('--progress');
      const show = opts.progress === false ? false : explicit || process.stderr.isTTY === true;
      const code = await runImport(files, { ...opts, progress: show }, {
        stdout: (s) => process.stdout.write(s),
        stderr: (s) => process.stderr.write(s),
        tty: process.stderr.isTTY === true,
      });
      process.exitCode = code;
    });
}
