/**
 * Indicators fire in production (issue #21): an indicator POSTed to ACD's TAXII server lands in the
 * intel store; the detectors of `acd serve` (in process) and of an `acd worker` (bus=jetstream) load
 * it within indicatorRefreshSeconds, without a restart, and a live NetFlow v9 flow over UDP to its
 * address becomes an indicator finding naming the STIX id, its source and TLP (the finding inherits
 * the marking) within one flush period. Before the POST the same flows make no indicator finding
 * (the list was empty: nothing is matched by accident), and a revoked version takes it out again.
 * Real PostgreSQL, real NATS JetStream (the worker test skips, saying so, without NATS).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { openStore, withTables } from '../../src/store/index.js';
import { validateConfig } from '../../src/config/index.js';
import { startAcd, type RunningAcd } from '../../src/server/start.js';
import { silentLogger } from '../../src/shared/log.js';
import { V9Encoder, type DemoFlow } from '../../src/flow/demo-exporter.js';
import { parseIpv4 } from '../../src/flow/index.js';
import { SYSTEM_ACTOR, createOrganisation, createPerson, issueToken, type Actor } from '../../src/auth/index.js';
import { decideApproval, proposeApproval } from '../../src/selection/approval-store.js';
import { DETECTORS } from '../../src/selection/index.js';
import { createCollection, indicator, type IntelTables } from '../../src/intel/index.js';
import { createJetStreamBus } from '../../src/bus/index.js';
import { PG_URL, freshSchemaName } from '../helpers/stores.js';
import { NATS_URL, natsReachable } from '../bus/fixture.js';

const TAXII = 'application/taxii+json;version=2.1';
const BAD = '41.78.10.77';
const REFRESH_S = 1;

async function setup(schema: string): Promise<{ token: string; collectionId: string; writer: Actor }> {
  const store = await openStore({ db: PG_URL, schema });
  try {
    const agency = await createOrganisation(store.db, SYSTEM_ACTOR, { name: 'agency', kind: 'agency' });
    const commission = await createOrganisation(store.db, SYSTEM_ACTOR, { name: 'commission', kind: 'commission' });
    const lead = await createPerson(store.db, SYSTEM_ACTOR, { orgId: agency.id, username: 'lead', displayName: 'lead', roles: ['agency_lead'] });
    const member = await createPerson(store.db, SYSTEM_ACTOR, { orgId: commission.id, username: 'member', displayName: 'member', roles: ['commission_member'] });
    const analyst = await createPerson(store.db, SYSTEM_ACTOR, { orgId: agency.id, username: 'analyst', displayName: 'analyst', roles: ['agency_analyst'] });
    const as = (u: { id: string; username: string }, orgId: string, kind: 'agency' | 'commission', role: Actor['roles'][number]): Actor => ({ userId: u.id, username: u.username, orgId, orgKind: kind, roles: [role], via: 'system' });
    await proposeApproval(store.db, as(lead, agency.id, 'agency', 'agency_lead'), {
      id: 'appr-ind',
      category: 'foreign-domestic',
      carriers: ['carrier-1'],
      criteria: DETECTORS.map((d) => ({ id: `rule-${d}`, kind: 'detector', detector: d })),
      start: new Date(Date.now() - 3600_000).toISOString(),
    });
    await decideApproval(store.db, as(member, commission.id, 'commission', 'commission_member'), 'appr-ind', 'approve', 'test decision');
    const writer = as(analyst, agency.id, 'agency', 'agency_analyst');
    const c = await createCollection(withTables<IntelTables>(store.db), writer, { title: 'partner feed', alias: 'partner-feed', ownerOrgId: agency.id, readRoles: ['agency_analyst'], writeRoles: ['agency_analyst'], defaultTlp: 'amber' });
    const token = (await issueToken(store.db, SYSTEM_ACTOR, analyst.id, 'taxii', null)).token;
    return { token, collectionId: c.id, writer };
  } finally {
    await store.close();
  }
}

/** flows from a domestic host to BAD:4444, `n` of them, 1 s apart in flow time, sent as NetFlow v9 */
function makeSender(sock: Socket, port: number): (n: number) => Promise<void> {
  const enc = new V9Encoder(11, Date.now() - 3600_000);
  let sp = 50_000;
  return async (n) => {
    const now = Date.now();
    const flows: DemoFlow[] = [];
    for (let i = 0; i < n; i++) {
      const start = now - (n - i) * 1000;
      flows.push({ src: parseIpv4('10.0.0.5') >>> 0, dst: parseIpv4(BAD) >>> 0, srcPort: sp++, dstPort: 4444, proto: 6, tcpFlags: 0x1b, packets: 6, bytes: 900, start, end: start + 200 });
    }
    for (let i = 0; i < flows.length; i += V9Encoder.maxRecords) {
      await new Promise<void>((r) => sock.send(enc.encode(flows.slice(i, i + V9Encoder.maxRecords), now), port, '127.0.0.1', () => r()));
    }
  };
}

async function postIndicator(url: string, token: string, collectionId: string, obj: Record<string, unknown>): Promise<void> {
  const r = await fetch(`${url}/taxii2/acd/collections/${collectionId}/objects/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': TAXII, accept: TAXII },
    body: JSON.stringify({ objects: [obj] }),
  });
  const body = (await r.json()) as { success_count?: number; failures?: unknown[] };
  assert.equal(r.status, 202, JSON.stringify(body));
  assert.equal(body.success_count, 1, `stored: ${JSON.stringify(body)}`);
}

async function until<T>(what: string, ms: number, get: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface StoredFinding { external: string | null; evidence: { indicator?: { id: string; source?: string; tlp?: string } } }

/** indicator findings as the store holds them (the findings table keeps evidence; tier and tlp are not columns of it) */
async function indicatorFindings(client: pg.Client, schema: string): Promise<StoredFinding[]> {
  return (await client.query(`select external, evidence from ${schema}.findings where type = 'indicator'`)).rows as StoredFinding[];
}

async function scenario(t: { skip(m: string): void }, mode: 'serve' | 'worker'): Promise<void> {
  if (mode === 'worker' && !(await natsReachable())) {
    t.skip(`NATS is not reachable at ${NATS_URL} (start nats-server -js)`);
    return;
  }
  const schema = freshSchemaName();
  const prefix = `acdi_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  let running: RunningAcd | null = null;
  let worker: ChildProcess | null = null;
  try {
    const { token, collectionId } = await setup(schema);
    running = await startAcd(validateConfig({
      db: `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      host: '127.0.0.1',
      port: 0,
      logLevel: 'silent',
      collector: 'udp://127.0.0.1:0',
      exporterCarriers: { '127.0.0.1': 'carrier-1' },
      indicatorRefreshSeconds: REFRESH_S,
      ...(mode === 'worker' ? { bus: 'jetstream', nats: NATS_URL, busPartitions: 2, busPrefix: prefix } : {}),
    }), { logger: silentLogger });
    const live = running.pipeline!;
    if (mode === 'worker') {
      worker = spawn(process.execPath, ['--import', 'tsx', 'test/bus/worker-proc.ts', '0-1', '2', NATS_URL, PG_URL, schema, prefix, '0.7'], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, ACD_INDICATOR_REFRESH_SECONDS: String(REFRESH_S) },
      });
      let err = '';
      await new Promise<void>((resolve, reject) => {
        worker!.stderr!.on('data', (d: Buffer) => { err += d.toString(); if (err.includes('consuming partitions')) resolve(); });
        worker!.once('exit', (c) => reject(new Error(`worker exited ${c}: ${err}`)));
      });
      assert.match(err, /acd worker: 0 indicators from the intel store, checked every 1 s/);
    }
    const send = makeSender(sock, live.collectorAddress()!.port);

    // before: flows to the address make no indicator finding (the list is empty)
    await send(30);
    await until('the first flows at the gate', 10_000, async () => (live.totals().received >= 30 ? true : undefined));
    await live.flush();
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(await indicatorFindings(client, schema), [], 'no indicator finding before the indicator exists');

    // a partner's indicator through TAXII, marked AMBER
    const obj = indicator({ pattern: `[ipv4-addr:value = '${BAD}']`, tlp: 'amber', name: 'partner C2' });
    await postIndicator(running.url, token, collectionId, obj as unknown as Record<string, unknown>);
    const posted = Date.now();
    // live traffic goes on: a few flows every 200 ms; the finding must come within the refresh
    // period plus one flush period (serve's tick, 5 s; the worker flushes on the collector's marker)
    let sending = true;
    const pump = (async () => { while (sending) { await send(3); await new Promise((r) => setTimeout(r, 200)); } })();
    try {
      const hit = await until('the indicator finding in the store', 30_000, async () => (await indicatorFindings(client, schema)).find((f) => f.external === BAD));
      const elapsed = Date.now() - posted;
      assert.ok(elapsed <= REFRESH_S * 1000 + 5000 + 4000, `found ${elapsed} ms after the POST: more than the refresh plus one flush period (and slack)`);
      assert.equal(hit.evidence.indicator?.id, obj.id, 'the finding names the STIX id');
      assert.equal(hit.evidence.indicator?.source, `intel collection ${collectionId}`, 'and its source');
      assert.equal(hit.evidence.indicator?.tlp, 'amber', 'and its TLP');
      if (mode === 'serve') {
        // the detectors' own finding (the worker's are in another process): inherits the marking, confirmed
        const mem = live.pipeline.detectors.findings.list().find((f) => f.type === 'indicator' && f.external === BAD);
        assert.equal(mem?.tlp, 'amber', 'the finding inherits the marking');
        assert.equal(mem?.tier, 'confirmed');
      }
    } finally {
      sending = false;
      await pump;
    }
    if (mode === 'serve') {
      // the partner revokes it (a new version): after the next refresh, flows to the address no longer hit
      const revoked = { ...obj, modified: new Date(Date.parse(obj.modified) + 1000).toISOString(), revoked: true };
      await postIndicator(running.url, token, collectionId, revoked);
      await until('the revocation loaded', 10_000, async () => (await live.reloadIndicators()) || live.pipeline.detectors.indicator.size === 0 ? true : undefined);
      assert.equal(live.pipeline.detectors.indicator.size, 0, 'the revoked indicator is no longer matched');
      live.pipeline.flush();
      const flowsOf = (): number => Number((live.pipeline.detectors.findings.list().find((f) => f.type === 'indicator' && f.external === BAD)?.evidence as { flows?: number } | undefined)?.flows);
      const before = flowsOf();
      assert.ok(before > 0, `the hit counted flows before: ${before}`);
      const received = live.totals().received;
      await send(20);
      await until('the flows after the revocation at the gate', 10_000, async () => (live.totals().received >= received + 20 ? true : undefined));
      await new Promise((r) => setTimeout(r, 500));
      live.pipeline.flush();
      assert.equal(flowsOf(), before, 'no hit counted after the revocation');
    }
  } finally {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((r) => worker!.once('exit', r));
      worker.kill('SIGTERM');
      await exited;
    }
    sock.close();
    if (running) await running.close();
    if (mode === 'worker') {
      const cleanup = await createJetStreamBus({ servers: NATS_URL, partitions: 2, prefix }).catch(() => null);
      await cleanup?.destroy();
      await cleanup?.close();
    }
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
}

test('acd serve (detectors in process): an indicator POSTed through TAXII makes an indicator finding from live UDP NetFlow within the refresh and one flush period', async (t) => {
  await scenario(t, 'serve');
});

test('acd worker (bus=jetstream): the same, the worker loading the indicator from the intel store', async (t) => {
  await scenario(t, 'worker');
});
