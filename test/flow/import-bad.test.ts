/**
 * Bad input: what each kind gets.
 * - a malformed line (truncated, wrong column count, non-numeric field, bad address, unknown protocol,
 *   bad JSON, garbage bytes, too long) is COUNTED under its reason, reported to onError as
 *   "FILE:LINE: reason: detail" without quoting the line, and the next line imports normally;
 * - a whole file in the wrong format (or empty, or binary) is REJECTED: the promise rejects with an
 *   AcdError (IMPORT_UNKNOWN_FORMAT, IMPORT_WRONG_FORMAT, IMPORT_NO_FILE) naming the file and the reason;
 * - a broken gzip stream keeps what was decoded and counts one malformed line, reason decompress.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { copyFlowRecord, ipv4ToString, type FlowRecord } from '../../src/flow/record.js';
import {
  importFlowBuffer, importFlowFile, type ImportLineError, type ImportOptions, type ImportStats,
} from '../../src/flow/import/index.js';

const dir = mkdtempSync(join(tmpdir(), 'acd-import-'));
let n = 0;
function file(content: string | Buffer, name = `f${n++}.log`): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const ZEEK_HEAD = [
  '#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tconn', '#open\t2020-01-01-00-00-00',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]',
].join('\n');
/** a valid conn line from 10.0.0.1 to 10.9.9.N */
const zl = (i: number): string => `1600000000.${String(i).padStart(6, '0')}\tC${i}\t10.0.0.1\t4000${i % 10}\t10.9.9.${i}\t80\ttcp\t-\t0.5\t10\t20\tSF\t-\t-\t0\tShADadfF\t3\t150\t2\t120\t(empty)`;

async function run(path: string, opts: Partial<ImportOptions> = {}): Promise<{ stats: ImportStats; recs: FlowRecord[]; errors: ImportLineError[] }> {
  const recs: FlowRecord[] = [];
  const errors: ImportLineError[] = [];
  const stats = await importFlowFile(path, { sink: (r) => recs.push(copyFlowRecord(r)), onError: (e) => errors.push(e), ...opts });
  assert.equal(stats.records + stats.skipped + stats.malformed, stats.lines, 'every line accounted for');
  return { stats, recs, errors };
}

/** Each malformed line is counted under `reason`, the message names file and line, and the valid line after it is imported. */
async function oneBadLine(bad: string, reason: string): Promise<void> {
  const p = file(`${ZEEK_HEAD}\n${zl(1)}\n${bad}\n${zl(2)}\n`);
  const { stats, recs, errors } = await run(p);
  assert.equal(stats.records, 2, 'the lines around the bad one import');
  assert.deepEqual(stats.malformedBy, { [reason]: 1 });
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.line, 10);
  assert.equal(errors[0]?.reason, reason);
  assert.match(errors[0]?.message ?? '', new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:10: ${reason}: `));
  assert.ok(!(errors[0]?.message ?? '').includes('10.0.0.1'), 'the message never quotes the line (it may hold addresses)');
  assert.deepEqual(recs.map((r) => ipv4ToString(r.dst4)), ['10.9.9.1', '10.9.9.2']);
}

test('Zeek TSV: a truncated line is counted as malformed (columns)', async () => {
  await oneBadLine(zl(3).slice(0, 40), 'columns');
});

test('Zeek TSV: a line with an extra column is counted as malformed (columns)', async () => {
  await oneBadLine(`${zl(3)}\textra`, 'columns');
});

test('Zeek TSV: non-numeric fields are counted as malformed (number, time, port)', async () => {
  await oneBadLine(zl(3).replace('\t3\t150\t', '\tthree\t150\t'), 'number');
  await oneBadLine(zl(3).replace('\t0.5\t', '\t0,5\t'), 'number');
  await oneBadLine(zl(3).replace(/^[^\t]+/, 'yesterday'), 'time');
  await oneBadLine(zl(3).replace('\t80\t', '\t70000\t'), 'port');
  await oneBadLine(zl(3).replace('\t80\t', '\t-\t'), 'port');
});

test('Zeek TSV: a bad address, or a v4/v6 mix, is counted as malformed (address)', async () => {
  await oneBadLine(zl(3).replace('10.9.9.3', '10.9.9.300'), 'address');
  await oneBadLine(zl(3).replace('10.9.9.3', 'fe80::1'), 'address');
  await oneBadLine(zl(3).replace('10.9.9.3', 'example.org'), 'address');
});

test('Zeek TSV: an unknown protocol is counted as malformed (proto)', async () => {
  await oneBadLine(zl(3).replace('\ttcp\t', '\tquic\t'), 'proto');
});

test('Zeek TSV: garbage bytes in a line are counted as malformed, the file goes on', async () => {
  await oneBadLine('\u00ff\u00fe garbage \u0001\u0002', 'columns');
});

test('Zeek TSV: unset (-) and (empty) optional fields are 0, #close and a second header block are skipped', async () => {
  const unset = '1600000000.5\tCx\t10.0.0.1\t1\t10.9.9.9\t2\tudp\t-\t-\t-\t-\tS0\t-\t-\t0\t-\t-\t-\t-\t-\t(empty)';
  const p = file(`${ZEEK_HEAD}\n${zl(1)}\n#close\t2020-01-01-00-00-01\n${ZEEK_HEAD}\n${unset}\n#close\t2020-01-01-00-00-02\n`);
  const { stats, recs } = await run(p);
  assert.equal(stats.records, 2);
  assert.deepEqual(stats.skippedBy, { header: 18 });
  const r = recs[1] as FlowRecord;
  assert.deepEqual([r.start, r.end, r.packets, r.bytes, r.proto, r.tcpFlags], [1600000000500, 1600000000500, 0, 0, 17, 0]);
});

test('CRLF line ends and a last line without a newline are read', async () => {
  const p = file(`${ZEEK_HEAD}\n${zl(1)}\n${zl(2)}`.replace(/\n/g, '\r\n'));
  const { stats } = await run(p);
  assert.deepEqual([stats.lines, stats.records, stats.malformed], [10, 2, 0]);
});

test('a line longer than maxLineBytes is counted as malformed (too-long) without being buffered, also across chunks', async () => {
  const long = 'x'.repeat(600_000);
  const p = file(`${ZEEK_HEAD}\n${zl(1)}\n${long}\n${zl(2)}\n${long}`);
  const { stats, recs } = await run(p, { maxLineBytes: 4096 });
  assert.deepEqual(stats.malformedBy, { 'too-long': 2 });
  assert.equal(recs.length, 2);
  assert.equal(stats.lines, 12);
});

test('Zeek JSON: a truncated line, a non-object and a wrong-typed field are counted as malformed', async () => {
  const good = (i: number): string => JSON.stringify({ ts: 1600000000 + i, 'id.orig_h': '10.0.0.1', 'id.orig_p': 1, 'id.resp_h': `10.9.9.${i}`, 'id.resp_p': 53, proto: 'udp', conn_state: 'SF', orig_pkts: 1, orig_ip_bytes: 60, resp_pkts: 1, resp_ip_bytes: 90 });
  const p = file([good(1), good(2).slice(0, 50), '[1,2]', good(3).replace('"orig_pkts":1', '"orig_pkts":"1"'), good(4).replace('"id.resp_h":"10.9.9.4"', '"id.resp_h":"10.9.9"'), good(5), ''].join('\n'));
  const { stats, recs, errors } = await run(p);
  assert.deepEqual(stats.malformedBy, { json: 2, number: 1, address: 1 });
  assert.deepEqual(errors.map((e) => e.line), [2, 3, 4, 5]);
  assert.deepEqual(recs.map((r) => ipv4ToString(r.dst4)), ['10.9.9.1', '10.9.9.5']);
  assert.equal(recs[0]?.bytes, 150);
});

test('binetflow: wrong column count, bad time, hex port out of range and bad counts are counted as malformed', async () => {
  const head = 'StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label';
  const ok = '2018/09/27 22:40:52.403669,0.008364,udp,192.168.2.12,56343,  <->,192.168.2.1,53,CON,0,0,2,208,72,';
  const p = file([
    head, ok, ok.replace(',CON,', ',CON,0,'), ok.replace('2018/09/27', '2018/13/27'), ok.replace('56343', '0x10000'),
    ok.replace(',2,208,', ',two,208,'), ok.replace(',udp,', ',carrier-pigeon,'), '2018/09/27 22:40:53,0,arp,192.168.2.1,,  who,192.168.2.12,,CON,,,2,84,42,', ok,
  ].join('\n'), 'bad.binetflow');
  const { stats, recs } = await run(p);
  assert.deepEqual(stats.malformedBy, { columns: 1, time: 1, port: 1, number: 1, proto: 1 });
  assert.deepEqual(stats.skippedBy, { header: 1, 'non-ip': 1 });
  assert.equal(recs.length, 2);
});

test('a file in the wrong format is rejected naming the file and the reason', async () => {
  const binet = file('StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label\n', 'x.binetflow');
  const zeek = file(`${ZEEK_HEAD}\n${zl(1)}\n`);
  const dns = file(`${ZEEK_HEAD.replace('#path\tconn', '#path\tdns')}\n${zl(1)}\n`, 'dns.log');
  const cases: Array<[string, Partial<ImportOptions>, string, RegExp]> = [
    [binet, { format: 'zeek' }, 'IMPORT_WRONG_FORMAT', /x\.binetflow:1: cannot import as zeek: no Zeek #fields header/],
    [zeek, { format: 'jsonl' }, 'IMPORT_WRONG_FORMAT', /:1: cannot import as jsonl: the first line is not a FlowRecord JSON object/],
    [zeek, { format: 'binetflow' }, 'IMPORT_WRONG_FORMAT', /:1: cannot import as binetflow: the first line is not a binetflow header/],
    [zeek, { format: 'zeek-json' }, 'IMPORT_WRONG_FORMAT', /:1: cannot import as zeek-json: the first line is not a JSON object/],
    [dns, {}, 'IMPORT_WRONG_FORMAT', /dns\.log:9: cannot import as zeek: a Zeek dns log, not conn\.log/],
    [file('hello, world\nthis is prose\n', 'prose.txt'), {}, 'IMPORT_UNKNOWN_FORMAT', /prose\.txt: not a flow file ACD can import: the first line is none of/],
    [file('{"query":"example.org","id.orig_h":"10.0.0.1"}\n'), {}, 'IMPORT_UNKNOWN_FORMAT', /a Zeek JSON log but not conn\.log/],
    [file('{"a":1}\n'), {}, 'IMPORT_UNKNOWN_FORMAT', /neither Zeek conn keys/],
    [file(''), {}, 'IMPORT_UNKNOWN_FORMAT', /the file is empty/],
    [file('#just a comment\n'), {}, 'IMPORT_UNKNOWN_FORMAT', /no Zeek header/],
    [join(dir, 'missing.log'), {}, 'IMPORT_NO_FILE', /missing\.log: cannot read/],
    [dir, {}, 'IMPORT_NO_FILE', /not a regular file/],
  ];
  for (const [path, opts, code, message] of cases) {
    await assert.rejects(run(path, opts), (err: Error & { code?: string }) => {
      assert.equal(err.code, code, `${path} ${err.message}`);
      assert.match(err.message, message);
      assert.ok(err.message.startsWith(path), 'names the file first');
      return true;
    });
  }
});

test('binary garbage: rejected as binary when it starts the file, counted line by line when it is inside one', async () => {
  // a fixed pseudo-random byte stream (LCG), so the test is repeatable
  let s = 12345;
  const garbage = Buffer.alloc(20000);
  for (let i = 0; i < garbage.length; i++) { s = (s * 1103515245 + 12345) >>> 0; garbage[i] = s >>> 24; }
  await assert.rejects(run(file(garbage, 'g.bin')), /g\.bin: not a flow file ACD can import: binary data \(byte 0x[0-9a-f]{2} at offset \d+\)/);

  const inside = Buffer.concat([Buffer.from(`${ZEEK_HEAD}\n${zl(1)}\n`), garbage, Buffer.from(`\n${zl(2)}\n`)]);
  const garbageLines = garbage.toString('latin1').split('\n').length;
  const { stats, recs } = await run(file(inside));
  assert.equal(stats.malformed, garbageLines, 'every garbage line is counted');
  assert.equal(recs.length, 2, 'and the valid line after the garbage imports');
});

test('gzip: read through zlib (detected by magic bytes); a truncated stream keeps what was decoded and counts decompress', async () => {
  const lines = [ZEEK_HEAD];
  for (let i = 0; i < 3000; i++) lines.push(zl(i % 250));
  const text = `${lines.join('\n')}\n`;
  const gz = gzipSync(text);
  const whole = await run(file(gz, 'c.log.gz'));
  assert.equal(whole.stats.gzip, true);
  assert.equal(whole.stats.records, 3000);
  assert.equal(whole.stats.bytes, gz.length, 'bytes counts the compressed bytes read');

  const cut = await run(file(gz.subarray(0, Math.floor(gz.length / 2)), 'cut.log.gz'));
  assert.equal(cut.stats.malformedBy.decompress, 1);
  assert.ok(cut.stats.records > 0 && cut.stats.records < 3000, `${cut.stats.records} records before the cut`);
  assert.equal(cut.errors.at(-1)?.reason, 'decompress');
});

test('importFlowBuffer reads bytes in memory the same way as a file', async () => {
  const text = `${ZEEK_HEAD}\n${zl(1)}\nbad\n${zl(2)}\n`;
  const fromFile = await run(file(text));
  const recs: FlowRecord[] = [];
  const mem = await importFlowBuffer(Buffer.from(text), 'mem.log', { sink: (r) => recs.push(copyFlowRecord(r)) });
  assert.deepEqual({ ...mem, file: '', elapsedMs: 0 }, { ...fromFile.stats, file: '', elapsedMs: 0 });
  assert.deepEqual(recs.map((r) => ({ ...r, exporter: '' })), fromFile.recs.map((r) => ({ ...r, exporter: '' })));
});

test('a UTF-8 byte order mark before the first line is ignored, in every format', async () => {
  const bom = '\ufeff';
  for (const [name, text] of [
    ['bom.log', `${ZEEK_HEAD}\n${zl(1)}\n`],
    ['bom.jsonl', '{"src":"10.0.0.1","dst":"10.0.0.2","start":1}\n'],
    ['bom.binetflow', 'StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label\n2018/09/27 22:40:52.403669,0.008364,udp,192.168.2.12,56343,  <->,192.168.2.1,53,CON,0,0,2,208,72,\n'],
  ] as const) {
    const { stats } = await run(file(bom + text, name));
    assert.deepEqual([stats.records, stats.malformed], [1, 0], name);
  }
});
