/**
 * softflowd (a real exporter) turns a Stratosphere pcap into NetFlow v5, v9 and IPFIX sent to ACD's
 * UDP collector: every record softflowd says it exported arrives, with the packets and octets it
 * counted, nothing malformed, no unknown template, no loss.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createFlowDecoder } from '../../src/flow/decode/index.js';
import { createUdpCollector } from '../../src/flow/collector.js';
import { silentLogger } from '../../src/shared/log.js';
import { srcAddrString, type FlowRecord } from '../../src/flow/record.js';
import { hasBinary, runSoftflowd, PEER_PCAP } from './fixtures/peers.js';

for (const version of [5, 9, 10] as const) {
  test(`softflowd -v ${version} → ACD collector: every exported record, packet and octet arrives`, async (t) => {
    if (!hasBinary('softflowd') || !hasBinary('softflowctl')) return t.skip('softflowd is not installed (apt-get install softflowd)');
    if (!existsSync(PEER_PCAP)) return t.skip(`${PEER_PCAP} is missing`);
    const dir = mkdtempSync(join(tmpdir(), 'acd-softflowd-'));
    const decoder = createFlowDecoder();
    let records = 0;
    let packets = 0;
    let bytes = 0;
    const hosts = new Set<string>();
    let badTime = 0;
    const sink = (r: FlowRecord): void => {
      records++;
      packets += r.packets;
      bytes += r.bytes;
      hosts.add(srcAddrString(r));
      // the capture is from 2020-2021: times must be absolute and ordered, whatever the version's format
      if (!(r.start > Date.UTC(2015, 0) && r.start < Date.UTC(2030, 0) && r.end >= r.start)) badTime++;
    };
    const collector = createUdpCollector({ listen: 'udp://127.0.0.1:0', decoder, sink, logger: silentLogger });
    await collector.start();
    try {
      const rep = await runSoftflowd(PEER_PCAP, collector.address().port, version, dir);
      for (let i = 0; i < 100 && collector.received < rep.datagrams; i++) await sleep(20);
      assert.ok(rep.records > 0 && rep.packets > 0, 'softflowd exported something');
      const st = decoder.allStats();
      assert.equal(st.length, 1, 'one exporter');
      const s = st[0]!;
      assert.match(s.exporter, /^127\.0\.0\.1:\d+$/);
      assert.equal(s.datagrams, rep.datagrams, 'datagrams');
      assert.equal(s.malformed, 0, `malformed: ${JSON.stringify(s.malformedByReason)}`);
      assert.equal(s.unknownTemplate, 0);
      assert.equal(s.lost, 0);
      assert.equal(records, rep.records, 'records');
      assert.equal(s.flows, rep.records);
      assert.equal(packets, rep.packets, 'packets');
      assert.equal(bytes, rep.octets, 'octets');
      assert.equal(s.packets, rep.packets);
      assert.equal(badTime, 0, 'flow times');
      assert.ok(hosts.size >= 2);
    } finally {
      await collector.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
