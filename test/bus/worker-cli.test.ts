/** `acd worker`'s bad options: each refused before anything connects, with a message naming the option. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWorker, type WorkerCliOptions } from '../../src/cli/commands/worker.js';

const base: WorkerCliOptions = { partitions: '0-3', total: '8', nats: 'nats://127.0.0.1:1', prefix: 'acd' };
const never = new Promise<void>(() => {});

test('acd worker refuses bad partitions, partition counts, select scores, worker ids and lease lifetimes', async () => {
  await assert.rejects(runWorker({ ...base, partitions: '0-8' }, never), { code: 'WORKER_BAD_PARTITIONS', message: /--partitions: .*8 is not below the partition count 8/ });
  await assert.rejects(runWorker({ ...base, partitions: 'x' }, never), { code: 'WORKER_BAD_PARTITIONS', message: /"x" is not N or N-M/ });
  await assert.rejects(runWorker({ ...base, total: '0' }, never), { code: 'WORKER_BAD_TOTAL', message: /--total 0/ });
  await assert.rejects(runWorker({ ...base, total: 'eight' }, never), { code: 'WORKER_BAD_TOTAL' });
  await assert.rejects(runWorker({ ...base, selectScore: '1.5' }, never), { code: 'WORKER_BAD_SELECT_SCORE', message: /between 0 and 1/ });
  await assert.rejects(runWorker({ ...base, partitions: 'auto', id: 'a b' }, never), { code: 'WORKER_BAD_ID', message: /--id a b/ });
  await assert.rejects(runWorker({ ...base, partitions: 'auto', leaseTtl: '10' }, never), { code: 'WORKER_BAD_LEASE_TTL', message: /400-600000/ });
  await assert.rejects(runWorker({ ...base, partitions: 'automatic' }, never), { code: 'WORKER_BAD_PARTITIONS', message: /or "auto"/ });
});
