/**
 * The live pipeline end to end on the embedded store: NetFlow v9 over UDP into the collector, the gate
 * under an approval decided through the store's functions, detectors, and what is written: selected
 * flows that name their approval and criterion and hold only pseudonyms for domestic addresses,
 * findings upserted by key, and gate counts that add up to the gate's totals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { sql } from 'kysely';
import { openStore, withTables } from '../../src/store/index.js';
import { validateConfig } from '../../src/config/index.js';
import { createMetricsRegistry } from '../../src/shared/metrics.js';
import { createLivePipeline } from '../../src/pipeline/live.js';
import { DemoScenario, V9Encoder, type DemoFlow } from '../../src/flow/demo-exporter.js';
import { SYSTEM_ACTOR, createOrganisation, createPerson, type Actor } from '../../src/auth/index.js';
import { decideApproval, proposeApproval } from '../../src/selection/approval-store.js';
import type { SelectionTables } from '../../src/selection/tables.js';
import type { FindingTables } from '../../src/findings/index.js';
import { DETECTORS } from '../../src/selection/index.js';

async function actor(store: Awaited<ReturnType<typeof openStore>>, kind: 'agency' | 'commission', role: 'agency_lead' | 'commission_member'): Promise<Actor> {
  const org = await createOrganisation(store.db, SYSTEM_ACTOR, { name: `org ${role}`, kind });
  const u = await createPerson(store.db, SYSTEM_ACTOR, { orgId: org.id, username: role.replace('_', '-'), displayName: role, roles: [role] });
  return { userId: u.id, username: u.username, orgId: org.id, orgKind: kind, roles: [role], via: 'system' };
}

test('NetFlow v9 → collector → gate → detectors → store', async () => {
  const store = await openStore({ data: 'memory://' });
  const lead = await actor(store, 'agency', 'agency_lead');
  const commissioner = await actor(store, 'commission', 'commission_member');
  const t0 = Date.now() - 30 * 60_000;
  await proposeApproval(store.db, lead, {
    id: 'appr-1',
    category: 'foreign-domestic',
    carriers: ['carrier-x'],
    criteria: DETECTORS.map((d) => ({ id: `rule-${d}`, kind: 'detector', detector: d })),
    start: new Date(t0 - 60_000).toISOString(),
  });
  await decideApproval(store.db, commissioner, 'appr-1', 'approve', 'test decision');
  const config = validateConfig({ collector: 'udp://127.0.0.1:0', exporterCarriers: { '127.0.0.1': 'carrier-x' } });
  const live = await createLivePipeline({ config, db: store.db, registry: createMetricsRegistry() });
  try {
    const target = live.collectorAddress()!;
    const scenario = new DemoScenario(live.scope, t0, { seed: 5, backgroundFlowsPerSimSecond: 5, botnetSize: 20 });
    const enc = new V9Encoder(7, t0 - 3600_000);
    const sock = createSocket('udp4');
    let sent = 0;
    // 25 simulated minutes, paced so loopback does not drop
    for (let t = t0; t < t0 + 25 * 60_000; t += 10_000) {
      const batch: DemoFlow[] = [];
      scenario.window(t, t + 10_000, (f) => batch.push(f));
      batch.sort((a, b) => a.end - b.end);
      for (let i = 0; i < batch.length; i += V9Encoder.maxRecords) {
        const part = batch.slice(i, i + V9Encoder.maxRecords);
        await new Promise<void>((r) => sock.send(enc.encode(part, t + 10_000), target.port, target.host, () => r()));
        sent += part.length;
      }
      await new Promise((r) => setImmediate(r));
    }
    sock.close();
    const deadline = Date.now() + 20_000;
    while (live.totals().received < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(live.totals().received, sent, 'every exported flow reached the gate');
    await live.flush();

    const sdb = withTables<SelectionTables>(store.db);
    const rows = await sdb.selectFrom('selected_flows').selectAll().execute();
    assert.equal(rows.length, live.totals().selected);
    assert.ok(rows.length > 0, 'detector rules selected the C2 and its flows were kept');
    const bots = new Set(scenario.actors.bots);
    for (const r of rows) {
      assert.equal(r.approval_id, 'appr-1');
      assert.match(r.criterion_id, /^rule-/);
      assert.equal(r.carrier, 'carrier-x');
      const src = String(r.src).replace(/\/32$/, '');
      assert.ok(!bots.has(src), 'a real domestic address was stored');
      if (r.src_pseudonym) assert.equal(r.key_id, 'key-appr-1');
    }
    const findings = await withTables<FindingTables>(store.db).selectFrom('findings').selectAll().execute();
    assert.ok(findings.some((f) => f.external === scenario.actors.c2 && (f.type === 'beacon' || f.type === 'fan-in')), 'the C2 is a stored finding');
    assert.equal(new Set(findings.map((f) => f.key)).size, findings.length);
    // writing the same findings again updates, never duplicates
    for (const f of live.pipeline.detectors.findings.list()) live.pipeline.detectors.findings.upsert({ ...f });
    await live.flush();
    const n2 = await sql<{ n: number }>`select count(*) as n from findings`.execute(store.db);
    assert.equal(n2.rows[0]!.n, findings.length);

    const counts = await sdb.selectFrom('gate_counts').select(['metric', 'count', 'approval_id']).where('approval_id', '=', '').execute();
    const sum = (m: string) => counts.filter((c) => c.metric === m).reduce((s, c) => s + Number(c.count), 0);
    assert.equal(sum('received'), live.totals().received);
    assert.equal(sum('selected'), live.totals().selected);
    assert.equal(sum('outOfScope'), live.totals().outOfScope);
  } finally {
    await live.stop();
    await store.close();
  }
});

test('selected_flows cannot hold anything but an address in its address columns', async () => {
  const store = await openStore({ data: 'memory://' });
  try {
    await sql`insert into approvals (id, category, carriers, criteria, start_at, end_at, status, proposed_by) values ('a', 'transit', '{c}', '[]', now(), now() + interval '1 day', 'approved', 'x')`.execute(store.db);
    await assert.rejects(
      sql`insert into selected_flows (approval_id, criterion_id, category, carrier, start_at, end_at, family, src, dst, src_pseudonym, dst_pseudonym, src_port, dst_port, proto, tcp_flags, packets, bytes, in_if, out_if)
          values ('a', 'c', 'transit', 'c', now(), now(), 4, 'GET /secret HTTP/1.1', '1.2.3.4', false, false, 1, 2, 6, 0, 1, 1, 0, 0)`.execute(store.db),
      /invalid input syntax for type inet/,
    );
    const cols = await sql<{ column_name: string; data_type: string }>`select column_name, data_type from information_schema.columns where table_name = 'selected_flows'`.execute(store.db);
    const text = cols.rows.filter((c) => c.data_type === 'text').map((c) => c.column_name).sort();
    // the only text columns are identifiers the gate sets, never flow content
    assert.deepEqual(text, ['approval_id', 'carrier', 'category', 'criterion_id', 'key_id']);
  } finally {
    await store.close();
  }
});

test('retention: the purge deletes selected flows older than the period, counts and audits it', async () => {
  const store = await openStore({ data: 'memory://' });
  try {
    await sql`insert into approvals (id, category, carriers, criteria, start_at, end_at, status, proposed_by) values ('a', 'transit', '{c}', '[]', now() - interval '1000 days', now() + interval '1 day', 'approved', 'x')`.execute(store.db);
    const ins = (daysAgo: number) => sql`insert into selected_flows (approval_id, criterion_id, category, carrier, start_at, end_at, family, src, dst, src_pseudonym, dst_pseudonym, src_port, dst_port, proto, tcp_flags, packets, bytes, in_if, out_if)
      values ('a', 'c', 'transit', 'c', now() - ${daysAgo} * interval '1 day', now() - ${daysAgo} * interval '1 day', 4, '1.2.3.4', '5.6.7.8', false, false, 1, 2, 6, 0, 1, 1, 0, 0)`.execute(store.db);
    await ins(800);
    await ins(731);
    await ins(700);
    await ins(1);
    const live = await createLivePipeline({ config: validateConfig({ retentionDays: 730 }), db: store.db, registry: createMetricsRegistry() });
    try {
      assert.equal(await live.purgeNow(), 2);
      const left = await sql<{ n: number }>`select count(*) as n from selected_flows`.execute(store.db);
      assert.equal(left.rows[0]!.n, 2);
      const audit = await sql<{ details: { purged: number } }>`select details from audit_events where action = 'retention.purge'`.execute(store.db);
      assert.ok(audit.rows.some((r) => r.details.purged === 2), 'the purge is audited with its count');
    } finally {
      await live.stop();
    }
  } finally {
    await store.close();
  }
});
