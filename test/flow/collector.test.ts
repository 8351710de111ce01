/**
 * The UDP collector and `acd collect`: listen URLs, start/stop, exporter id from the socket peer,
 * bad datagrams over the wire counted and survived, totals printed per exporter after --seconds and
 * on SIGINT (the command in a child process; test/cli checks its registration in `acd`).
 */
import { thirdPartySkip } from '../helpers/third-party.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createFlowDecoder, createUdpCollector, parseUdpUrl } from '../../src/flow/index.js';
import { AcdError } from '../../src/shared/errors.js';
import { silentLogger } from '../../src/shared/log.js';
import { runCollect, formatStatsTable, parseSeconds } from '../../src/cli/commands/collect.js';
import { CAPTURE_GROUPS, capturesPresent, groupPackets } from './fixtures/captures.js';
import { v5Datagram, ip4 } from './fixtures/build.js';

const ROOT = join(import.meta.dirname, '../..');
const f = { src4: ip4('10.0.0.1'), dst4: ip4('10.0.0.2'), srcPort: 1, dstPort: 2, proto: 6, packets: 4, bytes: 400, first: 0, last: 0 };

async function sender(): Promise<{ s: Socket; send: (b: Buffer, port: number) => Promise<void>; port: number }> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return { s, port: s.address().port, send: (b, port) => new Promise((r) => s.send(b, port, '127.0.0.1', () => r())) };
}

test('listen URLs: udp://HOST:PORT and udp://[v6]:PORT; anything else is refused with the reason', () => {
  assert.deepEqual(parseUdpUrl('udp://0.0.0.0:2055'), { host: '0.0.0.0', port: 2055 });
  assert.deepEqual(parseUdpUrl('udp://[::1]:9995'), { host: '::1', port: 9995 });
  assert.deepEqual(parseUdpUrl('udp://collector.example:0'), { host: 'collector.example', port: 0 });
  for (const bad of ['tcp://0.0.0.0:2055', 'udp://0.0.0.0', '0.0.0.0:2055', 'udp://::1:2055', 'udp://h:99999']) {
    assert.throws(() => parseUdpUrl(bad), (e: unknown) => e instanceof AcdError && e.code === 'COLLECTOR_LISTEN' && e.message.includes(bad), bad);
  }
});

test('collector: datagrams from a peer are decoded with exporter "ip:port"; garbage is counted, not fatal; stop() frees the port', async () => {
  const decoder = createFlowDecoder();
  const seen: string[] = [];
  const c = createUdpCollector({ listen: 'udp://127.0.0.1:0', decoder, sink: (r) => seen.push(r.exporter), logger: silentLogger });
  await c.start();
  const port = c.address().port;
  assert.ok(port > 0);
  const { s, send, port: peer } = await sender();
  await send(Buffer.from('not netflow'), port);
  await send(v5Datagram({ seq: 0, uptime: 1, secs: 1 }, [f, f]), port);
  for (let i = 0; i < 100 && c.received < 2; i++) await sleep(10);
  s.close();
  const ex = `127.0.0.1:${peer}`;
  assert.deepEqual(seen, [ex, ex]);
  const st = decoder.stats(ex)!;
  assert.deepEqual([st.datagrams, st.flows, st.packets, st.malformed, st.malformedByReason.bad_version], [2, 2, 8, 1, 1]);
  await c.stop();
  // the port is free again: a second collector can bind it
  const c2 = createUdpCollector({ listen: `udp://127.0.0.1:${port}`, decoder, sink: () => {}, logger: silentLogger });
  await c2.start();
  await c2.stop();
});

test('collector: a port in use is refused with COLLECTOR_BIND naming the address', async () => {
  const c = createUdpCollector({ listen: 'udp://127.0.0.1:0', decoder: createFlowDecoder(), sink: () => {}, logger: silentLogger });
  await c.start();
  const url = `udp://127.0.0.1:${c.address().port}`;
  const c2 = createUdpCollector({ listen: url, decoder: createFlowDecoder(), sink: () => {}, logger: silentLogger });
  await assert.rejects(c2.start(), (e: unknown) => e instanceof AcdError && e.code === 'COLLECTOR_BIND' && e.message.includes(url));
  await c.stop();
});

test('collector over IPv6 loopback: exporter "[::1]:port"', async (t) => {
  const decoder = createFlowDecoder();
  const c = createUdpCollector({ listen: 'udp://[::1]:0', decoder, sink: () => {}, logger: silentLogger });
  try {
    await c.start();
  } catch {
    return t.skip('no IPv6 loopback here');
  }
  const s = createSocket('udp6');
  await new Promise<void>((r) => s.bind(0, '::1', () => r()));
  await new Promise((r) => s.send(v5Datagram({ seq: 0, uptime: 1, secs: 1 }, [f]), c.address().port, '::1', r));
  for (let i = 0; i < 100 && c.received < 1; i++) await sleep(10);
  const peer = s.address().port;
  s.close();
  await c.stop();
  assert.equal(decoder.stats(`[::1]:${peer}`)?.flows, 1);
});

test('runCollect: totals per exporter (table and JSON) from the real v9 capture and a v5 exporter', async (t) => {
  if (!capturesPresent()) return t.skip(thirdPartySkip('netflow-captures') || 'netflow-captures is missing');
  const outs: string[] = [];
  let url = '';
  let release: () => void = () => {};
  const stop = new Promise<void>((r) => { release = r; });
  const run = runCollect({ listen: 'udp://127.0.0.1:0', stats: true }, { stdout: (x) => outs.push(x), stderr: () => {} }, stop, { onListening: (u) => { url = u; } });
  while (!url) await sleep(5);
  const port = Number(/:(\d+)$/.exec(url)![1]);
  const a = await sender();
  const b = await sender();
  for (const p of groupPackets(CAPTURE_GROUPS.find((g) => g.name === 'v9-basic')!)) await a.send(p.payload, port);
  await b.send(v5Datagram({ seq: 0, uptime: 1, secs: 1 }, [f, f, f]), port);
  await b.send(Buffer.from([0, 9, 0]), port); // a v9 header cut after 3 bytes
  await sleep(200);
  release();
  const res = await run;
  a.s.close();
  b.s.close();
  const byEx = Object.fromEntries(res.exporters.map((s) => [s.exporter, s]));
  const va = byEx[`127.0.0.1:${a.port}`]!;
  const vb = byEx[`127.0.0.1:${b.port}`]!;
  // v9-basic per tshark: 4 flows of 1 packet; bytes summed from the stored tshark decoding
  const v9Bytes = (JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/netflow-expected.json'), 'utf8')) as Record<string, Array<{ bytes: number }>>)['v9-basic']!
    .reduce((n, x) => n + x.bytes, 0);
  assert.deepEqual([va.datagrams, va.flows, va.packets, va.bytes, va.malformed, va.lost], [2, 4, 4, v9Bytes, 0, 15]);
  assert.deepEqual([vb.datagrams, vb.flows, vb.packets, vb.malformed, vb.malformedByReason.truncated], [2, 3, 12, 1, 1]);
  const table = outs.join('');
  assert.match(table, /^exporter\s+datagrams\s+flows\s+packets\s+bytes\s+malformed\s+unknown-template\s+lost$/m);
  assert.match(table, new RegExp(`^127\\.0\\.0\\.1:${a.port}\\s+2\\s+4\\s+4\\s+${v9Bytes}\\s+0\\s+0\\s+15$`, 'm'));
  assert.match(table, new RegExp(`^total\\s+4\\s+7\\s+16\\s+${v9Bytes + 1200}\\s+1\\s+0\\s+15$`, 'm'));
  assert.match(table, new RegExp(`^127\\.0\\.0\\.1:${b.port} malformed: truncated 1$`, 'm'));
  assert.equal(formatStatsTable([]), 'exporter  datagrams  flows  packets  bytes  malformed  unknown-template  lost\n(no datagrams received)\n');
});

test('--seconds must be a positive number', () => {
  assert.equal(parseSeconds('2.5'), 2.5);
  assert.equal(parseSeconds(undefined), undefined);
  for (const bad of ['0', '-1', 'soon']) assert.throws(() => parseSeconds(bad), /--seconds/);
});

function cli(args: string[]): { child: ReturnType<typeof spawn>; out: () => string; err: () => string; done: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/flow/fixtures/collect-cli.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const done = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, out: () => out, err: () => err, done };
}

async function listening(err: () => string): Promise<number> {
  for (let i = 0; i < 1000; i++) {
    const m = /listening on udp:\/\/127\.0\.0\.1:(\d+)/.exec(err());
    if (m) return Number(m[1]);
    await sleep(10);
  }
  throw new Error(`acd collect did not start: ${err()}`);
}

test('acd collect (the command as registered, in child processes, two side by side): --seconds N --json stops by itself; --stats prints the table on SIGINT', async () => {
  const timed = cli(['collect', '--listen', 'udp://127.0.0.1:0', '--seconds', '2', '--json']);
  const interrupted = cli(['collect', '--listen', 'udp://127.0.0.1:0', '--stats']);
  const [p1, p2] = await Promise.all([listening(timed.err), listening(interrupted.err)]);
  const s = await sender();
  await s.send(v5Datagram({ seq: 0, uptime: 1, secs: 1 }, [f, f]), p1);
  await s.send(v5Datagram({ seq: 0, uptime: 1, secs: 1 }, [f]), p2);
  await s.send(Buffer.from([0, 10, 0, 99]), p2);
  await sleep(300);
  s.s.close();
  interrupted.child.kill('SIGINT');
  assert.equal(await interrupted.done, 0);
  assert.match(interrupted.out(), new RegExp(`^127\\.0\\.0\\.1:${s.port}\\s+2\\s+1\\s+4\\s+400\\s+1\\s+0\\s+0$`, 'm'));
  assert.match(interrupted.out(), /malformed: truncated 1/);
  assert.equal(await timed.done, 0);
  const res = JSON.parse(timed.out()) as { exporters: Array<{ exporter: string; flows: number; bytes: number }> };
  assert.deepEqual(res.exporters.map((e) => [e.exporter, e.flows, e.bytes]), [[`127.0.0.1:${s.port}`, 2, 800]]);
});

test('acd collect with a bad --listen: refused with COLLECTOR_LISTEN naming it (the CLI exits 2 with the message)', async () => {
  await assert.rejects(
    runCollect({ listen: 'tcp://0.0.0.0:1' }, { stdout: () => {}, stderr: () => {} }, Promise.resolve()),
    (e: unknown) => e instanceof AcdError && e.code === 'COLLECTOR_LISTEN' && /"tcp:\/\/0\.0\.0\.0:1" is not udp:\/\/HOST:PORT/.test(e.message),
  );
});
