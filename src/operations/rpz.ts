/**
 * DNS Response Policy Zone measures (the RPZ format of BIND 9, draft-vixie-dnsop-dns-rpz): ACD writes
 * the whole zone from the RPZ measures in force — QNAME triggers for the attacker's domains (and their
 * subdomains), NXDOMAIN (`CNAME .`) or a sinkhole (`CNAME name`), and rpz-ip triggers for its
 * addresses — with a serial above the last one, atomically, then has BIND reload it with rndc.
 */
import { execFile } from 'node:child_process';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { AcdError } from '../shared/errors.js';
import type { Measure, MeasureDriver, VerifyResult } from './measures.js';
import { v6Groups } from './targets.js';

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
  const seen = new Set<string>();
  for (const m of sorted) {
    const rdata = m.params.action === 'sinkhole' ? fqdn(sinkhole) : '.';
    const owners = m.targetType === 'domain' ? [m.target, `*.${m.target}`] : [rpzIpName(m.target)];
    for (const o of owners) {
      if (seen.has(o)) continue;
      seen.add(o);
      lines.push(`${o} CNAME ${rdata} ; measure ${m.id} operation ${m.operationId}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

async function currentSerial(file: string): Promise<number> {
  try {
    const m = /SOA\s+\S+\s+\S+\s+\(\s*(\d+)/.exec(await readFile(file, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export function createRpzDriver(config: RpzConfig): MeasureDriver {
  const rndc = async () => {
    const args = [...(config.rndc?.args ?? []), ...(config.reload === 'reconfig' ? ['reconfig'] : ['reload', config.zoneName])];
    try {
      await run(config.rndc?.bin ?? 'rndc', args, { timeout: 10_000 });
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new AcdError('RPZ_RELOAD_FAILED', `rndc ${args.join(' ')} failed: ${(err.stderr || err.message).trim()}`, { status: 502 });
    }
  };
  const write = async (measures: Measure[], now: Date) => {
    const serial = Math.max((await currentSerial(config.zoneFile)) + 1, Math.floor(now.getTime() / 1000) % 2 ** 32);
    const tmp = `${config.zoneFile}.tmp-${process.pid}`;
    await writeFile(tmp, renderRpzZone(config.zoneName, serial, config.sinkhole, measures));
    await rename(tmp, config.zoneFile);
    await rndc();
  };
  return {
    kind: 'rpz',
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
  };
}
