/**
 * `acd audit`: the commission's tools for the Merkle audit log.
 *   verify  checks an export (a file, or a live server's) end to end with a key the commission trusts;
 *   export  writes the export file (from a live server, or straight from the store);
 *   key     prints the log's public key (from the server's key file);
 *   transparency  the report's counts as JSON or CSV.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { addStoreOptions, configFromOptions } from '../options.js';
import { openStore } from '../../store/index.js';
import { AcdError } from '../../shared/errors.js';
import { createLogger } from '../../shared/log.js';
import { Registry } from 'prom-client';
import {
  auditLogOf,
  DEFAULT_MAX_SKEW_MS,
  describeVerifyResult,
  importCosignerVerifier,
  openTreeHead,
  exportPublicKey,
  importVerifier,
  logKeyFor,
  logKeySource,
  parseCanonicalEntry,
  verifyLogExport,
  type VerifyLogResult,
} from '../../oversight/index.js';
import { transparencyCounts, transparencyCsv, transparencyHtml } from '../../oversight/index.js';

async function fetchJson(url: string, token: string | undefined, path: string, method = 'GET'): Promise<unknown> {
  const res = await fetch(new URL(path, url), { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  if (!res.ok) throw new AcdError('AUDIT_FETCH', `${method} ${path} on ${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return /format=(csv|html)/.test(path) ? text : (JSON.parse(text) as unknown);
}

/** A key given on the command line: a file holding it, or the text itself (vkey, PEM, raw base64). */
function keyText(spec: string): string {
  return existsSync(spec) ? readFileSync(spec, 'utf8').trim() : spec;
}

/** The failure line plus, for an entry, what that entry is (its seq in audit_events, what and when). */
export function explainFailure(r: VerifyLogResult, file: { entries?: unknown; seqs?: unknown }): string {
  const lines = [describeVerifyResult(r)];
  const f = r.firstFailure;
  if (f?.kind === 'entry' && Array.isArray(file.entries)) {
    const text = file.entries[f.index] as unknown;
    const seq = Array.isArray(file.seqs) ? (file.seqs[f.index] as unknown) : undefined;
    if (typeof text === 'string') {
      let what = '';
      try {
        const e = parseCanonicalEntry(text);
        what = `${e.what} on ${e.on.type}${e.on.id ? ` ${e.on.id}` : ''} at ${e.when}`;
      } catch {
        what = 'not a well-formed entry';
      }
      lines.push(`  entry ${f.index}${seq !== undefined ? ` (audit_events.seq ${String(seq)})` : ''}: ${what}`);
    } else {
      lines.push(`  the export ends before entry ${f.index}`);
    }
  }
  return lines.join('\n');
}

async function exportFromStore(opts: Record<string, unknown>): Promise<unknown> {
  const config = configFromOptions(opts);
  const store = await openStore(config.db ? { db: config.db } : { data: config.data });
  try {
    // the same appender as the server's: key custody, the signer's memory, the witness
    const log = await auditLogOf({ config, store, logger: createLogger({ level: 'warn', destination: process.stderr }), registry: new Registry() }, { intervalMs: 0 });
    if (opts.sign) await log.signHead();
    return await log.exportLog();
  } finally {
    await store.close();
  }
}

export function register(program: Command): void {
  const audit = program.command('audit').description('The tamper-evident audit log: verify, export, public key, transparency report')
    .addHelpText('after', '\nExamples:\n  $ acd audit verify --url https://acd.example.org --key commission-copy.vkey\n  $ acd audit <command> --help   what one command does, its options and an example\n');

  audit
    .command('verify')
    .description('Verify an exported audit log end to end (every entry, every signed tree head, consistency between heads); names the first entry that fails. Exit 0 verified, 1 fails')
    .argument('[file]', 'export file written by `acd audit export` (or use --url)')
    .requiredOption('--key <key>', "the log's public key you trust: a file or the text (signed-note vkey, or PEM / raw base64 with --origin)")
    .option('--origin <name>', "the log's name (needed with a PEM or raw key)")
    .option('--url <url>', 'fetch the export from a live server instead of a file')
    .option('--token <token>', 'API token for --url (auditor, commission member or admin); default $ACD_TOKEN')
    .option('--trusted-head <file...>', 'checkpoints you kept (`acd audit checkpoint`): the log must still hold each of them unchanged; fails naming the kept size when it was cut or rewritten')
    .option('--witness-key <key...>', "a witness's cosigner vkey (file or text): the latest head must bear its valid cosignature")
    .option('--max-skew <seconds>', 'an entry earlier than the one before it by more than this fails as backdated', String(DEFAULT_MAX_SKEW_MS / 1000))
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ acd audit verify audit-export.json --key "acd/audit-log+1a2b3c4d+AfE..."\n  $ acd audit verify --url https://acd.example.org --token $TOKEN --key commission-copy.vkey\n  $ acd audit verify audit-export.json --key log.vkey --trusted-head kept/*.checkpoint --witness-key commission-witness.vkey',
    )
    .action(async (file: string | undefined, opts: Record<string, string | boolean | undefined>) => {
      let data: unknown;
      if (typeof opts.url === 'string') data = await fetchJson(opts.url, (opts.token as string | undefined) ?? process.env.ACD_TOKEN, '/api/v1/audit-log/export');
      else if (file) {
        try {
          data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
        } catch (e) {
          throw new AcdError('AUDIT_EXPORT_INVALID', `${file}: ${(e as Error).message}`);
        }
      } else throw new AcdError('AUDIT_NO_INPUT', 'give an export file or --url');
      const key = keyText(String(opts.key));
      const skew = Number(opts.maxSkew);
      if (!Number.isFinite(skew) || skew < 0) throw new AcdError('AUDIT_BAD_ARGUMENT', `--max-skew ${String(opts.maxSkew)}: give seconds, 0 or more`);
      const trustedHeads = ((opts.trustedHead as unknown as string[] | undefined) ?? []).map((f) => {
        try {
          return readFileSync(f, 'utf8');
        } catch (e) {
          throw new AcdError('AUDIT_BAD_ARGUMENT', `--trusted-head ${f}: ${(e as Error).message}`);
        }
      });
      const witnesses = ((opts.witnessKey as unknown as string[] | undefined) ?? []).map((k) => importCosignerVerifier(keyText(k)));
      const r = await verifyLogExport(data, typeof opts.origin === 'string' ? importVerifier(key, opts.origin) : key, { trustedHeads, witnesses, maxSkewMs: skew * 1000 });
      if (opts.json) console.log(JSON.stringify(r));
      else console.log(explainFailure(r, data as { entries?: unknown; seqs?: unknown }));
      if (!r.ok) process.exitCode = 1;
    });

  addStoreOptions(
    audit
      .command('export')
      .description('Write the audit log export (entries, recorded leaf hashes, signed tree heads, consistency proofs) for `acd audit verify`')
      .option('--url <url>', 'from a live server (else straight from the store)')
      .option('--token <token>', 'API token for --url; default $ACD_TOKEN')
      .option('--sign', 'append what is pending and sign a tree head first')
      .option('--out <file>', 'write here (default: standard output)'),
  )
    .addHelpText('after', '\nExamples:\n  $ acd audit export --url http://127.0.0.1:8080 --token $TOKEN --sign --out audit-export.json\n  $ acd audit export --data ./.acd-data --out audit-export.json')
    .action(async (opts: Record<string, unknown>) => {
      let data: unknown;
      if (typeof opts.url === 'string') {
        const token = (opts.token as string | undefined) ?? process.env.ACD_TOKEN;
        if (opts.sign) await fetchJson(opts.url, token, '/api/v1/audit-log/heads', 'POST');
        data = await fetchJson(opts.url, token, '/api/v1/audit-log/export');
      } else data = await exportFromStore(opts);
      const text = JSON.stringify(data);
      if (typeof opts.out === 'string') writeFileSync(opts.out, text);
      else process.stdout.write(text + '\n');
    });

  audit
    .command('checkpoint')
    .description("Save the log's latest signed head (a checkpoint, with the witness's cosignature when it has one) to a file you keep: `acd audit verify --trusted-head FILE` later proves the log still holds it")
    .requiredOption('--url <url>', 'the server (the head is public: no token needed)')
    .option('--key <key>', "the log's public key you trust (file or vkey): the head is checked before it is saved")
    .option('--out <file>', 'write here (default: standard output)')
    .addHelpText('after', '\nExamples:\n  $ acd audit checkpoint --url https://acd.example.org --key commission-copy.vkey --out kept/$(date +%F).checkpoint')
    .action(async (opts: Record<string, unknown>) => {
      const head = (await fetchJson(String(opts.url), undefined, '/api/v1/audit-log/head')) as { checkpoint?: unknown; treeSize?: unknown };
      if (typeof head.checkpoint !== 'string') throw new AcdError('AUDIT_HEAD_MALFORMED', 'the server returned no checkpoint');
      if (typeof opts.key === 'string') openTreeHead(head.checkpoint, importVerifier(keyText(opts.key)));
      if (typeof opts.out === 'string') {
        writeFileSync(opts.out, head.checkpoint, { flag: 'wx' });
        console.error(`kept the head of ${String(head.treeSize)} entries in ${opts.out}`);
      } else process.stdout.write(head.checkpoint);
    });

  addStoreOptions(audit.command('key').description("Print the audit log's public key (from the server's key file: $ACD_AUDIT_LOG_KEY or <data>/audit-log-key.pem)"))
    .option('--format <f>', 'vkey | pem | raw | json', 'vkey')
    .addHelpText('after', '\nExamples:\n  $ acd audit key > commission-copy.vkey\n  $ acd audit key --format pem')
    .action((opts: Record<string, unknown>) => {
      const config = configFromOptions(opts);
      const src = logKeySource(config);
      if (src.path === null) throw new AcdError('AUDIT_KEY_EPHEMERAL', 'an in-memory store has no key file: set ACD_AUDIT_LOG_KEY or --data');
      const pub = exportPublicKey(logKeyFor(src).key);
      const f = String(opts.format);
      if (f === 'json') console.log(JSON.stringify(pub));
      else if (f === 'pem') process.stdout.write(pub.pem);
      else if (f === 'raw') console.log(pub.raw);
      else console.log(pub.vkey);
    });

  addStoreOptions(
    audit
      .command('transparency')
      .description('The transparency report: counts per action (and gate counters per approval and category, where kept) per period. Counts only, never addresses')
      .option('--from <time>', 'start, ISO 8601 (default: a year ago)')
      .option('--to <time>', 'end, ISO 8601 (default: now)')
      .option('--period <p>', 'day | week | month | year', 'month')
      .option('--csv', 'CSV instead of JSON')
      .option('--html', 'a printable HTML page (print it to PDF from a browser)')
      .option('--url <url>', 'from a live server (else straight from the store)')
      .option('--token <token>', 'API token for --url; default $ACD_TOKEN'),
  )
    .addHelpText('after', '\nExamples:\n  $ acd audit transparency --from 2026-01-01T00:00:00Z --period month --csv > report.csv\n  $ acd audit transparency --url http://127.0.0.1:8080 --token $TOKEN')
    .action(async (opts: Record<string, unknown>) => {
      const q = { ...(opts.from ? { from: String(opts.from) } : {}), ...(opts.to ? { to: String(opts.to) } : {}), period: String(opts.period) as 'month' };
      if (typeof opts.url === 'string') {
        const params = new URLSearchParams({ ...q, ...(opts.csv ? { format: 'csv' } : opts.html ? { format: 'html' } : {}) });
        const out = await fetchJson(opts.url, (opts.token as string | undefined) ?? process.env.ACD_TOKEN, `/api/v1/transparency?${params.toString()}`);
        process.stdout.write(typeof out === 'string' ? out : JSON.stringify(out, null, 2) + '\n');
        return;
      }
      const config = configFromOptions(opts);
      const store = await openStore(config.db ? { db: config.db } : { data: config.data });
      try {
        const r = await transparencyCounts(store.db, q);
        process.stdout.write(opts.csv ? transparencyCsv(r) : opts.html ? transparencyHtml(r) : JSON.stringify(r, null, 2) + '\n');
      } finally {
        await store.close();
      }
    });
}
