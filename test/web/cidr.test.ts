/** The dashboard's address and prefix matching (web/src/cidr.ts), used to show an approval's evidence. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inPrefix, parseAddress, parsePrefix } from '../../web/src/cidr.js';

test('IPv4 and IPv6 addresses parse to their bits; anything else is null', () => {
  assert.deepEqual(parseAddress('192.0.2.1'), { family: 4, bits: 0xc0000201n });
  assert.deepEqual(parseAddress('2001:db8::1'), { family: 6, bits: (0x20010db8n << 96n) | 1n });
  assert.deepEqual(parseAddress('::ffff:192.0.2.1'), { family: 6, bits: (0xffffn << 32n) | 0xc0000201n });
  assert.equal(parseAddress('::')?.bits, 0n);
  for (const bad of ['192.0.2.256', '192.0.2', 'example.org', '1::2::3', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', '12345::', '']) assert.equal(parseAddress(bad), null, bad);
});

test('prefixes: length within the family, else null', () => {
  assert.deepEqual(parsePrefix('203.0.113.0/24'), { family: 4, bits: 0xcb007100n, length: 24 });
  assert.equal(parsePrefix('203.0.113.0/33'), null);
  assert.equal(parsePrefix('2001:db8::/129'), null);
  assert.equal(parsePrefix('203.0.113.0'), null);
});

test('an address lies in a prefix of its own family only', () => {
  assert.equal(inPrefix('203.0.113.7', '203.0.113.0/24'), true);
  assert.equal(inPrefix('203.0.114.7', '203.0.113.0/24'), false);
  assert.equal(inPrefix('203.0.113.7', '0.0.0.0/0'), true);
  assert.equal(inPrefix('203.0.113.7', '203.0.113.7/32'), true);
  assert.equal(inPrefix('203.0.113.8', '203.0.113.7/32'), false);
  assert.equal(inPrefix('2001:db8:1::5', '2001:db8::/32'), true);
  assert.equal(inPrefix('2001:db9::5', '2001:db8::/32'), false);
  assert.equal(inPrefix('203.0.113.7', '::/0'), false);
  assert.equal(inPrefix('not an address', '0.0.0.0/0'), false);
});
