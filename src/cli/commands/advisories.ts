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
import { importDocument } from '../../vuln/index.js';

export function register(program: Command): void {
  const adv = program.command('advisories').description('vulnerability advisories: CSAF 2.0, CVE JSON 5, CISA KEV');
  addStoreOptions(adv.command('import').description('import advisory files (CSAF 2.0, CVE JSON 5 records, the CISA KEV catalogue) and match them against the registered systems'))
    .argument('<files...>', 'JSON files')
    .addHelpText('after', '\nExamples:\n  $ acd advisories import jvndb-2026-000123.json CVE-2026-1234.json\n  $ acd advisories import known_exploited_vulnerabilities.json --db postgres://acd@127.0.0.1:5432/acd\n')
    .action(async (files: string[], opts: Record<string, unknown>) => {
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
            const r = await importDocument(store.db, SYSTEM_ACTOR, doc);
            process.stdout.write(`${f}: ${r.kind} ${r.id} version ${r.version} ${r.status}; ${r.rules} rules, ${r.affected} systems affected, ${r.alertsChanged} alerts changed${r.notes.length ? `; notes: ${r.notes.join('; ')}` : ''}\n`);
          } catch (e) {
            refused++;
            process.stderr.write(`${f}: refused: ${(e as Error).message} [${(e as { code?: string }).code ?? 'ERROR'}]\n`);
          }
        }
      } finally {
        await store.close();
      }
      if (refused) process.exitCode = 1;
    });
}
