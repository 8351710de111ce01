/**
 * One operation end to end against real daemons: the store (PGlite), BIND with ACD's RPZ and GoBGP
 * with a peer. Nothing reaches named or the peer before the commission approves; execution sinkholes
 * the domain, hides the C2 address and announces the blackhole and FlowSpec rule; when the approval
 * expires the expiry job lifts everything and DNS and BGP are as before.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, type Store } from '../../src/store/index.js';
import { listAudit } from '../../src/oversight/index.js';
import {
  addLink, applyMeasure, createBlocklistDriver, createGobgpDriver, createOperation, createRpzDriver, executeOperation, expireOperations, planMeasure,
  readRib, transition, verifyMeasure, type Drivers,
} from '../../src/operations/index.js';
import { analyst, executor, lead, member } from './helpers.js';
import { hasBinary, startGobgpPair, startNamed, waitFor, type GobgpPair, type NamedFixture } from './procs.js';

const ready = ['named', 'rndc', 'dig', 'gobgpd', 'gobgp'].filter((b) => !hasBinary(b));

describe('an operation against real BIND and GoBGP', { skip: ready.length ? `missing ${ready.join(', ')} (apt-get install bind9 bind9-dnsutils gobgpd)` : false }, () => {
  let store: Store;
  let named: NamedFixture;
  let bgp: GobgpPair;
  before(async () => {
    [store, named, bgp] = await Promise.all([openStore({ data: 'memory://' }), startNamed(), startGobgpPair()]);
  });
  after(async () => {
    await Promise.all([store?.close(), named?.stop(), bgp?.stop()]);
  });

  test('applied only after approval; lifted by expiry; DNS and BGP as before', async () => {
    const drivers: Drivers = {
      rpz: createRpzDriver({ zoneFile: named.zoneFile, zoneName: 'rpz.acd', sinkhole: 'sinkhole.acd.test', rndc: { args: named.rndcArgs }, resolver: { host: '127.0.0.1', port: named.port } }),
      bgp_blackhole: createGobgpDriver('bgp_blackhole', { host: '127.0.0.1', port: bgp.acdApi, nexthopV4: '192.0.2.1', nexthopV6: '100::1' }),
      flowspec: createGobgpDriver('flowspec', { host: '127.0.0.1', port: bgp.acdApi, nexthopV4: '192.0.2.1', nexthopV6: '100::1' }),
      blocklist: createBlocklistDriver(store.db),
    };
    const peer = { host: '127.0.0.1', port: bgp.peerApi };
    const peerRoutes = async () => (await Promise.all(['ipv4', 'ipv4-flowspec'].map((f) => readRib(peer, f)))).flatMap((r) => Object.keys(r)).sort();
    const before = { evil: await named.dig('evil.example.test'), c2: await named.dig('c2.example.test') };
    assert.match(before.evil.answers, /203\.0\.113\.66/);

    const t0 = new Date();
    const op = await createOperation(store.db, analyst, { title: 'C2 of a botnet', serious: false, abroad: false, targets: { addresses: ['198.51.100.7'], domains: ['evil.example.test'] } }, t0);
    await addLink(store.db, analyst, op.id, { kind: 'finding', ref: 'beacon|198.51.100.7|443/6' }, t0);
    const ms = [
      await planMeasure(store.db, analyst, op.id, { kind: 'rpz', target: 'evil.example.test', params: { action: 'nxdomain' } }, t0),
      await planMeasure(store.db, analyst, op.id, { kind: 'rpz', target: '198.51.100.7' }, t0),
      await planMeasure(store.db, analyst, op.id, { kind: 'bgp_blackhole', target: '198.51.100.7/32' }, t0),
      await planMeasure(store.db, analyst, op.id, { kind: 'flowspec', target: '198.51.100.7', params: { protocol: 'tcp', port: 443 } }, t0),
    ];
    await transition(store.db, analyst, op.id, 'assemble_evidence', {}, t0);
    await transition(store.db, lead, op.id, 'request_approval', {}, t0);
    // requested, not yet decided: nothing may reach BIND or the peer
    for (const m of ms) await assert.rejects(applyMeasure(store.db, drivers, executor, m.id, t0), { code: 'NO_DECISION_IN_FORCE' });
    assert.equal((await named.dig('evil.example.test')).status, 'NOERROR');
    assert.deepEqual(await peerRoutes(), []);

    await transition(store.db, member, op.id, 'approve', { conditions: 'one hour', expiresAt: new Date(t0.getTime() + 3600_000) }, t0);
    const out = await executeOperation(store.db, drivers, executor, op.id, { now: new Date(t0.getTime() + 60_000) });
    assert.deepEqual(out.map((o) => o.ok), [true, true, true, true], JSON.stringify(out));
    await waitFor('NXDOMAIN', async () => (await named.dig('evil.example.test')).status === 'NXDOMAIN');
    assert.equal((await named.dig('c2.example.test')).status, 'NXDOMAIN');
    await waitFor('the peer has the routes', async () => (await peerRoutes()).length === 2);
    assert.deepEqual(await peerRoutes(), ['198.51.100.7/32', '[destination: 198.51.100.7/32][protocol: ==tcp][destination-port: ==443]']);
    for (const m of ms) assert.equal((await verifyMeasure(store.db, drivers, lead, m.id)).ok, true, m.kind);

    const lifted = await expireOperations(store.db, drivers, new Date(t0.getTime() + 3600_000 + 1000));
    assert.deepEqual(lifted.map((l) => [l.id, l.error]), [[op.id, undefined]]);
    await waitFor('DNS as before', async () => (await named.dig('evil.example.test')).answers.includes('203.0.113.66'));
    assert.deepEqual({ evil: await named.dig('evil.example.test'), c2: await named.dig('c2.example.test') }, before);
    await waitFor('the peer lost the routes', async () => (await peerRoutes()).length === 0);
    const audit = (await listAudit(store.db, { action: 'operation.measure.lift', limit: 100 })).filter((e) => e.actor_user_id === 'system');
    assert.equal(audit.length, 4);
    assert.ok(audit.every((e) => e.reason === 'the approval expired'));
  });
});
