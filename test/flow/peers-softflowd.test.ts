/**
 * softflowd (a real exporter) turns a pcap (a synthetic one written by the test, and a Stratosphere capture
 * where the third-party data is present) into NetFlow v5, v9 and IPFIX sent to ACD's
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
import { hasBinary, runSoftflowd, generatedPcap, PEER_PCAP } from './fixtures/peers.js';
import { thirdPartySkip } from '../helpers/third-party.js';

for (const [version, source] of [[5, 'synthetic'], [9, 'synthetic'], [10, 'synthetic'], [5, 'stratosphere'], [9, 'stratosphere'], [10, 'stratosphere']] as const) {
  test(`softflowd -v ${version} → ACD collector: every exported record, packet and octet arrives (${source} pcap)`, async (t) => {
    if (!hasBinary('softflowd') || !hasBinary('softflowctl')) return t.skip('softflowd is not installed (apt-get install softflowd)');
    if (source === 'stratosphere' && !existsSync(PEER_PCAP)) return t.skip(thirdPartySkip('stratosphere/slips-dataset/test19-malicious-ssh') || `${PEER_PCAP} is missing`);
    const PCAP = source === 'synthetic' ? generatedPcap() : PEER_PCAP;
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
      // the captures are from 2020-2026: times must be absolute and ordered, whatever the version's format
      if (!(r.start > Date.UTC(2015, 0) && r.start < Date.UTC(2030, 0) && r.end >= r.start)) badTime++;
    };
    const collector = createUdpCollector({ listen: 'udp://127.0.0.1:0', decoder, sink, logger: silentLogger });
    await collector.start();
    try {
      const rep = await runSoftflowd(PCAP, collector.address().port, version, dir);
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
