/**
 * `acd approvals` and `acd reidentify`: the lawful gate's decisions from the command line, as a client
 * of a running ACD's HTTP API (src/cli/api-client.ts), so roles, validation and audit are the server's:
 *   acd approvals list|show|propose|decide|end
 *   acd reidentify list|show|request|decide|resolve
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AcdError } from '../../shared/errors.js';
import { addApiOptions, apiClient, processIo, type CliIo } from '../api-client.js';
import { renderTable } from '../table.js';

type Opts = Record<string, unknown> & { url?: string; token?: string; json?: boolean };
const collect = (v: string, prev: string[]) => [...prev, v];
const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;
const enc = encodeURIComponent;

/** `[ID=]KIND:VALUE` → a criterion: address:IP, prefix:CIDR, asn:N, port:PORT[/PROTO] or port:/PROTO, detector:NAME */
export function parseCriterionFlag(text: string, index: number): Record<string, unknown> {
  const where = `--criterion[${index}]`;
  const m = /^(?:([A-Za-z0-9][A-Za-z0-9._:/-]*)=)?(address|prefix|asn|port|detector):(.+)$/.exec(text);
  if (!m) throw new AcdError('CLI_BAD_OPTION', `${where}: '${text}' is not [ID=]KIND:VALUE with KIND address, prefix, asn, port or detector (e.g. prefix:203.0.113.0/24, port:443/6, detector:beacon)`);
  const id = m[1] ?? `c${index + 1}`;
  const kind = m[2]!;
  const value = m[3]!;
  const int = (s: string, what: string): number => {
    if (!/^\d+$/.test(s)) throw new AcdError('CLI_BAD_OPTION', `${where}: ${what} '${s}' is not a whole number`);
    return Number(s);
  };
  switch (kind) {
    case 'address':
      return { id, kind, address: value };
    case 'prefix':
      return { id, kind, prefix: value };
    case 'asn':
      return { id, kind, asn: int(value, 'AS number') };
    case 'detector':
      return { id, kind, detector: value };
    default: {
      const [port, proto] = value.split('/', 2) as [string, string | undefined];
      return { id, kind, ...(port !== '' ? { port: int(port, 'port') } : {}), ...(proto !== undefined ? { proto: int(proto, 'protocol number') } : {}) };
    }
  }
}

function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new AcdError('CLI_BAD_FILE', `${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AcdError('CLI_BAD_FILE', `${file}: not JSON: ${(e as Error).message}`);
  }
}

/** The approval a `propose` sends: the JSON file (if any), with the flags given on top. */
export function proposalFrom(file: string | undefined, o: Opts): Record<string, unknown> {
  let a: Record<string, unknown> = {};
  if (file !== undefined) {
    const v = readJsonFile(file);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new AcdError('CLI_BAD_FILE', `${file}: an approval is a JSON object`);
    a = { ...(v as Record<string, unknown>) };
  }
  if (typeof o.id === 'string') a.id = o.id;
  if (typeof o.category === 'string') a.category = o.category;
  const carriers = (o.carrier as string[] | undefined) ?? [];
  if (carriers.length) a.carriers = carriers.flatMap((c) => c.split(',')).filter(Boolean);
  const criteria = (o.criterion as string[] | undefined) ?? [];
  if (criteria.length) a.criteria = criteria.map(parseCriterionFlag);
  if (typeof o.start === 'string') a.start = o.start;
  if (typeof o.end === 'string') a.end = o.end;
  if (file === undefined) {
    const missing = [
      ['id', '--id'],
      ['category', '--category (foreign-domestic or transit)'],
      ['carriers', '--carrier'],
      ['criteria', '--criterion'],
    ].filter(([k]) => a[k!] === undefined);
    if (missing.length) throw new AcdError('CLI_BAD_OPTION', `${missing.map(([, f]) => f).join(', ')}: required, or give the approval as a JSON file`);
  }
  if (a.start === undefined) a.start = new Date().toISOString();
  return a;
}

const decision = (d: string): 'approve' | 'reject' => {
  if (d !== 'approve' && d !== 'reject') throw new AcdError('CLI_BAD_OPTION', `DECISION: '${d}' is not approve or reject`);
  return d;
};

interface ApprovalRow { id: string; status: string; category: string; carriers: string[]; criteria: unknown[]; start: string; end: string }
interface ReidRow { id: string; status: string; keyId: string; pseudonyms: string[]; purpose: { kind: string; ref: string }; validUntil: string | null }

export function register(program: Command, io: CliIo = processIo()): void {
  const ap = program.command('approvals').description('approvals of acquisition (the legal ground of the gate) through a running ACD: list, show, propose, decide, end')
    .addHelpText('after', '\nExamples:\n  $ ACD_URL=http://127.0.0.1:8080 ACD_TOKEN=… acd approvals list --status proposed\n  $ acd approvals <command> --help   what one command does, its options and an example\n');
  const client = (o: Opts) => apiClient(o, io);

  addApiOptions(ap.command('list').description('approvals, newest first'))
    .option('--status <status>', 'proposed, approved, rejected or ended')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  $ ACD_URL=http://127.0.0.1:8080 ACD_TOKEN=… acd approvals list --status proposed\n')
    .action(async (o: Opts) => {
      const rows = await client(o).call<ApprovalRow[]>('GET', `/api/v1/approvals${o.status ? `?status=${enc(String(o.status))}` : ''}`);
      if (o.json) return io.out(json(rows));
      io.out(`${renderTable(['ID', 'STATUS', 'CATEGORY', 'CARRIERS', 'CRITERIA', 'START', 'END'], rows.map((a) => [a.id, a.status, a.category, a.carriers.join(','), a.criteria.length, a.start, a.end]))}\n`);
    });

  addApiOptions(ap.command('show').description('one approval as JSON').argument('<id>', 'approval id'))
    .addHelpText('after', '\nExample:\n  $ acd approvals show transit-2026-q1 --url http://127.0.0.1:8080\n')
    .action(async (id: string, o: Opts) => io.out(json(await client(o).call('GET', `/api/v1/approvals/${enc(id)}`))));

  addApiOptions(
    ap.command('propose')
      .description('propose an approval (agency lead): a JSON file, or flags; the commission decides')
      .argument('[file]', 'the approval as JSON (- for stdin); flags given as well replace its fields'),
  )
    .option('--id <id>', 'approval id')
    .option('--category <category>', 'foreign-domestic or transit')
    .option('--carrier <id>', 'a carrier or link id (repeat, or comma-separated)', collect, [] as string[])
    .option('--criterion <spec>', '[ID=]KIND:VALUE — address:IP, prefix:CIDR, asn:N, port:PORT[/PROTO], detector:NAME (repeat)', collect, [] as string[])
    .option('--start <iso>', 'start, ISO 8601 with a zone (default: now)')
    .option('--end <iso>', 'end (default: 3 months foreign-domestic, 6 months transit)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ acd approvals propose --id transit-q1 --category transit --carrier backbone-1 --criterion prefix:203.0.113.0/24 --criterion detector:beacon\n  $ acd approvals propose approval.json\n',
    )
    .action(async (file: string | undefined, o: Opts) => io.out(json(await client(o).call('POST', '/api/v1/approvals', proposalFrom(file, o)))));

  addApiOptions(ap.command('decide').description("the commission's decision on a proposed approval (commission member)").argument('<id>', 'approval id').argument('<decision>', 'approve or reject'))
    .requiredOption('--reason <text>', 'the reasons (recorded and audited)')
    .addHelpText('after', '\nExample:\n  $ acd approvals decide transit-q1 approve --reason "necessary and proportionate"\n')
    .action(async (id: string, d: string, o: Opts) => io.out(json(await client(o).call('POST', `/api/v1/approvals/${enc(id)}/decision`, { decision: decision(d), reason: String(o.reason) }))));

  addApiOptions(ap.command('end').description('end an approval in force now (commission member)').argument('<id>', 'approval id'))
    .requiredOption('--reason <text>', 'the reasons (recorded and audited)')
    .addHelpText('after', '\nExample:\n  $ acd approvals end transit-q1 --reason "no longer needed"\n')
    .action(async (id: string, o: Opts) => io.out(json(await client(o).call('POST', `/api/v1/approvals/${enc(id)}/end`, { reason: String(o.reason) }))));

  const re = program.command('reidentify').description('re-identification of pseudonyms through a running ACD: request (agency lead), decide (commission), resolve once (the requester\'s organisation)')
    .addHelpText('after', '\nExamples:\n  $ acd reidentify list --status proposed\n  $ acd reidentify <command> --help   what one command does, its options and an example\n');

  addApiOptions(re.command('list').description('re-identification requests, newest first (pseudonyms only)'))
    .option('--status <status>', 'proposed, approved, rejected or resolved')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  $ acd reidentify list --status proposed\n')
    .action(async (o: Opts) => {
      const rows = await client(o).call<ReidRow[]>('GET', `/api/v1/reidentifications${o.status ? `?status=${enc(String(o.status))}` : ''}`);
      if (o.json) return io.out(json(rows));
      io.out(`${renderTable(['ID', 'STATUS', 'KEY', 'PSEUDONYMS', 'PURPOSE', 'VALID UNTIL'], rows.map((r) => [r.id, r.status, r.keyId, r.pseudonyms.length, `${r.purpose.kind}:${r.purpose.ref}`, r.validUntil]))}\n`);
    });

  addApiOptions(re.command('show').description('one re-identification request as JSON').argument('<id>', 'request id'))
    .addHelpText('after', '\nExample:\n  $ acd reidentify show 6f1c…\n')
    .action(async (id: string, o: Opts) => io.out(json(await client(o).call('GET', `/api/v1/reidentifications/${enc(id)}`))));

  addApiOptions(re.command('request').description('ask the commission to re-identify pseudonyms (agency lead)'))
    .option('--pseudonym <address>', 'a pseudonym as stored (repeat, or comma-separated)', collect, [] as string[])
    .option('--key-id <id>', 'the pseudonym key (selected flows name it)')
    .option('--approval <id>', 'or the approval whose key it is')
    .option('--at <iso>', 'time of the flow or finding, to pick among rotated keys')
    .option('--finding <key>', 'the finding it is for')
    .option('--operation <id>', 'the operation it is for')
    .option('--flows <approval>', 'the selected flows (of this approval) it is for')
    .requiredOption('--justification <text>', 'why (at least 10 characters; recorded and audited)')
    .addHelpText('after', '\nExample:\n  $ acd reidentify request --pseudonym 147.32.201.17 --approval transit-q1 --finding "beacon|198.51.100.7|443/6" --justification "notify the owner of the beaconing host"\n')
    .action(async (o: Opts) => {
      const purposes = ([['finding', o.finding], ['operation', o.operation], ['selected_flows', o.flows]] as const).filter(([, v]) => typeof v === 'string');
      if (purposes.length !== 1) throw new AcdError('CLI_BAD_OPTION', '--finding, --operation, --flows: name exactly one thing the re-identification is for');
      const pseudonyms = ((o.pseudonym as string[]) ?? []).flatMap((p) => p.split(',')).filter(Boolean);
      if (pseudonyms.length === 0) throw new AcdError('CLI_BAD_OPTION', '--pseudonym: name at least one pseudonym');
      const body = {
        pseudonyms,
        ...(typeof o.keyId === 'string' ? { keyId: o.keyId } : {}),
        ...(typeof o.approval === 'string' ? { approvalId: o.approval } : {}),
        ...(typeof o.at === 'string' ? { at: o.at } : {}),
        purpose: { kind: purposes[0]![0], ref: String(purposes[0]![1]) },
        justification: String(o.justification),
      };
      io.out(json(await client(o).call('POST', '/api/v1/reidentifications', body)));
    });

  addApiOptions(re.command('decide').description("the commission's decision on a re-identification request (commission member)").argument('<id>', 'request id').argument('<decision>', 'approve or reject'))
    .requiredOption('--reason <text>', 'the reasons (recorded and audited)')
    .option('--valid-minutes <n>', 'how long the requester has to resolve it (1-1440, default 60)')
    .addHelpText('after', '\nExample:\n  $ acd reidentify decide 6f1c… approve --reason "owner must be notified" --valid-minutes 30\n')
    .action(async (id: string, d: string, o: Opts) => {
      let valid: number | undefined;
      if (o.validMinutes !== undefined) {
        const v = String(o.validMinutes);
        if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 1440) throw new AcdError('CLI_BAD_OPTION', `--valid-minutes: '${v}' is not a whole number 1-1440`);
        valid = Number(v);
      }
      io.out(json(await client(o).call('POST', `/api/v1/reidentifications/${enc(id)}/decision`, { decision: decision(d), reason: String(o.reason), ...(valid ? { validForMinutes: valid } : {}) })));
    });

  addApiOptions(re.command('resolve').description("turn the pseudonyms of an approved request into addresses, once (the requester's organisation)").argument('<id>', 'request id'))
    .option('--json', 'print the whole answer as JSON')
    .addHelpText('after', '\nExample:\n  $ acd reidentify resolve 6f1c…\n')
    .action(async (id: string, o: Opts) => {
      const r = await client(o).call<{ results: Array<{ pseudonym: string; address: string }> }>('POST', `/api/v1/reidentifications/${enc(id)}/resolve`);
      io.out(o.json ? json(r) : `${renderTable(['PSEUDONYM', 'ADDRESS'], r.results.map((x) => [x.pseudonym, x.address]))}\n`);
    });
}
