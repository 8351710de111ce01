/**
 * BGP measures through GoBGP: a remotely triggered blackhole — the server's /32 or /128 announced with
 * the BLACKHOLE community (RFC 7999, 65535:666) and NO_EXPORT (RFC 7999 §3.2: keep it within the
 * neighbouring network) — and FlowSpec (RFC 8955/8956) rules that discard traffic to the server,
 * optionally for one protocol and port. ACD drives a gobgpd it is configured to use (its gRPC API) with
 * the `gobgp` CLI; `gobgpdConfig` writes the TOML for one.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { DriverPlan, Drift, Measure, MeasureDriver, VerifyResult } from './measures.js';
import { operationsError } from './errors.js';

const run = promisify(execFile);

export const BLACKHOLE_COMMUNITY = '65535:666';
export const NO_EXPORT_COMMUNITY = '65535:65281';

export interface GobgpConfig {
  /** gobgpd's API address */
  host: string;
  port: number;
  /** the gobgp CLI (default 'gobgp') */
  bin?: string;
  /** next hops for blackhole routes: conventionally a discard address the routers null-route */
  nexthopV4: string;
  nexthopV6: string;
  /** communities added to BLACKHOLE (default NO_EXPORT), e.g. a carrier's ASN:666 */
  extraCommunities?: string[];
  /** what a FlowSpec rule does unless the measure says (default discard) */
  flowspecAction?: 'discard' | 'rate-limit';
  /** bytes per second of a rate-limit rule unless the measure says (default 0) */
  flowspecRate?: number;
}

const family = (addr: string, flowspec: boolean) => `${addr.includes(':') ? 'ipv6' : 'ipv4'}${flowspec ? '-flowspec' : ''}`;
const prefix = (addr: string) => `${addr}/${addr.includes(':') ? 128 : 32}`;

/** The FlowSpec match for a measure: destination, then protocol and port where given. */
export function flowspecMatch(m: Measure): string[] {
  const out = ['match', 'destination', prefix(m.target)];
  if (typeof m.params.protocol === 'string') out.push('protocol', m.params.protocol);
  if (typeof m.params.port === 'number') out.push('destination-port', `==${m.params.port}`);
  return out;
}

/** The FlowSpec action: discard, or rate-limit to a number of bytes per second (the measure's, else the configured). */
export function flowspecThen(c: Pick<GobgpConfig, 'flowspecAction' | 'flowspecRate'>, m: Measure): string[] {
  const action = m.params.action === 'discard' || m.params.action === 'rate-limit' ? m.params.action : (c.flowspecAction ?? 'discard');
  if (action === 'discard') return ['discard'];
  const rate = typeof m.params.rate === 'number' ? m.params.rate : (c.flowspecRate ?? 0);
  return ['rate-limit', String(rate)];
}

/** The gobgp CLI arguments that announce (add) or withdraw (del) a measure. */
export function gobgpArgs(c: GobgpConfig, m: Measure, op: 'add' | 'del'): string[] {
  const base = ['-u', c.host, '-p', String(c.port), 'global', 'rib'];
  if (m.kind === 'bgp_blackhole') {
    const args = [...base, '-a', family(m.target, false), op, prefix(m.target)];
    if (op === 'add') {
      const nh = m.target.includes(':') ? c.nexthopV6 : c.nexthopV4;
      args.push('nexthop', nh, 'community', [BLACKHOLE_COMMUNITY, ...(c.extraCommunities ?? [NO_EXPORT_COMMUNITY])].join(','));
    }
    return args;
  }
  if (m.kind === 'flowspec') {
    const args = [...base, '-a', family(m.target, true), op, ...flowspecMatch(m)];
    if (op === 'add') args.push('then', ...flowspecThen(c, m));
    return args;
  }
  throw operationsError('BAD_MEASURE', `the GoBGP driver does not handle ${m.kind} measures`);
}

const sameRoute = (a: Measure, b: Measure) =>
  a.kind === b.kind && a.target === b.target && (a.kind !== 'flowspec' || flowspecMatch(a).join(' ') === flowspecMatch(b).join(' '));

/** A RIB of `gobgp global rib -j`, keyed by prefix or FlowSpec rule text. */
export type GobgpRib = Record<string, Array<{ attrs?: Array<{ type: number; communities?: number[]; value?: unknown }>; 'neighbor-ip'?: string }>>;

/** The routes this speaker originates itself (received ones carry the neighbour's address). */
export function localRoutes(rib: GobgpRib): GobgpRib {
  const out: GobgpRib = {};
  for (const [k, paths] of Object.entries(rib)) {
    const local = paths.filter((p) => !p['neighbor-ip']);
    if (local.length) out[k] = local;
  }
  return out;
}

/** gobgp arguments that withdraw a route of the RIB by its key (a prefix, or a FlowSpec rule as gobgp prints it). */
export function withdrawArgs(c: Pick<GobgpConfig, 'host' | 'port'>, fam: string, key: string): string[] {
  const base = ['-u', c.host, '-p', String(c.port), 'global', 'rib', '-a', fam, 'del'];
  if (!fam.endsWith('flowspec')) return [...base, key];
  const match: string[] = ['match'];
  for (const [, name, value] of key.matchAll(/\[([a-z-]+): ([^\]]+)\]/g)) {
    match.push(name!, name === 'protocol' ? value!.replace(/^==/, '') : name === 'destination' || name === 'source' ? value!.replace(/^(.+\/\d+)\/0$/, '$1') : value!);
  }
  return [...base, ...match];
}

export async function readRib(c: Pick<GobgpConfig, 'host' | 'port' | 'bin'>, fam: string): Promise<GobgpRib> {
  const { stdout } = await run(c.bin ?? 'gobgp', ['-u', c.host, '-p', String(c.port), 'global', 'rib', '-a', fam, '-j'], { timeout: 10_000 });
  return stdout.trim() ? (JSON.parse(stdout) as GobgpRib) : {};
}

/** The RIB key gobgp shows for a measure's route (a prefix, or the FlowSpec rule with exactly its protocol and port), if the RIB holds it. */
export function ribKey(rib: GobgpRib, m: Measure): string | undefined {
  if (m.kind === 'bgp_blackhole') return rib[prefix(m.target)] ? prefix(m.target) : undefined;
  // gobgp prints an IPv6 FlowSpec prefix with its offset: [destination: 2001:db8::5/128/0]
  const dests = [`[destination: ${prefix(m.target)}]`, `[destination: ${prefix(m.target)}/0]`];
  const port = typeof m.params.port === 'number' ? `[destination-port: ==${m.params.port}]` : null;
  const proto = typeof m.params.protocol === 'string' ? `[protocol: ==${m.params.protocol}]` : null;
  return Object.keys(rib).find((k) => dests.some((d) => k.includes(d)) && (port ? k.includes(port) : !k.includes('[destination-port:')) && (proto ? k.includes(proto) : !k.includes('[protocol:')));
}

/** Whether a RIB holds the measure's route: the prefix with BLACKHOLE, or the FlowSpec rule for the target. */
export function ribHas(rib: GobgpRib, m: Measure): boolean {
  if (m.kind === 'bgp_blackhole') {
    const paths = rib[prefix(m.target)] ?? [];
    const bh = 0xffff029a;
    return paths.some((p) => (p.attrs ?? []).some((a) => a.type === 8 && (a.communities ?? []).includes(bh)));
  }
  return ribKey(rib, m) !== undefined;
}

export function createGobgpDriver(kind: 'bgp_blackhole' | 'flowspec', c: GobgpConfig): MeasureDriver {
  const gobgp = async (args: string[]) => {
    try {
      await run(c.bin ?? 'gobgp', args, { timeout: 10_000 });
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw operationsError('BGP_FAILED', `gobgp ${args.join(' ')} failed: ${(err.stderr || err.message).trim()}`, { status: 502 });
    }
  };
  const families = kind === 'flowspec' ? ['ipv4-flowspec', 'ipv6-flowspec'] : ['ipv4', 'ipv6'];
  const read = async (fam: string) => {
    try {
      return await readRib(c, fam);
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw operationsError('BGP_FAILED', `reading the ${fam} RIB of gobgpd ${c.host}:${c.port} failed: ${(err.stderr || err.message).trim()}`, { status: 502 });
    }
  };
  return {
    kind,
    scope: 'target',
    lockKey: `gobgp:${c.host}:${c.port}:${kind}`,
    async apply(m) {
      await gobgp(gobgpArgs(c, m, 'add'));
    },
    async lift(m, remaining) {
      // another operation's measure may need the same route: withdraw only when none does
      if (remaining.some((r) => sameRoute(r, m))) return;
      await gobgp(gobgpArgs(c, m, 'del'));
    },
    async verify(m): Promise<VerifyResult> {
      const ok = ribHas(await readRib(c, family(m.target, kind === 'flowspec')), m);
      return { ok, detail: ok ? `in the RIB of gobgpd ${c.host}:${c.port}` : `not in the RIB of gobgpd ${c.host}:${c.port}` };
    },
    async reconcile(desired): Promise<Drift> {
      const drift: Drift = { missing: [], extra: [], detail: [] };
      for (const fam of families) {
        const rib = localRoutes(await read(fam));
        const want = desired.filter((m) => family(m.target, kind === 'flowspec') === fam);
        const wanted = new Set<string>();
        const added = new Set<string>();
        for (const m of want) {
          const k = ribKey(rib, m);
          if (k && ribHas(rib, m) && (kind !== 'flowspec' || JSON.stringify(rib[k]).includes(flowspecThen(c, m)[0] === 'discard' ? '"rate":0' : `"rate":${flowspecThen(c, m)[1]}`))) {
            wanted.add(k);
            continue;
          }
          drift.missing.push(m.id);
          const route = gobgpArgs(c, m, 'add').join(' ');
          if (added.has(route)) continue;
          added.add(route);
          drift.detail.push(`${m.kind} ${m.target} of measure ${m.id} was not announced by gobgpd ${c.host}:${c.port}`);
          await gobgp(gobgpArgs(c, m, 'add'));
          if (k) wanted.add(k);
        }
        for (const k of Object.keys(rib)) {
          if (wanted.has(k) || want.some((m) => ribKey({ [k]: rib[k]! }, m))) continue;
          drift.extra.push(k);
          drift.detail.push(`gobgpd ${c.host}:${c.port} announced ${k}, which no measure in force needs`);
          await gobgp(withdrawArgs(c, fam, k));
        }
      }
      return drift;
    },
    async health() {
      await read(families[0]!);
      return `gobgpd ${c.host}:${c.port} answers`;
    },
    async plan(before, after): Promise<DriverPlan> {
      const key = (m: Measure) => gobgpArgs(c, m, 'add').slice(6).join(' ');
      const b = new Set(before.map(key));
      const a = new Set(after.map(key));
      return {
        announce: [...a].filter((k) => !b.has(k)).map((k) => `gobgp global rib ${k}`),
        withdraw: [...b].filter((k) => !a.has(k)).map((k) => `gobgp global rib ${k.replace(' add ', ' del ')}`),
      };
    },
  };
}

export interface GobgpdSpec {
  as: number;
  routerId: string;
  /** BGP listening port (179 in production) */
  port: number;
  localAddress: string;
  /** passive: wait for the neighbour to connect (one side passive avoids BGP connection collisions) */
  neighbors: Array<{ address: string; as: number; port?: number; passive?: boolean }>;
}

/** gobgpd's TOML: the global section and each neighbour with unicast and FlowSpec for v4 and v6. */
export function gobgpdConfig(s: GobgpdSpec): string {
  const lines = ['[global.config]', `  as = ${s.as}`, `  router-id = "${s.routerId}"`, `  port = ${s.port}`, `  local-address-list = ["${s.localAddress}"]`];
  for (const n of s.neighbors) {
    lines.push('[[neighbors]]', '  [neighbors.config]', `    neighbor-address = "${n.address}"`, `    peer-as = ${n.as}`);
    lines.push('  [neighbors.transport.config]', `    local-address = "${s.localAddress}"`);
    if (n.port) lines.push(`    remote-port = ${n.port}`);
    if (n.passive) lines.push('    passive-mode = true');
    for (const f of ['ipv4-unicast', 'ipv6-unicast', 'ipv4-flowspec', 'ipv6-flowspec']) {
      lines.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = "${f}"`);
    }
  }
  return `${lines.join('\n')}\n`;
}
