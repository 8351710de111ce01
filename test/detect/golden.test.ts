import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { runGolden } from './golden.js';

const FILE = new URL('./fixtures/golden-findings.json', import.meta.url);

test('every detector finds exactly what the detectors found before the throughput rework, on a fixed input', () => {
  const got = runGolden();
  if (process.env.ACD_WRITE_GOLDEN === '1') writeFileSync(FILE, JSON.stringify(got, null, 1) + '\n');
  const want = JSON.parse(readFileSync(FILE, 'utf8')) as ReturnType<typeof runGolden>;
  assert.equal(got.flows, want.flows);
  // the input exercises every finding type (else the comparison would prove little)
  const types = new Set((got.findings as { type: string }[]).map((f) => f.type));
  for (const t of ['beacon', 'fan-in', 'strobe', 'scan', 'ddos', 'indicator', 'long-connection']) assert.ok(types.has(t), `no ${t} finding in the fixed input`);
  assert.equal(got.findings.length, want.findings.length, 'number of findings');
  for (let i = 0; i < want.findings.length; i++) assert.deepEqual(got.findings[i], want.findings[i]);
  assert.equal(got.pairs.length, want.pairs.length, 'number of scored beacon pairs');
  assert.deepEqual(got.pairs, want.pairs);
});
