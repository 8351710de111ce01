/**
 * Finding tiers (issue #21): a single-host pair is suspected and selects nothing; corroboration
 * (an indicator on the same address) confirms it; a confirmed finding selects for a bounded time
 * unless renewed; a vendor-hosted C2 is reported flagged while many hosts' update polls are not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDetectors, INBOUND, OUTBOUND, RARE_FLAG } from '../../src/detect/index.js';
import type { Finding } from '../../src/detect/index.js';
import { MutableFlowRecord } from '../../src/flow/index.js';
import { ApprovalSet, createPseudonymiser, createScope, generatePseudonymKey } from '../../src/selection/index.js';
import { createPipeline } from '../../src/pipeline/index.js';
import type { PipelineConfig } from '../../src/pipeline/index.js';
import { beaconTimes, flow, prng } from './synth.js';

const T0 = Date.UTC(2026, 2, 1);
const H = 3600_000;

function pipelineRun(config: PipelineConfig, extra: (at: (r: MutableFlowRecord) => void) => void = () => {}): { findings: Finding[]; byRule: number[]; selections: number } {
  const scope = createScope({ useCountryData: false, domesticPrefixes: ['10.0.0.0/8'] });
  const approvals = new ApprovalSet({
    approvals: [{
      id: 'a1',
      category: 'foreign-domestic',
      carriers: ['c1'],
      criteria: ['beacon', 'indicator', 'long-connection'].map((d) => ({ id: `rule-${d}`, kind: 'detector', detector: d })),
      start: new Date(T0 - 86400_000).toISOString(),
      end: new Date(T0 + 30 * 86400_000).toISOString(),
      approvedBy: 'commission-test',
      status: 'approved',
    }],
  } as ConstructorParameters<typeof ApprovalSet>[0]);
  const byRule: number[] = [];
  const p = createPipeline({
    scope,
    approvals,
    pseudonymiser: createPseudonymiser({ keys: [generatePseudonymKey('k1', T0 - 86400_000, T0 + 30 * 86400_000)] }),
    // small tables: the automatic flush sweeps every slot each simulated minute
    config: { ...config, detectors: { ...config.detectors, beacon: { capacity: 10_000 } } },
    deps: { onSelected: (f) => { if (f.criterionId.startsWith('rule-')) byRule.push(f.start); } },
  });
  const rand = prng(7);
  const r = new MutableFlowRecord();
  const feed = (x: MutableFlowRecord): void => { x.exporter = 'c1'; p.sink(x); };
  // one host, one server abroad, every 60 s ± 1 % for 3 h: a near-perfect beacon
  for (const t of beaconTimes(rand, T0, 60_000, 0.01, 180)) feed(flow({ src: '10.0.0.5', dst: '41.1.1.1', dstPort: 8443, start: t, bytes: 600 }, r));
  extra(feed);
  p.flush();
  return { findings: p.detectors.findings.list(), byRule, selections: p.selections };
}

test('a suspected finding (one host, one regular server, nothing else) is reported but selects and stores no flow', () => {
  const { findings, byRule, selections } = pipelineRun({});
  const b = findings.find((f) => f.type === 'beacon' && f.external === '41.1.1.1');
  assert.ok(b && b.score >= 0.8, `the beacon is found: ${JSON.stringify(findings.map((f) => [f.type, f.external, f.score]))}`);
  assert.equal(b.tier, 'suspected');
  assert.equal(selections, 0, 'no detector-rule selection');
  assert.equal(byRule.length, 0, 'no flow stored under a detector rule');
});

test('an indicator on the same address corroborates: the beacon is promoted to confirmed and the server is selected', () => {
  const { findings, byRule, selections } = pipelineRun({ detectors: { indicator: { indicators: [{ id: 'ioc-1', address: '41.1.1.0/24' }] } } });
  const b = findings.find((f) => f.type === 'beacon' && f.external === '41.1.1.1');
  assert.equal(b?.tier, 'confirmed');
  assert.equal(findings.find((f) => f.type === 'indicator')?.tier, 'confirmed');
  assert.ok(selections > 0);
  assert.ok(byRule.length > 100, `flows after the first flush stored under the rule: ${byRule.length}`);
});

test('a confirmed finding selects for a bounded time: a flow after selectHoldMs of silence is not stored, one within it is', () => {
  const late = (gap: number) => (feed: (r: MutableFlowRecord) => void): void => {
    const r = new MutableFlowRecord();
    // after the beacon (3 h), one more connection `gap` later; then a second one a minute later
    feed(flow({ src: '10.0.0.5', dst: '41.1.1.1', dstPort: 8443, start: T0 + 3 * H + gap, bytes: 600 }, r));
  };
  const cfg = (hold: number): PipelineConfig => ({ selectHoldMs: hold, detectors: { indicator: { indicators: [{ id: 'ioc-1', address: '41.1.1.1' }] } } });
  const stored = (o: { byRule: number[] }): boolean => o.byRule.some((t) => t >= T0 + 3 * H + 1800_000);
  assert.equal(stored(pipelineRun(cfg(H), late(2 * H))), false, 'selection ended an hour after the last seen');
  assert.equal(stored(pipelineRun(cfg(24 * H), late(2 * H))), true, 'within the hold the key is still selected');
});

test('vendor-hosted C2: one host beaconing to a vendor-AS address is a beacon flagged cloud/vendor network (suspected); 150 hosts\' update polls to the same AS make no finding', () => {
  // AS 8075 (in the default vendor list) for 20.0.0.0/8, another AS elsewhere
  const asn = { asn4: (a: number): number => (a >>> 24 === 20 ? 8075 : 64500), asn6: (): number => 0 };
  // small tables: the automatic flush sweeps every slot each simulated minute
  const det = createDetectors({ config: { beacon: { capacity: 20_000, prevalenceCapacity: 20_000 } }, deps: { asn } });
  const rand = prng(2103);
  const r = new MutableFlowRecord();
  const evs: { t: number; src: number; dst: number; port: number; bytes: number }[] = [];
  const updates = [0x14010101, 0x14010102, 0x14020203, 0x14030304, 0x14040405];
  // 150 hosts, each polling two update addresses hourly (± 2 %) for 24 h, plus some browsing
  for (let h = 0; h < 150; h++) {
    const host = 0x0a000100 + h;
    for (let k = 0; k < 2; k++) {
      const dst = updates[(h + k * 2) % updates.length]!;
      for (const t of beaconTimes(rand, T0 + Math.floor(rand() * H), H, 0.02, 24)) evs.push({ t, src: host, dst, port: 443, bytes: 2000 + Math.floor(rand() * 50) });
    }
    for (let j = 0; j < 20; j++) evs.push({ t: T0 + Math.floor(rand() * 24 * H), src: host, dst: 0x50000000 + Math.floor(rand() * 1e6), port: 443, bytes: 5000 });
  }
  // the victim: every 5 min ± 3 % to an Azure-like address nobody else calls
  for (const t of beaconTimes(rand, T0 + 600_000, 300_000, 0.03, 280)) evs.push({ t, src: 0x0a000164, dst: 0x14636363, port: 443, bytes: 900 + Math.floor(rand() * 30) });
  evs.sort((a, b) => a.t - b.t);
  for (const e of evs) det.observe(flow({ src: e.src, dst: e.dst, dstPort: e.port, start: e.t, bytes: e.bytes }, r), OUTBOUND);
  det.flush();
  const all = det.findings.list();
  const c2 = all.find((f) => f.type === 'beacon' && f.external === '20.99.99.99');
  assert.ok(c2, `the vendor-hosted C2 is reported: ${JSON.stringify(all.map((f) => [f.type, f.external, f.score]))}`);
  assert.deepEqual(c2.flags, ['cloud/vendor network']);
  assert.equal(c2.tier, 'suspected');
  const top = det.beacon.pairScores(evs[evs.length - 1]!.t)[0];
  assert.equal(top?.external, '20.99.99.99', 'it is also the top-ranked pair');
  const upd = all.filter((f) => f.external !== null && updates.some((u) => f.external === `20.${(u >>> 16) & 255}.${(u >>> 8) & 255}.${u & 255}`));
  assert.deepEqual(upd.map((f) => `${f.type} ${f.external}`), [], 'no finding on the update addresses');
});

/**
 * Rarity is one signal (issue #21): 60 hosts poll a popular server hourly from T0; on day 2 host
 * 10.0.1.1 starts a 5-minute timer to an address no other host calls (new, rare, persisting 10 h).
 * That alone is what a benign app installed today looks like: flagged, suspected. Evidence that the
 * same host is compromised on its own (it scans outward) confirms it, whichever comes first; being
 * scanned from outside is not evidence about the host.
 */
function rarityRun(extra: 'none' | 'scan-before' | 'scan-after' | 'scanned-inbound'): Finding[] {
  const rand = prng(11);
  const specs: Parameters<typeof flow>[0][] = [];
  for (let h = 1; h <= 60; h++) for (let t = T0 + h * 10_000; t < T0 + 40 * H; t += H) specs.push({ src: `10.0.1.${h}`, dst: '41.9.9.9', start: t });
  for (const t of beaconTimes(rand, T0 + 26 * H, 300_000, 0.01, 120)) specs.push({ src: '10.0.1.1', dst: '41.2.2.2', dstPort: 8443, start: t, bytes: 700 });
  const scanAt = extra === 'scan-before' ? T0 + 25 * H : T0 + 38 * H;
  if (extra === 'scan-before' || extra === 'scan-after') for (let i = 0; i < 60; i++) specs.push({ src: '10.0.1.1', dst: `45.0.0.${i + 1}`, dstPort: 445, start: scanAt + i * 1000, packets: 1, bytes: 44, flags: 0x02 });
  const inbound = extra === 'scanned-inbound';
  if (inbound) for (let i = 0; i < 60; i++) specs.push({ src: '45.7.7.7', dst: '10.0.1.1', dstPort: 1000 + i, start: T0 + 30 * H + i * 1000, packets: 1, bytes: 44, flags: 0x02 });
  specs.sort((a, b) => a.start - b.start);
  const det = createDetectors({ config: { beacon: { capacity: 10_000 } } });
  const r = new MutableFlowRecord();
  for (const s of specs) det.observe(flow(s, r), String(s.src).startsWith('10.') ? OUTBOUND : INBOUND);
  det.flush(T0 + 40 * H);
  return det.findings.list();
}

test('a rare, new, persisting single-host timer alone stays suspected (flagged rare new destination); the same host scanning outward confirms it in either order; being scanned does not', () => {
  const beaconOf = (fs: Finding[]): Finding | undefined => fs.find((f) => f.type === 'beacon' && f.external === '41.2.2.2');
  const alone = rarityRun('none');
  const b = beaconOf(alone);
  assert.ok(b && b.score >= 0.8, `the timer is a beacon: ${JSON.stringify(alone.map((f) => [f.type, f.external, f.score]))}`);
  assert.equal(b.tier, 'suspected');
  assert.ok(b.flags?.includes(RARE_FLAG), `flagged: ${JSON.stringify(b.flags)}`);
  assert.equal((b.evidence as { prevalence?: { population?: number } }).prevalence?.population !== undefined, true);
  for (const order of ['scan-before', 'scan-after'] as const) {
    const fs = rarityRun(order);
    assert.ok(fs.some((f) => f.type === 'scan' && f.direction === 'outbound' && f.tier === 'confirmed'), `${order}: the outbound scan is found: ${JSON.stringify(fs.map((f) => [f.type, f.direction, f.external]))}`);
    assert.equal(beaconOf(fs)?.tier, 'confirmed', order);
  }
  const scanned = rarityRun('scanned-inbound');
  assert.ok(scanned.some((f) => f.type === 'scan' && f.direction === 'inbound'), 'the inbound scan is found');
  assert.equal(beaconOf(scanned)?.tier, 'suspected', 'an inbound scan of the host confirms nothing about it');
});

test('a popular server whose prevalence record was evicted by churn is still popular: its fan-in is not confirmed and its pollers\' beacons stay suspected', () => {
  // 60 hosts poll 41.9.9.9 every 5 min for 70 h; new addresses (browsing) from hour 66 churn a small
  // prevalence table, evicting the server's record (kept an hour per host past its last new host),
  // whose estimate then reads 0 hosts ("rare")
  const specs: Parameters<typeof flow>[0][] = [];
  const rand = prng(5);
  for (let h = 1; h <= 60; h++) for (const t of beaconTimes(rand, T0 + h * 5_000, 300_000, 0.01, 840)) specs.push({ src: `10.0.1.${h}`, dst: '41.9.9.9', start: t });
  for (let i = 0; i < 30_000; i++) specs.push({ src: `10.0.1.${1 + (i % 60)}`, dst: `130.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, start: T0 + 66 * H + i * 100 });
  specs.sort((a, b) => a.start - b.start);
  const det = createDetectors({ config: { beacon: { capacity: 8192, prevalenceCapacity: 1024 } } });
  const r = new MutableFlowRecord();
  for (const s of specs) det.observe(flow(s, r), OUTBOUND);
  det.flush(T0 + 71 * H);
  const fan = det.findings.list().find((f) => f.type === 'fan-in' && f.external === '41.9.9.9');
  assert.ok(fan, 'the fan-in is reported');
  assert.ok(Number((fan.evidence as { victimShare?: number }).victimShare) > 0.2, `victim share: ${JSON.stringify(fan.evidence)}`);
  assert.equal(fan.tier, 'suspected');
  const confirmed = det.findings.list().filter((f) => f.external === '41.9.9.9' && f.tier === 'confirmed');
  assert.deepEqual(confirmed.map((f) => f.key), []);
});
