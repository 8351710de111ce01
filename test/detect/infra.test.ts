/**
 * Infrastructure grouping (issue #21): findings about several servers of one /24 or one AS that act
 * together are one group for a person. A distributed scan from 30 sources, each in its own /24 of one
 * AS, is one AS group (no /24 groups); the same from 30 unrelated ASes is none. A C2 that moves
 * within a /24 is one group; two timers in unrelated networks are none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDetectors, groupInfrastructure, INBOUND, OUTBOUND } from '../../src/detect/index.js';
import type { AsnLookup } from '../../src/detect/index.js';
import { MutableFlowRecord } from '../../src/flow/index.js';
import { beaconTimes, flow, prng } from './synth.js';

const T0 = Date.UTC(2026, 2, 1);
const H = 3600_000;
// 45.0.0.0/8: AS64500; 77.x.0.0/16: AS 65000 + x (each /16 its own AS); else 64999
const asn: AsnLookup = { asn4: (a) => (a >>> 24 === 45 ? 64500 : a >>> 24 === 77 ? 65000 + ((a >>> 16) & 255) : 64999), asn6: () => 0 };

function scanRun(first: number): ReturnType<typeof groupInfrastructure> {
  const det = createDetectors({ deps: { asn } });
  const r = new MutableFlowRecord();
  const specs: Parameters<typeof flow>[0][] = [];
  for (let s = 0; s < 30; s++) {
    const src = first === 45 ? `45.${s}.${s}.7` : `77.${s}.1.7`;
    for (let h = 0; h < 30; h++) specs.push({ src, dst: `10.0.${h}.1`, dstPort: 23, start: T0 + s * 60_000 + h * 1000, packets: 1, bytes: 40, flags: 0x02 });
  }
  specs.sort((a, b) => a.start - b.start);
  for (const s of specs) det.observe(flow(s, r), INBOUND);
  det.flush(T0 + H);
  const scans = det.findings.list().filter((f) => f.type === 'scan');
  assert.ok(scans.length >= 30, `each source is a scan finding: ${scans.length}`);
  return groupInfrastructure(det.findings.list(), { asn });
}

test('30 scanners, each in its own /24 of one AS, are one AS group; 30 scanners of 30 ASes are none', () => {
  const g = scanRun(45);
  const byAs = g.filter((x) => x.by === 'asn' && x.kind === 'scan');
  assert.equal(byAs.length, 1, JSON.stringify(g.map((x) => [x.by, x.key, x.kind, x.servers.length])));
  assert.equal(byAs[0]!.key, 'AS64500');
  assert.equal(byAs[0]!.servers.length, 30);
  assert.equal(byAs[0]!.tier, 'confirmed');
  assert.equal(g.filter((x) => x.by === 'net' && x.kind === 'scan').length, 0, 'no /24 holds two of them');
  const spread = scanRun(77);
  assert.deepEqual(spread.filter((x) => x.kind === 'scan'), [], 'unrelated networks and ASes make no group');
});

test('a C2 moving within a /24 (one host, two addresses in turn) is one group; timers to unrelated networks are none', () => {
  const run = (a: string, b: string): ReturnType<typeof groupInfrastructure> => {
    const det = createDetectors({ deps: { asn } });
    const r = new MutableFlowRecord();
    const rand = prng(3);
    for (const t of beaconTimes(rand, T0, 60_000, 0.01, 240)) det.observe(flow({ src: '10.0.0.5', dst: a, dstPort: 8443, start: t, bytes: 700 }, r), OUTBOUND);
    for (const t of beaconTimes(rand, T0 + 5 * H, 60_000, 0.01, 240)) det.observe(flow({ src: '10.0.0.5', dst: b, dstPort: 8443, start: t, bytes: 700 }, r), OUTBOUND);
    det.flush(T0 + 10 * H);
    assert.equal(det.findings.list().filter((f) => f.type === 'beacon').length, 2, 'both addresses are beacons');
    return groupInfrastructure(det.findings.list(), { asn });
  };
  const moved = run('203.0.113.5', '203.0.113.9');
  const net = moved.find((x) => x.by === 'net');
  assert.ok(net, JSON.stringify(moved));
  assert.equal(net.key, '203.0.113.0/24');
  assert.equal(net.kind, 'beacon');
  assert.deepEqual(net.servers, ['203.0.113.5', '203.0.113.9']);
  assert.equal(net.domesticHosts, 1);
  assert.deepEqual(run('203.0.113.5', '77.9.1.1').filter((x) => x.kind === 'beacon'), []);
});
