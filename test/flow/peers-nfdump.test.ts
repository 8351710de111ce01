/**
 * ACD and nfdump's nfcapd receive the same export: softflowd sends to nfcapd, which repeats every
 * datagram to ACD's collector (`nfcapd -R`); then `nfdump -r FILE -o csv` summarises what nfcapd
 * stored. Flow count, packets and bytes must be equal, for NetFlow v5, v9 and IPFIX.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createFlowDecoder } from '../../src/flow/decode/index.js';
import { createUdpCollector } from '../../src/flow/collector.js';
import { silentLogger } from '../../src/shared/log.js';
import { hasBinary, runSoftflowd, startNfcapd, nfdumpSummary, freeUdpPort, waitExit, generatedPcap, PEER_PCAP, PEER_PCAP_LARGE } from './fixtures/peers.js';
import { thirdPartySkip } from '../helpers/third-party.js';

const GENERATED = 'synthetic.pcap (generated)';
for (const [version, named] of [[5, GENERATED], [9, GENERATED], [10, GENERATED], [5, PEER_PCAP], [9, PEER_PCAP], [10, PEER_PCAP], [9, PEER_PCAP_LARGE], [10, PEER_PCAP_LARGE]] as const) {
  test(`same NetFlow ${version === 10 ? 'IPFIX' : `v${version}`} export to ACD and nfcapd: equal flows, packets, bytes (${basename(named)})`, async (t) => {
    for (const bin of ['softflowd', 'softflowctl', 'nfcapd', 'nfdump']) {
      if (!hasBinary(bin)) return t.skip(`${bin} is not installed (apt-get install softflowd nfdump)`);
    }
    if (named !== GENERATED && !existsSync(named)) return t.skip(thirdPartySkip('stratosphere/slips-dataset') || `${named} is missing`);
    const pcap = named === GENERATED ? generatedPcap() : named;
    const dir = mkdtempSync(join(tmpdir(), 'acd-nfdump-'));
    const decoder = createFlowDecoder();
    let flows = 0;
    let packets = 0;
    let bytes = 0;
    const collector = createUdpCollector({
      listen: 'udp://127.0.0.1:0', decoder, logger: silentLogger,
      sink: (r) => { flows++; packets += r.packets; bytes += r.bytes; },
    });
    await collector.start();
    const nfPort = await freeUdpPort();
    const nf = await startNfcapd(nfPort, dir, collector.address().port);
    try {
      const rep = await runSoftflowd(pcap, nfPort, version, dir);
      for (let i = 0; i < 100 && collector.received < rep.datagrams; i++) await sleep(20);
      nf.proc.kill('SIGTERM');
      await waitExit(nf.proc, 10000);
      const files = readdirSync(dir).filter((f) => /^nfcapd\.\d+$/.test(f));
      assert.equal(files.length, 1, `one nfcapd file (${readdirSync(dir).join(', ')})`);
      const nfd = nfdumpSummary(join(dir, files[0]!));
      assert.ok(nfd.flows > 0, 'nfdump read flows');
      const s = decoder.allStats()[0]!;
      assert.equal(s.malformed, 0);
      assert.equal(s.datagrams, rep.datagrams, 'ACD got every datagram nfcapd repeated');
      assert.deepEqual({ flows, packets, bytes }, nfd, 'ACD and nfdump agree');
      assert.deepEqual({ flows, packets, bytes }, { flows: rep.records, packets: rep.packets, bytes: rep.octets }, 'and both agree with softflowd');
    } finally {
      if (nf.proc.exitCode === null) nf.proc.kill('SIGKILL');
      await collector.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
