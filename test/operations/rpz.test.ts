/**
 * RPZ measures against a real BIND 9: `named -g` on 127.0.0.1 (own port, own rndc key and control
 * port, in a temp dir) with an authoritative test zone and ACD's response-policy zone; dig checks a
 * domain is NXDOMAIN or sinkholed after apply, that an rpz-ip rule hides a name resolving to the C2
 * address, and that after lifting everything resolves as before.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createRpzDriver, renderRpzZone, rpzIpName } from '../../src/operations/rpz.js';
import type { Measure } from '../../src/operations/index.js';
import { freePort, hasBinary, startChild, waitFor, type Child } from './procs.js';

const run = promisify(execFile);

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
  let dir: string;
  let named: Child;
  let port: number;
  let rndcArgs: string[];
  const zoneFile = () => join(dir, 'rpz.acd.db');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'acd-bind-'));
    port = await freePort();
    const ctl = await freePort();
    const secret = randomBytes(32).toString('base64');
    const key = `key "acd-test" { algorithm hmac-sha256; secret "${secret}"; };\n`;
    await writeFile(join(dir, 'named.conf'), `${key}
controls { inet 127.0.0.1 port ${ctl} allow { 127.0.0.1; } keys { "acd-test"; }; };
options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  session-keyfile "${dir}/session.key";
  managed-keys-directory "${dir}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion yes;
  allow-recursion { 127.0.0.1; };
  allow-query { 127.0.0.1; };
  dnssec-validation no;
  notify no;
  response-policy { zone "rpz.acd" min-update-interval 0; } recursive-only no qname-wait-recurse no;
};
zone "example.test" { type primary; file "${dir}/example.test.db"; };
zone "sinkhole.acd.test" { type primary; file "${dir}/sinkhole.db"; };
zone "rpz.acd" { type primary; file "${dir}/rpz.acd.db"; allow-query { none; }; };
`);
    await writeFile(join(dir, 'example.test.db'), `$ORIGIN example.test.
$TTL 60
@ IN SOA ns.example.test. hostmaster.example.test. ( 1 3600 600 86400 60 )
@ IN NS ns.example.test.
ns IN A 127.0.0.1
evil IN A 203.0.113.66
www.evil IN A 203.0.113.67
cdn IN A 203.0.113.80
c2 IN A 198.51.100.7
good IN A 192.0.2.10
`);
    await writeFile(join(dir, 'sinkhole.db'), `$ORIGIN sinkhole.acd.test.
$TTL 60
@ IN SOA ns.example.test. hostmaster.example.test. ( 1 3600 600 86400 60 )
@ IN NS ns.example.test.
@ IN A 192.0.2.254
`);
    await writeFile(zoneFile(), renderRpzZone('rpz.acd', 1, 'sinkhole.acd.test', []));
    await writeFile(join(dir, 'rndc.conf'), `${key}options { default-key "acd-test"; default-server 127.0.0.1; default-port ${ctl}; };\n`);
    rndcArgs = ['-c', join(dir, 'rndc.conf')];
    named = startChild('named', ['-g', '-c', join(dir, 'named.conf')]);
    await waitFor(`named on port ${port}`, async () => (await dig('good.example.test')).answers.includes('192.0.2.10'));
    await waitFor('rndc', async () => (await run('rndc', [...rndcArgs, 'status'])).stdout.includes('server is up'));
  });
  after(async () => {
    await named?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function dig(name: string): Promise<{ status: string; answers: string }> {
    const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=2', '+noall', '+comments', '+answer', name, 'A']);
    return { status: /status: (\w+)/.exec(stdout)?.[1] ?? 'none', answers: stdout.split('\n').filter((l) => l && !l.startsWith(';')).join('\n') };
  }

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
