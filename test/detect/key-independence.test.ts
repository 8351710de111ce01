/**
 * Key independence (issue #21, item 9): the detectors see domestic hosts only as pseudonyms (the gate
 * encrypts them with Crypto-PAn under the key in force), so table placement, sampling and sketches
 * follow the pseudonyms. The findings that select traffic must not depend on the key: one generated
 * scenario (the eval's generator, seed 1) run under five keys gives the same confirmed findings
 * (type, external, port), and that set is not empty and holds the scenario's attacks that are
 * confirmed under any key.
 *
 * Measured with random keys on seeds 1, 2 (tuning) and 101, 201, 301, 401 (held out): the confirmed
 * sets were equal under every key; the suspected tier was not (see the report of #21c). The keys here
 * are fixed (derived from their index) so a failure is reproducible.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { generateScenario, fillRecord } from '../../scripts/eval-scenarios.js';
import { MutableFlowRecord } from '../../src/flow/index.js';
import { CryptoPan } from '../../src/selection/index.js';
import { createDetectors, type AsnLookup, type Direction, type Finding } from '../../src/detect/index.js';

const T0 = Date.UTC(2026, 5, 1);
const sc = generateScenario(1, T0);
const lookup: AsnLookup = { asn4: sc.asn, asn6: () => 0 };
const domestic = (a: number): boolean => a >>> 24 === 10;

/** the confirmed findings (at any emission, as the eval counts them) as `type external port`, under one key */
function confirmedUnder(key: Uint8Array): string[] {
  const pan = new CryptoPan(key);
  const ever = new Map<string, Finding>();
  const det = createDetectors({ config: { beacon: { capacity: 200_000 } }, deps: { asn: lookup, onFinding: (f) => { if (f.tier === 'confirmed') ever.set(f.key, f); } } });
  const r = new MutableFlowRecord();
  for (const e of sc.events) {
    const rec = fillRecord(r, e);
    // the gate's pseudonymisation: the domestic side, whichever it is
    if (domestic(r.src4 >>> 0)) r.src4 = pan.encrypt4(r.src4 >>> 0);
    if (domestic(r.dst4 >>> 0)) r.dst4 = pan.encrypt4(r.dst4 >>> 0);
    det.observe(rec, e.dir as Direction);
  }
  det.flush(sc.events[sc.events.length - 1]!.t);
  for (const f of det.findings.list()) if (f.tier === 'confirmed') ever.set(f.key, f);
  return [...new Set([...ever.values()].map((f) => `${f.type} ${f.external} ${f.port}`))].sort();
}

const keyOf = (i: number): Uint8Array => new Uint8Array(createHash('sha256').update(`acd key-independence ${i}`).digest());

test('five pseudonym keys give the same confirmed findings (type, external, port) on a generated scenario', () => {
  const sets = [0, 1, 2, 3, 4].map((i) => confirmedUnder(keyOf(i)));
  const first = sets[0]!;
  assert.ok(first.length > 0, 'something is confirmed: the comparison is not vacuous');
  // the scenario's attacks that are confirmed are among them (a distributed scan names its /24)
  const attacks = sc.attacks.filter((a) => first.some((x) => x.split(' ')[1] === a.external));
  assert.ok(attacks.length >= 2, `attacks confirmed: ${attacks.map((a) => a.name).join(', ')}`);
  for (let i = 1; i < sets.length; i++) assert.deepEqual(sets[i], first, `key ${i} differs from key 0`);
});

test('the pseudonymisation is real: two keys give different domestic addresses', () => {
  const a = new CryptoPan(keyOf(0)).encrypt4(0x0a010005);
  const b = new CryptoPan(keyOf(1)).encrypt4(0x0a010005);
  assert.notEqual(a, b);
  assert.notEqual(a, 0x0a010005);
});
