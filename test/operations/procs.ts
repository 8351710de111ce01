/** Helpers to run BIND and GoBGP as children on loopback for the measure tests, and to kill them. */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { renderRpzZone } from '../../src/operations/rpz.js';
import { gobgpdConfig } from '../../src/operations/bgp.js';

export function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** A port free for both TCP and UDP on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const u = createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
}

export interface Child {
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export function startChild(bin: string, args: string[]): Child {
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return {
    proc,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        proc.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        proc.kill('SIGTERM');
      }),
  };
}

export async function waitFor(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
const run = promisify(execFile);

export interface NamedFixture {
  dir: string;
  port: number;
  rndcArgs: string[];
  zoneFile: string;
  child: Child;
  dig(name: string): Promise<{ status: string; answers: string }>;
  stop(): Promise<void>;
}

/**
 * named -g on 127.0.0.1 in a temp dir: its own port, rndc key and control port; an authoritative
 * example.test (evil, www.evil, cdn, c2 → 198.51.100.7, good), sinkhole.acd.test → 192.0.2.254, and
 * the response-policy zone rpz.acd (min-update-interval 0 so reloads apply at once).
 */
export async function startNamed(): Promise<NamedFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'acd-bind-'));
  const port = await freePort();
  const ctl = await freePort();
  const secret = randomBytes(32).toString('base64');
  const key = `key "acd-test" { algorithm hmac-sha256; secret "${secret}"; };\n`;
  const zoneFile = join(dir, 'rpz.acd.db');
  await writeFile(join(dir, 'named.conf'), `${key}
controls { inet 127.0.0.1 port ${ctl} allow { 127.0.0.1; } keys { "acd-test"; }; };
options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  session-keyfile "${dir}/session.key";
  managed-keys-directory "${dir}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion yes;
  allow-recursion { 127.0.0.1; };
  allow-query { 127.0.0.1; };
  dnssec-validation no;
  notify no;
  response-policy { zone "rpz.acd" min-update-interval 0; } recursive-only no qname-wait-recurse no;
};
zone "example.test" { type primary; file "${dir}/example.test.db"; };
zone "sinkhole.acd.test" { type primary; file "${dir}/sinkhole.db"; };
zone "rpz.acd" { type primary; file "${zoneFile}"; allow-query { none; }; };
`);
  const soa = '$TTL 60\n@ IN SOA ns.example.test. hostmaster.example.test. ( 1 3600 600 86400 60 )\n@ IN NS ns.example.test.\n';
  await writeFile(join(dir, 'example.test.db'), `$ORIGIN example.test.\n${soa}ns IN A 127.0.0.1\nevil IN A 203.0.113.66\nwww.evil IN A 203.0.113.67\ncdn IN A 203.0.113.80\nc2 IN A 198.51.100.7\ngood IN A 192.0.2.10\n`);
  await writeFile(join(dir, 'sinkhole.db'), `$ORIGIN sinkhole.acd.test.\n${soa}@ IN A 192.0.2.254\n`);
  await writeFile(zoneFile, renderRpzZone('rpz.acd', 1, 'sinkhole.acd.test', []));
  await writeFile(join(dir, 'rndc.conf'), `${key}options { default-key "acd-test"; default-server 127.0.0.1; default-port ${ctl}; };\n`);
  const rndcArgs = ['-c', join(dir, 'rndc.conf')];
  const child = startChild('named', ['-g', '-c', join(dir, 'named.conf')]);
  const dig = async (name: string) => {
    const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=2', '+noall', '+comments', '+answer', name, 'A']);
    return { status: /status: (\w+)/.exec(stdout)?.[1] ?? 'none', answers: stdout.split('\n').filter((l) => l && !l.startsWith(';')).join('\n') };
  };
  const stop = async () => {
    await child.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(`named on port ${port}`, async () => (await dig('good.example.test')).answers.includes('192.0.2.10'));
    await waitFor('rndc', async () => (await run('rndc', [...rndcArgs, 'status'])).stdout.includes('server is up'));
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n${child.output().slice(-2000)}`);
  }
  return { dir, port, rndcArgs, zoneFile, child, dig, stop };
}

export interface GobgpPair {
  acdApi: number;
  peerApi: number;
  children: Child[];
  /** kills ACD's gobgpd (its RIB is lost, as in a crash) and starts it again with the same configuration */
  restartAcd(): Promise<void>;
  /** waits until the BGP session between the two is up */
  established(ms?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A program that fails once (exit 1, "injected failure") whenever `arm()` was called before, and
 * otherwise runs the real one: a BIND or gobgpd call failing at a chosen moment.
 */
export async function flakyBin(real: string): Promise<{ bin: string; arm(): Promise<void>; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'acd-flaky-'));
  const flag = join(dir, 'fail');
  const bin = join(dir, real);
  await writeFile(bin, `#!/bin/sh\nif [ -e "${flag}" ]; then rm -f "${flag}"; echo "injected failure" >&2; exit 1; fi\nexec ${real} "$@"\n`, { mode: 0o755 });
  return { bin, dir, arm: () => writeFile(flag, '1') };
}

/** ACD's gobgpd (AS 65001 on 127.0.0.1) peering with a second one (AS 65002 on 127.0.0.2), session up. */
export async function startGobgpPair(): Promise<GobgpPair> {
  const dir = await mkdtemp(join(tmpdir(), 'acd-bgp-'));
  const [acdBgp, peerBgp, acdApi, peerApi] = [await freePort(), await freePort(), await freePort(), await freePort()];
  await writeFile(join(dir, 'acd.toml'), gobgpdConfig({ as: 65001, routerId: '192.0.2.1', port: acdBgp, localAddress: '127.0.0.1', neighbors: [{ address: '127.0.0.2', as: 65002, port: peerBgp }] }));
  await writeFile(join(dir, 'peer.toml'), gobgpdConfig({ as: 65002, routerId: '192.0.2.2', port: peerBgp, localAddress: '127.0.0.2', neighbors: [{ address: '127.0.0.1', as: 65001, port: acdBgp, passive: true }] }));
  const acdArgs = ['-f', join(dir, 'acd.toml'), '--api-hosts', `127.0.0.1:${acdApi}`, '--pprof-disable', '-p'];
  const children = [
    startChild('gobgpd', acdArgs),
    startChild('gobgpd', ['-f', join(dir, 'peer.toml'), '--api-hosts', `127.0.0.1:${peerApi}`, '--pprof-disable', '-p']),
  ];
  const stop = async () => {
    for (const k of children) await k.stop();
    await rm(dir, { recursive: true, force: true });
  };
  const established = (ms = 30_000) => waitFor('the BGP session', async () => {
    const { stdout } = await run('gobgp', ['-p', String(acdApi), 'neighbor', '-j']);
    return /"session_state":\s*(6|"established")/i.test(stdout) || /ESTABLISHED/i.test(stdout);
  }, ms);
  const restartAcd = async () => {
    const old = children[0]!;
    old.proc.kill('SIGKILL');
    await old.stop();
    children[0] = startChild('gobgpd', acdArgs);
    await waitFor("ACD's gobgpd API", async () => (await run('gobgp', ['-p', String(acdApi), 'global'])).stdout.includes('65001'), 15_000);
  };
  try {
    await established();
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n${children.map((k) => k.output().slice(-1500)).join('\n---\n')}`);
  }
  return { acdApi, peerApi, children, restartAcd, established, stop };
}
