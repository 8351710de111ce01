/**
 * The whole in-process pipeline (gate + detectors + detector-rule selections) on the demo scenario's
 * traffic, against the gate alone on the same flows (baseline, same run). Figures per CPU second
 * as well as per wall second, since the machine may be shared.
 */
import { DemoScenario, type DemoFlow } from '../../src/flow/demo-exporter.js';
import { MutableFlowRecord } from '../../src/flow/index.js';
import { ApprovalSet, DETECTORS, createGate, createPseudonymiser, createScope, generatePseudonymKey } from '../../src/selection/index.js';
import { createPipeline } from '../../src/pipeline/index.js';
import { report } from '../lib.js';

const scope = createScope({ useCountryData: true, country: 'JP', localIsDomestic: true });
const t0 = Date.UTC(2026, 10, 25);
const scenario = new DemoScenario(scope, t0, { seed: 3, domesticHosts: 5000, botnetSize: 200, updateClients: 1000, backgroundFlowsPerSimSecond: 2000 });
const flows: DemoFlow[] = [];
for (let t = t0; t < t0 + 20 * 60_000; t += 10_000) {
  const batch: DemoFlow[] = [];
  scenario.window(t, t + 10_000, (f) => batch.push(f));
  batch.sort((a, b) => a.end - b.end);
  for (const f of batch) flows.push(f);
}
const approval = () =>
  new ApprovalSet({
    approvals: [{
      id: 'bench', category: 'foreign-domestic', carriers: ['c'],
      criteria: DETECTORS.map((d) => ({ id: `r-${d}`, kind: 'detector', detector: d })),
      start: new Date(t0 - 86400_000).toISOString(), end: new Date(t0 + 86400_000 * 30).toISOString(), approvedBy: 'bench', status: 'approved',
    }],
  });
const keys = () => createPseudonymiser({ keys: [generatePseudonymKey('k', t0 - 86400_000, t0 + 86400_000 * 30)] });
const rec = new MutableFlowRecord();
rec.exporter = 'c';
function feed(sink: (r: MutableFlowRecord) => void): { ops: number; ms: number; cpuMs: number } {
  const c0 = process.cpuUsage();
  const w0 = process.hrtime.bigint();
  for (const f of flows) {
    rec.src4 = f.src; rec.dst4 = f.dst; rec.srcPort = f.srcPort; rec.dstPort = f.dstPort; rec.proto = f.proto;
    rec.tcpFlags = f.tcpFlags; rec.packets = f.packets; rec.bytes = f.bytes; rec.start = f.start; rec.end = f.end;
    sink(rec);
  }
  const c = process.cpuUsage(c0);
  return { ops: flows.length, ms: Number(process.hrtime.bigint() - w0) / 1e6, cpuMs: (c.user + c.system) / 1000 };
}

console.log(`${flows.length} flows of the demo scenario (20 simulated minutes, 5000 domestic hosts)`);
for (let round = 0; round < 2; round++) {
  const gate = createGate({ scope, approvals: approval(), pseudonymiser: keys() });
  const g = feed((r) => gate.process(r, { selected: () => {}, feed: () => {} }));
  const p = createPipeline({ scope, approvals: approval(), pseudonymiser: keys() });
  const w = feed(p.sink);
  p.flush();
  report(`round ${round + 1}: gate + detectors (wall)`, w, g, 'flows', 'gate alone');
  report(`round ${round + 1}: gate + detectors (CPU)`, { ops: w.ops, ms: w.cpuMs }, { ops: g.ops, ms: g.cpuMs }, 'flows', 'gate alone');
  console.log(`  findings ${p.detectors.findings.size}, detector selections ${p.selections}, selected ${p.gate.totals().selected}`);
}
