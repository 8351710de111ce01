/**
 * The bus tests' input: the demo scenario (botnet C2, scanner, DDoS, updates, background) for a
 * stretch of simulated time, under one approval naming every detector rule, with a fixed pseudonym key.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import type pg from 'pg';
import { jetstreamManager } from '@nats-io/jetstream';
import { createBusCollector, createBusWorker, createMemoryBus, parsePartitions, streamName, type createJetStreamBus } from '../../src/bus/index.js';
import { openStore } from '../../src/store/index.js';
import { PG_URL } from '../helpers/stores.js';
import { DemoScenario, fillFlowRecord } from '../../src/flow/demo-exporter.js';
import { MutableFlowRecord, copyFlowRecord, type FlowRecord, type FlowSink } from '../../src/flow/index.js';
import { ApprovalSet, createPseudonymiser, createScope, type PseudonymKey, type Pseudonymiser, type Scope } from '../../src/selection/index.js';

export const T0 = Date.UTC(2026, 10, 25, 0, 0, 0);

export interface Fixture {
  scope: Scope;
  approvals: ApprovalSet;
  pseudonymiser: Pseudonymiser;
  scenario: DemoScenario;
}

let scope: Scope | null = null;

export function fixture(seed = 11): Fixture {
  scope ??= createScope({ useCountryData: true, country: 'JP' });
  const approvals = new ApprovalSet({
    approvals: [
      {
        id: 'bus-fd',
        category: 'foreign-domestic',
        carriers: ['carrier-1'],
        criteria: [
          ...['beacon', 'fan-in', 'scan', 'ddos', 'strobe', 'long-connection'].map((d) => ({ id: `rule-${d}`, kind: 'detector' as const, detector: d })),
          { id: 'ind-port-23', kind: 'port' as const, port: 23 },
        ],
        start: new Date(T0 - 86400_000).toISOString(),
        end: new Date(T0 + 30 * 86400_000).toISOString(),
        approvedBy: 'commission-test',
        status: 'approved',
      },
    ],
  });
  const key: PseudonymKey = { id: 'k1', key: new Uint8Array(32).fill(7), validFrom: T0 - 86400_000, validTo: T0 + 30 * 86400_000 };
  const pseudonymiser = createPseudonymiser({ keys: [key] });
  return { scope, approvals, pseudonymiser, scenario: new DemoScenario(scope, T0, { seed, backgroundFlowsPerSimSecond: 10 }) };
}

/** Feeds `minutes` of the scenario, from minute `from`, into `sink`; returns the flows fed. */
export async function feed(fx: Fixture, sink: FlowSink, from: number, minutes: number, between?: () => Promise<void>): Promise<number> {
  const rec = new MutableFlowRecord();
  rec.exporter = 'carrier-1';
  let n = 0;
  for (let t = T0 + from * 60_000; t < T0 + (from + minutes) * 60_000; t += 10_000) {
    const batch: Parameters<Parameters<DemoScenario['window']>[2]>[0][] = [];
    fx.scenario.window(t, t + 10_000, (f) => batch.push(f));
    batch.sort((a, b) => a.end - b.end);
    for (const f of batch) {
      sink(fillFlowRecord(rec, f));
      n++;
    }
    if (between) await between();
  }
  return n;
}

export const NATS_URL = process.env.ACD_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export async function natsReachable(): Promise<boolean> {
  const u = new URL(NATS_URL);
  return new Promise((resolve) => {
    const s = connect(Number(u.port || 4222), u.hostname);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}


/** The scenario's records for `minutes` from minute `from`, copied (for benchmarks: generate once, feed many times). */
export async function records(fx: Fixture, from: number, minutes: number): Promise<FlowRecord[]> {
  const out: FlowRecord[] = [];
  await feed(fx, (r) => out.push(copyFlowRecord(r)), from, minutes);
  return out;
}

/** A `worker-proc.ts` child as the process tests run it. */
export interface WorkerProcess {
  proc: ChildProcess;
  /** resolves once it logs that it consumes its partitions; rejects if it exits first */
  ready: Promise<void>;
  exited: Promise<number | null>;
  stderr: () => string;
}

/**
 * Spawns `test/bus/worker-proc.ts` with `args` (see that file for their order). `onLine` sees each
 * complete line of its stderr, in order; `label` prefixes its output under BUS_DEBUG.
 */
export function spawnWorker(label: string, args: string[], onLine?: (line: string) => void): WorkerProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/bus/worker-proc.ts', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ACD_LOG_LEVEL: 'info' },
  });
  let err = '';
  let seen = 0;
  const ready = new Promise<void>((resolve, reject) => {
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (process.env.BUS_DEBUG) process.stderr.write(`[${label}] ${d.toString()}`);
      if (onLine) {
        const lines = err.split('\n');
        for (; seen < lines.length - 1; seen++) onLine(lines[seen]!);
      }
      if (err.includes('consuming partitions')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`worker ${label} exited ${code}: ${err}`)));
  });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, ready, exited, stderr: () => err };
}

/**
 * Makes the store's schema (before worker processes race to migrate it) and writes the fixture's
 * approval into it as approved (in production: proposed and decided through the API).
 */
export async function storeWithApproval(client: pg.Client, schema: string): Promise<void> {
  const s = await openStore({ db: PG_URL, schema });
  await s.close();
  const ap = fixture().approvals.list()[0]!;
  await client.query(
    `insert into ${schema}.approvals (id, category, carriers, criteria, start_at, end_at, status, proposed_by) values ($1, $2, $3, $4, $5, $6, 'approved', 'test')`,
    [ap.id, ap.category, ap.carriers, JSON.stringify(ap.criteria), ap.start, ap.end],
  );
}

type BusFinding = ReturnType<ReturnType<typeof createBusWorker>['findings']>[number];

/** The reference: the findings of one in-process run of `minutes` (memory bus, same partitioning, same worker code, no store). */
export async function referenceFindings(partitions: number, minutes: number): Promise<BusFinding[]> {
  const memBus = createMemoryBus({ partitions });
  const fx = fixture();
  const ref = createBusCollector({ ...fx, bus: memBus, config: { publisher: { producer: 'ref' } } });
  const worker = createBusWorker({ bus: memBus, partitions: parsePartitions(`0-${partitions - 1}`, partitions) });
  await worker.start();
  await feed(fx, ref.sink, 0, minutes, () => ref.publisher.ready());
  await ref.flush({ end: true });
  while ([...(await worker.lag()).values()].some((n) => n > 0)) await new Promise((r) => setTimeout(r, 20));
  await worker.stop();
  await memBus.close();
  return worker.findings();
}

/** Messages the partitions' consumers have not yet had acknowledged (pending or in flight). */
export async function consumersPending(bus: Awaited<ReturnType<typeof createJetStreamBus>>, prefix: string, partitions: number): Promise<number> {
  const jsm = await jetstreamManager(bus.connection);
  let n = 0;
  for (let p = 0; p < partitions; p++) {
    const info = await jsm.consumers.info(streamName(prefix), `${prefix}-p${p}`);
    n += info.num_pending + info.num_ack_pending;
  }
  return n;
}

/**
 * Asserts that PostgreSQL holds each of the `selected` flows once and the reference run's findings.
 * A finding about domestic hosts only (external null: a DDoS on a domestic target with many sources)
 * is made in every partition its sources hash to, under one key; the store keeps one row per key (the
 * last partition's upsert). So: keys and types compare as a set; update counts only for findings about
 * one external address, which live in exactly one partition.
 */
export async function assertStoredAsReference(client: pg.Client, schema: string, selected: number, ref: BusFinding[]): Promise<void> {
  const want = [...new Set(ref.map((f) => `${f.key} ${f.type}`))].sort();
  const wantExt = ref.filter((f) => f.external !== null).map((f) => `${f.key} ${f.type} ${f.updates}`).sort();
  const stored = Number((await client.query(`select count(*) from ${schema}.selected_flows`)).rows[0].count);
  assert.equal(stored, selected, 'each selected flow stored exactly once');
  const rows = (await client.query(`select key, type, external, updates from ${schema}.findings`)).rows as Array<{ key: string; type: string; external: string | null; updates: number }>;
  assert.ok(want.length > 5);
  assert.deepEqual(rows.map((r) => `${r.key} ${r.type}`).sort(), want, 'finding keys and types in PostgreSQL equal the single in-process run');
  assert.deepEqual(rows.filter((r) => r.external !== null).map((r) => `${r.key} ${r.type} ${r.updates}`).sort(), wantExt, 'and each finding about an external address was updated as often');
}
