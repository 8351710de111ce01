import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createScope } from '../../src/selection/index.js';
import { MutableFlowRecord, parseIpv4, parseIpv6 } from '../../src/flow/index.js';

test('with localIsDomestic, non-global addresses (private, link-local, multicast, ULA) are never foreign', () => {
  const plain = createScope({ useCountryData: false, domesticPrefixes: ['147.32.0.0/16'] });
  const local = createScope({ useCountryData: false, domesticPrefixes: ['147.32.0.0/16'], localIsDomestic: true });
  for (const a of ['10.1.2.3', '192.168.1.115', '172.20.0.1', '169.254.9.9', '224.0.0.251', '239.255.255.250', '100.64.1.1', '127.0.0.1']) {
    assert.equal(plain.isDomestic4(parseIpv4(a)), false, a);
    assert.equal(local.isDomestic4(parseIpv4(a)), true, a);
  }
  for (const a of ['ff02::1', 'ff02::1:ff20:1e83', 'fe80::1', 'fd2d:ab8c:225::1']) assert.equal(local.isDomestic6(parseIpv6(a)!), true, a);
  for (const a of ['8.8.8.8', '41.108.179.197', '1.1.1.1']) assert.equal(local.isDomestic4(parseIpv4(a)), false, a);
  assert.equal(local.isDomestic6(parseIpv6('2001:4860:4860::8888')!), false);
  const r = new MutableFlowRecord();
  r.src4 = parseIpv4('147.32.1.1');
  r.dst4 = parseIpv4('224.0.0.251');
  assert.equal(plain.classify(r), 'domestic-foreign');
  assert.equal(local.classify(r), 'domestic-domestic', 'mDNS multicast from a domestic host does not cross a border');
});
