import type { Command } from 'commander';
import { analyzeFiles, type AnalyzeResult } from '../../pipeline/index.js';
import { isImportFormat, IMPORT_FORMATS, type ImportFormat } from '../../flow/index.js';
import { AcdError } from '../../shared/errors.js';
import { renderTable } from '../table.js';

export function register(program: Command): void {
  program
    .command('analyze')
    .description('Run flow files through the whole pipeline offline (decode → lawful gate → detectors) under an evaluation approval that selects by every detector rule, and print the findings; domestic addresses appear only as Crypto-PAn pseudonyms')
    .argument('<files...>', 'Zeek conn.log (TSV/JSON), Argus .binetflow, FlowRecord JSON lines; plain or .gz')
    .option('--domestic <cidrs>', 'domestic prefixes, comma-separated (default: the country data of --country)')
    .option('--country <cc>', 'country whose address space is domestic when --domestic is not given', 'JP')
    .option('--pseudonym-key <hexfile>', 'file with the 64-hex-digit Crypto-PAn key (default: a random key for this run)')
    .option('--format <format>', `input format: ${IMPORT_FORMATS.join('|')} (default: detected)`)
    .option('--json', 'print one finding per line as JSON, then one line {"summary": …} with the gate\'s counts by reason and the explanation (default: a table, counts on stderr)')
    .option('--max-errors <n>', 'malformed-line messages shown (FILE:LINE: reason), all files together', '10')
    .option('--min-score <n>', 'print findings at or above this score', '0')
    .option('--indicators <bundle>', 'STIX 2.1 bundle (JSON) whose address / network-traffic indicators the indicator detector matches')
    .addHelpText('after', '\nOn stderr: lines read (flows, skipped, malformed by reason), flows received by category, flows set aside by reason (domestic↔domestic: out of scope; no approval; no pseudonym key), flows analysed (selected, discarded), and a "why:" line when most flows or lines were set aside.\n\nExamples:\n  $ acd analyze conn.log --domestic 192.168.1.0/24 --json\n  $ acd analyze capture.binetflow --domestic 147.32.0.0/16 --pseudonym-key key.hex')
    .action(async (files: string[], opts: { domestic?: string; country: string; pseudonymKey?: string; format?: string; json?: boolean; minScore: string; maxErrors: string; indicators?: string }) => {
      if (opts.format !== undefined && !isImportFormat(opts.format)) {
        throw new AcdError('BAD_FORMAT', `--format ${opts.format} is not one of ${IMPORT_FORMATS.join(', ')}`);
      }
      const minScore = Number(opts.minScore);
      if (!Number.isFinite(minScore)) throw new AcdError('BAD_OPTION', `--min-score ${opts.minScore} is not a number`);
      const maxErrors = Number(opts.maxErrors);
      if (!Number.isInteger(maxErrors) || maxErrors < 0) throw new AcdError('BAD_OPTION', `--max-errors ${opts.maxErrors} is not a whole number ≥ 0`);
      let errorsShown = 0;
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
        onError: (e) => {
          if (errorsShown < maxErrors) process.stderr.write(`${progress ? '\n' : ''}acd analyze: ${e.message}\n`);
          else if (errorsShown === maxErrors) process.stderr.write(`acd analyze: more malformed lines, not shown (--max-errors ${maxErrors})\n`);
          errorsShown++;
        },
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
      const report = gateReport(result, opts.domestic ? opts.domestic : `the address space of country ${opts.country}`);
      if (opts.json) {
        for (const f of shown) console.log(JSON.stringify(f));
        console.log(JSON.stringify({ summary: { ...report, findings: result.findings.length, shown: shown.length, detectorSelections: result.selections } }));
      } else if (shown.length > 0) {
        console.log(renderTable(
          ['SCORE', 'TYPE', 'TIER', 'EXTERNAL', 'PORT/PROTO', 'DIRECTION', 'DOMESTIC', 'NOTES'],
          shown.map((f) => {
            const ind = f.type === 'indicator' ? (f.evidence as { indicator?: { id?: string; source?: string } }).indicator : undefined;
            const notes = [f.flags?.length ? `[${f.flags.join(', ')}]` : '', ind ? `${ind.id} from ${ind.source ?? '-'}` : '', f.tlp ? `TLP:${f.tlp.toUpperCase()}` : ''].filter(Boolean).join('  ');
            return [f.score.toFixed(3), f.type, f.tier ?? '-', String(f.external ?? '-'), `${f.port}/${f.proto}`, f.direction, f.domesticCount, notes];
          }),
        ));
      }
      for (const line of formatGateReport(report)) console.error(line);
      console.error(`findings ${result.findings.length} (${shown.length} shown); detector selections ${result.selections}`);
      console.error(`${flows} flows in ${secs.toFixed(1)} s: ${Math.round(flows / Math.max(secs, 1e-3))} flows/s (${Math.round(flows / Math.max(cpuSecs, 1e-3))} flows per CPU-second)`);
    });
}

/** 9800 → "9 800" (grouped with spaces, as the explanation line reads) */
export const grouped = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');

/** Why flows were set aside: the gate's counts by reason, the lines that never became flows, and one line saying why. */
export interface GateReport {
  lines: { lines: number; records: number; skipped: number; malformed: number; malformedBy: Record<string, number> };
  received: number;
  /** flows by the gate's category: cross-border (foreign-domestic), transit (foreign↔foreign), domestic↔domestic */
  byCategory: { 'foreign-domestic': number; transit: number; 'domestic-domestic': number };
  /** flows set aside before any detector saw them, by reason */
  setAside: { 'domestic-domestic': number; 'no-approval': number; 'no-key': number };
  /** flows kept under a detector rule's selection */
  selected: number;
  /** flows the detectors saw and that were not kept */
  discarded: number;
  /** a human line when most flows (or most lines) were set aside; null otherwise */
  explanation: string | null;
}

export function gateReport(result: AnalyzeResult, domestic: string): GateReport {
  const sum = (k: 'lines' | 'records' | 'skipped' | 'malformed'): number => result.imports.reduce((a, i) => a + i[k], 0);
  const malformedBy: Record<string, number> = {};
  for (const i of result.imports) for (const [r, n] of Object.entries(i.malformedBy)) malformedBy[r] = (malformedBy[r] ?? 0) + n;
  const c = result.gateByCategory;
  const g = result.gate;
  const setAside = { 'domestic-domestic': g.outOfScope, 'no-approval': g.noApproval, 'no-key': g.noKey };
  const received = g.received;
  const why: Record<keyof typeof setAside, string> = {
    'domestic-domestic': `were domestic↔domestic: ACD only analyses cross-border traffic (domestic = ${domestic}; give --domestic to change what is domestic)`,
    'no-approval': 'had no approval in force at their end time: the time is not a valid date or lies outside the evaluation approval (1970–9999)',
    'no-key': 'had no pseudonym key in force at their end time, and were dropped unseen (fail closed)',
  };
  let explanation: string | null = null;
  const lines = sum('lines');
  const malformed = sum('malformed');
  if (lines > 0 && malformed * 2 > lines) {
    explanation = `${grouped(malformed)} of ${grouped(lines)} lines were malformed (${Object.entries(malformedBy).map(([r, n]) => `${r} ${grouped(n)}`).join(', ')}): check the file's format (--format) and the messages above`;
  } else if (received === 0) {
    explanation = `no flows were read (${grouped(lines)} lines: ${grouped(sum('skipped'))} skipped, ${grouped(malformed)} malformed)`;
  } else {
    const top = (Object.keys(setAside) as (keyof typeof setAside)[]).reduce((a, b) => (setAside[b] > setAside[a] ? b : a));
    const total = setAside['domestic-domestic'] + setAside['no-approval'] + setAside['no-key'];
    if (total * 2 > received) explanation = `${grouped(setAside[top])} of ${grouped(received)} flows ${why[top]}`;
  }
  return {
    lines: { lines, records: sum('records'), skipped: sum('skipped'), malformed, malformedBy },
    received,
    byCategory: { 'foreign-domestic': c['foreign-domestic'].received, transit: c.transit.received, 'domestic-domestic': c['out-of-scope'].received },
    setAside,
    selected: g.selected,
    discarded: g.discarded,
    explanation,
  };
}

/** the counts as lines for a person (stderr) */
export function formatGateReport(r: GateReport): string[] {
  const out = [
    `lines ${grouped(r.lines.lines)}: flows ${grouped(r.lines.records)}, skipped ${grouped(r.lines.skipped)}, malformed ${grouped(r.lines.malformed)}` +
      (r.lines.malformed ? ` (${Object.entries(r.lines.malformedBy).map(([k, n]) => `${k} ${grouped(n)}`).join(', ')})` : ''),
    `flows received ${grouped(r.received)}: cross-border ${grouped(r.byCategory['foreign-domestic'])}, transit (foreign↔foreign) ${grouped(r.byCategory.transit)}, domestic↔domestic ${grouped(r.byCategory['domestic-domestic'])}`,
    `set aside ${grouped(r.setAside['domestic-domestic'] + r.setAside['no-approval'] + r.setAside['no-key'])}: out of scope (domestic↔domestic) ${grouped(r.setAside['domestic-domestic'])}, no approval ${grouped(r.setAside['no-approval'])}, no pseudonym key ${grouped(r.setAside['no-key'])}; ` +
      `analysed ${grouped(r.selected + r.discarded)}: selected ${grouped(r.selected)}, discarded after detection ${grouped(r.discarded)}`,
  ];
  if (r.explanation) out.push(`why: ${r.explanation}`);
  return out;
}
