/**
 * The bus's NATS access rules (src/bus/nats-access.conf) on a nats-server of their own, started on a
 * free port with that file: a collector's credential publishes flows but can neither subscribe to
 * them nor create a consumer; a worker's credential consumes (the flows a collector published reach
 * it) but cannot publish flows; a wrong password is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { AckPolicy, jetstreamManager } from '@nats-io/jetstream';
import { createBusCollector, createBusWorker, createJetStreamBus } from '../../src/bus/index.js';
import { feed, fixture } from './fixture.js';

const SERVER = '/usr/sbin/nats-server';
const PW = { admin: 'admin-pw-1', collector: 'collector-pw-2', worker: 'worker-pw-3' };

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address() as { port: number };
      s.close(() => resolve(a.port));
    });
  });
}

test('NATS access rules: collectors publish only, workers consume only', async (t) => {
  if (!existsSync(SERVER)) {
    t.skip(`${SERVER} is not installed`);
    return;
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'acd-nats-'));
  const proc = spawn(SERVER, ['-c', 'src/bus/nats-access.conf', '-p', String(port), '-a', '127.0.0.1', '-js', '-sd', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ACD_NATS_ADMIN_PASSWORD: PW.admin, ACD_NATS_COLLECTOR_PASSWORD: PW.collector, ACD_NATS_WORKER_PASSWORD: PW.worker },
  });
  let log = '';
  proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const url = `nats://127.0.0.1:${port}`;
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    for (let i = 0; i < 200 && !log.includes('Server is ready'); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(log, /Server is ready/, `nats-server started with the access file: ${log}`);

    // a wrong password is refused
    await assert.rejects(connect({ servers: url, user: 'acd-collector', pass: 'wrong' }), /Authorization Violation/i);

    // the operator makes the stream; collector and worker use it
    const admin = await createJetStreamBus({ servers: url, partitions: 2, auth: { user: 'acd-admin', pass: PW.admin } });
    cleanup.push(() => admin.close());
    const collectorBus = await createJetStreamBus({ servers: url, partitions: 2, auth: { user: 'acd-collector', pass: PW.collector } });
    cleanup.push(() => collectorBus.close());
    const workerBus = await createJetStreamBus({ servers: url, partitions: 2, auth: { user: 'acd-worker', pass: PW.worker } });
    cleanup.push(() => workerBus.close());

    // the collector publishes; the worker consumes what it published
    const fx = fixture();
    const collector = createBusCollector({ ...fx, bus: collectorBus });
    await feed(fx, collector.sink, 0, 2, () => collector.publisher.ready());
    await collector.flush({ end: true });
    assert.equal(collector.publisher.error, null, 'the collector may publish flows');
    assert.ok(collector.publisher.published.flows > 0);
    const worker = createBusWorker({ bus: workerBus, partitions: [0, 1] });
    await worker.start();
    for (let i = 0; i < 400 && worker.stats.selected + worker.stats.dropped < collector.publisher.published.flows; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(worker.stats.selected + worker.stats.dropped, collector.publisher.published.flows, 'the worker consumed every published flow');
    await worker.stop();

    // the collector's credential cannot read the bus: no subscription to the flows ...
    const c = await connect({ servers: url, user: 'acd-collector', pass: PW.collector, inboxPrefix: '_INBOX_acd-collector' });
    cleanup.push(() => c.close());
    // (within 3 s: a subscription the server allowed would just wait, and that is a failure too)
    const refused = (subject: string): Promise<void> => {
      const sub = c.subscribe(subject);
      return Promise.race([
        (async () => {
          for await (const _m of sub) assert.fail(`a collector received a message on ${subject}`);
        })(),
        new Promise<void>((resolve) => setTimeout(resolve, 3000)),
      ]).then(() => {
        sub.unsubscribe();
        throw new Error(`the subscription to ${subject} was allowed`);
      });
    };
    await assert.rejects(refused('acd.flows.>'), /Permissions Violation for Subscription to "acd\.flows\.>"/);
    // ... nor to the worker's deliveries ...
    await assert.rejects(refused('_INBOX_acd-worker.>'), /Permissions Violation for Subscription/);
    await assert.rejects(refused('_INBOX.>'), /Permissions Violation for Subscription/);
    // ... nor a consumer of its own
    const cjsm = await jetstreamManager(c, { timeout: 2000 });
    await assert.rejects(cjsm.consumers.add('ACD_FLOWS', { durable_name: 'spy', ack_policy: AckPolicy.Explicit }), /Permissions Violation|timeout/i);

    // the worker's credential cannot publish flows
    const w = await connect({ servers: url, user: 'acd-worker', pass: PW.worker, inboxPrefix: '_INBOX_acd-worker' });
    cleanup.push(() => w.close());
    const errs: string[] = [];
    void (async () => {
      for await (const s of w.status()) if (s.type === 'error') errs.push(String((s as { error?: unknown }).error));
    })();
    w.publish('acd.flows.0', new Uint8Array(40));
    await w.flush();
    for (let i = 0; i < 100 && errs.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(errs.some((e) => /Permissions Violation for Publish to "acd\.flows\.0"/.test(e)), `the worker may not publish flows: ${errs.join('; ')}`);
    const jsm = await jetstreamManager(admin.connection);
    const info = await jsm.streams.info('ACD_FLOWS');
    assert.equal(info.state.messages, collector.publisher.published.batches, "the stream holds the collector's batches and nothing from the worker");
  } finally {
    for (const f of cleanup.reverse()) await f().catch(() => null);
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
});
