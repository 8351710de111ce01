/**
 * The importers' field parsers: strict where the built-ins are lenient, equal to the built-ins where
 * both accept, and the TCP flag approximations that the scan detector relies on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  FieldSplitter, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN,
  parseIpv4At, parsePort, parseSecondsMsAt, parseUint, protoNumber,
} from '../../src/flow/import/fields.js';
import { CONN_STATE_FLAGS, argusStateFlags, historyFlags, parseArgusTime } from '../../src/flow/import/index.js';
import { connStateFlags } from '../../src/flow/import/zeek.js';
import { parseIpv4 } from '../../src/flow/record.js';

test('numbers: only plain digits are accepted', () => {
  assert.equal(parseUint('1234'), 1234);
  for (const bad of ['', ' 1', '1 ', '-1', '+1', '1e3', '0x10', '1.0', '1234567890123456']) assert.equal(parseUint(bad), -1, bad);
  const ms = (s: string): number => parseSecondsMsAt(s, 0, s.length);
  assert.equal(ms('19.981745'), 19981.745);
  assert.equal(ms('1655071198.444458'), 1655071198444.458);
  assert.equal(ms('7'), 7000);
  for (const bad of ['', '.5', '5.', '1.2.3', '-1', '1e3', 'NaN', ' 1']) assert.ok(Number.isNaN(ms(bad)), bad);
  assert.equal(parsePort('0x0303'), 0x303);
  assert.equal(parsePort('0xFFFF'), 65535);
  assert.equal(parsePort('65535'), 65535);
  for (const bad of ['65536', '0x10000', '0x', '0xg1', '', '80a']) assert.equal(parsePort(bad), -1, bad);
  assert.equal(protoNumber('ipv6-icmp'), 58);
  assert.equal(protoNumber('TCP'), 6);
  assert.equal(protoNumber('132'), 132);
  assert.equal(protoNumber('256'), -1);
  assert.equal(protoNumber('constructor'), -1);
});

test('parseIpv4At agrees with record.ts parseIpv4 on random dotted text', () => {
  fc.assert(fc.property(
    fc.array(fc.oneof(fc.nat({ max: 300 }).map(String), fc.constantFrom('', '00', '1a', ' ')), { minLength: 1, maxLength: 5 }),
    (parts) => {
      const s = `x${parts.join('.')}y`;
      assert.equal(parseIpv4At(s, 1, s.length - 1), parseIpv4(parts.join('.')));
    },
  ), { numRuns: 2000, seed: 7 });
});

test('FieldSplitter counts and bounds fields exactly as String.split does', () => {
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', 'b', '\t', ',', 'x') , maxLength: 40 }), fc.constantFrom('\t', ','), (line, sep) => {
    const parts = line.split(sep);
    const f = new FieldSplitter(64);
    assert.equal(f.split(line, sep), parts.length);
    parts.forEach((p, i) => assert.equal(line.slice(f.starts[i], f.ends[i]), p));
    const small = new FieldSplitter(3);
    assert.equal(small.split(line, sep), Math.min(parts.length, 4), 'more than max reads as max + 1');
  }), { numRuns: 2000, seed: 11 });
});

test('Argus times: the formats of the Stratosphere files, as UTC', () => {
  assert.equal(parseArgusTime('2019/04/04 16:24:47.672448'), Date.UTC(2019, 3, 4, 16, 24, 47) + 672.448);
  assert.equal(parseArgusTime('2019-04-04 16:24:47'), Date.UTC(2019, 3, 4, 16, 24, 47));
  assert.equal(parseArgusTime('2019-04-04T16:24:48.5'), Date.UTC(2019, 3, 4, 16, 24, 48, 500));
  assert.equal(parseArgusTime('1970/01/01 01:00:08.140073'), 3608140.073);
  assert.equal(parseArgusTime('1554395087.5'), 1554395087500);
  // in the middle of a line, the field bounds are respected
  const line = 'x,2019/04/04 16:24:47,y';
  assert.equal(parseArgusTime(line, 2, 21), Date.UTC(2019, 3, 4, 16, 24, 47));
  for (const bad of ['2019/13/04 16:24:47', '2019/04/04 24:00:00', '2019/04/04 16:24:61', '2019/04-04 16:24:47', '2019/04/04 16:24:47.', '04/04/2019 16:24:47', 'yesterday', '']) {
    assert.ok(Number.isNaN(parseArgusTime(bad)), bad);
  }
});

test('TCP flags: failure has no ACK, success has ACK (Zeek conn_state, history, Argus State)', () => {
  assert.equal(connStateFlags('S0'), TCP_SYN);
  assert.equal(connStateFlags('REJ'), TCP_SYN | TCP_RST);
  assert.equal(connStateFlags('SF'), TCP_SYN | TCP_ACK | TCP_FIN);
  assert.equal(connStateFlags('OTH'), 0);
  assert.equal(connStateFlags(''), 0);
  assert.equal(connStateFlags('toString'), 0, 'not an Object.prototype member');
  for (const s of ['S0', 'REJ', 'RSTOS0', 'SH']) assert.equal(CONN_STATE_FLAGS[s]! & TCP_ACK, 0, `${s} is a failed attempt`);
  for (const s of ['S1', 'SF', 'S2', 'S3', 'RSTO', 'RSTR']) assert.equal(CONN_STATE_FLAGS[s]! & TCP_ACK, TCP_ACK, `${s} was established`);
  assert.equal(historyFlags('Sr'), TCP_SYN | TCP_RST);
  assert.equal(historyFlags('ShADadfF'), TCP_SYN | TCP_ACK | TCP_PSH | TCP_FIN);
  assert.equal(historyFlags('^hCacdfC'), TCP_SYN | TCP_ACK | TCP_PSH | TCP_FIN);
  assert.equal(argusStateFlags('S_'), TCP_SYN);
  assert.equal(argusStateFlags('S_RA'), TCP_SYN | TCP_RST, 'the RST-ACK of a refusal is not an acceptance');
  assert.equal(argusStateFlags('S_SA'), TCP_SYN | TCP_ACK, 'a SYN-ACK is');
  assert.equal(argusStateFlags('FSPA_FSPA'), TCP_FIN | TCP_SYN | TCP_PSH | TCP_ACK);
  assert.equal(argusStateFlags('SRPA_'), TCP_SYN | TCP_RST | TCP_PSH | TCP_ACK);
  assert.equal(argusStateFlags('REQ'), TCP_SYN);
  assert.equal(argusStateFlags('CON'), TCP_SYN | TCP_ACK);
  assert.equal(argusStateFlags('S0'), TCP_SYN);
  assert.equal(argusStateFlags('INT'), 0);
});
