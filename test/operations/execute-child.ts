/**
 * A second ACD process for the concurrency test: its own store connection pool and its own writer
 * queue, executing the operations it is given all at once against the same zone file and PostgreSQL
 * schema as the test process. Prints "ready", waits a moment so the test starts its own, then the outcomes.
 */
import { openStore } from '../../src/store/index.js';
import { createRpzDriver, executeOperation, type RpzConfig } from '../../src/operations/index.js';
import type { Actor } from '../../src/auth/index.js';

const a = JSON.parse(process.env.ACD_TEST_CHILD ?? '{}') as { url: string; schema: string; rpz: RpzConfig; operations: string[]; executor: Actor };
const store = await openStore({ db: a.url, schema: a.schema, poolSize: 4 });
const rpz = createRpzDriver(a.rpz);
process.stdout.write('ready\n');
await new Promise((r) => setTimeout(r, 200));
const out = await Promise.all(a.operations.map((id) => executeOperation(store.db, { rpz }, a.executor, id)));
process.stdout.write(`${JSON.stringify(out)}\n`);
await store.close();
