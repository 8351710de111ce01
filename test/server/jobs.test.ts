/**
 * The server's background jobs in one place (src/server/jobs.ts): the route modules add them, the server
 * starts them when ready and stops them, in reverse order, when it closes; a job that fails to stop does not
 * keep the others running. Through the real server: `acd serve`'s operations jobs are among them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBackgroundJobs } from '../../src/server/jobs.js';
import { silentLogger } from '../../src/shared/log.js';
import { createTestApp } from '../helpers/app.js';

test('jobs start in order, stop in reverse order, once each; a stop that throws does not keep the others running', async () => {
  const seen: string[] = [];
  const jobs = createBackgroundJobs(silentLogger);
  for (const n of ['a', 'b', 'c']) {
    jobs.add(n, {
      start: () => { seen.push(`start ${n}`); },
      stop: () => { seen.push(`stop ${n}`); if (n === 'b') throw new Error('b cannot stop'); },
    });
  }
  assert.deepEqual(seen, [], 'nothing starts before the server is ready');
  await jobs.start();
  await jobs.start();
  await jobs.stop();
  await jobs.stop();
  assert.deepEqual(seen, ['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
  assert.throws(() => jobs.add('a', { start() {}, stop() {} }), /added twice/);
});

test('a job added while the jobs run starts at once', async () => {
  const jobs = createBackgroundJobs(silentLogger);
  await jobs.start();
  let started = false;
  jobs.add('late', { start: () => { started = true; }, stop() {} });
  await new Promise((r) => setImmediate(r));
  assert.ok(started);
  await jobs.stop();
});

test('the server starts the route modules\' jobs when ready and stops them when it closes', async () => {
  const events: string[] = [];
  let names: string[] = [];
  const t = await createTestApp({}, [
    async (_app, ctx) => {
      ctx.jobs.add('test.probe', { start: () => { events.push('start'); }, stop: () => { events.push('stop'); } });
      names = ctx.jobs.names();
    },
  ]);
  try {
    assert.deepEqual(events, ['start'], 'started: buildServer returns a ready server');
    assert.deepEqual(names.filter((n) => n.startsWith('operations.')), ['operations.expiry', 'operations.reconcile'], 'the operations part\'s jobs are the server\'s');
  } finally {
    await t.close();
  }
  assert.deepEqual(events, ['start', 'stop']);
});
