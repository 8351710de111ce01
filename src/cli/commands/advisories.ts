/**
 * `acd advisories import FILE…`: imports CSAF 2.0 documents, CVE JSON 5 records and the CISA KEV catalogue
 * into the store, as ACD itself (audited), each checked against its schema and matched against every
 * registered system. A refused file is named with the field that failed; the others go on.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { addStoreOptions, configFromOptions } from '../options.js';
import { openStore } from '../../store/index.js';
import { SYSTEM_ACTOR } from '../../auth/index.js';
import { importDocument, type ImportResult } from '../../vuln/index.js';
import { renderTable } from '../table.js';

export function register(program: Command): void {
  const adv = program.command('advisories').description('vulnerability advisories: CSAF 2.0, CVE JSON 5, CISA KEV')
    .addHelpText('after', '\nExamples:\n  $ acd advisories import known_exploited_vulnerabilities.json\n  $ acd advisories <command> --help   what one command does, its options and an example\n');
  addStoreOptions(adv.command('import').description('import advisory files (CSAF 2.0, CVE JSON 5 records, the CISA KEV catalogue) and match them against the registered systems'))
    .argument('<files...>', 'JSON files')
    .option('--json', 'print the results as a JSON array of {file, kind, id, version, status, rules, affected, alertsChanged, notes} (default: a table)')
    .addHelpText('after', '\nExamples:\n  $ acd advisories import jvndb-2026-000123.json CVE-2026-1234.json\n  $ acd advisories import known_exploited_vulnerabilities.json --db postgres://acd@127.0.0.1:5432/acd\n')
    .addHelpText('after', '\nPrints a table (FILE, KIND, ID, VERSION, STATUS, RULES, AFFECTED, ALERTS CHANGED, NOTES) of the files imported; a refused file is named on stderr with the field that failed, and the exit status is 1.\n')
    .action(async (files: string[], opts: Record<string, unknown>) => {
      const done: Array<{ file: string } & ImportResult> = [];
      const config = configFromOptions(opts);
      const store = await openStore(config.db ? { db: config.db } : { data: config.data });
      let refused = 0;
      try {
        for (const f of files) {
          let doc: unknown;
          try {
            doc = JSON.parse(readFileSync(f, 'utf8'));
          } catch (e) {
            refused++;
            process.stderr.write(`${f}: not read as JSON: ${(e as Error).message}\n`);
            continue;
          }
          try {
            done.push({ file: f, ...(await importDocument(store.db, SYSTEM_ACTOR, doc)) });
          } catch (e) {
            refused++;
            process.stderr.write(`${f}: refused: ${(e as Error).message} [${(e as { code?: string }).code ?? 'ERROR'}]\n`);
          }
        }
      } finally {
        await store.close();
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(done, null, 2)}\n`);
      else {
        process.stdout.write(`${renderTable(
          ['FILE', 'KIND', 'ID', 'VERSION', 'STATUS', 'RULES', 'AFFECTED', 'ALERTS CHANGED', 'NOTES'],
          done.map((r) => [r.file, r.kind, r.id, r.version, r.status, r.rules, r.affected, r.alertsChanged, r.notes.join('; ')]),
        )}\n`);
      }
      if (refused) process.exitCode = 1;
    });
}
