/**
 * A separate sender process for live.bench.ts: NetFlow v5 (30 flows a datagram, 2 000 distinct
 * datagrams in turn) at RATE flows/s for SECS seconds to each of the given ports on 127.0.0.1, the
 * same datagram to every port at once; prints what it sent as JSON.
 *   node --import tsx bench/e2e/v5-sender.ts RATE SECS PORT...
 */
import { createSocket } from 'node:dgram';
import { v5Datagram } from '../../test/flow/fixtures/build.js';
const [rate, secs, ...ports] = process.argv.slice(2).map(Number);
const secs0 = Math.floor(Date.now() / 1000);
let x = 12345;
const rnd = (): number => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return x; };
const pool: Buffer[] = [];
for (let i = 0; i < 2000; i++) {
  pool.push(v5Datagram({ seq: i * 30, uptime: 3_600_000, secs: secs0 }, Array.from({ length: 30 }, () => ({
    src4: (0x0a000000 | (rnd() & 0xffff)) >>> 0, dst4: (0x17000000 | (rnd() & 0xffffff)) >>> 0, srcPort: 1024 + (rnd() % 60000), dstPort: [443, 80, 53, 22][rnd() & 3]!,
    proto: 6, tcpFlags: 0x1b, packets: 1 + (rnd() % 100), bytes: 40 + (rnd() % 100000), first: 3_599_000, last: 3_599_900,
  }))));
}
const socks = ports.map(() => createSocket('udp4'));
const perDg = 30;
const total = Math.round((rate! * secs!) / perDg);
const t0 = performance.now();
let sent = 0;
while (sent < total) {
  const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * (rate! / perDg)));
  while (sent < due) {
    const b = pool[sent % pool.length]!;
    for (let p = 0; p < ports.length; p++) socks[p]!.send(b, ports[p]!, '127.0.0.1');
    sent++;
  }
  await new Promise((r) => setImmediate(r));
}
await new Promise((r) => setTimeout(r, 500));
for (const s of socks) s.close();
console.log(JSON.stringify({ datagrams: sent, flows: sent * perDg, seconds: (performance.now() - t0) / 1000 }));
