/**
 * Fuzz (fixed seed, 20 000 inputs): random and mutated datagrams from the real captures. decode()
 * never throws, never hits an exception inside (internal_error stays 0), keeps its caches within
 * bounds, delivers only well-formed records, and a valid datagram decodes right afterwards.
 * bench/flow/fuzz.bench.ts runs the same with 1 M inputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFlowDecoder } from '../../src/flow/decode/index.js';
import { srcAddrString, copyFlowRecord, type FlowRecord } from '../../src/flow/record.js';
import { prng, fuzzCorpus, mutate } from './fixtures/fuzz.js';
import { CAPTURE_GROUPS, groupPackets } from './fixtures/captures.js';
import { thirdPartySkip } from '../helpers/third-party.js';
import type { ExpectedFlow } from './fixtures/tshark.js';

const N = Number(process.env.ACD_FUZZ_INPUTS ?? 20_000);

test(`fuzz: ${N} mutated and random datagrams (seed 0xacd3) never throw and leave the decoder working`, (t) => {
  const limits = { maxTemplatesPerExporter: 64, maxTemplatesTotal: 256, maxFieldsPerTemplate: 128, maxExporters: 64 };
  const d = createFlowDecoder({ limits });
  const rng = prng(0xacd3);
  const corpus = fuzzCorpus();
  assert.ok(corpus.length >= 3);
  let flows = 0;
  let errors = 0;
  const sink = (r: FlowRecord): void => {
    flows++;
    if (!(r.family === 4 || r.family === 6) || r.srcPort > 65535 || r.dstPort > 65535 || r.proto > 255 || r.tcpFlags > 255
      || !Number.isSafeInteger(r.packets) || r.packets < 0 || !Number.isSafeInteger(r.bytes) || r.bytes < 0
      || !Number.isFinite(r.start) || !Number.isFinite(r.end) || r.src4 < 0 || r.src4 > 0xffffffff) {
      throw new Error(`ill-formed record ${JSON.stringify(copyFlowRecord(r))}`);
    }
  };
  for (let i = 0; i < N; i++) {
    const { payload, exporter } = mutate(rng, corpus);
    const r = d.decode(payload, exporter, sink);
    if (r.error) errors++;
  }
  const all = d.allStats();
  const internal = all.reduce((a, s) => a + s.malformedByReason.internal_error, 0);
  assert.equal(internal, 0, 'no exception inside the decoder or an ill-formed record reaching the sink');
  assert.equal(all.reduce((a, s) => a + s.datagrams, 0), N);
  assert.ok(errors > N / 10, `most mutations are caught as malformed (${errors})`);
  assert.ok(flows > 0, 'mutated datagrams that stay valid still decode');
  assert.ok(d.templateCount() <= limits.maxTemplatesTotal);
  for (const s of all) assert.ok(s.templates <= limits.maxTemplatesPerExporter);

  // afterwards: the real v9 and IPFIX sessions decode exactly as tshark says, on the same exporters
  const absent = thirdPartySkip('netflow-captures');
  if (absent) {
    // the fuzz itself ran on the synthetic corpus; only the check against the real captures is left out
    t.diagnostic(`real-capture check skipped: ${absent}`);
    return;
  }
  const expected = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/netflow-expected.json'), 'utf8')) as Record<string, ExpectedFlow[]>;
  for (const name of ['v5', 'v9-basic', 'ipfix-ipfixprobe']) {
    const g = CAPTURE_GROUPS.find((x) => x.name === name)!;
    const got: FlowRecord[] = [];
    for (const p of groupPackets(g)) {
      const r = d.decode(p.payload, `${p.src}:${p.srcPort}`, (rec) => got.push(copyFlowRecord(rec)));
      assert.equal(r.error, null, `${name} after fuzzing`);
    }
    const want = expected[name]!;
    assert.equal(got.length, want.length);
    want.forEach((w, i) => {
      assert.equal(srcAddrString(got[i]!), w.src);
      assert.deepEqual([got[i]!.packets, got[i]!.bytes, got[i]!.dstPort], [w.packets, w.bytes, w.dstPort]);
    });
  }
});
