/**
 * What BIND and gobgpd do equals what the store records, under faults, with the real daemons:
 * an rndc reload failing in the middle of an execute (the failed measure is rolled back out of the
 * zone file and never takes effect at a later reload), a lift whose reload fails (the measure stays
 * applied, in the record and at BIND), 4 executes at once on PostgreSQL from two processes (one writer:
 * the zone holds exactly the 4 measures recorded), a gobgpd restart healed by the reconciliation loop
 * within its period (drift audited and counted), extras withdrawn and a hand-edited zone rewritten.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { openStore, type Store } from '../../src/store/index.js';
import { listAudit } from '../../src/oversight/index.js';
import {
  createGobgpDriver, createReconcileJob, createRpzDriver, driverHealth, executeOperation, liftOperation, readRib, ribHas,
  zoneMeasureIds, type Drivers, type Measure, type OperationsTables,
} from '../../src/operations/index.js';
import { withTables } from '../../src/store/index.js';
import { approvedOperation, executor } from './helpers.js';
import { createTestApp, bearer } from '../helpers/app.js';
import { SYSTEM_ACTOR, createOrganisation, createPerson, issueToken } from '../../src/auth/index.js';
import { flakyBin, freePort, hasBinary, startGobgpPair, startNamed, waitFor, type GobgpPair, type NamedFixture } from './procs.js';
import { PG_URL, freshSchemaName } from '../helpers/stores.js';
import pg from 'pg';

const run = promisify(execFile);
const missing = ['named', 'rndc', 'dig', 'gobgpd', 'gobgp'].filter((b) => !hasBinary(b));

const appliedIds = async (db: Store['db'], kind: string) =>
  new Set((await withTables<OperationsTables>(db).selectFrom('operation_measures').select('id').where('kind', '=', kind).where('state', '=', 'applied').execute()).map((r) => r.id));

describe('the record equals the peers under faults (real BIND, two gobgpd)', { skip: missing.length ? `missing ${missing.join(', ')}` : false }, () => {
  let named: NamedFixture;
  let bgp: GobgpPair;
  before(async () => {
    [named, bgp] = await Promise.all([startNamed(), startGobgpPair()]);
  });
  after(async () => {
    await Promise.all([named?.stop(), bgp?.stop()]);
  });

  test('an rndc reload failing mid-execute: that measure is failed and rolled back out of the zone; a failing lift keeps it applied', async () => {
    const store = await openStore({ data: 'memory://' });
    try {
      const rndc = await flakyBin('rndc');
      const rpz = createRpzDriver({ zoneFile: named.zoneFile, zoneName: 'rpz.acd', sinkhole: 'sinkhole.acd.test', rndc: { bin: rndc.bin, args: named.rndcArgs } });
      // the failure is armed by the first measure's write: the second measure's reload is the one that fails
      let writes = 0;
      const drivers: Drivers = {
        rpz: { ...rpz, async apply(m, all, ctx) {
          if (++writes === 2) await rndc.arm();
          return rpz.apply(m, all, ctx);
        } },
      };
      const op = await approvedOperation(store.db, { domain: 'example.test' }, [
        { kind: 'rpz', target: 'evil.example.test' }, { kind: 'rpz', target: 'cdn.example.test' }, { kind: 'rpz', target: 'c2.example.test' },
      ]);
      const out = await executeOperation(store.db, drivers, executor, op.id);
      assert.deepEqual(out.map((o) => o.ok), [true, false, true], JSON.stringify(out));
      assert.match(out[1]!.error!, /injected failure.*rolled back/s);
      const zone = await readFile(named.zoneFile, 'utf8');
      assert.deepEqual(zoneMeasureIds(zone), await appliedIds(store.db, 'rpz'), 'the zone file holds exactly the measures recorded applied');
      assert.ok(!zone.includes('cdn.example.test'), 'the failed measure is not in the zone file');
      // a later reload (by anyone) must not bring the failed measure into effect
      await run('rndc', [...named.rndcArgs, 'reload', 'rpz.acd']);
      await waitFor('evil blocked', async () => (await named.dig('evil.example.test')).status === 'NXDOMAIN');
      assert.equal((await named.dig('c2.example.test')).status, 'NXDOMAIN');
      assert.match((await named.dig('cdn.example.test')).answers, /203\.0\.113\.80/, 'the failed measure never takes effect');
      const failed = await withTables<OperationsTables>(store.db).selectFrom('operation_measures').select(['state', 'failure']).where('id', '=', op.measures[1]!).executeTakeFirstOrThrow();
      assert.equal(failed.state, 'failed');

      // a lift whose reload fails: BIND still blocks, so the record says applied
      await rndc.arm();
      await assert.rejects(liftOperation(store.db, { rpz }, executor, op.id, 'done'), /injected failure/);
      assert.deepEqual(zoneMeasureIds(await readFile(named.zoneFile, 'utf8')), await appliedIds(store.db, 'rpz'));
      assert.equal((await appliedIds(store.db, 'rpz')).size, 2);
      assert.equal((await named.dig('evil.example.test')).status, 'NXDOMAIN');
      const refused = await listAudit(store.db, { action: 'operation.measure.apply_refused', limit: 10 });
      assert.equal(refused.length, 1, 'the failed apply is audited');
      await liftOperation(store.db, { rpz }, executor, op.id, 'done');
      assert.deepEqual(zoneMeasureIds(await readFile(named.zoneFile, 'utf8')), new Set());
      await waitFor('evil restored', async () => (await named.dig('evil.example.test')).answers.includes('203.0.113.66'));
    } finally {
      await store.close();
    }
  });

  test('4 executes at once on PostgreSQL, from two processes: the zone holds exactly the 4 measures recorded', async () => {
    const schema = freshSchemaName();
    const store = await openStore({ db: PG_URL, schema, poolSize: 4 });
    try {
      const domains = ['evil.example.test', 'cdn.example.test', 'c2.example.test', 'www.evil.example.test'];
      const ops = [];
      for (const d of domains) ops.push(await approvedOperation(store.db, { domain: d }, [{ kind: 'rpz', target: d }]));
      const cfg = { zoneFile: named.zoneFile, zoneName: 'rpz.acd', sinkhole: 'sinkhole.acd.test', rndc: { args: named.rndcArgs } };
      // two executes in a child process (its own queue, its own pool) and two here, all at once
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'execute-child.ts')], {
        env: { ...process.env, ACD_TEST_CHILD: JSON.stringify({ url: PG_URL, schema, rpz: cfg, operations: [ops[0]!.id, ops[1]!.id], executor }) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let childOut = '';
      child.stdout.on('data', (d: Buffer) => (childOut += d.toString()));
      child.stderr.on('data', (d: Buffer) => (childOut += d.toString()));
      const childDone = new Promise<number | null>((resolve) => child.on('exit', resolve));
      await waitFor('the child is ready', async () => childOut.includes('ready'), 60_000);
      const rpz = createRpzDriver(cfg);
      const here = Promise.all([ops[2]!, ops[3]!].map((o) => executeOperation(store.db, { rpz }, executor, o.id)));
      const [code, mine] = await Promise.all([childDone, here]);
      assert.equal(code, 0, childOut);
      const theirs = JSON.parse(childOut.split('\n').find((l) => l.startsWith('['))!) as Array<Array<{ ok: boolean }>>;
      assert.deepEqual([...theirs, ...mine].map((r) => r.map((x) => x.ok)), [[true], [true], [true], [true]], childOut);
      const recorded = await appliedIds(store.db, 'rpz');
      assert.equal(recorded.size, 4);
      assert.deepEqual(zoneMeasureIds(await readFile(named.zoneFile, 'utf8')), recorded);
      for (const d of domains) await waitFor(`${d} blocked`, async () => (await named.dig(d)).status === 'NXDOMAIN');
      // and 4 lifts at once leave nothing
      await Promise.all(ops.map((o) => liftOperation(store.db, { rpz }, executor, o.id, 'done')));
      assert.deepEqual(zoneMeasureIds(await readFile(named.zoneFile, 'utf8')), new Set());
      const files = (await run('ls', [named.dir])).stdout;
      assert.ok(!files.includes('.tmp-'), `no temp file is left: ${files}`);
    } finally {
      await store.close();
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    }
  });

  test('a gobgpd restart loses the routes; the reconciliation loop announces them again within its period, audited and counted', async () => {
    const store = await openStore({ data: 'memory://' });
    const registry = new Registry();
    try {
      const g = { host: '127.0.0.1', port: bgp.acdApi, nexthopV4: '192.0.2.1', nexthopV6: '100::1', extraCommunities: ['65535:65281', '64500:666'] };
      const drivers: Drivers = { bgp_blackhole: createGobgpDriver('bgp_blackhole', g), flowspec: createGobgpDriver('flowspec', g) };
      const op = await approvedOperation(store.db, { address: '198.51.100.7' }, [
        { kind: 'bgp_blackhole', target: '198.51.100.7' }, { kind: 'flowspec', target: '198.51.100.7', params: { protocol: 'udp', action: 'rate-limit', rate: 1000 } },
      ]);
      assert.deepEqual((await executeOperation(store.db, drivers, executor, op.id)).map((o) => o.ok), [true, true]);
      const peer = { host: '127.0.0.1', port: bgp.peerApi };
      const bh: Measure = { id: op.measures[0]!, operationId: op.id, kind: 'bgp_blackhole', target: '198.51.100.7', targetType: 'address', params: {} };
      const fs: Measure = { id: op.measures[1]!, operationId: op.id, kind: 'flowspec', target: '198.51.100.7', targetType: 'address', params: { protocol: 'udp' } };
      const atPeer = async () => ribHas(await readRib(peer, 'ipv4'), bh) && ribHas(await readRib(peer, 'ipv4-flowspec'), fs);
      await waitFor('the peer has both routes', atPeer);
      const comms = (await readRib(peer, 'ipv4'))['198.51.100.7/32']![0]!.attrs!.find((a) => a.type === 8)!.communities!;
      assert.deepEqual([...comms].sort(), [64500 * 65536 + 666, 0xffff029a, 0xffffff01].sort(), "BLACKHOLE, NO_EXPORT and the carrier's 64500:666");
      assert.match(JSON.stringify(await readRib(peer, 'ipv4-flowspec')), /"rate":1000/, 'rate-limit 1000');

      await bgp.restartAcd();
      assert.equal((await driverHealth(drivers)).every((d) => d.ok), true, 'the new gobgpd answers');
      assert.deepEqual(Object.keys(await readRib({ host: '127.0.0.1', port: bgp.acdApi }, 'ipv4')), [], 'the restarted gobgpd has lost the blackhole');
      const job = createReconcileJob({ config: { intervalMs: 1000 }, deps: { db: store.db, drivers, registry } });
      const t0 = Date.now();
      job.start();
      try {
        await bgp.established(40_000);
        await waitFor('the peer has the routes again', atPeer, 30_000);
      } finally {
        job.stop();
      }
      const healed = Date.now() - t0;
      const drift = await listAudit(store.db, { action: 'operation.drift', limit: 10 });
      assert.deepEqual(drift.map((d) => d.target_id).sort(), ['bgp_blackhole', 'flowspec'], 'one drift entry per driver');
      assert.equal(drift[0]!.actor_user_id, 'system');
      const metrics = await registry.metrics();
      assert.match(metrics, /acd_operations_drift_total\{driver="bgp_blackhole"\} 1/);
      assert.match(metrics, /acd_operations_drift_total\{driver="flowspec"\} 1/);
      // a second pass finds nothing more
      const again = await job.runOnce();
      assert.deepEqual(again.map((s) => [s.kind, s.ok, s.drift?.missing.length, s.drift?.extra.length]), [['bgp_blackhole', true, 0, 0], ['flowspec', true, 0, 0]]);
      process.stdout.write(`# healed ${healed} ms after the restart (session up included)\n`);

      // a route nobody asked for is withdrawn; a blackhole lifted is gone from both RIBs
      await run('gobgp', ['-p', String(bgp.acdApi), 'global', 'rib', '-a', 'ipv4', 'add', '203.0.113.99/32', 'nexthop', '192.0.2.1']);
      const pass = await job.runOnce();
      assert.deepEqual(pass.find((s) => s.kind === 'bgp_blackhole')!.drift!.extra, ['203.0.113.99/32']);
      assert.deepEqual(Object.keys(await readRib({ host: '127.0.0.1', port: bgp.acdApi }, 'ipv4')), ['198.51.100.7/32']);
      await liftOperation(store.db, drivers, executor, op.id, 'done');
      await waitFor('the peer lost the routes', async () => !(await atPeer()) && Object.keys(await readRib(peer, 'ipv4')).length === 0);
    } finally {
      await store.close();
    }
  });

  test('a hand-edited zone file is rewritten from the measures in force; an unreachable BIND is reported', async () => {
    const store = await openStore({ data: 'memory://' });
    try {
      const rpz = createRpzDriver({ zoneFile: named.zoneFile, zoneName: 'rpz.acd', sinkhole: 'sinkhole.acd.test', rndc: { args: named.rndcArgs } });
      const op = await approvedOperation(store.db, { domain: 'evil.example.test' }, [{ kind: 'rpz', target: 'evil.example.test' }]);
      await executeOperation(store.db, { rpz }, executor, op.id);
      const text = await readFile(named.zoneFile, 'utf8');
      await writeFile(named.zoneFile, text.split('\n').filter((l) => !l.includes('evil.example.test')).join('\n') + 'good.example.test CNAME . ; measure forged operation x\n');
      const job = createReconcileJob({ config: { intervalMs: 60_000 }, deps: { db: store.db, drivers: { rpz } } });
      const [s] = await job.runOnce();
      assert.deepEqual([s!.drift!.missing, s!.drift!.extra], [[op.measures[0]], ['forged']]);
      assert.deepEqual(zoneMeasureIds(await readFile(named.zoneFile, 'utf8')), new Set(op.measures));
      await waitFor('evil blocked', async () => (await named.dig('evil.example.test')).status === 'NXDOMAIN');
      assert.match((await named.dig('good.example.test')).answers, /192\.0\.2\.10/);
      await liftOperation(store.db, { rpz }, executor, op.id, 'done');

      const dead = createRpzDriver({ zoneFile: named.zoneFile, zoneName: 'rpz.acd', sinkhole: 's.test', rndc: { args: ['-s', '127.0.0.1', '-p', String(await freePort()), ...named.rndcArgs] } });
      const h = await driverHealth({ rpz: dead });
      assert.equal(h[0]!.ok, false);
      const [d] = await createReconcileJob({ config: { intervalMs: 60_000 }, deps: { db: store.db, drivers: { rpz: dead } } }).runOnce();
      assert.equal(d!.ok, false);
      assert.equal((await listAudit(store.db, { action: 'operation.driver.down', limit: 5 })).length, 1, 'a driver going down is audited');
    } finally {
      await store.close();
    }
  });

  test('a server with no operations setting at all lifts an expired operation by itself: DNS and BGP as before within the default 10 s', async () => {
    const t = await createTestApp({ rpzZoneFile: named.zoneFile, rndcConf: named.rndcArgs[1], rpzSinkhole: 'sinkhole.acd.test', gobgpApi: `127.0.0.1:${bgp.acdApi}` });
    try {
      const org = await createOrganisation(t.store.db, SYSTEM_ACTOR, { name: 'Police', kind: 'executor', sector: null });
      const user = await createPerson(t.store.db, SYSTEM_ACTOR, { orgId: org.id, username: 'police-x', displayName: 'p', password: 'correct horse battery staple', roles: ['agency_analyst'] });
      const ex = { ...t.people.agency_analyst, userId: user.id, token: (await issueToken(t.store.db, SYSTEM_ACTOR, user.id, 't', null)).token };
      const call = (who: typeof ex, url: string, payload: Record<string, unknown> = {}) => t.app.inject({ method: 'POST', url, headers: bearer(who), payload });
      const r = await call(t.people.agency_analyst, '/api/v1/operations', { title: 'C2', serious: false, abroad: false, targets: { addresses: ['198.51.100.7'], domains: ['evil.example.test'] } });
      const id = r.json<{ id: string }>().id;
      for (const m of [{ kind: 'rpz', target: 'evil.example.test' }, { kind: 'bgp_blackhole', target: '198.51.100.7' }]) assert.equal((await call(t.people.agency_analyst, `/api/v1/operations/${id}/measures`, m)).statusCode, 201);
      await call(t.people.agency_analyst, `/api/v1/operations/${id}/links`, { kind: 'finding', ref: 'k' });
      await call(t.people.agency_analyst, `/api/v1/operations/${id}/transitions`, { action: 'assemble_evidence' });
      await call(t.people.agency_lead, `/api/v1/operations/${id}/transitions`, { action: 'request_approval' });
      const expiresAt = Date.now() + 4000;
      assert.equal((await call(t.people.commission_member, `/api/v1/operations/${id}/decision`, { decision: 'approve', conditions: 'c', expiresAt: new Date(expiresAt).toISOString() })).statusCode, 200);
      const ex1 = await call(ex, `/api/v1/operations/${id}/execute`);
      assert.deepEqual(ex1.json<Array<{ ok: boolean }>>().map((o) => o.ok), [true, true], ex1.body);
      const peer = { host: '127.0.0.1', port: bgp.peerApi };
      await waitFor('in force', async () => (await named.dig('evil.example.test')).status === 'NXDOMAIN' && Object.keys(await readRib(peer, 'ipv4')).length === 1);
      await waitFor('lifted by the server itself', async () => (await named.dig('evil.example.test')).answers.includes('203.0.113.66') && Object.keys(await readRib(peer, 'ipv4')).length === 0, 30_000);
      const after = Date.now() - expiresAt;
      process.stdout.write(`# DNS and BGP as before ${after} ms after the approval ended\n`);
      assert.ok(after < 10_000 + 5000, `lifted ${after} ms after expiry`);
      const lifts = (await listAudit(t.store.db, { action: 'operation.measure.lift', limit: 100 })).filter((e) => e.actor_user_id === 'system');
      assert.equal(lifts.length, 2);
      assert.ok(lifts.every((e) => e.reason === 'the approval expired'));
      assert.equal((await listAudit(t.store.db, { action: 'operation.lift', limit: 10 }))[0]!.actor_user_id, 'system');
    } finally {
      await t.close();
    }
  });
});
