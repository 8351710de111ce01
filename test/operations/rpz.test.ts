/**
 * RPZ measures against a real BIND 9: `named -g` on 127.0.0.1 (own port, own rndc key and control
 * port, in a temp dir) with an authoritative test zone and ACD's response-policy zone; dig checks a
 * domain is NXDOMAIN or sinkholed after apply, that an rpz-ip rule hides a name resolving to the C2
 * address, and that after lifting everything resolves as before.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRpzDriver, renderRpzZone, rpzIpName } from '../../src/operations/rpz.js';
import type { Measure } from '../../src/operations/index.js';
import { hasBinary, startNamed, waitFor, type NamedFixture } from './procs.js';

test('rpz-ip owner names: v4 reversed with the length first, v6 groups reversed with zz for the longest zero run', () => {
  assert.equal(rpzIpName('198.51.100.7'), '32.7.100.51.198.rpz-ip');
  assert.equal(rpzIpName('2001:db8::1'), '128.1.zz.db8.2001.rpz-ip');
  assert.equal(rpzIpName('2001:db8:0:1:0:0:0:5'), '128.5.zz.1.0.db8.2001.rpz-ip');
  assert.equal(rpzIpName('2001:db8:1:2:3:4:5:6'), '128.6.5.4.3.2.1.db8.2001.rpz-ip');
});

test('the zone holds each measure once, domains with their subdomains, sorted and with the serial given', () => {
  const m = (id: string, target: string, action: string): Measure => ({ id, operationId: 'op', kind: 'rpz', target, targetType: target.includes('.') && !/^[0-9.]+$/.test(target) ? 'domain' : 'address', params: { action } });
  const z = renderRpzZone('rpz.acd', 42, 'sinkhole.acd.test', [m('b', 'z.example', 'sinkhole'), m('a', 'a.example', 'nxdomain'), m('c', '192.0.2.1', 'nxdomain')]);
  assert.match(z, /SOA localhost\. hostmaster\.localhost\. \( 42 /);
  const recs = z.split('\n').filter((l) => l.includes(' CNAME ')).map((l) => l.split(' ;')[0]);
  assert.deepEqual(recs, ['32.1.2.0.192.rpz-ip CNAME .', 'a.example CNAME .', '*.a.example CNAME .', 'z.example CNAME sinkhole.acd.test.', '*.z.example CNAME sinkhole.acd.test.']);
});

const haveBind = hasBinary('named') && hasBinary('rndc') && hasBinary('dig');

describe('RPZ through a real named', { skip: haveBind ? false : 'named, rndc or dig missing (apt-get install bind9 bind9-dnsutils)' }, () => {
  let named: NamedFixture;
  let port: number;
  let rndcArgs: string[];
  const zoneFile = () => named.zoneFile;
  const dig = (name: string) => named.dig(name);

  before(async () => {
    named = await startNamed();
    port = named.port;
    rndcArgs = named.rndcArgs;
  });
  after(async () => {
    await named?.stop();
    assert.ok(!named || named.child.proc.exitCode !== null || named.child.proc.signalCode !== null, 'named stopped');
  });

  test('apply sinkholes and NXDOMAINs, verify with dig, lift restores the answers; the serial grows', async () => {
    const driver = createRpzDriver({ zoneFile: zoneFile(), zoneName: 'rpz.acd', sinkhole: 'sinkhole.acd.test', rndc: { args: rndcArgs }, resolver: { host: '127.0.0.1', port } });
    const m = (id: string, target: string, targetType: 'domain' | 'address', action: string): Measure => ({ id, operationId: 'op-1', kind: 'rpz', target, targetType, params: { action } });
    const evil = m('m-evil', 'evil.example.test', 'domain', 'nxdomain');
    const cdn = m('m-cdn', 'cdn.example.test', 'domain', 'sinkhole');
    const c2 = m('m-c2', '198.51.100.7', 'address', 'nxdomain');
    const before = { evil: await dig('evil.example.test'), www: await dig('www.evil.example.test'), cdn: await dig('cdn.example.test'), c2: await dig('c2.example.test') };
    assert.match(before.evil.answers, /203\.0\.113\.66/);
    assert.match(before.c2.answers, /198\.51\.100\.7/);
    const serial0 = Number(/\( (\d+) /.exec(await readFile(zoneFile(), 'utf8'))![1]);

    const now = new Date();
    await driver.apply(evil, [evil], { decisionId: 'd', now });
    await driver.apply(cdn, [evil, cdn], { decisionId: 'd', now });
    await driver.apply(c2, [evil, cdn, c2], { decisionId: 'd', now });
    const serial1 = Number(/\( (\d+) /.exec(await readFile(zoneFile(), 'utf8'))![1]);
    assert.ok(serial1 >= serial0 + 3, `serial ${serial0} -> ${serial1}`);

    await waitFor("the zone reload", async () => (await dig("evil.example.test")).status === "NXDOMAIN");
    assert.equal((await dig('www.evil.example.test')).status, 'NXDOMAIN', 'subdomains too');
    const sunk = await dig('cdn.example.test');
    assert.match(sunk.answers, /CNAME\s+sinkhole\.acd\.test\./);
    assert.match(sunk.answers, /192\.0\.2\.254/, 'and on to the sinkhole address');
    assert.equal((await dig('c2.example.test')).status, 'NXDOMAIN', 'a name resolving to the C2 address is hidden by rpz-ip');
    assert.match((await dig('good.example.test')).answers, /192\.0\.2\.10/, 'other names untouched');
    for (const x of [evil, cdn, c2]) assert.equal((await driver.verify(x)).ok, true, x.target);

    await driver.lift(evil, [cdn, c2]);
    await waitFor('evil restored', async () => (await dig('evil.example.test')).answers.includes('203.0.113.66'));
    assert.equal((await driver.verify(evil)).ok, false);
    assert.equal((await dig('c2.example.test')).status, 'NXDOMAIN', 'the others stay');
    await driver.lift(cdn, [c2]);
    await driver.lift(c2, []);
    await waitFor('all restored', async () => (await dig('c2.example.test')).answers.includes('198.51.100.7'));
    const after = { evil: await dig('evil.example.test'), www: await dig('www.evil.example.test'), cdn: await dig('cdn.example.test'), c2: await dig('c2.example.test') };
    assert.deepEqual(after, before, 'after lifting, every name resolves as before');
  });

  test('a reload that fails is an error naming rndc (so the measure is not marked applied)', async () => {
    const driver = createRpzDriver({ zoneFile: zoneFile(), zoneName: 'no-such-zone', sinkhole: 's.test', rndc: { args: rndcArgs } });
    await assert.rejects(driver.apply({ id: 'x', operationId: 'o', kind: 'rpz', target: 'evil.example.test', targetType: 'domain', params: { action: 'nxdomain' } }, [], { decisionId: 'd', now: new Date() }), { code: 'RPZ_RELOAD_FAILED' });
  });
});
