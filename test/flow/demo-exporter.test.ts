import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { DemoScenario, V9Encoder, createDemoExporter, type DemoFlow } from '../../src/flow/demo-exporter.js';
import { createFlowDecoder } from '../../src/flow/decode/index.js';
import { copyFlowRecord, ipv4ToString, parseIpv4, type FlowRecord } from '../../src/flow/index.js';

// A stand-in domestic set for the test: 133.0.0.0/8 and 126.0.0.0/8 (the real demo uses the country data).
const scope = { isDomestic4: (a: number) => a >>> 24 === 133 || a >>> 24 === 126 };

test('the scenario makes a botnet, a scanner, a DDoS, updates and background traffic in the right places', () => {
  const s = new DemoScenario(scope, Date.UTC(2026, 0, 1), { seed: 7 });
  const flows: DemoFlow[] = [];
  s.window(s.simStart, s.simStart + 20 * 60_000, (f) => flows.push(f));
  const c2 = parseIpv4(s.actors.c2);
  const toC2 = flows.filter((f) => f.dst === c2);
  assert.ok(!scope.isDomestic4(c2), 'the C2 is foreign');
  const bots = new Set(toC2.map((f) => f.src));
  assert.equal(bots.size, 40);
  for (const b of bots) assert.ok(scope.isDomestic4(b), `bot ${ipv4ToString(b)} is domestic`);
  // each bot beacons about every 60 s ± 15 %: ~20 in 20 minutes
  const perBot = toC2.length / bots.size;
  assert.ok(perBot > 17 && perBot < 23, `${perBot} beacons per bot`);
  const scan = flows.filter((f) => f.src === parseIpv4(s.actors.scanner));
  assert.ok(scan.length > 5000 && scan.every((f) => f.dstPort === 23 && f.tcpFlags === 0x02));
  const ddos = flows.filter((f) => f.dst === parseIpv4(s.actors.ddosTarget) && f.proto === 17);
  assert.equal(new Set(ddos.map((f) => f.src)).size, 300);
  assert.equal(ddos.length, 300 * 90);
  const updates = flows.filter((f) => f.dst === parseIpv4(s.actors.updateServer));
  assert.ok(updates.length > 20 && updates.length < 150, `${updates.length} update flows in 20 min`);
  const domDom = flows.filter((f) => scope.isDomestic4(f.src) && scope.isDomestic4(f.dst));
  assert.ok(domDom.length > 0, 'some domestic↔domestic traffic for the gate to drop');
});

test('the v9 encoding decodes back to the same flows with the real decoder', () => {
  const boot = Date.UTC(2026, 0, 1);
  const enc = new V9Encoder(42, boot);
  const flows: DemoFlow[] = Array.from({ length: V9Encoder.maxRecords }, (_v, i) => ({
    src: parseIpv4('133.1.2.3') + i, dst: parseIpv4('45.6.7.8'), srcPort: 40000 + i, dstPort: 443, proto: 6, tcpFlags: 0x1b,
    packets: 7 + i, bytes: 1200 + i, start: boot + 10_000 + i * 1000, end: boot + 11_000 + i * 1000,
  }));
  const decoder = createFlowDecoder();
  const got: FlowRecord[] = [];
  const r1 = decoder.decode(enc.encode(flows, boot + 60_000), '127.0.0.1:9999', (rec) => got.push(copyFlowRecord(rec)));
  const r2 = decoder.decode(enc.encode(flows.slice(0, 3), boot + 61_000), '127.0.0.1:9999', (rec) => got.push(copyFlowRecord(rec)));
  assert.equal(got.length, flows.length + 3, JSON.stringify([r1, r2]));
  const st = decoder.stats('127.0.0.1:9999')!;
  assert.equal(st.lost, 0);
  got.slice(0, flows.length).forEach((g, i) => {
    const f = flows[i]!;
    assert.equal(g.src4, f.src);
    assert.equal(g.dst4, f.dst);
    assert.equal(g.srcPort, f.srcPort);
    assert.equal(g.dstPort, 443);
    assert.equal(g.proto, 6);
    assert.equal(g.tcpFlags, 0x1b);
    assert.equal(g.packets, f.packets);
    assert.equal(g.bytes, f.bytes);
    assert.equal(g.start, f.start);
    assert.equal(g.end, f.end);
    assert.equal(g.domain, 42);
  });
});

test('the exporter sends NetFlow v9 over UDP at simulated speed', async () => {
  const sock = createSocket({ type: 'udp4', recvBufferSize: 16 * 1048576 });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const port = sock.address().port;
  const decoder = createFlowDecoder();
  let records = 0;
  sock.on('message', (msg, rinfo) => decoder.decode(msg, `${rinfo.address}:${rinfo.port}`, () => records++));
  const ex = createDemoExporter({ target: { host: '127.0.0.1', port }, scope, scenario: { speed: 400 }, tickMs: 50 });
  ex.start();
  await new Promise((r) => setTimeout(r, 1500));
  await ex.stop();
  await new Promise((r) => setTimeout(r, 100));
  sock.close();
  const st = ex.stats();
  assert.ok(st.simSeconds >= 400, `simulated ${st.simSeconds} s`);
  assert.ok(st.flows > 1000);
  assert.equal(records, st.flows, 'every sent flow was decoded (loopback does not drop at this rate)');
});
