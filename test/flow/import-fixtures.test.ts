/**
 * The small fixtures in test/flow/fixtures/import (synthetic, written by its make.ts, see its README):
 * every format is detected, every line accounted for, gzip equals plain, and FlowRecord JSON lines
 * written by flowRecordToJson read back to the same records. Runs without ../shared/data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyFlowRecord, ipv4ToString, type FlowRecord } from '../../src/flow/record.js';
import { importFlowFile, type ImportFormat, type ImportStats } from '../../src/flow/import/index.js';
import { TCP_SYN } from '../../src/flow/import/fields.js';

const FIX = new URL('./fixtures/import/', import.meta.url).pathname;

async function load(name: string, exporter?: string): Promise<{ stats: ImportStats; recs: FlowRecord[]; labels: string[] }> {
  const recs: FlowRecord[] = [];
  const labels: string[] = [];
  const stats = await importFlowFile(name.startsWith('/') ? name : FIX + name, {
    ...(exporter ? { exporter } : {}),
    sink: (r) => recs.push(copyFlowRecord(r)),
    onLabel: (_n, l, d) => labels.push(`${l}/${d}`),
  });
  assert.equal(stats.records + stats.skipped + stats.malformed, stats.lines);
  assert.equal(stats.malformed, 0);
  return { stats, recs, labels };
}

const lines = (name: string): string[] => readFileSync(FIX + name, 'utf8').split('\n').filter((l, i, a) => i < a.length - 1 || l !== '');

test('each fixture is detected as its format', async () => {
  const expect: Array<[string, ImportFormat]> = [
    ['conn-labeled.log', 'zeek'], ['conn.json', 'zeek-json'], ['conn.json.gz', 'zeek-json'],
    ['comma.binetflow', 'binetflow'], ['tab-separated.binetflow', 'binetflow'], ['flows.jsonl', 'jsonl'],
  ];
  for (const [name, format] of expect) assert.equal((await load(name)).stats.format, format, name);
});

test('conn-labeled.log: header and #close skipped, one label per record, the C2 connections first', async () => {
  const raw = lines('conn-labeled.log');
  const { stats, recs, labels } = await load('conn-labeled.log');
  assert.equal(stats.lines, raw.length);
  assert.equal(stats.skipped, raw.filter((l) => l.startsWith('#')).length);
  assert.equal(labels.length, recs.length);
  for (let i = 0; i < 5; i++) {
    assert.equal(labels[i], 'Malicious/CC');
    assert.deepEqual([ipv4ToString(recs[i]!.src4), ipv4ToString(recs[i]!.dst4), recs[i]!.dstPort, recs[i]!.tcpFlags], ['192.0.2.115', '198.51.100.197', 1177, TCP_SYN]);
  }
  assert.equal(labels[5], 'Background/', '(empty) detailed label is empty');
});

test('conn.json.gz gives the same records as conn.json', async () => {
  const plain = await load('conn.json');
  const gz = await load('conn.json.gz');
  assert.equal(gz.stats.gzip, true);
  assert.equal(plain.stats.records, lines('conn.json').length);
  assert.deepEqual(gz.recs.map((r) => ({ ...r, exporter: '' })), plain.recs.map((r) => ({ ...r, exporter: '' })));
});

test('binetflow, comma- and tab-separated: non-IP lines skipped, ICMP type/code in dstPort', async () => {
  const comma = await load('comma.binetflow');
  assert.ok(lines('comma.binetflow').length > 10);
  assert.equal(comma.stats.records, lines('comma.binetflow').length - 1);
  const raw = lines('tab-separated.binetflow');
  const tab = await load('tab-separated.binetflow');
  const nonIp = raw.filter((l) => ['man', 'llc', 'arp'].includes(l.split('\t')[2] ?? '')).length;
  assert.ok(nonIp >= 3);
  assert.deepEqual(tab.stats.skippedBy, { header: 1, 'non-ip': nonIp });
  const urp = tab.recs.find((r) => r.proto === 1 && ipv4ToString(r.dst4) === '198.51.100.44');
  assert.equal(urp?.dstPort, 0x0303, 'port unreachable: type 3, code 3');
  assert.ok(tab.recs.some((r) => r.proto === 58 && r.family === 6));
});

test('flows.jsonl reads back to the records it was written from', async () => {
  const zeek = await load('conn-labeled.log', 'fixture');
  const jsonl = await load('flows.jsonl');
  assert.deepEqual(jsonl.recs, zeek.recs);
});

test('Zeek variants: another #separator, ISO 8601 ts in JSON, ICMP and unknown_transport', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acd-zeek-variants-'));
  const tsv = [
    '#separator \\x2c', '#unset_field,-', '#path,conn',
    '#fields,ts,id.orig_h,id.orig_p,id.resp_h,id.resp_p,proto,duration,conn_state,orig_pkts,orig_ip_bytes,resp_pkts,resp_ip_bytes',
    '100.25,10.0.0.1,8,10.0.0.2,0,icmp,1.5,OTH,2,168,2,168',
    '100.5,fe80::1,135,ff02::1:ff00:1,136,icmp,-,OTH,1,72,0,0',
    '101,10.0.0.1,0,10.0.0.2,0,unknown_transport,-,OTH,1,40,-,-',
  ].join('\n');
  writeFileSync(`${dir}/c.log`, tsv);
  const t = await load(`${dir}/c.log`);
  assert.equal(t.stats.format, 'zeek');
  assert.deepEqual(t.recs.map((r) => [r.proto, r.srcPort, r.dstPort, r.start, r.end, r.packets, r.bytes]), [
    [1, 0, 8 * 256, 100250, 101750, 4, 336], // echo request: type 8 in dstPort's high byte
    [58, 0, 135 * 256, 100500, 100500, 1, 72], // ICMPv6 neighbour solicitation
    [255, 0, 0, 101000, 101000, 1, 40],
  ]);
  writeFileSync(`${dir}/c.json`, '{"ts":"2022-09-29T14:40:56.755Z","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":2,"proto":"udp","conn_state":"S0"}\n');
  const j = await load(`${dir}/c.json`);
  assert.equal(j.recs[0]?.start, Date.UTC(2022, 8, 29, 14, 40, 56, 755));
});
