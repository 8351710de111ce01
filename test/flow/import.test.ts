/**
 * Every Zeek conn.log and Argus binetflow file in ../shared/data/stratosphere imports with every line
 * accounted for; the expected counts and sums are computed here straight from the bytes (split on
 * newlines, tabs and commas, JSON.parse), independently of the importer's parsers.
 */
import { thirdParty, thirdPartySkip } from '../helpers/third-party.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  copyFlowRecord, ipv4ToString, ipv6ToString, parseIpv4, type FlowRecord,
} from '../../src/flow/record.js';
import { importFlowFile, type ImportStats } from '../../src/flow/import/index.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../src/flow/import/fields.js';

const DATA = thirdParty('stratosphere') + '/';
const S4T = join(DATA, 'stratosphere-security-datasets-for-testing');

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out.sort();
}

/** The text lines of a file as `grep -c ''` counts them: a last line without a newline counts too. */
function rawLines(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  if (text === '') return [];
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  return lines.map((l) => l.replace(/\r$/, ''));
}

interface Expected { lines: number; records: number; skipped: number; packets: number; bytes: number; labelled: boolean }

/** Expected counts from the raw text, per kind, without the importer's code. */
function expectedFor(path: string, kind: 'zeek' | 'zeek-json' | 'binetflow'): Expected {
  const lines = rawLines(path);
  const e: Expected = { lines: lines.length, records: 0, skipped: 0, packets: 0, bytes: 0, labelled: false };
  if (kind === 'zeek') {
    let fields: string[] = [];
    const n = (cols: string[], name: string): number => {
      const v = cols[fields.indexOf(name)];
      return v === undefined || v === '-' ? 0 : Number(v);
    };
    for (const l of lines) {
      if (l.startsWith('#')) {
        e.skipped++;
        if (l.startsWith('#fields\t')) fields = l.split('\t').slice(1);
        continue;
      }
      if (l === '') { e.skipped++; continue; }
      const cols = l.split('\t');
      e.records++;
      e.packets += n(cols, 'orig_pkts') + n(cols, 'resp_pkts');
      e.bytes += n(cols, 'orig_ip_bytes') + n(cols, 'resp_ip_bytes');
    }
    e.labelled = fields.includes('label');
  } else if (kind === 'zeek-json') {
    for (const l of lines) {
      if (l.trim() === '') { e.skipped++; continue; }
      const o = JSON.parse(l) as Record<string, number | undefined>;
      e.records++;
      e.packets += (o.orig_pkts ?? 0) + (o.resp_pkts ?? 0);
      e.bytes += (o.orig_ip_bytes ?? 0) + (o.resp_ip_bytes ?? 0);
    }
  } else {
    const sep = (lines[0] ?? '').includes('\t') ? '\t' : ',';
    const head = (lines[0] ?? '').split(sep);
    for (const l of lines) {
      const cols = l.split(sep);
      if (cols[0] === 'StartTime') { e.skipped++; continue; }
      const proto = cols[head.indexOf('Proto')];
      if (proto === 'arp' || proto === 'llc' || proto === 'man') { e.skipped++; continue; }
      e.records++;
      e.packets += Number(cols[head.indexOf('TotPkts')]);
      e.bytes += Number(cols[head.indexOf('TotBytes')]);
    }
    e.labelled = head.includes('Label');
  }
  return e;
}

function kindOf(path: string): 'zeek' | 'zeek-json' | 'binetflow' | null {
  if (path.endsWith('.binetflow')) return 'binetflow';
  if (!/conn[^/]*\.log|conn\.log/.test(path.split('/').pop() ?? '')) return null;
  return readFileSync(path, 'utf8').startsWith('{') ? 'zeek-json' : 'zeek';
}

async function importAll(path: string): Promise<{ stats: ImportStats; recs: FlowRecord[]; labels: Array<[number, string, string]>; errors: string[] }> {
  const recs: FlowRecord[] = [];
  const labels: Array<[number, string, string]> = [];
  const errors: string[] = [];
  const stats = await importFlowFile(path, {
    sink: (r) => recs.push(copyFlowRecord(r)),
    onLabel: (n, l, d) => labels.push([n, l, d]),
    onError: (e) => errors.push(e.message),
  });
  return { stats, recs, labels, errors };
}

const haveData = existsSync(DATA);
const files = haveData ? walk(DATA).filter((p) => kindOf(p) !== null) : [];

test('the shared data has the Zeek and Argus files this test expects', { skip: haveData ? false : thirdPartySkip('stratosphere') }, () => {
  // 10 Zeek conn logs (TSV and JSON, labelled or not) and 4 binetflow files at the pinned commits
  assert.equal(files.filter((p) => kindOf(p) === 'binetflow').length, 4);
  assert.equal(files.filter((p) => kindOf(p) !== 'binetflow').length, 10);
});

for (const path of files) {
  const kind = kindOf(path) as 'zeek' | 'zeek-json' | 'binetflow';
  test(`${relative(DATA, path)} imports with every line accounted for`, async () => {
    const exp = expectedFor(path, kind);
    const { stats, recs, labels, errors } = await importAll(path);
    assert.equal(stats.format, kind);
    assert.deepEqual(errors, []);
    assert.equal(stats.lines, exp.lines, 'lines');
    assert.equal(stats.records + stats.skipped + stats.malformed, stats.lines, 'records + skipped + malformed = lines');
    assert.equal(stats.records, exp.records, 'records');
    assert.equal(stats.skipped, exp.skipped, 'skipped');
    assert.equal(stats.malformed, 0);
    assert.equal(recs.length, stats.records);
    assert.equal(recs.reduce((a, r) => a + r.packets, 0), exp.packets, 'packets');
    assert.equal(recs.reduce((a, r) => a + r.bytes, 0), exp.bytes, 'bytes');
    assert.equal(labels.length, exp.labelled ? stats.records : 0, 'one label per record in labelled files, none otherwise');
    for (const r of recs) {
      assert.ok(r.end >= r.start && Number.isInteger(r.start) && Number.isInteger(r.end));
      assert.ok([1, 2, 6, 17, 58, 255].includes(r.proto), `proto ${r.proto}`);
      if (r.proto !== 6) assert.equal(r.tcpFlags, 0);
    }
  });
}

test('001 NjRAT: the C2 pair 192.168.1.115 → 41.108.179.197:1177/tcp has 237 connections, all S0 (SYN only), labelled Malicious/CC', { skip: haveData ? false : 'no data' }, async () => {
  const src = parseIpv4('192.168.1.115');
  const dst = parseIpv4('41.108.179.197');
  const isC2 = (r: FlowRecord): boolean => r.family === 4 && r.src4 === src && r.dst4 === dst && r.dstPort === 1177 && r.proto === 6;
  const plain = await importAll(join(S4T, '001-zeek-scenario-malicious/conn.log'));
  const c2 = plain.recs.filter(isC2);
  assert.equal(c2.length, 237);
  for (const r of c2) assert.equal(r.tcpFlags, TCP_SYN);

  // labelled copy: pair each record with the label delivered just before it
  const labelled: Array<{ rec: FlowRecord; label: string; detail: string; line: number }> = [];
  let pending: { line: number; label: string; detail: string } | null = null;
  await importFlowFile(join(S4T, '001-zeek-scenario-malicious/labeled-conn.log'), {
    onLabel: (line, label, detail) => { pending = { line, label, detail }; },
    sink: (r) => {
      assert.ok(pending, 'onLabel came before the sink');
      labelled.push({ rec: copyFlowRecord(r), ...pending });
      pending = null;
    },
  });
  const c2l = labelled.filter((x) => isC2(x.rec));
  assert.equal(c2l.length, 237);
  for (const x of c2l) assert.deepEqual([x.label, x.detail], ['Malicious', 'CC']);
  assert.equal(labelled.filter((x) => x.label === 'Malicious').length, 244);
  // the line numbers are the file's: the first record is line 9, after 8 header lines
  assert.equal(labelled[0]?.line, 9);
  assert.equal(labelled[0]?.detail, '', '(empty) becomes an empty string');
});

test('001: the first record (IPv6 DNS) is mapped field by field', { skip: haveData ? false : 'no data' }, async () => {
  const { recs } = await importAll(join(S4T, '001-zeek-scenario-malicious/conn.log'));
  const r = recs[0] as FlowRecord;
  // 19.981745  fd2d:ab8c:225:0:81d3:fd3e:7f62:aec8 56464  fd2d:ab8c:225::1 53  udp  0.136721 ... SF ... 1 82 1 98
  assert.equal(r.family, 6);
  assert.equal(ipv6ToString(r.src6), 'fd2d:ab8c:225:0:81d3:fd3e:7f62:aec8');
  assert.equal(ipv6ToString(r.dst6), 'fd2d:ab8c:225::1');
  assert.deepEqual([r.srcPort, r.dstPort, r.proto, r.tcpFlags], [56464, 53, 17, 0]);
  assert.deepEqual([r.start, r.end, r.packets, r.bytes], [19982, 20118, 2, 180]);
  assert.equal(r.exporter, 'file:conn.log');
});

test('003: the RAT on port 1337 (10.8.0.61 → 147.32.83.234) matches an independent count', { skip: haveData ? false : 'no data' }, async () => {
  const path = join(S4T, '003-zeek-scenario-malicious/conn.log');
  const expected = rawLines(path).filter((l) => {
    const c = l.split('\t');
    return c[2] === '10.8.0.61' && c[4] === '147.32.83.234' && c[5] === '1337' && c[6] === 'tcp';
  }).length;
  assert.ok(expected > 0);
  const { recs } = await importAll(path);
  const got = recs.filter((r) => ipv4ToString(r.src4) === '10.8.0.61' && ipv4ToString(r.dst4) === '147.32.83.234' && r.dstPort === 1337);
  assert.equal(got.length, expected);
  // the last line is "... S3 ... ShAfD": established, responder closed
  const last = recs[recs.length - 1] as FlowRecord;
  assert.equal(last.dstPort, 1337);
  assert.equal(last.tcpFlags, TCP_SYN | TCP_ACK | TCP_FIN | TCP_PSH);
});

test('002 (Zeek JSON): the Nmap scan from 172.16.1.11 reaches 182 hosts; ports match an independent count', { skip: haveData ? false : 'no data' }, async () => {
  const path = join(S4T, '002-zeek-scenario-port-scanning/conn.log');
  const ports = new Set<string>();
  for (const l of rawLines(path)) {
    const o = JSON.parse(l) as Record<string, string | number>;
    if (o['id.orig_h'] === '172.16.1.11' && o.proto !== 'icmp') ports.add(`${o.proto}/${o['id.resp_p']}`);
  }
  const { recs } = await importAll(path);
  const scanner = parseIpv4('172.16.1.11');
  const mine = recs.filter((r) => r.family === 4 && r.src4 === scanner);
  assert.equal(new Set(mine.map((r) => r.dst4)).size, 182);
  assert.deepEqual(new Set(mine.filter((r) => r.proto !== 1).map((r) => `${r.proto === 6 ? 'tcp' : 'udp'}/${r.dstPort}`)), ports);
  // REJ (history Sr) reads SYN+RST, no ACK: a failed attempt
  const rej = rawLines(path).findIndex((l) => l.includes('"conn_state":"REJ"') && l.includes('"history":"Sr"'));
  assert.ok(rej >= 0);
  assert.equal(recs[rej]?.tcpFlags, TCP_SYN | TCP_RST);
});

test('binetflow: time, hex ICMP ports, IPv6, Argus states and labels', { skip: haveData ? false : 'no data' }, async () => {
  const slips = join(DATA, 'slips-dataset');
  const t3 = await importAll(join(slips, 'test3-mixed.binetflow'));
  // 2018/12/18 14:00:00.075359,0.000000,tcp,216.73.23.146,52691,   ->,147.32.81.57,445,S_,0,0,1,70,70,1,
  const a = t3.recs[0] as FlowRecord;
  assert.equal(a.start, Math.round(Date.UTC(2018, 11, 18, 14, 0, 0) + 75.359));
  assert.deepEqual([ipv4ToString(a.src4), ipv4ToString(a.dst4), a.srcPort, a.dstPort, a.proto, a.tcpFlags, a.packets, a.bytes],
    ['216.73.23.146', '147.32.81.57', 52691, 445, 6, TCP_SYN, 1, 70]);
  // S_RA: rejected, reads like Zeek's REJ
  assert.equal(t3.recs[1]?.tcpFlags, TCP_SYN | TCP_RST);
  // 2001:718:2:1634:96de:80ff:fe7a:bdf0 → 2a00:1450:400c:c00::bd, SPA_SPA
  const v6 = t3.recs[2] as FlowRecord;
  assert.equal(v6.family, 6);
  assert.equal(ipv6ToString(v6.dst6), '2a00:1450:400c:c00::bd');
  assert.equal(v6.tcpFlags, TCP_SYN | TCP_PSH | TCP_ACK);

  const t5 = await importAll(join(slips, 'test5-mixed.binetflow'));
  // tab-separated; "icmp 10.0.2.15 0x0303 -> 8.8.4.4 0x0ecc URP": port unreachable, type 3 code 3
  const urp = t5.recs.find((r) => r.proto === 1 && r.dst4 === parseIpv4('8.8.4.4'));
  assert.ok(urp);
  assert.deepEqual([urp.srcPort, urp.dstPort], [0, 3 * 256 + 3]);
  assert.equal(t5.labels.find(([n]) => n === 2)?.[1], undefined, 'line 2 is an llc record: skipped, so no label');
  assert.ok(t5.labels.some(([, l]) => l === 'flow=Malware-UDP-DNS'));

  const t11 = await importAll(join(slips, 'test11-portscan.binetflow'));
  // "icmp 10.8.0.69 0x0008 -> ... 0x7208 ECO": echo request, type 8 code 0
  const eco = t11.recs.filter((r) => r.proto === 1);
  assert.ok(eco.length > 0);
  for (const r of eco) assert.equal(r.dstPort, 8 * 256);
  // S0 (a Zeek state in an Argus file) is SYN only
  assert.equal(t11.recs[0]?.tcpFlags, TCP_SYN);
  assert.ok(t11.labels.every(([, l]) => l === ''), 'the Label column is empty in this file');
});
