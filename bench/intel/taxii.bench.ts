/**
 * TAXII on PostgreSQL: bundle import rate, and a page of 100 objects from a big collection — through
 * the store (the marking filter and "last version" rule in SQL) and through the whole HTTP route
 * (token check, query, audit of the read, serialisation) — with p50/p99. Baselines in the same run:
 * a raw unnest insert of the same rows (for import) and a raw SQL select of the same page by date_added
 * with no marking or version rule (for reads).
 *
 * ACD_BENCH_INTEL_OBJECTS sets the collection's size (default 100 000; the issue's 1 M loads in
 * about ten times as long).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, batchInsert, withTables } from '../../src/store/index.js';
import { SYSTEM_ACTOR, createLoginThrottle, createOrganisation, createPerson, issueToken, type Actor } from '../../src/auth/index.js';
import { addObjects, createCollection, encodeNext, indicator, queryObjects, TLP2_MARKING_IDS, type IntelTables } from '../../src/intel/index.js';
import { buildServer } from '../../src/server/app.js';
import { validateConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/shared/log.js';
import { createMetricsRegistry } from '../../src/shared/metrics.js';
import { measure, report } from '../lib.js';

const PG_URL = process.env.ACD_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test';
const N = Number(process.env.ACD_BENCH_INTEL_OBJECTS ?? 100_000);
const PAGE = 100;
const QUERIES = 300;
const BATCH = 5000;

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const line = (name: string, ms: number[]): string => `${name.padEnd(44)} p50 ${pct(ms, 50).toFixed(2)} ms  p99 ${pct(ms, 99).toFixed(2)} ms  (${ms.length} pages of ${PAGE})`;

const schema = `bench_${randomBytes(4).toString('hex')}`;
const store = await openStore({ db: PG_URL, schema, poolSize: 4 });
try {
  const db = withTables<IntelTables>(store.db);
  const agency = await createOrganisation(store.db, SYSTEM_ACTOR, { name: 'Bench agency', kind: 'agency' });
  const opOrg = await createOrganisation(store.db, SYSTEM_ACTOR, { name: 'Bench operator', kind: 'operator', sector: 'electricity' });
  const analystUser = await createPerson(store.db, SYSTEM_ACTOR, { orgId: agency.id, username: 'bench-analyst', displayName: 'b', roles: ['agency_analyst'] });
  const opUser = await createPerson(store.db, SYSTEM_ACTOR, { orgId: opOrg.id, username: 'bench-operator', displayName: 'o', roles: ['operator'] });
  const analyst: Actor = { userId: analystUser.id, username: 'bench-analyst', orgId: agency.id, orgKind: 'agency', roles: ['agency_analyst'], via: 'system' };
  const coll = await createCollection(db, analyst, { title: 'bench', ownerOrgId: agency.id, readRoles: ['operator', 'agency_analyst'], writeRoles: ['agency_analyst'], defaultTlp: 'amber', audienceOrgs: [opOrg.id] });

  // objects: a mix of CLEAR, GREEN, AMBER (to the operator) and AMBER+STRICT (to the agency only); 1 in 10 with a second version
  const levels = ['clear', 'green', 'amber', 'amber+strict'] as const;
  const make = (i: number) => {
    const o = indicator({ pattern: `[ipv4-addr:value = '${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}.${i % 200}']`, created: '2026-11-01T00:00:00.000Z', name: `bench ${i}` });
    return { ...o, id: `indicator--${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`, object_marking_refs: [TLP2_MARKING_IDS[levels[i % 4]!]] };
  };
  let loaded = 0;
  const imp = await measure(async () => {
    for (let from = 0; from < N; from += BATCH) {
      const objs = Array.from({ length: Math.min(BATCH, N - from) }, (_, k) => make(from + k));
      const withVersions = objs.filter((_o, k) => (from + k) % 10 === 0).map((o) => ({ ...o, modified: '2026-11-02T00:00:00.000Z' }));
      const r = await addObjects(db, coll, [...objs, ...withVersions], { actor: analyst, recipientOrgs: [opOrg.id] });
      loaded += r.added;
    }
    return loaded;
  });
  // baseline: the same kind of rows by a raw unnest insert, no checks, no lock, no audit
  await store.db.schema.createTable('bench_raw').addColumn('id', 'text').addColumn('n', 'bigint').addColumn('object', 'jsonb').execute();
  const rawRows = Array.from({ length: Math.min(N, 20_000) }, (_, i) => [`x${i}`, i, make(i)]);
  const raw = await measure(async () => batchInsert(store.db, 'bench_raw', [{ name: 'id', type: 'text' }, { name: 'n', type: 'bigint' }, { name: 'object', type: 'jsonb' }], rawRows));
  report(`postgres: import of ${loaded} STIX object versions`, imp, raw, 'objects', 'raw unnest insert');
  await store.db.schema.dropTable('bench_raw').execute();
  await pgAnalyze();

  const range = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
  await range.connect();
  const { rows: mm } = await range.query<{ lo: string; hi: string }>('select min(date_added_us) as lo, max(date_added_us) as hi from intel_objects where collection_id = $1', [coll.id]);
  const lo = Number(mm[0]!.lo);
  const hi = Number(mm[0]!.hi);
  const cursors = Array.from({ length: QUERIES }, () => Math.floor(lo + Math.random() * (hi - lo) * 0.98));

  const reader = { userId: opUser.id, orgId: opOrg.id, community: true, clientOf: [] as string[] };
  const storeMs: number[] = [];
  const storeM = await measure(async () => {
    for (const c of cursors) {
      const t0 = performance.now();
      const p = await queryObjects(db, coll, { reader, limit: PAGE, next: encodeNext(c) });
      storeMs.push(performance.now() - t0);
      if (p.rows.length === 0) throw new Error('empty page');
    }
    return QUERIES;
  });
  const rawMs: number[] = [];
  const rawM = await measure(async () => {
    for (const c of cursors) {
      const t0 = performance.now();
      await range.query('select object from intel_objects where collection_id = $1 and date_added_us > $2 order by date_added_us limit $3', [coll.id, c, PAGE + 1]);
      rawMs.push(performance.now() - t0);
    }
    return QUERIES;
  });
  report(`postgres: page of ${PAGE} from ${loaded} (store, TLP + last version)`, storeM, rawM, 'pages', 'raw SQL select of the page');
  console.log(line('  store page', storeMs));
  console.log(line('  raw SQL page (baseline)', rawMs));

  // the whole route: Bearer token, rights, query, audit of the read, JSON
  const cfg = validateConfig({ logLevel: 'silent' });
  const { app } = await buildServer({ config: cfg, store, logger: silentLogger, registry: createMetricsRegistry(), throttle: createLoginThrottle({ maxAttempts: 5, windowSeconds: 60 }), startedAt: new Date() });
  const tok = await issueToken(store.db, SYSTEM_ACTOR, opUser.id, 'bench', null);
  const httpMs: number[] = [];
  const httpM = await measure(async () => {
    for (const c of cursors) {
      const t0 = performance.now();
      const r = await app.inject({ url: `/taxii2/acd/collections/${coll.id}/objects/?limit=${PAGE}&next=${encodeNext(c)}`, headers: { authorization: `Bearer ${tok.token}`, accept: 'application/taxii+json;version=2.1' } });
      httpMs.push(performance.now() - t0);
      if (r.statusCode !== 200) throw new Error(r.body);
    }
    return QUERIES;
  });
  report(`postgres: GET objects/ page of ${PAGE} (HTTP route)`, httpM, rawM, 'pages', 'raw SQL select of the page');
  console.log(line('  HTTP route page', httpMs));
  // the floor of any authenticated TAXII request: token check (with its last-used write) + discovery's one query
  const discMs: number[] = [];
  const discM = await measure(async () => {
    for (let i = 0; i < QUERIES; i++) {
      const t0 = performance.now();
      const r = await app.inject({ url: '/taxii2/', headers: { authorization: `Bearer ${tok.token}`, accept: 'application/taxii+json;version=2.1' } });
      discMs.push(performance.now() - t0);
      if (r.statusCode !== 200) throw new Error(r.body);
    }
    return QUERIES;
  });
  report('postgres: GET objects/ page vs authenticated discovery', httpM, discM, 'requests', 'GET /taxii2/ (auth + 1 query)');
  console.log(line('  GET /taxii2/ (baseline)', discMs));
  await app.close();
  await range.end();

  async function pgAnalyze(): Promise<void> {
    const c = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
    await c.connect();
    await c.query('analyze intel_objects');
    await c.end();
  }
} finally {
  await store.close();
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect().then(() => c.query(`drop schema if exists ${schema} cascade`)).catch((e: unknown) => console.log(`postgres: ${(e as Error).message}`));
  await c.end().catch(() => {});
}
