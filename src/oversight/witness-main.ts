/**
 * A light entry point for the witness process (what `acd demo` spawns: it loads the witness alone, not
 * the whole CLI). Same options as `acd witness serve`: --data, --log-key (repeatable), --listen,
 * --name, --exit-with-parent, --log-level. Prints one JSON line {url, vkey} when it listens.
 */
import { parseArgs } from 'node:util';
import { createLogger } from '../shared/log.js';
import { createWitness, startWitnessServer } from './witness.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    'log-key': { type: 'string', multiple: true },
    listen: { type: 'string', default: '127.0.0.1:7380' },
    name: { type: 'string', default: 'acd/commission-witness' },
    'exit-with-parent': { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'info' },
  },
});
if (!values.data || !values['log-key']?.length) {
  console.error('witness: --data and --log-key are required');
  process.exit(2);
}
const m = /^(.*):(\d+)$/.exec(values.listen ?? '');
if (!m) {
  console.error(`witness: --listen ${values.listen}: give HOST:PORT`);
  process.exit(2);
}
const logger = createLogger({ level: values['log-level'], name: 'witness', destination: process.stderr });
const witness = createWitness({ dataDir: values.data, name: values.name ?? 'acd/commission-witness', logs: values['log-key'], logger });
const running = await startWitnessServer(witness, { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]), logger });
console.log(JSON.stringify({ url: running.url, vkey: witness.vkey }));
const stop = (): void => {
  void running.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
if (values['exit-with-parent']) {
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}
