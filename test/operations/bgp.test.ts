/**
 * BGP measures against real gobgpd: ACD's speaker (AS 65001) and a peer (AS 65002) on loopback with
 * their own BGP and API ports; the peer must receive the /32 and /128 with BLACKHOLE and the FlowSpec
 * discard rules, and lose them when lifted. Both daemons are killed at the end.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createGobgpDriver, gobgpArgs, readRib, ribHas } from '../../src/operations/bgp.js';
import type { Measure } from '../../src/operations/index.js';
import { freePort, hasBinary, startGobgpPair, waitFor, type GobgpPair } from './procs.js';
const m = (id: string, kind: 'bgp_blackhole' | 'flowspec', target: string, params: Record<string, unknown> = {}): Measure => ({ id, operationId: 'op', kind, target, targetType: 'address', params });
const CFG = { host: '127.0.0.1', port: 1, nexthopV4: '192.0.2.1', nexthopV6: '100::1' };

test('gobgp arguments: blackhole with BLACKHOLE and NO_EXPORT, FlowSpec discard with protocol and port', () => {
  assert.deepEqual(gobgpArgs(CFG, m('a', 'bgp_blackhole', '198.51.100.7'), 'add').slice(6), ['-a', 'ipv4', 'add', '198.51.100.7/32', 'nexthop', '192.0.2.1', 'community', '65535:666,65535:65281']);
  assert.deepEqual(gobgpArgs(CFG, m('a', 'bgp_blackhole', '2001:db8::7'), 'del').slice(6), ['-a', 'ipv6', 'del', '2001:db8::7/128']);
  assert.deepEqual(gobgpArgs(CFG, m('b', 'flowspec', '198.51.100.7', { protocol: 'tcp', port: 443 }), 'add').slice(6), ['-a', 'ipv4-flowspec', 'add', 'match', 'destination', '198.51.100.7/32', 'protocol', 'tcp', 'destination-port', '==443', 'then', 'discard']);
  assert.throws(() => gobgpArgs(CFG, { ...m('c', 'flowspec', 'x'), kind: 'rpz' }, 'add'), /does not handle rpz/);
});

const haveGobgp = hasBinary('gobgpd') && hasBinary('gobgp');

describe('BGP blackhole and FlowSpec through real gobgpd', { skip: haveGobgp ? false : 'gobgpd or gobgp missing (apt-get install gobgpd)' }, () => {
  let pair: GobgpPair;
  let acdApi: number;
  let peerApi: number;

  before(async () => {
    pair = await startGobgpPair();
    ({ acdApi, peerApi } = pair);
  });
  after(async () => {
    await pair?.stop();
    for (const k of pair?.children ?? []) assert.ok(k.proc.exitCode !== null || k.proc.signalCode !== null, 'gobgpd stopped');
  });

  test('the peer receives the blackhole routes and FlowSpec rules, and loses them when lifted', async () => {
    const c = { ...CFG, port: acdApi };
    const bh = createGobgpDriver('bgp_blackhole', c);
    const fs = createGobgpDriver('flowspec', c);
    const peer = { host: '127.0.0.1', port: peerApi };
    const bh4 = m('bh4', 'bgp_blackhole', '198.51.100.7');
    const bh6 = m('bh6', 'bgp_blackhole', '2001:db8::7');
    const fs4 = m('fs4', 'flowspec', '198.51.100.7', { protocol: 'tcp', port: 443 });
    const fs6 = m('fs6', 'flowspec', '2001:db8::7');
    const now = { decisionId: 'd', now: new Date() };
    await bh.apply(bh4, [bh4], now);
    await bh.apply(bh6, [bh4, bh6], now);
    await fs.apply(fs4, [fs4], now);
    await fs.apply(fs6, [fs4, fs6], now);

    await waitFor('routes at the peer', async () => ribHas(await readRib(peer, 'ipv4'), bh4) && ribHas(await readRib(peer, 'ipv6'), bh6)
      && ribHas(await readRib(peer, 'ipv4-flowspec'), fs4) && ribHas(await readRib(peer, 'ipv6-flowspec'), fs6));
    const rib4 = await readRib(peer, 'ipv4');
    const comms = rib4['198.51.100.7/32']![0]!.attrs!.find((a) => a.type === 8)!.communities!;
    assert.deepEqual(comms.sort(), [0xffff029a, 0xffffff01], 'BLACKHOLE (65535:666) and NO_EXPORT');
    assert.equal(Object.keys(rib4).length, 1, 'nothing else announced');
    const fsr = JSON.stringify(await readRib(peer, 'ipv4-flowspec'));
    assert.match(fsr, /"subtype":6,"as":0,"rate":0/, 'traffic-rate 0: discard');
    for (const x of [bh4, bh6]) assert.equal((await bh.verify(x)).ok, true);
    for (const x of [fs4, fs6]) assert.equal((await fs.verify(x)).ok, true);

    // another operation's measure on the same server keeps the route when the first is lifted
    const bh4b = m('bh4b', 'bgp_blackhole', '198.51.100.7');
    await bh.lift(bh4, [bh6, bh4b]);
    assert.equal(ribHas(await readRib({ ...peer, port: acdApi }, 'ipv4'), bh4b), true);

    await bh.lift(bh4b, [bh6]);
    await bh.lift(bh6, []);
    await fs.lift(fs4, [fs6]);
    await fs.lift(fs6, []);
    await waitFor('withdrawals at the peer', async () => {
      const ribs = await Promise.all(['ipv4', 'ipv6', 'ipv4-flowspec', 'ipv6-flowspec'].map((f) => readRib(peer, f)));
      return ribs.every((r) => Object.keys(r).length === 0);
    });
    assert.equal((await bh.verify(bh4)).ok, false);
  });

  test('a speaker that does not answer is an error naming gobgp', async () => {
    const dead = createGobgpDriver('bgp_blackhole', { ...CFG, port: await freePort() });
    await assert.rejects(dead.apply(m('x', 'bgp_blackhole', '198.51.100.9'), [], { decisionId: 'd', now: new Date() }), { code: 'BGP_FAILED' });
  });
});
