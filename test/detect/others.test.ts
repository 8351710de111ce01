import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDetectors, DdosDetector, IndicatorDetector, LongConnDetector, OUTBOUND, INBOUND } from '../../src/detect/index.js';
import type { Finding } from '../../src/detect/index.js';
import { AcdError } from '../../src/shared/errors.js';
import { flow, prng } from './synth.js';

const T0 = Date.UTC(2026, 0, 1);

test('DDoS: a 5 s burst of 40 k pps from many sources to one domestic host crosses FastNetMon\'s threshold', () => {
  const found: Finding[] = [];
  const d = new DdosDetector({}, (f) => found.push(f));
  const rand = prng(3);
  // normal traffic: 10 flows/s of 20 packets for a minute
  for (let i = 0; i < 600; i++) d.observe(flow({ src: (0x50000000 + Math.floor(rand() * 1000)) >>> 0, dst: '10.0.0.80', dstPort: 443, start: T0 + i * 100, durationMs: 50, packets: 20, bytes: 12_000 }), INBOUND);
  assert.equal(found.length, 0);
  // attack: 2 000 flows of 100 packets within 5 s from 2 000 sources
  const t1 = T0 + 60_000;
  for (let i = 0; i < 2000; i++) d.observe(flow({ src: (0x60000000 + i) >>> 0, dst: '10.0.0.80', dstPort: 80, proto: 17, start: t1 + i * 2, durationMs: 10, packets: 100, bytes: 6000 }), INBOUND);
  d.flush(t1 + 20_000);
  assert.equal(found.length, 1);
  const f = found[0]!;
  assert.equal(f.type, 'ddos');
  assert.deepEqual(f.domestic, ['10.0.0.80']);
  assert.equal(f.external, null, 'many sources: no single external address');
  assert.equal(f.subscores.pps, 1);
  const ev = f.evidence as { rates: { pps: number }; distinctSources: number };
  assert.ok(ev.rates.pps >= 39_000 && ev.rates.pps <= 41_000, `pps ${ev.rates.pps}`);
  assert.ok(ev.distinctSources > 1000);
});

test('DDoS: the learned baseline flags 30x the usual rate below the fixed thresholds; the usual rate is not flagged', () => {
  const found: Finding[] = [];
  const d = new DdosDetector({}, (f) => found.push(f));
  // 2 minutes of 100 pps (one 500-packet flow per 5 s window)
  for (let i = 0; i < 24; i++) d.observe(flow({ src: '10.0.0.3', dst: '198.51.100.10', start: T0 + i * 5000 + 1000, durationMs: 10, packets: 500, bytes: 300_000 }), OUTBOUND);
  assert.equal(found.length, 0);
  // then 3 000 pps (15 % of FastNetMon's 20 k) for one window
  const t1 = T0 + 24 * 5000;
  for (let i = 0; i < 30; i++) d.observe(flow({ src: '10.0.0.3', dst: '198.51.100.10', start: t1 + i * 150 + 100, durationMs: 10, packets: 500, bytes: 300_000 }), OUTBOUND);
  d.flush(t1 + 10_000);
  assert.equal(found.length, 1);
  const f = found[0]!;
  assert.equal(f.external, '198.51.100.10');
  assert.equal(f.direction, 'outbound');
  assert.ok(f.subscores.baseline! >= 0.5);
  assert.ok(f.subscores.pps! < 1);
  // 100 pps (0.5 % of the thresholds) never needed a table slot: the prefilter counted it
  assert.ok(d.filtered >= 24);
});

test('DDoS prefilter: 100 k flows to 100 k quiet destinations hold no per-destination state', () => {
  const d = new DdosDetector({ capacity: 1000 }, () => {});
  const r = flow({ src: '10.0.0.1', dst: 0, start: T0, packets: 3, bytes: 300 });
  for (let i = 0; i < 100_000; i++) { r.dst4 = (0x50000000 + i * 7) >>> 0; r.start = T0 + i * 10; r.end = r.start + 5; d.observe(r, OUTBOUND); }
  assert.equal(d.table.size, 0);
  assert.equal(d.filtered, 100_000);
});

test('indicator hits: address, prefix and port indicators; the finding counts flows, bytes and domestic hosts', () => {
  const found: Finding[] = [];
  const det = createDetectors({
    config: { indicator: { indicators: [{ id: 'ioc-1', address: '41.108.179.197' }, { id: 'ioc-2', address: '185.220.100.0/22', confidence: 0.6 }, { id: 'ioc-3', port: 4444, proto: 6 }, { id: 'ioc-4', address: '2001:db8:bad::/48' }] } },
    deps: { onFinding: (f) => found.push(f) },
  });
  det.observe(flow({ src: '10.0.0.1', dst: '41.108.179.197', dstPort: 1177, start: T0, bytes: 100 }), OUTBOUND);
  det.observe(flow({ src: '10.0.0.2', dst: '41.108.179.197', dstPort: 1177, start: T0 + 1000, bytes: 200 }), OUTBOUND);
  det.observe(flow({ src: '185.220.101.7', dst: '10.0.0.3', dstPort: 22, start: T0, bytes: 60 }), INBOUND);
  det.observe(flow({ src: '10.0.0.4', dst: '93.184.216.34', dstPort: 4444, start: T0 }), OUTBOUND);
  det.observe(flow({ src: '10.0.0.5', dst: '93.184.216.34', dstPort: 443, start: T0 }), OUTBOUND);
  const r6 = flow({ src: 0, dst: 0, start: T0 });
  r6.family = 6;
  r6.src6.set([0x20, 0x01, 0x0d, 0xb8, 0x0b, 0xad, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]);
  r6.dst6.set([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  det.observe(r6, INBOUND);
  det.flush(T0 + 5000);
  const hits = det.findings.list('indicator');
  assert.equal(hits.length, 4);
  const c2 = hits.find((f) => f.external === '41.108.179.197')!;
  assert.equal((c2.evidence as { flows: number }).flows, 2);
  assert.equal((c2.evidence as { bytes: number }).bytes, 300);
  assert.deepEqual(c2.domestic.sort(), ['10.0.0.1', '10.0.0.2']);
  const pfx = hits.find((f) => f.external === '185.220.101.7')!;
  assert.equal(pfx.score, 0.6);
  assert.equal(pfx.direction, 'inbound');
  assert.ok(hits.some((f) => f.port === 4444 && f.external === '93.184.216.34'));
  assert.ok(hits.some((f) => f.external === '2001:db8:bad::9'));
});

test('indicator lists with bad entries are rejected with a message naming the entry', () => {
  assert.throws(() => new IndicatorDetector({ indicators: [{ id: 'x', address: '300.1.1.1' }] }, () => {}), (e: unknown) => e instanceof AcdError && e.code === 'DETECT_BAD_PREFIX' && e.message.includes('indicator x'));
  assert.throws(() => new IndicatorDetector({ indicators: [{ id: 'y', address: '10.0.0.0/33' }] }, () => {}), (e: unknown) => e instanceof AcdError && e.code === 'DETECT_BAD_PREFIX');
  assert.throws(() => new IndicatorDetector({ indicators: [{ id: 'z', port: 70000 }] }, () => {}), (e: unknown) => e instanceof AcdError && e.code === 'DETECT_BAD_INDICATOR');
});

test('long connections: one 13 h record reaches the 12 h tier; NetFlow records cut every 30 min are stitched tier by tier', () => {
  const found: Finding[] = [];
  const d = new LongConnDetector({}, (f) => found.push(f));
  d.observe(flow({ src: '10.0.0.1', dst: '203.0.113.9', dstPort: 22, start: T0, durationMs: 13 * 3600_000 }), OUTBOUND);
  assert.equal(found.length, 1);
  assert.equal((found[0]!.evidence as { overHours: number }).overHours, 12);
  assert.equal(found[0]!.score, 1);
  found.length = 0;
  for (let i = 0; i < 20; i++) d.observe(flow({ src: '10.0.0.2', srcPort: 51000, dst: '203.0.113.10', dstPort: 443, start: T0 + i * 1800_000 + 500, durationMs: 1800_000 - 1000 }), OUTBOUND);
  assert.deepEqual(found.map((f) => (f.evidence as { overHours: number }).overHours), [1, 4, 8]);
  assert.ok(found.every((f) => f.key === found[0]!.key), 'one finding, updated');
  // a gap longer than gapMs starts a new connection
  found.length = 0;
  d.observe(flow({ src: '10.0.0.2', srcPort: 51000, dst: '203.0.113.10', dstPort: 443, start: T0 + 30 * 3600_000, durationMs: 1800_000 }), OUTBOUND);
  assert.equal(found.length, 0);
  // short flows are not tracked
  d.observe(flow({ src: '10.0.0.3', dst: '203.0.113.11', start: T0, durationMs: 500 }), OUTBOUND);
  assert.equal(d.table.size, 2);
});

test('the per-flow detector mask agrees with selection\'s DETECTOR_BIT and keeps masked-out detectors stateless', async () => {
  const { DETECTOR_BIT } = await import('../../src/selection/index.js');
  const { DETECTOR_MASK } = await import('../../src/detect/index.js');
  for (const [name, bit] of Object.entries(DETECTOR_BIT)) assert.equal(DETECTOR_MASK[name as keyof typeof DETECTOR_MASK], bit, name);
  const det = createDetectors();
  for (let i = 0; i < 50; i++) det.observe(flow({ src: '10.0.0.1', dst: (0x50000000 + i) >>> 0, start: T0 + i, flags: 0x02 }), OUTBOUND, DETECTOR_MASK.ddos);
  assert.equal(det.beacon.table.size, 0);
  assert.equal(det.scan.sources.size, 0);
  det.observe(flow({ src: '10.0.0.1', dst: '41.1.1.1', start: T0, flags: 0x02 }), OUTBOUND, DETECTOR_MASK.scan | DETECTOR_MASK.strobe);
  assert.equal(det.beacon.table.size, 1);
  assert.equal(det.scan.sources.size, 1);
});

test('selectionKeyOf: each finding names the key the gate should select, in selection\'s shapes', async () => {
  const { selectionKeyOf } = await import('../../src/detect/index.js');
  const base = { key: 'k', port: 1177, proto: 6, direction: 'outbound' as const, domestic: ['p1'], domesticCount: 1, firstSeen: 0, lastSeen: 0, score: 1, subscores: {}, evidence: {}, updates: 1 };
  assert.deepEqual(selectionKeyOf({ ...base, type: 'beacon', external: '41.1.1.1' }), { kind: 'pair', key: { a: { address: 'p1', pseudonym: true }, b: { address: '41.1.1.1', pseudonym: false } } });
  assert.deepEqual(selectionKeyOf({ ...base, type: 'fan-in', external: '41.1.1.1' }), { kind: 'server', key: { address: '41.1.1.1', pseudonym: false, port: 1177, proto: 6 } });
  assert.deepEqual(selectionKeyOf({ ...base, type: 'scan', external: null }), { kind: 'address', key: { address: 'p1', pseudonym: true } });
  assert.deepEqual(selectionKeyOf({ ...base, type: 'indicator', external: '41.1.1.1', evidence: { indicator: { port: null } } }), { kind: 'address', key: { address: '41.1.1.1', pseudonym: false } });
  assert.equal(selectionKeyOf({ ...base, type: 'ddos', external: null, domestic: [] }), null);
});

test('metrics: flows, findings by type, tracked keys and evictions per detector on the registry given', async () => {
  const { createMetricsRegistry } = await import('../../src/shared/metrics.js');
  const registry = createMetricsRegistry();
  const det = createDetectors({ config: { indicator: { indicators: [{ id: 'i', address: '41.1.1.1' }] } }, deps: { metrics: registry } });
  det.observe(flow({ src: '10.0.0.1', dst: '41.1.1.1', start: T0 }), OUTBOUND);
  det.flush();
  const text = await registry.metrics();
  assert.match(text, /acd_detect_flows_total 1/);
  assert.match(text, /acd_detect_findings_total\{type="indicator"\} 1/);
  assert.match(text, /acd_detect_tracked_keys\{detector="beacon"\} 1/);
  assert.match(text, /acd_detect_evictions\{detector="beacon"\} 0/);
});
