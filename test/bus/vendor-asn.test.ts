/**
 * A worker's detectors see the same AS lookup as the in-process pipeline's: a regular pair to an
 * update vendor's network (Microsoft's 20.54.24.231, AS8075) is reported flagged `cloud/vendor network`
 * and only suspected (it selects nothing unless corroborated: #21, detect/tier.ts) in both, so the bus
 * reports exactly what one process would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBusCollector, createBusWorker, createMemoryBus, parsePartitions } from '../../src/bus/index.js';
import { MutableFlowRecord, parseIpv4 } from '../../src/flow/index.js';
import { createPipeline } from '../../src/pipeline/index.js';
import { createAsnLookup } from '../../src/selection/scope.js';
import { parseIpv4 as ip } from '../../src/flow/index.js';
import { VENDOR_FLAG } from '../../src/detect/index.js';
import { fixture, T0 } from './fixture.js';

const PARTITIONS = 4;

/** Two domestic hosts each polling a server every 300 s for 4 h: one vendor address, one not. */
function feedPolling(sink: (r: MutableFlowRecord) => void): void {
  const rec = new MutableFlowRecord();
  rec.exporter = 'carrier-1';
  for (let i = 0; i < 48; i++) {
    for (const [src, dst] of [['133.1.2.3', '20.54.24.231'], ['133.1.2.4', '41.1.1.1']] as const) {
      const t = T0 + i * 300_000 + (src.endsWith('3') ? 0 : 1_000);
      rec.family = 4;
      rec.src4 = parseIpv4(src);
      rec.dst4 = parseIpv4(dst);
      rec.srcPort = 40_000 + i;
      rec.dstPort = 443;
      rec.proto = 6;
      rec.tcpFlags = 0x1b;
      rec.packets = 12;
      rec.bytes = 4_200;
      rec.start = t;
      rec.end = t + 2_000;
      sink(rec);
    }
  }
}

type F = { type: string; external: string | null; flags?: string[]; tier?: string };
/** each beacon's server, with its vendor flag and, for a flagged one, its tier */
const beacons = (fs: F[]): string[] =>
  fs.filter((f) => f.type === 'beacon').map((f) => `${f.external ?? ''}${f.flags?.includes(VENDOR_FLAG) ? ` (${VENDOR_FLAG}, ${f.tier})` : ''}`).sort();

test('vendor ASes: a worker flags and holds back the same pairs as the in-process pipeline, and without the lookup it would not flag them', async () => {
  const fx0 = fixture();
  const found: F[] = [];
  const one = createPipeline({ scope: fx0.scope, approvals: fx0.approvals, pseudonymiser: fx0.pseudonymiser, deps: { onFinding: (f) => found.push(f) } });
  feedPolling((r) => one.sink(r));
  one.flush();
  // the last state of each finding (a finding is re-sent as it is updated)
  const last = new Map<string, F>();
  for (const f of found) last.set(`${f.type}|${f.external}`, f);
  const inProcess = beacons([...last.values()]);
  assert.deepEqual(inProcess, [`20.54.24.231 (${VENDOR_FLAG}, suspected)`, '41.1.1.1'], 'one process: the vendor pair flagged and only suspected');

  const viaBus = async (withAsn: boolean): Promise<string[]> => {
    const fx = fixture();
    const bus = createMemoryBus({ partitions: PARTITIONS });
    const c = createBusCollector({ ...fx, bus, config: { publisher: { producer: 'vendor' } } });
    const w = createBusWorker({ bus, partitions: parsePartitions(`0-${PARTITIONS - 1}`, PARTITIONS), ...(withAsn ? { deps: { asn: createAsnLookup() } } : {}) });
    await w.start();
    feedPolling((r) => c.sink(r));
    await c.flush({ end: true });
    for (let i = 0; i < 200 && [...(await w.lag()).values()].some((n) => n > 0); i++) await new Promise((r) => setTimeout(r, 20));
    await w.stop();
    return beacons(w.findings());
  };
  // acd worker's lookup (AS table only, no country data) answers as the scope does
  assert.equal(createAsnLookup().asn4(ip('20.54.24.231')), fx0.scope.asn4(ip('20.54.24.231')));
  assert.equal(fx0.scope.asn4(ip('20.54.24.231')), 8075);
  assert.deepEqual(await viaBus(true), inProcess, 'the worker with the AS lookup agrees with one process');
  assert.deepEqual(await viaBus(false), ['20.54.24.231', '41.1.1.1'], 'without it the vendor pair would be an unflagged beacon finding');
});
