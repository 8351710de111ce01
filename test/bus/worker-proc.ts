/**
 * `acd worker` as the bus tests run it: the command's own runWorker, without loading every other
 * CLI command (which costs seconds of start-up on a loaded box).
 * Arguments: partitions total nats db schema prefix [select-score] [worker-id] [lease-ttl-ms] ("" skips one).
 */
import { runWorker } from '../../src/cli/commands/worker.js';

const [partitions, total, nats, db, schema, prefix, selectScore, id, leaseTtl] = process.argv.slice(2);
const stop = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});
await runWorker(
  {
    partitions: partitions!,
    total: total!,
    nats: nats!,
    db: db!,
    schema: schema!,
    prefix: prefix!,
    ...(selectScore ? { selectScore } : {}),
    ...(id ? { id } : {}),
    ...(leaseTtl ? { leaseTtl } : {}),
    verbose: process.env.BUS_DEBUG !== undefined,
  },
  stop,
);
