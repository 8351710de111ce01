/**
 * The log appender on PostgreSQL: audit rows already in audit_events are read back, canonicalised,
 * hashed, appended to the Merkle tree (nodes) and mapped (row → leaf), batch by batch in one
 * transaction each. Baseline, same run and database: writing the same rows to audit_events with
 * recordAuditBatch (what every part pays to audit). Target ≥ 20 k entries/s.
 * ACD_BENCH_PG_URL (default postgres://root@127.0.0.1:5432/test), ACD_BENCH_AUDIT_N (default 100 000).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { measure, report } from '../lib.js';
import { openStore } from '../../src/store/index.js';
import { SYSTEM_ACTOR } from '../../src/auth/index.js';
import { createAuditLogAppender, generateLogKey, recordAuditBatch, type AuditInput } from '../../src/oversight/index.js';

const URL = process.env.ACD_BENCH_PG_URL ?? 'postgres://root@127.0.0.1:5432/test';
const N = Number(process.env.ACD_BENCH_AUDIT_N ?? 100_000);
const schema = `bench_${randomBytes(4).toString('hex')}`;

const ev = (i: number): AuditInput => ({
  actor: SYSTEM_ACTOR,
  action: i % 3 ? 'flow.read' : 'approval.decide',
  target: { type: 'approval', id: `appr-${i % 997}` },
  reason: i % 5 ? null : 'scheduled review',
  basis: `appr-${i % 997}`,
  details: { count: i, window: '2026-11-25T10:00Z/PT1H' },
});

const store = await openStore({ db: URL, schema, poolSize: 4 });
try {
  const WRITE = 5000;
  const baseline = await measure(async () => {
    for (let i = 0; i < N; i += WRITE) await recordAuditBatch(store.db, Array.from({ length: Math.min(WRITE, N - i) }, (_, j) => ev(i + j)));
    return N;
  });
  report('PostgreSQL: recordAuditBatch (rows only)', baseline, null, 'entries');
  for (const batchSize of [Number(process.env.ACD_BENCH_AUDIT_BATCH ?? 5000)]) {
    const log = await createAuditLogAppender({ store, key: generateLogKey('bench/audit'), config: { intervalMs: 0, batchSize } });
    const subject = await measure(async () => log.appendPending());
    if (subject.ops !== N) throw new Error(`appended ${subject.ops} of ${N}`);
    report(`PostgreSQL: appender, batch ${batchSize}`, subject, baseline, 'entries', 'writing the rows');
    const head = await measure(async () => {
      await log.signHead();
      return 1;
    });
    report('PostgreSQL: sign a head (after the appends)', head, null, 'heads');
    const exp = await measure(async () => (await log.exportLog()).entries.length);
    report('PostgreSQL: export (entries, leaves, heads)', exp, baseline, 'entries', 'writing the rows');
  }
} finally {
  await store.close();
  const c = new pg.Client({ connectionString: URL });
  await c.connect();
  await c.query(`drop schema if exists ${schema} cascade`);
  await c.end();
}
