/**
 * Fuzzing the flow decoder at scale: 1 M random and mutated datagrams (seeded, from the real
 * captures), in inputs/s, and proof that nothing threw (no exception escaped decode(), none was
 * caught inside it: internal_error 0), caches stayed bounded, and valid datagrams still decode.
 * Baseline in the same run: the unmutated corpus decoded the same number of times.
 *
 *   npm run bench -- flow/fuzz            (ACD_FUZZ_BENCH_INPUTS=N, default 1 000 000)
 */
import { measure, report } from '../lib.js';
import { createFlowDecoder } from '../../src/flow/decode/index.js';
import { prng, fuzzCorpus, mutate, type Seed } from '../../test/flow/fixtures/fuzz.js';

const N = Number(process.env.ACD_FUZZ_BENCH_INPUTS ?? 1_000_000);
const corpus = fuzzCorpus();
const rng = prng(0xf022);
// the inputs are made first (in batches, so memory stays small) and only decoding is timed
const BATCH = 50_000;
const limits = { maxTemplatesPerExporter: 128, maxTemplatesTotal: 1024, maxExporters: 256 };
const d = createFlowDecoder({ limits });
let flows = 0;
let thrown = 0;
let malformed = 0;
const sink = (): void => { flows++; };
let fuzzMs = 0;
for (let done = 0; done < N; done += BATCH) {
  const batch: Seed[] = [];
  for (let i = 0; i < Math.min(BATCH, N - done); i++) batch.push(mutate(rng, corpus));
  const m = await measure(() => {
    for (const s of batch) {
      try {
        if (d.decode(s.payload, s.exporter, sink).error) malformed++;
      } catch {
        thrown++;
      }
    }
    return batch.length;
  });
  fuzzMs += m.ms;
}
const stats = d.allStats();
const internal = stats.reduce((a, s) => a + s.malformedByReason.internal_error, 0);

const valid = createFlowDecoder();
const base = await measure(() => {
  let n = 0;
  while (n < N) for (const s of corpus) { valid.decode(s.payload, s.exporter, sink); n++; }
  return n;
});

report('decode fuzzed datagrams', { ops: N, ms: fuzzMs }, base, 'inputs', 'valid capture datagrams');
console.log(`${N} inputs: ${thrown} thrown out of decode(), ${internal} exceptions caught inside (internal_error), ${malformed} malformed, ${flows} flows delivered`);
console.log(`templates cached ${d.templateCount()} (cap ${limits.maxTemplatesTotal}); exporters ${stats.length} (cap ${limits.maxExporters})`);
if (thrown !== 0 || internal !== 0 || d.templateCount() > limits.maxTemplatesTotal) {
  console.log('FAILED: the decoder threw or broke a bound');
  process.exit(1);
}
