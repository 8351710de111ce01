/**
 * Issue #21's new views: slow vertical scans, distributed scans from one /24, repeated failed
 * attempts to one port of one host, exfiltration to a new destination; and what they must not flag.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDetectors, INBOUND, OUTBOUND } from '../../src/detect/index.js';
import type { Detectors, Finding } from '../../src/detect/index.js';
import { MutableFlowRecord } from '../../src/flow/index.js';
import { flow, prng, RST, SYN, ACK, FIN } from './synth.js';

const T0 = Date.UTC(2026, 3, 1);
const H = 3600_000;
const small = (): Detectors => createDetectors({ config: { beacon: { capacity: 10_000 }, } });
const kindOf = (f: Finding): unknown => (f.evidence as { kind?: unknown }).kind;

test('a slow vertical scan (40 ports of one host, one probe every 20 min over 13 h) is found; the 5-minute views miss it', () => {
  const d = small();
  const r = new MutableFlowRecord();
  for (let i = 0; i < 40; i++) d.observe(flow({ src: '198.51.100.7', dst: '10.0.0.9', dstPort: 1000 + i * 7, start: T0 + i * 20 * 60_000, flags: SYN | RST, packets: 1, bytes: 44 }, r), INBOUND);
  d.flush();
  const scans = d.findings.list('scan');
  const slow = scans.find((f) => kindOf(f) === 'slow-vertical');
  assert.ok(slow, `found: ${JSON.stringify(scans.map((f) => [f.external, kindOf(f)]))}`);
  assert.equal(slow.external, '198.51.100.7');
  assert.equal((slow.evidence as { ports: number }).ports, 40);
  assert.equal(slow.tier, 'confirmed');
  assert.equal(scans.filter((f) => kindOf(f) === undefined).length, 0, 'the 5-minute views alone would have missed it');
});

test('a distributed scan (30 sources of one /24, each one port on 20 hosts, within 2 h) is found as one finding about the /24; 30 unrelated sources are not', () => {
  const run = (sameNet: boolean): Finding[] => {
    const d = small();
    const r = new MutableFlowRecord();
    const rand = prng(5);
    for (let s = 0; s < 30; s++) {
      const src = sameNet ? `203.0.113.${10 + s}` : `${60 + s}.${s}.1.${10 + s}`;
      for (let h = 0; h < 20; h++) d.observe(flow({ src, dst: `10.0.1.${h + 1}`, dstPort: 23 + (s % 3), start: T0 + Math.floor(rand() * 2 * H), flags: SYN, packets: 1, bytes: 40 }, r), INBOUND);
    }
    d.flush();
    return d.findings.list('scan');
  };
  const got = run(true).filter((f) => kindOf(f) === 'distributed');
  assert.equal(got.length, 1);
  assert.equal((got[0]!.evidence as { network: string }).network, '203.0.113.0/24');
  assert.equal((got[0]!.evidence as { sourceCount: number }).sourceCount, 30);
  assert.equal(run(false).filter((f) => kindOf(f) === 'distributed').length, 0);
});

test('repeated failed attempts (382 SYNs to one port of one host in a day) are found; 60 failures and answered connections are not', () => {
  const run = (n: number, flags: number): Finding[] => {
    const d = small();
    const r = new MutableFlowRecord();
    for (let i = 0; i < n; i++) d.observe(flow({ src: '192.0.2.50', dst: '10.0.0.22', dstPort: 3389, start: T0 + Math.floor((i * 24 * H) / n), flags, packets: flags === SYN ? 2 : 10, bytes: flags === SYN ? 120 : 4000 }, r), INBOUND);
    d.flush();
    return d.findings.list('scan').filter((f) => kindOf(f) === 'repeated-failure');
  };
  const hit = run(382, SYN);
  assert.equal(hit.length, 1);
  assert.equal((hit[0]!.evidence as { failedAttempts: number }).failedAttempts, 382);
  assert.equal(hit[0]!.port, 3389);
  assert.equal(hit[0]!.tier, 'confirmed', 'inbound: an attack on a domestic host');
  assert.equal(run(60, SYN).length, 0);
  assert.equal(run(382, SYN | ACK | FIN).length, 0, 'answered connections are no failures');
});

test('an outbound repeated failure (a domestic program retrying a dead server) is suspected: single-host evidence', () => {
  const d = small();
  const r = new MutableFlowRecord();
  for (let i = 0; i < 200; i++) d.observe(flow({ src: '10.0.0.3', dst: '192.0.2.99', dstPort: 5888, start: T0 + i * 5 * 60_000, flags: SYN | RST, packets: 2, bytes: 100 }, r), OUTBOUND);
  d.flush();
  const f = d.findings.list('scan').find((x) => kindOf(x) === 'repeated-failure');
  assert.equal(f?.tier, 'suspected');
});

test('exfiltration: 3 GB to a server the host never talked to is an exfiltration finding; the same to a server known for 10 days is not', () => {
  const run = (knownSince: number | null): Finding[] => {
    const d = createDetectors({ config: { beacon: { capacity: 10_000 } } });
    const r = new MutableFlowRecord();
    if (knownSince !== null) for (let t = knownSince; t < T0; t += 6 * H) d.observe(flow({ src: '10.0.0.4', dst: '198.51.100.200', start: t, bytes: 3000 }, r), OUTBOUND);
    for (let i = 0; i < 30; i++) d.observe(flow({ src: '10.0.0.4', dst: '198.51.100.200', start: T0 + i * 60_000, durationMs: 50_000, bytes: 100e6, packets: 70_000 }, r), OUTBOUND);
    d.flush();
    return d.findings.list('exfiltration');
  };
  const got = run(null);
  assert.equal(got.length, 1);
  assert.equal(got[0]!.external, '198.51.100.200');
  assert.equal((got[0]!.evidence as { bytes: number }).bytes, 3e9);
  assert.equal(got[0]!.tier, 'suspected', 'single-host evidence until corroborated');
  assert.equal(got[0]!.domesticCount, 1);
  assert.equal(run(T0 - 10 * 24 * H).length, 0, 'an old destination');
});
