/**
 * DNS Response Policy Zone measures (the RPZ format of BIND 9, draft-vixie-dnsop-dns-rpz): ACD writes
 * the whole zone from the RPZ measures in force — QNAME triggers for the attacker's domains (and their
 * subdomains), NXDOMAIN (`CNAME .`) or a sinkhole (`CNAME name`), and rpz-ip triggers for its
 * addresses — with a serial above the last one, atomically, then has BIND reload it with rndc.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { DriverPlan, Drift, Measure, MeasureDriver, VerifyResult } from './measures.js';
import { v6Groups } from './targets.js';
import { operationsError } from './errors.js';

const run = promisify(execFile);

export interface RpzConfig {
  /** the zone file named.conf loads for the response-policy zone */
  zoneFile: string;
  /** the zone's name, e.g. rpz.acd */
  zoneName: string;
  /** where sinkholed names point (a CNAME target), e.g. sinkhole.acd.example */
  sinkhole: string;
  /** rndc and its arguments before the command (e.g. ['-c', '/etc/acd/rndc.conf']) */
  rndc?: { bin?: string; args?: string[] };
  /** 'reload' reloads the zone (rndc reload ZONE); 'reconfig' re-reads named.conf */
  reload?: 'reload' | 'reconfig';
  /** a resolver using the zone, asked with dig to verify a domain measure */
  resolver?: { host: string; port: number; dig?: string };
}

/** rpz-ip owner name of a host address: `32.4.3.2.1.rpz-ip`, `128.1.zz.db8.2001.rpz-ip`. */
export function rpzIpName(address: string): string {
  if (!address.includes(':')) return `32.${address.split('.').reverse().join('.')}.rpz-ip`;
  const g = v6Groups(address).map((x) => x.toString(16)).reverse();
  // the longest run of zero groups (two or more) is written zz
  let best = -1;
  let len = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > len) {
      best = i;
      len = j - i;
    }
    i = j;
  }
  const parts = best < 0 ? g : [...g.slice(0, best), 'zz', ...g.slice(best + len)];
  return `128.${parts.join('.')}.rpz-ip`;
}

const fqdn = (n: string) => (n.endsWith('.') ? n : `${n}.`);

/** The zone text for the measures in force (sorted, so the same set gives the same zone). */
export function renderRpzZone(zoneName: string, serial: number, sinkhole: string, measures: Measure[]): string {
  const lines = [
    `; ACD response policy zone ${zoneName}: written by ACD from the RPZ measures in force; do not edit`,
    `$ORIGIN ${fqdn(zoneName)}`,
    '$TTL 60',
    `@ IN SOA localhost. hostmaster.localhost. ( ${serial} 3600 600 86400 60 )`,
    '@ IN NS localhost.',
  ];
  const sorted = [...measures].sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : a.id < b.id ? -1 : 1));
  // one record per owner; a second measure on the same name (another operation's) is named on the same line,
  // so the zone says every measure it carries out (the first in order decides NXDOMAIN or sinkhole)
  const at = new Map<string, number>();
  for (const m of sorted) {
    const rdata = m.params.action === 'sinkhole' ? fqdn(sinkhole) : '.';
    const owners = m.targetType === 'domain' ? [m.target, `*.${m.target}`] : [rpzIpName(m.target)];
    for (const o of owners) {
      const i = at.get(o);
      if (i !== undefined) {
        lines[i] += ` ; measure ${m.id} operation ${m.operationId}`;
        continue;
      }
      at.set(o, lines.length);
      lines.push(`${o} CNAME ${rdata} ; measure ${m.id} operation ${m.operationId}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

async function currentSerial(file: string): Promise<number> {
  try {
    return serialOf(await readFile(file, 'utf8'));
  } catch {
    return 0;
  }
}

const serialOf = (text: string): number => {
  const m = /SOA\s+\S+\s+\S+\s+\(\s*(\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
};

/** The zone's records (owner, type, data and the measure comment), without the SOA: what a change changes. */
export function zoneRecords(text: string): string[] {
  return text.split('\n').filter((l) => l.includes(' CNAME ') && !l.startsWith(';'));
}

/** The measure ids a zone text holds (from the `; measure ID operation OP` comments). */
export function zoneMeasureIds(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/; measure (\S+) operation /g)) out.add(m[1]!);
  return out;
}

/** A line diff of two zones' records: `- ` removed, `+ ` added (the records are sorted, so this is exact). */
export function zoneDiff(before: string, after: string): string[] {
  const a = new Set(zoneRecords(before));
  const b = new Set(zoneRecords(after));
  return [...[...a].filter((l) => !b.has(l)).map((l) => `- ${l}`), ...[...b].filter((l) => !a.has(l)).map((l) => `+ ${l}`)];
}

export function createRpzDriver(config: RpzConfig): MeasureDriver {
  const rndcRun = async (cmd: string[]) => {
    const args = [...(config.rndc?.args ?? []), ...cmd];
    try {
      return (await run(config.rndc?.bin ?? 'rndc', args, { timeout: 10_000 })).stdout;
    } catch (e) {
      const err = e as { stderr?: string; stdout?: string; message: string };
      throw operationsError('RPZ_RELOAD_FAILED', `rndc ${args.join(' ')} failed: ${(err.stderr || err.stdout || err.message).trim()}`, { status: 502 });
    }
  };
  const rndc = () => rndcRun(config.reload === 'reconfig' ? ['reconfig'] : ['reload', config.zoneName]);
  const render = async (measures: Measure[], now: Date) => {
    const serial = Math.max((await currentSerial(config.zoneFile)) + 1, Math.floor(now.getTime() / 1000) % 2 ** 32);
    return renderRpzZone(config.zoneName, serial, config.sinkhole, measures);
  };
  /** the whole zone for `measures`, written under a name no other writer uses, renamed into place (atomic), then reloaded */
  const write = async (measures: Measure[], now: Date) => {
    const tmp = `${config.zoneFile}.tmp-${process.pid}-${randomUUID()}`;
    try {
      await writeFile(tmp, await render(measures, now));
      await rename(tmp, config.zoneFile);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw operationsError('RPZ_WRITE_FAILED', `writing ${config.zoneFile} failed: ${(e as Error).message}`, { status: 502 });
    }
    await rndc();
  };
  /** the serial BIND serves (rndc zonestatus), null when it does not say */
  const loadedSerial = async (): Promise<number | null> => {
    const out = await rndcRun(['zonestatus', config.zoneName]);
    const m = /^serial:\s*(\d+)/m.exec(out);
    return m ? Number(m[1]) : null;
  };
  return {
    kind: 'rpz',
    lockKey: `rpz:${resolve(config.zoneFile)}`,
    async apply(_m, inForce, ctx) {
      await write(inForce, ctx.now);
    },
    async lift(_m, remaining) {
      await write(remaining, new Date());
    },
    async verify(m): Promise<VerifyResult> {
      const text = await readFile(config.zoneFile, 'utf8').catch(() => '');
      const inZone = text.includes(`; measure ${m.id} `);
      if (!inZone) return { ok: false, detail: `measure ${m.id} is not in ${config.zoneFile}` };
      if (m.targetType !== 'domain' || !config.resolver) return { ok: true, detail: `in zone ${config.zoneName}` };
      const r = config.resolver;
      const { stdout } = await run(r.dig ?? 'dig', [`@${r.host}`, '-p', String(r.port), '+tries=1', '+time=2', '+noall', '+comments', '+answer', m.target, 'A'], { timeout: 10_000 });
      const status = /status: (\w+)/.exec(stdout)?.[1] ?? 'none';
      const ok = m.params.action === 'sinkhole' ? new RegExp(`CNAME\\s+${fqdn(config.sinkhole).replace(/\./g, '\\.')}`).test(stdout) : status === 'NXDOMAIN';
      return { ok, detail: `dig ${m.target}: status ${status}` };
    },
    async reconcile(desired, now): Promise<Drift> {
      const text = await readFile(config.zoneFile, 'utf8').catch(() => '');
      const want = renderRpzZone(config.zoneName, 0, config.sinkhole, desired);
      const have = zoneMeasureIds(text);
      const wantIds = new Set(desired.map((m) => m.id));
      const drift: Drift = {
        missing: [...wantIds].filter((id) => !have.has(id)),
        extra: [...have].filter((id) => !wantIds.has(id)),
        detail: [],
      };
      const diff = zoneDiff(text, want);
      if (diff.length > 0) {
        drift.detail.push(`${config.zoneFile} differs from the measures in force: ${diff.slice(0, 20).join('; ')}`);
        await write(desired, now);
        return drift;
      }
      const served = await loadedSerial();
      if (served !== null && served !== serialOf(text)) {
        drift.detail.push(`BIND serves serial ${served} of ${config.zoneName}, the file has ${serialOf(text)}`);
        await rndc();
      }
      return drift;
    },
    async health() {
      await rndcRun(['zonestatus', config.zoneName]);
      return `BIND serves ${config.zoneName}`;
    },
    async plan(before, after): Promise<DriverPlan> {
      const now = await readFile(config.zoneFile, 'utf8').catch(() => '');
      const from = now || renderRpzZone(config.zoneName, 0, config.sinkhole, before);
      return { zoneDiff: zoneDiff(from, renderRpzZone(config.zoneName, 0, config.sinkhole, after)) };
    },
  };
}
