import type { Command } from 'commander';
import { analyzeFiles } from '../../pipeline/index.js';
import { isImportFormat, IMPORT_FORMATS, type ImportFormat } from '../../flow/index.js';
import { AcdError } from '../../shared/errors.js';

export function register(program: Command): void {
  program
    .command('analyze')
    .description('Run flow files through the whole pipeline offline (decode → lawful gate → detectors) under an evaluation approval that selects by every detector rule, and print the findings; domestic addresses appear only as Crypto-PAn pseudonyms')
    .argument('<files...>', 'Zeek conn.log (TSV/JSON), Argus .binetflow, FlowRecord JSON lines; plain or .gz')
    .option('--domestic <cidrs>', 'domestic prefixes, comma-separated (default: the country data of --country)')
    .option('--country <cc>', 'country whose address space is domestic when --domestic is not given', 'JP')
    .option('--pseudonym-key <hexfile>', 'file with the 64-hex-digit Crypto-PAn key (default: a random key for this run)')
    .option('--format <format>', `input format: ${IMPORT_FORMATS.join('|')} (default: detected)`)
    .option('--json', 'print one finding per line as JSON (default: a table)')
    .option('--min-score <n>', 'print findings at or above this score', '0')
    .option('--indicators <bundle>', 'STIX 2.1 bundle (JSON) whose address / network-traffic indicators the indicator detector matches')
    .addHelpText('after', '\nExamples:\n  $ acd analyze conn.log --domestic 192.168.1.0/24 --json\n  $ acd analyze capture.binetflow --domestic 147.32.0.0/16 --pseudonym-key key.hex')
    .action(async (files: string[], opts: { domestic?: string; country: string; pseudonymKey?: string; format?: string; json?: boolean; minScore: string; indicators?: string }) => {
      if (opts.format !== undefined && !isImportFormat(opts.format)) {
        throw new AcdError('BAD_FORMAT', `--format ${opts.format} is not one of ${IMPORT_FORMATS.join(', ')}`);
      }
      const minScore = Number(opts.minScore);
      if (!Number.isFinite(minScore)) throw new AcdError('BAD_OPTION', `--min-score ${opts.minScore} is not a number`);
      // progress: on a terminal one line, redrawn; otherwise (a log, a pipe) a line every 5 s of a
      // long run; the flows/s figure at the end either way
      const progress = process.stderr.isTTY;
      let lastLine = 0;
      const t0 = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      const result = await analyzeFiles({
        files,
        ...(opts.format ? { format: opts.format as ImportFormat } : {}),
        ...(opts.domestic ? { domestic: opts.domestic.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
        country: opts.country,
        ...(opts.pseudonymKey ? { pseudonymKeyFile: opts.pseudonymKey } : {}),
        ...(opts.indicators ? { indicatorsFile: opts.indicators } : {}),
        onProgress: (f: string, read: number, size: number, records: number, ms: number) => {
          const line = `${f}: ${size ? Math.round((100 * read) / size) : 0}%, ${records} flows, ${ms > 0 ? Math.round((records * 1000) / ms) : 0} flows/s`;
          if (progress) process.stderr.write(`\r${line}   `);
          else if (ms - lastLine >= 5000) { lastLine = ms; process.stderr.write(`${line}\n`); }
        },
      });
      if (progress) process.stderr.write('\n');
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = process.cpuUsage(cpu0);
      const cpuSecs = (cpu.user + cpu.system) / 1e6;
      const flows = result.imports.reduce((s, i) => s + i.records, 0);
      const shown = result.findings.filter((f) => f.score >= minScore);
      if (opts.json) {
        for (const f of shown) console.log(JSON.stringify(f));
      } else {
        for (const f of shown) {
          const ind = f.type === 'indicator' ? (f.evidence as { indicator?: { id?: string; source?: string } }).indicator : undefined;
          console.log(`${f.score.toFixed(3)}  ${f.type.padEnd(15)} ${(f.tier ?? '-').padEnd(9)} ${String(f.external ?? '-').padEnd(40)} ${f.port}/${f.proto}  ${f.direction.padEnd(8)} domestic ${f.domesticCount}${f.flags ? `  [${f.flags.join(', ')}]` : ''}${ind ? `  ${ind.id} from ${ind.source ?? '-'}` : ''}${f.tlp ? `  TLP:${f.tlp.toUpperCase()}` : ''}`);
        }
      }
      const g = result.gate;
      console.error(
        `flows ${g.received ?? 0}: out of scope ${g.outOfScope ?? 0}, no approval ${g.noApproval ?? 0}, selected ${g.selected ?? 0}, discarded ${g.discarded ?? 0}; ` +
          `findings ${result.findings.length} (${shown.length} shown); detector selections ${result.selections}; malformed lines ${result.imports.reduce((s, i) => s + i.malformed, 0)}`,
      );
      console.error(`${flows} flows in ${secs.toFixed(1)} s: ${Math.round(flows / Math.max(secs, 1e-3))} flows/s (${Math.round(flows / Math.max(cpuSecs, 1e-3))} flows per CPU-second)`);
    });
}
