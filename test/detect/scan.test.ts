import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDetectors, ScanDetector, OUTBOUND, INBOUND, tcpOutcome } from '../../src/detect/index.js';
import type { Finding } from '../../src/detect/index.js';
import { parseIpv4 } from '../../src/flow/index.js';
import { ACK, FIN, flow, prng, RST, SYN } from './synth.js';

const T0 = Date.UTC(2026, 0, 1);
const words = (a: string): Uint32Array => Uint32Array.of(0, 0, 0, parseIpv4(a));

test('TCP outcome from flags: SYN alone and SYN+RST fail, SYN+ACK succeeds, no SYN is no attempt', () => {
  assert.equal(tcpOutcome(SYN), -1);
  assert.equal(tcpOutcome(SYN | RST), -1);
  assert.equal(tcpOutcome(SYN | ACK | FIN), 1);
  assert.equal(tcpOutcome(ACK | FIN), 0);
  assert.equal(tcpOutcome(RST), 0);
});

test('an nmap-style inbound SYN scan is found by TRW and by the 25-hosts-on-one-port threshold', () => {
  const found: Finding[] = [];
  const det = createDetectors({ deps: { onFinding: (f) => found.push(f) } });
  const rand = prng(1);
  // 200 domestic hosts probed on 22/tcp, a few answer (open port: SYN then RST from the scanner)
  for (let i = 0; i < 200; i++) {
    const open = rand() < 0.05;
    det.observe(flow({ src: '45.155.205.233', srcPort: 40000 + i, dst: (0x0a000000 + i) >>> 0, dstPort: 22, start: T0 + i * 50, flags: open ? SYN | RST : SYN, packets: 1, bytes: 44 }), INBOUND);
  }
  det.flush(T0 + 20_000);
  const s = det.findings.list('scan');
  assert.equal(s.length, 1);
  const f = s[0]!;
  assert.equal(f.external, '45.155.205.233');
  assert.equal(f.direction, 'inbound');
  assert.equal(f.subscores.trw, 1);
  assert.equal(f.subscores.addressScan, 1);
  assert.equal(f.port, 22);
  const ev = f.evidence as { trwDecided: boolean; maxHostsOnOnePort: { hosts: number } };
  assert.equal(ev.trwDecided, true);
  assert.ok(ev.maxHostsOnOnePort.hosts >= 150, `hosts ${ev.maxHostsOnOnePort.hosts}`);
});

test('an outbound vertical port scan (100 ports on one host) trips the 15-ports threshold; TRW decides after 4 failures', () => {
  const d = new ScanDetector({}, () => {});
  const found: Finding[] = [];
  const det = new ScanDetector({}, (f) => found.push(f));
  for (let p = 1; p <= 100; p++) det.observe(flow({ src: '10.0.0.9', dst: '203.0.113.5', dstPort: p, start: T0 + p * 10, flags: SYN, packets: 1 }), OUTBOUND);
  det.flush(T0 + 5000);
  assert.equal(found.length, 1);
  const f = found[0]!;
  assert.equal(f.external, null);
  assert.deepEqual(f.domestic, ['10.0.0.9']);
  assert.equal(f.subscores.portScan, 1);
  // one host only: the walk counts first contacts per destination, so one failure
  assert.equal((f.evidence as { firstContacts: number }).firstContacts, 1);
  // four failed first contacts to four hosts decide TRW: ln 4 · 4 = 5.5 ≥ ln 99 = 4.6
  for (let i = 0; i < 3; i++) d.observe(flow({ src: '10.0.0.8', dst: (0xcb007100 + i) >>> 0, start: T0, flags: SYN }), OUTBOUND);
  assert.equal(d.sourceState(4, words('10.0.0.8'))?.scanner, false);
  d.observe(flow({ src: '10.0.0.8', dst: '203.0.113.77', start: T0, flags: SYN }), OUTBOUND);
  assert.equal(d.sourceState(4, words('10.0.0.8'))?.scanner, true);
});

test('a normal client (300 connections to 60 servers, 3 % failures) is not a scanner', () => {
  const found: Finding[] = [];
  const det = createDetectors({ deps: { onFinding: (f) => found.push(f) } });
  const rand = prng(2);
  for (let i = 0; i < 300; i++) {
    const server = (0x5db8d800 + Math.floor(rand() * 60)) >>> 0;
    const fail = rand() < 0.03;
    det.observe(flow({ src: '10.0.0.20', srcPort: 50000 + i, dst: server, dstPort: rand() < 0.8 ? 443 : 80, start: T0 + i * 900, flags: fail ? SYN : SYN | ACK | FIN, packets: fail ? 2 : 12 }), OUTBOUND);
  }
  det.flush(T0 + 300_000);
  assert.equal(det.findings.list('scan').length, 0);
  const st = det.scan.sourceState(4, words('10.0.0.20'));
  assert.ok(st && !st.scanner && st.contacts > 30);
  // repeated successful contacts took the fast path and were not counted again
  assert.ok(det.scan.fastPath > 100, `fast path ${det.scan.fastPath}`);
  assert.ok(st.contacts <= 60);
});

test('a ping sweep (ICMP echo to 40 hosts) trips the address-scan threshold under port 0', () => {
  const found: Finding[] = [];
  const det = new ScanDetector({}, (f) => found.push(f));
  for (let i = 0; i < 40; i++) det.observe(flow({ src: '198.51.100.3', dst: (0x0a000000 + i) >>> 0, proto: 1, srcPort: 0, dstPort: 8 << 8, start: T0 + i * 100, packets: 1, bytes: 84, flags: 0 }), INBOUND);
  det.flush(T0 + 10_000);
  assert.equal(found.length, 1);
  assert.equal(found[0]!.subscores.addressScan, 1);
});

test('the Zeek thresholds count per 5-minute epoch: 20 hosts in each of two epochs is no address scan', () => {
  const found: Finding[] = [];
  const det = new ScanDetector({}, (f) => found.push(f));
  for (let e = 0; e < 2; e++) for (let i = 0; i < 20; i++) det.observe(flow({ src: '198.51.100.4', dst: (0x0a000000 + e * 20 + i) >>> 0, dstPort: 3389, start: T0 + e * 360_000 + i, flags: SYN | ACK, packets: 3 }), INBOUND);
  det.flush(T0 + 800_000);
  assert.equal(found.length, 0);
});
