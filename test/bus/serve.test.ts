/**
 * `acd serve --collector … --bus jetstream` end to end, with real NATS and PostgreSQL: NetFlow v9 over
 * UDP from two exporters into the server's collector; the server's gate (scope, approval per carrier,
 * pseudonymisation) publishes to the bus and runs no detectors; an `acd worker` process consumes every
 * partition and writes selected flows and findings to PostgreSQL.
 * - exporter A maps (exporterCarriers) to carrier-1, which an approval names: its C2 becomes a stored
 *   finding, detector-rule selections come back from the worker, and every stored flow names carrier-1
 *   (the carrier travels in the batch; the worker has no map of its own);
 * - exporter B maps to carrier-2, which no approval names: its flows are counted (received, no approval
 *   or out of scope) by the collector's gate and none reaches the bus or the store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { createJetStreamBus } from '../../src/bus/index.js';
import { openStore } from '../../src/store/index.js';
import { configFromOptions } from '../../src/cli/options.js';
import { busOverrides } from '../../src/cli/commands/serve.js';
import { startAcd } from '../../src/server/start.js';
import { validateConfig } from '../../src/config/index.js';
import { createLivePipeline } from '../../src/pipeline/live.js';
import { createMetricsRegistry } from '../../src/shared/metrics.js';
import { silentLogger } from '../../src/shared/log.js';
import { DemoScenario, V9Encoder, type DemoFlow } from '../../src/flow/demo-exporter.js';
import { SYSTEM_ACTOR, createOrganisation, createPerson, type Actor } from '../../src/auth/index.js';
import { decideApproval, proposeApproval } from '../../src/selection/approval-store.js';
import { DETECTORS } from '../../src/selection/index.js';
import { PG_URL, freshSchemaName } from '../helpers/stores.js';
import { NATS_URL, natsReachable } from './fixture.js';

const PARTITIONS = 4;

async function actor(db: Awaited<ReturnType<typeof openStore>>['db'], kind: 'agency' | 'commission', role: 'agency_lead' | 'commission_member'): Promise<Actor> {
  const org = await createOrganisation(db, SYSTEM_ACTOR, { name: `org ${role}`, kind });
  const u = await createPerson(db, SYSTEM_ACTOR, { orgId: org.id, username: role.replace('_', '-'), displayName: role, roles: [role] });
  return { userId: u.id, username: u.username, orgId: org.id, orgKind: kind, roles: [role], via: 'system' };
}

const bound = (s: Socket): Promise<number> => new Promise((r) => s.bind(0, '127.0.0.1', () => r(s.address().port)));

test('acd serve --bus jetstream: NetFlow v9 → collector gate → NATS → acd worker → findings in PostgreSQL; an unapproved carrier is dropped and counted', async (t) => {
  if (!(await natsReachable())) {
    t.skip(`NATS is not reachable at ${NATS_URL} (start nats-server -js)`);
    return;
  }
  const prefix = `acds_${randomBytes(4).toString('hex')}`;
  const schema = freshSchemaName();
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  let worker: ChildProcess | null = null;
  let running: Awaited<ReturnType<typeof startAcd>> | null = null;
  const sockA = createSocket('udp4');
  const sockB = createSocket('udp4');
  try {
    const t0 = Date.now() - 40 * 60_000;
    // the store, the people and the approval (naming carrier-1 only), decided as through the API
    const store = await openStore({ db: PG_URL, schema });
    const lead = await actor(store.db, 'agency', 'agency_lead');
    const commissioner = await actor(store.db, 'commission', 'commission_member');
    await proposeApproval(store.db, lead, {
      id: 'appr-bus',
      category: 'foreign-domestic',
      carriers: ['carrier-1'],
      criteria: DETECTORS.map((d) => ({ id: `rule-${d}`, kind: 'detector', detector: d })),
      start: new Date(t0 - 60_000).toISOString(),
    });
    await decideApproval(store.db, commissioner, 'appr-bus', 'approve', 'test decision');
    await store.close();

    const portA = await bound(sockA);
    const portB = await bound(sockB);
    const dir = mkdtempSync(join(tmpdir(), 'acd-serve-bus-'));
    const file = join(dir, 'acd.config.json');
    writeFileSync(file, JSON.stringify({ exporterCarriers: { [`127.0.0.1:${portA}`]: 'carrier-1', [`127.0.0.1:${portB}`]: 'carrier-2' } }));
    // serve's own flags, as commander hands them over
    const opts = {
      config: file,
      db: `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      port: '0',
      collector: 'udp://127.0.0.1:0',
      logLevel: 'silent',
      bus: 'jetstream',
      nats: NATS_URL,
      busPartitions: String(PARTITIONS),
      busPrefix: prefix,
    };
    const config = configFromOptions(opts, busOverrides(opts));
    assert.equal(config.bus, 'jetstream');
    assert.equal(config.busPartitions, PARTITIONS);
    running = await startAcd(config, { logger: silentLogger });
    const live = running.pipeline!;
    assert.equal(live.bus()?.stream, `${prefix.toUpperCase()}_FLOWS`);

    worker = spawn(process.execPath, ['--import', 'tsx', 'test/bus/worker-proc.ts', `0-${PARTITIONS - 1}`, String(PARTITIONS), NATS_URL, PG_URL, schema, prefix, '0.7'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    const exited = new Promise<number | null>((r) => worker!.once('exit', (c) => r(c)));
    await new Promise<void>((resolve, reject) => {
      worker!.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('consuming partitions')) resolve();
      });
      worker!.once('exit', (c) => reject(new Error(`worker exited ${c}: ${err}`)));
    });

    const target = live.collectorAddress()!;
    const scenarioA = new DemoScenario(live.scope, t0, { seed: 5, backgroundFlowsPerSimSecond: 5, botnetSize: 20 });
    const scenarioB = new DemoScenario(live.scope, t0, { seed: 9, backgroundFlowsPerSimSecond: 2, botnetSize: 5 });
    const encA = new V9Encoder(7, t0 - 3600_000);
    const encB = new V9Encoder(8, t0 - 3600_000);
    let sentA = 0;
    let sentB = 0;
    const send = (s: Socket, enc: V9Encoder, flows: DemoFlow[], at: number): Promise<void> =>
      new Promise<void>((r) => s.send(enc.encode(flows, at), target.port, target.host, () => r()));
    const sendMinutes = async (from: number, to: number): Promise<void> => {
      for (let t = t0 + from * 60_000; t < t0 + to * 60_000; t += 10_000) {
        for (const [sc, s, enc] of [[scenarioA, sockA, encA], [scenarioB, sockB, encB]] as const) {
          const batch: DemoFlow[] = [];
          sc.window(t, t + 10_000, (f) => batch.push(f));
          batch.sort((a, b) => a.end - b.end);
          for (let i = 0; i < batch.length; i += V9Encoder.maxRecords) {
            const part = batch.slice(i, i + V9Encoder.maxRecords);
            await send(s, enc, part, t + 10_000);
            if (s === sockA) sentA += part.length;
            else sentB += part.length;
          }
        }
        await new Promise((r) => setImmediate(r));
      }
    };
    // 20 minutes; the worker's detectors find the C2 and send the selection back to the server's
    // gate; then 10 more minutes, whose C2 flows the gate selects under the detector rule
    await sendMinutes(0, 20);
    const phase1 = Date.now() + 60_000;
    while (live.totals().received < sentA + sentB && Date.now() < phase1) await new Promise((r) => setTimeout(r, 50));
    await live.flush();
    // the worker publishes a finding's selection before it writes the finding: once the C2's finding
    // at or above 0.7 is in PostgreSQL, the selection is on its way to the server
    const c2Found = async (): Promise<boolean> => (await client.query(`select 1 from ${schema}.findings where external = $1 and score >= 0.7`, [scenarioA.actors.c2])).rows.length > 0;
    while (!(await c2Found()) && Date.now() < phase1) await new Promise((r) => setTimeout(r, 50));
    assert.ok(await c2Found(), "the worker found carrier-1's C2 from the first 20 minutes");
    while (live.pipeline.selections === 0 && Date.now() < phase1) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(live.pipeline.selections > 0, 'the worker sent detector-rule selections back to the server gate');
    await sendMinutes(20, 30);
    const deadline = Date.now() + 30_000;
    while (live.totals().received < sentA + sentB && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(live.totals().received, sentA + sentB, 'every exported flow reached the gate');
    await live.flush(); // partial batches and the flush markers out; gate counts written

    // the worker: every published batch written once, nothing left unacknowledged
    const bus = live.bus()!;
    const written = async (): Promise<number> => Number((await client.query(`select count(*) from ${schema}.bus_batches`)).rows[0].count);
    const probe = await createJetStreamBus({ servers: NATS_URL, partitions: PARTITIONS, prefix });
    try {
      const { jetstreamManager } = await import('@nats-io/jetstream');
      const jsm = await jetstreamManager(probe.connection);
      const pending = async (): Promise<number> => {
        let n = 0;
        for (let p = 0; p < PARTITIONS; p++) {
          const info = await jsm.consumers.info(bus.stream, `${prefix}-p${p}`);
          n += info.num_pending + info.num_ack_pending;
        }
        return n;
      };
      for (let i = 0; i < 1200 && ((await written()) < live.bus()!.published.batches || (await pending()) > 0); i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(await written(), live.bus()!.published.batches, 'every published batch written once');
      assert.equal(await pending(), 0);
    } finally {
      await probe.close();
    }
    // the server ran no detectors: its own finding set is empty; the worker's findings are in PostgreSQL
    assert.equal(live.pipeline.detectors.findings.size, 0, 'no detectors in the server');
    const findings = (await client.query(`select key, type, external from ${schema}.findings`)).rows as Array<{ key: string; type: string; external: string | null }>;
    assert.ok(findings.some((f) => f.external === scenarioA.actors.c2 && (f.type === 'beacon' || f.type === 'fan-in')), `carrier-1's C2 is a stored finding: ${JSON.stringify(findings.map((f) => [f.type, f.external]))}`);
    assert.ok(!findings.some((f) => f.external === scenarioB.actors.c2), "carrier-2's C2 is not (its flows never left the collector)");
    assert.equal(new Set(findings.map((f) => f.key)).size, findings.length);

    // selected flows: as many as the gate selected, all carrier-1, pseudonyms only for domestic hosts
    const rows = (await client.query(`select carrier, approval_id, criterion_id, src_pseudonym, key_id, host(src) as src from ${schema}.selected_flows`)).rows as Array<{ carrier: string; approval_id: string; criterion_id: string; src_pseudonym: boolean; key_id: string | null; src: string }>;
    assert.ok(rows.length > 0, `selected flows stored: totals ${JSON.stringify(live.totals())}, selections ${live.pipeline.selections}, findings ${JSON.stringify(findings.map((f) => [f.type, f.external]))}, c2 ${scenarioA.actors.c2}`);
    assert.equal(rows.length, live.totals().selected, 'each selected flow stored once');
    assert.deepEqual([...new Set(rows.map((r) => r.carrier))], ['carrier-1'], 'the carrier came with the batch');
    const bots = new Set(scenarioA.actors.bots);
    for (const r of rows) {
      assert.equal(r.approval_id, 'appr-bus');
      assert.ok(!bots.has(r.src), 'a real domestic address was stored');
      if (r.src_pseudonym) assert.equal(r.key_id, 'key-appr-bus');
    }

    // carrier-2: received and counted by the collector's gate, nothing selected, nothing published
    const counts = (await client.query(`select carrier, metric, sum(count)::int as n from ${schema}.gate_counts where approval_id = '' group by carrier, metric`)).rows as Array<{ carrier: string; metric: string; n: number }>;
    const count = (carrier: string, metric: string): number => counts.find((c) => c.carrier === carrier && c.metric === metric)?.n ?? 0;
    assert.equal(count('carrier-2', 'received'), sentB);
    assert.ok(count('carrier-2', 'noApproval') > 0, 'carrier-2 flows counted as under no approval');
    assert.equal(count('carrier-2', 'noApproval') + count('carrier-2', 'outOfScope'), sentB, 'every carrier-2 flow dropped at the gate and counted');
    assert.equal(count('carrier-2', 'selected'), 0);
    assert.equal(count('carrier-1', 'received'), sentA);
    assert.equal(count('carrier-1', 'selected'), rows.length);
    // and the bus carried only carrier-1's gate output
    assert.equal(live.bus()!.published.flows, live.totals().selected + live.totals().discarded, 'the bus carried the selected flows and the detector feed of carrier-1 only');

    worker.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(err, /\d+ batches \(\d+ already written\), \d+ selected flows stored, \d+ feed flows dropped after detection/);
  } finally {
    if (worker && worker.exitCode === null) worker.kill('SIGKILL');
    sockA.close();
    sockB.close();
    if (running) await running.close();
    const cleanup = await createJetStreamBus({ servers: NATS_URL, partitions: PARTITIONS, prefix }).catch(() => null);
    await cleanup?.destroy();
    await cleanup?.close();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
});

test('bus settings: a wrong value is refused naming the key; an unreachable NATS stops start-up with BUS_CONNECT naming the address', async () => {
  assert.throws(() => validateConfig({ bus: 'kafka' }), { code: 'CONFIG_INVALID', message: /config key "bus" has value "kafka".*"none", "jetstream"/ });
  assert.throws(() => validateConfig({ busPartitions: 0 }), { code: 'CONFIG_INVALID', message: /"busPartitions" has value 0/ });
  assert.throws(() => validateConfig({ busPrefix: 'acd.flows' }), { code: 'CONFIG_INVALID', message: /"busPrefix"/ });
  const opts = { bus: 'jetstream', nats: 'nats://127.0.0.1:1', busPartitions: '16' };
  const config = configFromOptions({ config: undefined, ...opts }, busOverrides(opts));
  assert.equal(config.busPartitions, 16, 'the flag text becomes a number');
  const store = await openStore({ data: 'memory://' });
  try {
    await assert.rejects(createLivePipeline({ config, db: store.db, registry: createMetricsRegistry() }), { code: 'BUS_CONNECT', message: /cannot use NATS JetStream at nats:\/\/127\.0\.0\.1:1/ });
  } finally {
    await store.close();
  }
});
