/**
 * The property the desired-state design exists for, against the real peers (named + rndc, two gobgpd:
 * ACD's speaker and a neighbour): random sequences of execute / lift one / lift all / time passing /
 * expiry / an rndc or gobgp call failing / ACD's gobgpd restarting, and after each quiescent point the
 * RPZ zone file, ACD's RIB and the neighbour's RIB hold exactly the measures the store records applied.
 * A quiescent point is the moment the step returned; after a restart it includes one reconciliation
 * pass (the loop's job: nothing else may bring the routes back), and the neighbour is given the time
 * BGP takes to propagate.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import fc from 'fast-check';
import { openStore, withTables, type Store } from '../../src/store/index.js';
import {
  createGobgpDriver, createReconcileJob, createRpzDriver, executeOperation, expireOperations, liftMeasure, liftOperation, localRoutes, readRib, ribHas, toMeasure,
  zoneMeasureIds, type Drivers, type Measure, type OperationsTables,
} from '../../src/operations/index.js';
import { approvedOperation, executor } from './helpers.js';
import { flakyBin, hasBinary, startGobgpPair, startNamed, waitFor, type GobgpPair, type NamedFixture } from './procs.js';

const missing = ['named', 'rndc', 'dig', 'gobgpd', 'gobgp'].filter((b) => !hasBinary(b));
const H = 3_600_000;
const ADDRESSES = ['198.51.100.1', '198.51.100.2', '2001:db8::5'];
const DOMAINS = ['evil.example.test', 'cdn.example.test', 'c2.example.test'];

type Step =
  | { k: 'execute'; addr: number; domain: number; rpzDomain: boolean; rpzAddr: boolean; bh: boolean; fs: boolean; port: number | null; hours: number }
  | { k: 'liftOne'; pick: number }
  | { k: 'liftAll'; pick: number }
  | { k: 'wait'; hours: number }
  | { k: 'expire' }
  | { k: 'fail'; what: 'rndc' | 'gobgp' }
  | { k: 'restart' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant('execute' as const), addr: fc.nat(ADDRESSES.length - 1), domain: fc.nat(DOMAINS.length - 1), rpzDomain: fc.boolean(), rpzAddr: fc.boolean(), bh: fc.boolean(), fs: fc.boolean(), port: fc.option(fc.constantFrom(53, 443)), hours: fc.integer({ min: 1, max: 4 }) }), weight: 6 },
  { arbitrary: fc.record({ k: fc.constant('liftOne' as const), pick: fc.nat(50) }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('liftAll' as const), pick: fc.nat(50) }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('wait' as const), hours: fc.integer({ min: 1, max: 3 }) }), weight: 2 },
  { arbitrary: fc.constant({ k: 'expire' as const }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('fail' as const), what: fc.constantFrom('rndc' as const, 'gobgp' as const) }), weight: 3 },
  { arbitrary: fc.constant({ k: 'restart' as const }), weight: 1 },
);

let named: NamedFixture;
let bgp: GobgpPair;
let store: Store;
before(async () => {
  if (missing.length) return;
  [named, bgp, store] = await Promise.all([startNamed(), startGobgpPair(), openStore({ data: 'memory://' })]);
});
after(async () => {
  await Promise.all([named?.stop(), bgp?.stop(), store?.close()]);
});

test('after every step the zone file and both RIBs equal the measures recorded in force (random sequences, real peers)', { skip: missing.length ? `missing ${missing.join(', ')}` : false }, async () => {
  const rndc = await flakyBin('rndc');
  const gobgp = await flakyBin('gobgp');
  const g = { host: '127.0.0.1', port: bgp.acdApi, bin: gobgp.bin, nexthopV4: '192.0.2.1', nexthopV6: '100::1' };
  const drivers: Drivers = {
    rpz: createRpzDriver({ zoneFile: named.zoneFile, zoneName: 'rpz.acd', sinkhole: 'sinkhole.acd.test', rndc: { bin: rndc.bin, args: named.rndcArgs } }),
    bgp_blackhole: createGobgpDriver('bgp_blackhole', g),
    flowspec: createGobgpDriver('flowspec', g),
  };
  const reconcile = createReconcileJob({ config: { intervalMs: 60_000 }, deps: { db: store.db, drivers } });
  const db = withTables<OperationsTables>(store.db);
  const applied = async () => (await db.selectFrom('operation_measures').selectAll().where('state', '=', 'applied').execute()).map(toMeasure);
  const disarm = async () => {
    await rm(`${rndc.dir}/fail`, { force: true });
    await rm(`${gobgp.dir}/fail`, { force: true });
  };
  const stats = { steps: 0, failedMeasures: 0, restarts: 0, applied: 0 };

  /** the peers hold exactly the recorded set (the neighbour within BGP's propagation time) */
  const check = async (where: string) => {
    const rec = await applied();
    const zone = zoneMeasureIds(await readFile(named.zoneFile, 'utf8'));
    assert.deepEqual([...zone].sort(), rec.filter((m) => m.kind === 'rpz').map((m) => m.id).sort(), `${where}: zone file vs record`);
    const expect = (kind: 'bgp_blackhole' | 'flowspec') => rec.filter((m) => m.kind === kind);
    const ribOf = async (port: number, local: boolean) => {
      const fams = ['ipv4', 'ipv6', 'ipv4-flowspec', 'ipv6-flowspec'];
      const ribs = await Promise.all(fams.map((f) => readRib({ host: '127.0.0.1', port }, f)));
      return ribs.map((r) => (local ? localRoutes(r) : r));
    };
    const same = async (port: number, local: boolean) => {
      const [v4, v6, f4, f6] = await ribOf(port, local);
      const bh = expect('bgp_blackhole');
      const fs = expect('flowspec');
      const keys = (ms: Measure[], route: (m: Measure) => string) => new Set(ms.map(route)).size;
      const fsRoute = (m: Measure) => `${m.target}|${String(m.params.protocol)}|${String(m.params.port)}`;
      return bh.every((m) => ribHas(m.target.includes(':') ? v6! : v4!, m)) && fs.every((m) => ribHas(m.target.includes(':') ? f6! : f4!, m))
        && Object.keys(v4!).length + Object.keys(v6!).length === keys(bh, (m) => m.target)
        && Object.keys(f4!).length + Object.keys(f6!).length === keys(fs, fsRoute);
    };
    assert.ok(await same(bgp.acdApi, true), `${where}: ACD's RIB vs record ${JSON.stringify(await ribOf(bgp.acdApi, true))} / ${JSON.stringify(rec.map((m) => [m.kind, m.target, m.params]))}`);
    await waitFor(`${where}: the neighbour's RIB equals the record`, () => same(bgp.peerApi, false), 20_000)
      .catch(async (e: unknown) => assert.fail(`${(e as Error).message}: ${JSON.stringify(await ribOf(bgp.peerApi, false))}`));
  };

  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 9 }), (steps) => runSteps(steps).catch((e: unknown) => {
      process.stdout.write(`# failed: ${e instanceof Error ? e.message : String(e)}\n`);
      throw e;
    })),
    { numRuns: Number(process.env.ACD_PEERS_PROP_RUNS ?? 6), seed: Number(process.env.ACD_PROP_SEED ?? Date.now() % 2 ** 31), ...(process.env.ACD_PROP_PATH ? { path: process.env.ACD_PROP_PATH } : {}) },
  );
  process.stdout.write(`# ${stats.steps} steps: ${stats.applied} measures applied, ${stats.failedMeasures} failed by injection, ${stats.restarts} gobgpd restarts\n`);
  assert.ok(stats.applied > 0, 'measures were applied');

  async function runSteps(steps: Step[]): Promise<void> {
      let now = new Date(Date.UTC(2026, 4, 1) + Math.floor(Math.random() * 1000) * 24 * H);
      const ops: string[] = [];
      await check('start');
      for (const [i, s] of steps.entries()) {
        stats.steps++;
        const where = `step ${i} ${JSON.stringify(s)}`;
        try {
          switch (s.k) {
            case 'execute': {
              const a = ADDRESSES[s.addr]!;
              const d = DOMAINS[s.domain]!;
              const ms = [
                ...(s.rpzDomain ? [{ kind: 'rpz', target: d }] : []), ...(s.rpzAddr ? [{ kind: 'rpz', target: a }] : []), ...(s.bh ? [{ kind: 'bgp_blackhole', target: a }] : []),
                ...(s.fs || ms0(s) ? [{ kind: 'flowspec', target: a, params: s.port ? { protocol: 'udp', port: s.port } : {} }] : []),
              ];
              const op = await approvedOperation(store.db, { address: a, domain: d }, ms, now, s.hours);
              ops.push(op.id);
              const out = await executeOperation(store.db, drivers, executor, op.id, { now });
              stats.applied += out.filter((o) => o.ok).length;
              stats.failedMeasures += out.filter((o) => !o.ok).length;
              break;
            }
            case 'liftOne': {
              const rows = await applied();
              if (rows.length) await liftMeasure(store.db, drivers, executor, rows[s.pick % rows.length]!.id, 'one', now);
              break;
            }
            case 'liftAll':
              if (ops.length) await liftOperation(store.db, drivers, executor, ops[s.pick % ops.length]!, 'all', { now });
              break;
            case 'wait':
              now = new Date(now.getTime() + s.hours * H);
              break;
            case 'expire':
              await expireOperations(store.db, drivers, now);
              break;
            case 'fail':
              await (s.what === 'rndc' ? rndc : gobgp).arm();
              break;
            case 'restart': {
              stats.restarts++;
              await disarm();
              await bgp.restartAcd();
              await bgp.established(40_000);
              const pass = await reconcile.runOnce();
              assert.ok(pass.every((p) => p.ok), JSON.stringify(pass));
              break;
            }
          }
        } catch (e) {
          // a driver failing (injected) or a lifecycle refusal is part of the game; assertion failures are not
          if (e instanceof assert.AssertionError || !(e instanceof Error) || !('code' in e)) throw e;
        }
        await check(where);
      }
      // leave nothing for the next run: everything expires
      await disarm();
      await expireOperations(store.db, drivers, new Date(now.getTime() + 100 * H));
      await check('end');
      assert.deepEqual(await applied(), []);
  }
});

/** an operation with no measure chosen gets a FlowSpec rule (the commission approves named measures) */
function ms0(s: Extract<Step, { k: 'execute' }>): boolean {
  return !s.rpzDomain && !s.rpzAddr && !s.bh;
}
