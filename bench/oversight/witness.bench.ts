/**
 * The log appender with the witness in the loop (issue #19): audit rows are written, appended and a
 * head signed every H entries; with the witness, every head is also cosigned (C2SP tlog-witness over
 * HTTP on loopback, consistency proof from the last cosigned size, state fsynced before it answers)
 * and the cosigned note stored. Baseline, same run, same rows: the same loop with the appender as it is
 * without a witness (a head every H entries, the never-sign-backwards check included in both).
 * Target ≥ 20 k appends/s with the witness.
 * ACD_BENCH_PG_URL (default postgres://root@127.0.0.1:5432/test), ACD_BENCH_WITNESS_N (default 50 000),
 * ACD_BENCH_WITNESS_H (entries per head, default 1000).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { measure, report } from '../lib.js';
import { openStore, type Store } from '../../src/store/index.js';
import { SYSTEM_ACTOR } from '../../src/auth/index.js';
import { createAuditLogAppender, createWitness, createWitnessClient, generateLogKey, importCosignerVerifier, recordAuditBatch, startWitnessServer, type AuditInput, type LogKey, type WitnessClient } from '../../src/oversight/index.js';

const URL = process.env.ACD_BENCH_PG_URL ?? 'postgres://root@127.0.0.1:5432/test';
const N = Number(process.env.ACD_BENCH_WITNESS_N ?? 50_000);
const H = Number(process.env.ACD_BENCH_WITNESS_H ?? 1000);
const schemas: string[] = [];
const stores: Store[] = [];

const ev = (i: number): AuditInput => ({
  actor: SYSTEM_ACTOR,
  action: i % 3 ? 'flow.read' : 'approval.decide',
  target: { type: 'approval', id: `appr-${i % 997}` },
  basis: `appr-${i % 997}`,
  details: { count: i, window: '2026-11-25T10:00Z/PT1H' },
});

async function run(key: LogKey, witness: WitnessClient | undefined): Promise<{ ms: number; ops: number; heads: number }> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  schemas.push(schema);
  const store = await openStore({ db: URL, schema, poolSize: 4 });
  stores.push(store);
  const log = await createAuditLogAppender({ store, key, config: { intervalMs: 0, batchSize: 5000 }, ...(witness ? { witness } : {}) });
  let heads = 0;
  const m = await measure(async () => {
    for (let i = 0; i < N; i += H) {
      await recordAuditBatch(store.db, Array.from({ length: Math.min(H, N - i) }, (_, j) => ev(i + j)));
      if (await log.tick()) heads++;
    }
    return log.size;
  });
  if (witness && log.health().witness?.lastCosignedSize !== log.size) throw new Error(`the witness cosigned ${log.health().witness?.lastCosignedSize}, the log holds ${log.size}`);
  return { ...m, heads };
}

const dir = mkdtempSync(join(tmpdir(), 'acd-bench-witness-'));
try {
  const baseline = await run(generateLogKey('bench/plain'), undefined);
  report(`PostgreSQL: append + head every ${H} (no witness)`, baseline, null, 'appends');
  const key = generateLogKey('bench/witnessed');
  const witness = createWitness({ dataDir: join(dir, 'w'), name: 'bench/witness', logs: [key] });
  const server = await startWitnessServer(witness, { host: '127.0.0.1', port: 0 });
  try {
    const witnessed = await run(key, createWitnessClient({ url: server.url, verifier: importCosignerVerifier(witness.vkey) }));
    report(`PostgreSQL: same, every head cosigned (${witnessed.heads} heads)`, witnessed, baseline, 'appends', 'no witness');
  } finally {
    await server.close();
  }
} finally {
  for (const s of stores) await s.close();
  const c = new pg.Client({ connectionString: URL });
  await c.connect();
  for (const s of schemas) await c.query(`drop schema if exists ${s} cascade`);
  await c.end();
  rmSync(dir, { recursive: true, force: true });
}
