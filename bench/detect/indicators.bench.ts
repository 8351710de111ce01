/**
 * `npm run bench -- indicators` (issue #21): memory and time for 1 M address indicators.
 * 1. The detector: 1 M /32 indicators (STIX ids, one source, one TLP, as a feed gives them) handed to
 *    `setIndicators`: heap retained by the detector after GC, per indicator; the swap time; the
 *    lookup cost per flow with the 1 M set (flows to random addresses, 1 in 1000 a hit).
 * 2. The store path (PostgreSQL, ACD_TEST_PG or the local default): 1 M indicator objects in
 *    intel_objects (generated server-side), `loadStoredIndicators` read in pages: wall time, heap
 *    peak while reading, heap retained by the list. Skipped, saying so, without PostgreSQL.
 * Heap figures are process.memoryUsage().heapUsed after global.gc() (run with --expose-gc, as
 * bench/run.ts does).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createDetectors, OUTBOUND } from '../../src/detect/index.js';
import type { Indicator } from '../../src/detect/index.js';
import { MutableFlowRecord } from '../../src/flow/index.js';
import { loadStoredIndicators } from '../../src/pipeline/index.js';
import { openStore } from '../../src/store/index.js';
import { PG_URL, freshSchemaName } from '../../test/helpers/stores.js';

const N = Number(process.env.ACD_BENCH_INDICATORS ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc ?? ((): void => {});
const heap = (): number => { gc(); gc(); return process.memoryUsage().heapUsed; };
const mib = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`;
const addr = (i: number): string => `${(i >>> 24) & 255}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
// addresses spread over 11.0.0.0 onwards, one per 7 (distinct /32s)
const base = 11 << 24;

{
  const h0 = heap();
  let list: Indicator[] | null = [];
  for (let i = 0; i < N; i++) list.push({ id: `indicator--${randomUUID()}`, address: addr(base + i * 7), source: 'identity--feed', tlp: 'amber' });
  const h1 = heap();
  const det = createDetectors({});
  const t0 = performance.now();
  const r = det.setIndicators(list);
  const swapMs = performance.now() - t0;
  const h2 = heap();
  list = null; // what a refresher keeps: only the detector's sets (the indicators live on inside them)
  const h3 = heap();
  console.log(`detector, ${r.loaded} indicators (rejected ${r.rejected.length}): list ${mib(h1 - h0)}, sets ${mib(h2 - h1)}, retained after the list is dropped ${mib(h3 - h0)} = ${((h3 - h0) / N).toFixed(0)} bytes per indicator; setIndicators ${swapMs.toFixed(0)} ms`);
  // lookups: 2 M flows to random addresses in the indicators' range, one in 1000 an indicator's
  const rec = new MutableFlowRecord();
  rec.family = 4; rec.src4 = (10 << 24) + 5; rec.srcPort = 50000; rec.dstPort = 443; rec.proto = 6; rec.bytes = 500; rec.packets = 5; rec.tcpFlags = 0x1b;
  const flows = 2_000_000;
  const lookups = (d: ReturnType<typeof createDetectors>): number => {
    let x = 12345;
    const t1 = performance.now();
    for (let i = 0; i < flows; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      rec.dst4 = i % 1000 === 0 ? base + (x % N) * 7 : base + (x % (N * 7)) + 1 - ((x % (N * 7)) % 7 === 6 ? 2 : 0);
      rec.start = 1.7e12 + i; rec.end = rec.start + 10;
      d.indicator.observe(rec, OUTBOUND);
    }
    return ((performance.now() - t1) * 1e6) / flows;
  };
  // baseline in the same run (the box's load varies): one indicator, the same flows
  const one = createDetectors({ config: { indicator: { indicators: [{ id: 'one', address: '192.0.2.1' }] } } });
  const base1 = lookups(one);
  const perFlow = lookups(det);
  console.log(`detector lookups: ${perFlow.toFixed(0)} ns per flow with ${N} indicators, ${base1.toFixed(0)} ns with 1 (same run; indicator detector alone), ${det.indicator.stats().tracked} hits tracked`);
}

if (process.env.ACD_BENCH_INDICATORS_STORE !== '0') {
  const schema = freshSchemaName();
  let client: pg.Client | null = new pg.Client({ connectionString: PG_URL });
  try {
    await client.connect();
  } catch (e) {
    console.log(`store path skipped: PostgreSQL not reachable at ${PG_URL} (${(e as Error).message})`);
    client = null;
  }
  if (client) {
    const store = await openStore({ db: PG_URL, schema });
    try {
      await client.query(`set search_path = ${schema}`);
      const coll = randomUUID();
      await client.query(`insert into intel_api_roots (id, title, description, max_content_length) values ('acd', 'acd', null, 10485760) on conflict do nothing`);
      const org = (await client.query(`select id from organisations limit 1`)).rows[0] as { id: string } | undefined;
      const owner = org?.id ?? (await client.query(`insert into organisations (id, name, kind) values ($1, 'bench', 'agency') returning id`, [randomUUID()])).rows[0].id;
      await client.query(`insert into intel_collections (id, api_root, title, owner_org_id, read_roles, write_roles, default_tlp, audience_orgs, audience_users) values ($1, 'acd', 'bench', $2, '{agency_analyst}', '{agency_analyst}', 'amber', '{}', '{}')`, [coll, owner]);
      const t0 = performance.now();
      await client.query(`
        insert into intel_objects (collection_id, stix_id, stix_type, spec_version, version, version_us, date_added_us, tlp, recipient_orgs, recipient_users, object)
        select $1, 'indicator--' || gen_random_uuid(), 'indicator', '2.1', '2026-01-01T00:00:00.000Z', 1, i, 'amber', '{}', '{}',
          jsonb_build_object('type', 'indicator', 'spec_version', '2.1', 'id', 'x', 'created', '2026-01-01T00:00:00.000Z', 'modified', '2026-01-01T00:00:00.000Z',
            'pattern', '[ipv4-addr:value = ''' || ((11 + (i * 7) / 16777216) % 224)::text || '.' || (((i * 7) / 65536) % 256)::text || '.' || (((i * 7) / 256) % 256)::text || '.' || ((i * 7) % 256)::text || ''']',
            'pattern_type', 'stix', 'valid_from', '2026-01-01T00:00:00.000Z', 'object_marking_refs', jsonb_build_array('marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421'))
        from generate_series(1, $2::int) as i`, [coll, N]);
      console.log(`store: ${N} indicator objects inserted in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const h0 = heap();
      let peak = 0;
      const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().heapUsed); }, 20);
      const t1 = performance.now();
      let r: Awaited<ReturnType<typeof loadStoredIndicators>> | null = await loadStoredIndicators(store.db);
      const ms = performance.now() - t1;
      clearInterval(timer);
      const h1 = heap();
      console.log(`loadStoredIndicators: ${r.indicators.length} indicators of ${r.objects} objects in ${(ms / 1000).toFixed(1)} s; heap peak while reading +${mib(Math.max(0, peak - h0))}, list retained ${mib(h1 - h0)} (${((h1 - h0) / N).toFixed(0)} bytes per indicator)`);
      const det = createDetectors({});
      const h2 = heap();
      det.setIndicators(r.indicators);
      r = null;
      const h3 = heap();
      console.log(`after setIndicators and dropping the list: detector sets +${mib(h3 - h2)} over the list (${mib(h3 - h0)} in all, ${((h3 - h0) / N).toFixed(0)} bytes per indicator)`);
    } finally {
      await store.close();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    }
  }
}
