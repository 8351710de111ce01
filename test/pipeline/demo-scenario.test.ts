/**
 * The demo's scenario through the real pipeline (gate with the JP country data, detectors): the
 * botnet's C2, the scanner and the DDoS are found; the hourly update server is not called a beacon;
 * domestic↔domestic never passes the gate; nothing domestic leaves the gate unpseudonymised.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DemoScenario, fillFlowRecord } from '../../src/flow/demo-exporter.js';
import { MutableFlowRecord, ipv4ToString } from '../../src/flow/index.js';
import { ApprovalSet, createPseudonymiser, createScope, generatePseudonymKey } from '../../src/selection/index.js';
import { createPipeline } from '../../src/pipeline/index.js';

test('demo scenario: C2, scanner and DDoS found; updates not a beacon; domestic addresses pseudonymised', () => {
  const scope = createScope({ useCountryData: true, country: 'JP' });
  const t0 = Date.UTC(2026, 10, 25, 0, 0, 0);
  const scenario = new DemoScenario(scope, t0, { seed: 11, backgroundFlowsPerSimSecond: 10 });
  const approvals = new ApprovalSet({
    approvals: [
      {
        id: 'demo-fd',
        category: 'foreign-domestic',
        carriers: ['carrier-1'],
        criteria: ['beacon', 'fan-in', 'scan', 'ddos', 'strobe', 'long-connection'].map((d) => ({ id: `rule-${d}`, kind: 'detector', detector: d })),
        start: new Date(t0 - 86400_000).toISOString(),
        end: new Date(t0 + 30 * 86400_000).toISOString(),
        approvedBy: 'commission-test',
        status: 'approved',
      },
    ],
  });
  const selectedDomestic: string[] = [];
  const pipeline = createPipeline({
    scope,
    approvals,
    pseudonymiser: createPseudonymiser({ keys: [generatePseudonymKey('k1', t0 - 86400_000, t0 + 30 * 86400_000)] }),
    deps: {
      onSelected: (f) => {
        if (f.family === 4) {
          if (f.scope === 'domestic-foreign') selectedDomestic.push(ipv4ToString(f.src4));
          if (f.scope === 'foreign-domestic') selectedDomestic.push(ipv4ToString(f.dst4));
        }
      },
    },
  });
  const rec = new MutableFlowRecord();
  rec.exporter = 'carrier-1';
  let n = 0;
  // 80 simulated minutes (the updates' hour comes round once), in 10-second windows as the exporter would send them
  for (let t = t0; t < t0 + 80 * 60_000; t += 10_000) {
    const batch: Parameters<Parameters<DemoScenario['window']>[2]>[0][] = [];
    scenario.window(t, t + 10_000, (f) => batch.push(f));
    batch.sort((a, b) => a.end - b.end);
    for (const f of batch) {
      pipeline.sink(fillFlowRecord(rec, f));
      n++;
    }
  }
  pipeline.flush();
  const findings = pipeline.detectors.findings.list();
  const totals = pipeline.gate.totals();
  assert.equal(totals.received, n);
  assert.ok(totals.outOfScope > 0, 'domestic↔domestic was dropped at the door');

  const { c2, scanner, updateServer, bots } = scenario.actors;
  const c2Findings = findings.filter((f) => f.external === c2);
  assert.ok(c2Findings.some((f) => f.type === 'fan-in' && f.score >= 0.7), `no fan-in on the C2: ${JSON.stringify(c2Findings.map((f) => [f.type, f.score]))}`);
  const fanIn = c2Findings.find((f) => f.type === 'fan-in')!;
  assert.ok(fanIn.domesticCount >= 30, `fan-in victims ${fanIn.domesticCount}`);
  for (const v of fanIn.domestic) assert.ok(!bots.includes(v), 'a victim address in a finding is a pseudonym, never the real address');
  assert.ok(findings.some((f) => f.type === 'scan' && f.external === scanner), 'the scanner was found');
  assert.ok(findings.some((f) => f.type === 'ddos'), 'the DDoS was found');
  assert.ok(!findings.some((f) => f.type === 'beacon' && f.external === updateServer && f.score >= 0.7), 'hourly updates from many hosts are not a beacon');
  assert.ok(pipeline.selections > 0, 'detector rules selected the servers they found');
  assert.ok(totals.selected > 0);
  assert.equal(selectedDomestic.filter((a) => bots.includes(a)).length, 0, 'no real bot address in a selected flow');
});
