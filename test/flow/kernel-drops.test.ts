/**
 * The collector counts what the kernel drops on its socket (#23): a collector with a tiny receive
 * buffer, datagrams sent faster than it can read (the sender holds the event loop), and every
 * datagram sent is either received or counted as a kernel drop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { createFlowDecoder, createUdpCollector } from '../../src/flow/index.js';
import { silentLogger } from '../../src/shared/log.js';
import { v5Datagram, ip4 } from './fixtures/build.js';

const f = { src4: ip4('10.0.0.1'), dst4: ip4('10.0.0.2'), srcPort: 1, dstPort: 2, proto: 6, packets: 4, bytes: 400, first: 0, last: 0 };

test('collector: datagrams the kernel drops (receive buffer full) are counted; received + dropped = sent', { skip: process.platform !== 'linux' }, async () => {
  const c = createUdpCollector({ listen: 'udp://127.0.0.1:0', decoder: createFlowDecoder(), sink: () => {}, logger: silentLogger, receiveBufferBytes: 4096 });
  assert.equal(c.kernelDrops(), null, 'not started');
  await c.start();
  try {
    assert.equal(c.kernelDrops(), 0);
    const port = c.address().port;
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const dgram = v5Datagram({ seq: 0, uptime: 1, secs: 1 }, Array.from({ length: 30 }, () => f));
    const sent = 2000;
    let done = 0;
    // one synchronous loop: the collector cannot read until it ends, so its 4 kB buffer overflows
    for (let i = 0; i < sent; i++) s.send(dgram, port, '127.0.0.1', () => { done++; });
    for (let i = 0; i < 500 && done < sent; i++) await sleep(10);
    let drops = c.kernelDrops() ?? 0;
    for (let i = 0; i < 300 && c.received + drops < sent; i++) { await sleep(10); drops = c.kernelDrops() ?? 0; }
    s.close();
    assert.ok(drops > 0, `the kernel dropped (${drops}; received ${c.received})`);
    assert.equal(c.received + drops, sent);
  } finally {
    await c.stop();
  }
  assert.equal(c.kernelDrops(), null, 'stopped');
});
