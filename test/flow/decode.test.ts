/**
 * The decoders on synthetic datagrams built from the RFC layouts: every field, time format, counter
 * width, template life cycle (refresh, change, withdrawal), options, variable-length and
 * enterprise fields, sequence numbers per version, and the Prometheus view.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFlowDecoder } from '../../src/flow/decode/index.js';
import { createMetricsRegistry } from '../../src/shared/metrics.js';
import { copyFlowRecord, srcAddrString, dstAddrString, type FlowRecord } from '../../src/flow/record.js';
import {
  v5Datagram, v9Datagram, ipfixMessage, templateRecord, ipfixOptionsTemplateRecord, v9OptionsTemplateRecord, set,
  dataRecord, varField, ip4, V9_FIELDS, IPFIX_FIELDS, v9Values, ipfixValues, type SimpleFlow, type FieldSpec,
} from './fixtures/build.js';

const EX = '192.0.2.1:2055';
const flow: SimpleFlow = {
  src4: ip4('10.1.2.3'), dst4: ip4('198.51.100.7'), srcPort: 51515, dstPort: 443, proto: 6, tcpFlags: 0x1b,
  packets: 12, bytes: 3456, inIf: 3, outIf: 7,
};

function collect(): { out: FlowRecord[]; sink: (r: FlowRecord) => void } {
  const out: FlowRecord[] = [];
  return { out, sink: (r) => out.push(copyFlowRecord(r)) };
}

function assertFlow(r: FlowRecord | undefined, f: SimpleFlow): void {
  assert.ok(r);
  assert.equal(srcAddrString(r), '10.1.2.3');
  assert.equal(dstAddrString(r), '198.51.100.7');
  assert.deepEqual(
    [r.srcPort, r.dstPort, r.proto, r.tcpFlags, r.packets, r.bytes, r.inIf, r.outIf, r.family],
    [f.srcPort, f.dstPort, f.proto, f.tcpFlags, f.packets, f.bytes, f.inIf, f.outIf, 4],
  );
}

test('v5: fields, sysUptime-relative times to absolute ms, exporter set on the record', () => {
  const d = createFlowDecoder();
  const { out, sink } = collect();
  // export at 1700000000.250 s, uptime 100000 ms: a flow first seen at uptime 40000 started 60 s earlier
  const dg = v5Datagram({ seq: 1000, uptime: 100000, secs: 1700000000, nsecs: 250_000_000 }, [
    { ...flow, first: 40000, last: 99000 },
    { ...flow, packets: 1, bytes: 40, first: 100500, last: 100500 }, // a little after the header's uptime
  ]);
  const r = d.decode(dg, EX, sink);
  assert.deepEqual({ ...r }, { version: 5, flows: 2, unknownTemplate: 0, templates: 0, error: null });
  assertFlow(out[0], flow);
  assert.equal(out[0]!.start, 1700000000250 - 60000);
  assert.equal(out[0]!.end, 1700000000250 - 1000);
  assert.equal(out[1]!.start, 1700000000250 + 500);
  assert.equal(out[0]!.exporter, EX);
  assert.equal(out[0]!.domain, 0);
  const st = d.stats(EX)!;
  assert.deepEqual([st.datagrams, st.flows, st.packets, st.bytes, st.malformed], [1, 2, 13, 3496, 0]);
});

test('v5: sysUptime wrap (2^32 ms) between a flow start and the export keeps times right', () => {
  const d = createFlowDecoder();
  const { out, sink } = collect();
  // the uptime wrapped: header says 5000, the flow started at 2^32 - 5000 (10 s before export)
  d.decode(v5Datagram({ seq: 0, uptime: 5000, secs: 1700000000 }, [{ ...flow, first: 4294967296 - 5000, last: 5000 }]), EX, sink);
  assert.equal(out[0]!.start, 1700000000000 - 10000);
  assert.equal(out[0]!.end, 1700000000000);
});

test('v5: flow_sequence counts flows: the gap in flows is the lost count', () => {
  const d = createFlowDecoder();
  const f = { ...flow, first: 0, last: 0 };
  d.decode(v5Datagram({ seq: 100, uptime: 1, secs: 1 }, [f, f, f]), EX, () => {});
  d.decode(v5Datagram({ seq: 103, uptime: 1, secs: 1 }, [f]), EX, () => {}); // in order
  d.decode(v5Datagram({ seq: 110, uptime: 1, secs: 1 }, [f]), EX, () => {}); // 104..109 lost: 6 flows
  assert.equal(d.stats(EX)!.lost, 6);
  d.decode(v5Datagram({ seq: 5, uptime: 1, secs: 1 }, [f]), EX, () => {}); // backwards: a restart, not loss
  assert.equal(d.stats(EX)!.lost, 6);
  assert.equal(d.stats(EX)!.sequenceResets, 1);
});

test('v9: template then data; times from sysUptime; source id is the record domain', () => {
  const d = createFlowDecoder();
  const { out, sink } = collect();
  const tpl = set(0, templateRecord(300, V9_FIELDS));
  let r = d.decode(v9Datagram({ seq: 1, uptime: 500000, secs: 1700000000, sourceId: 7 }, tpl), EX, sink);
  assert.equal(r.templates, 1);
  assert.equal(r.flows, 0);
  const recs = [dataRecord(V9_FIELDS, v9Values(flow, 440000, 499000)), dataRecord(V9_FIELDS, v9Values(flow, 1, 2))];
  r = d.decode(v9Datagram({ seq: 2, uptime: 500000, secs: 1700000000, sourceId: 7 }, set(300, ...recs, Buffer.alloc(3))), EX, sink);
  assert.equal(r.flows, 2, 'two records; the 3 bytes of padding are not a record');
  assert.equal(r.error, null);
  assertFlow(out[0], flow);
  assert.equal(out[0]!.start, 1700000000000 - 60000);
  assert.equal(out[0]!.end, 1700000000000 - 1000);
  assert.equal(out[0]!.domain, 7);
});

test('v9: templates are per exporter and per source id; a changed template is recompiled', () => {
  const d = createFlowDecoder();
  const { out, sink } = collect();
  const h = (sourceId: number, seq: number) => ({ seq, uptime: 1000, secs: 1700000000, sourceId });
  d.decode(v9Datagram(h(1, 1), set(0, templateRecord(256, V9_FIELDS))), EX, sink);
  const data = set(256, dataRecord(V9_FIELDS, v9Values(flow, 0, 0)));
  assert.equal(d.decode(v9Datagram(h(2, 1), data), EX, sink).unknownTemplate, 1, 'other source id: unknown');
  assert.equal(d.decode(v9Datagram(h(1, 2), data), 'other:1', sink).unknownTemplate, 1, 'other exporter: unknown');
  assert.equal(d.decode(v9Datagram(h(1, 2), data), EX, sink).flows, 1);
  // refresh with the same bytes, then a different layout under the same id
  d.decode(v9Datagram(h(1, 3), set(0, templateRecord(256, V9_FIELDS))), EX, sink);
  assert.equal(d.templateCount(), 1);
  const small: FieldSpec[] = [[8, 4], [12, 4], [2, 2], [1, 2]];
  d.decode(v9Datagram(h(1, 4), set(0, templateRecord(256, small))), EX, sink);
  assert.equal(d.templateCount(), 1);
  d.decode(v9Datagram(h(1, 5), set(256, dataRecord(small, [ip4('1.1.1.1'), ip4('2.2.2.2'), 3, 99]))), EX, sink);
  const last = out.at(-1)!;
  assert.deepEqual([srcAddrString(last), dstAddrString(last), last.packets, last.bytes], ['1.1.1.1', '2.2.2.2', 3, 99]);
  assert.equal(d.stats(EX)!.unknownTemplate, 1, 'the source id 2 data set');
  assert.equal(d.stats('other:1')!.unknownTemplate, 1);
  assert.equal(d.stats(EX)!.templates, 1);
});

test('v9: the sequence counts datagrams: a gap of n is n lost datagrams, per source id', () => {
  const d = createFlowDecoder();
  const h = (sourceId: number, seq: number) => ({ seq, uptime: 1, secs: 1, sourceId });
  for (const seq of [10, 11, 12, 15, 16]) d.decode(v9Datagram(h(1, seq)), EX, () => {});
  for (const seq of [500, 501]) d.decode(v9Datagram(h(2, seq)), EX, () => {});
  assert.equal(d.stats(EX)!.lost, 2);
  d.decode(v9Datagram(h(1, 4294967295)), EX, () => {}); // huge jump: exporter restart
  d.decode(v9Datagram(h(1, 0)), EX, () => {}); // 2^32 wrap: in order
  assert.equal(d.stats(EX)!.lost, 2);
  assert.equal(d.stats(EX)!.sequenceResets, 1);
});

test('v9: options template (scope System, length 0) gives the sampling interval; not a flow', () => {
  const d = createFlowDecoder();
  const { out, sink } = collect();
  const tpl = set(1, v9OptionsTemplateRecord(260, [[1, 0]], [[48, 1], [34, 4]]));
  d.decode(v9Datagram({ seq: 1, uptime: 1, secs: 1 }, tpl), EX, sink);
  const r = d.decode(v9Datagram({ seq: 2, uptime: 1, secs: 1 }, set(260, dataRecord([[48, 1], [34, 4]], [3, 512]), Buffer.alloc(3))), EX, sink);
  assert.equal(r.flows, 0);
  assert.equal(out.length, 0);
  assert.equal(d.samplingInterval(EX, 0, 3), 512);
  assert.equal(d.stats(EX)!.optionsRecords, 1);
});

test('IPFIX: 8-byte counters, flowStart/EndMilliseconds, reduced-size encoding', () => {
  const d = createFlowDecoder();
  const { out, sink } = collect();
  const h = (seq: number) => ({ seq, exportTime: 1700000000, domain: 9 });
  d.decode(ipfixMessage(h(0), set(2, templateRecord(400, IPFIX_FIELDS))), EX, sink);
  const big = { ...flow, bytes: 2 ** 40 + 5 };
  let r = d.decode(ipfixMessage(h(0), set(400, dataRecord(IPFIX_FIELDS, ipfixValues(big, 1699999990123, 1699999999456)))), EX, sink);
  assert.equal(r.flows, 1);
  assertFlow(out[0], big);
  assert.deepEqual([out[0]!.start, out[0]!.end, out[0]!.domain], [1699999990123, 1699999999456, 9]);
  // beyond 2^53: clamped to Number.MAX_SAFE_INTEGER, never a wrong small number
  r = d.decode(ipfixMessage(h(1), set(400, dataRecord(IPFIX_FIELDS, ipfixValues({ ...flow, bytes: 0 }, 0, 0).map((v, i) => (i === 0 ? 2n ** 60n : v))))), EX, sink);
  assert.equal(out[1]!.bytes, Number.MAX_SAFE_INTEGER);
  // RFC 7011 §6.2 reduced-size: packets in 2 bytes, bytes in 3
  const reduced: FieldSpec[] = [[8, 4], [12, 4], [2, 2], [1, 3]];
  d.decode(ipfixMessage(h(2), set(2, templateRecord(401, reduced)), set(401, dataRecord(reduced, [1, 2, 513, 70000]))), EX, sink);
  assert.deepEqual([out[2]!.packets, out[2]!.bytes], [513, 70000]);
});

test('IPFIX: every time format: seconds, NTP micro/nanoseconds, delta microseconds, sysUpTime + systemInitTime', () => {
  const d = createFlowDecoder();
  const { out, sink } = collect();
  const h = (seq: number) => ({ seq, exportTime: 1700000000, domain: 1 });
  const ntp = (ms: number): bigint => {
    const secs = BigInt(Math.floor(ms / 1000) + 2208988800);
    const frac = (BigInt(ms % 1000) << 32n) / 1000n + 1n; // +1: the fraction of an exact ms rounds down otherwise
    return (secs << 32n) | frac;
  };
  const tpls: Array<[number, FieldSpec[], bigint[] | number[]]> = [
    [500, [[8, 4], [150, 4], [151, 4]], [1, 1699999000, 1699999001]],
    [501, [[8, 4], [154, 8], [155, 8]], [1, ntp(1699999000123), ntp(1699999001456)] as bigint[]],
    [502, [[8, 4], [156, 8], [157, 8]], [1, ntp(1699999000789), ntp(1699999001999)] as bigint[]],
    [503, [[8, 4], [158, 4], [159, 4]], [1, 30_000_000, 2_500]],
    [504, [[8, 4], [152, 8], [161, 4]], [1, 1699999000000, 1500]],
  ];
  for (const [id, fields, vals] of tpls) {
    d.decode(ipfixMessage(h(0), set(2, templateRecord(id, fields)), set(id, dataRecord(fields, vals))), EX, sink);
  }
  assert.deepEqual(out.map((r) => [r.start, r.end]), [
    [1699999000000, 1699999001000],
    [1699999000123, 1699999001456],
    [1699999000789, 1699999001999],
    [1700000000000 - 30000, 1700000000000 - 2],
    [1699999000000, 1699999001500],
  ]);
  // flowStart/EndSysUpTime are relative to systemInitTimeMilliseconds sent in an options record
  const opt: FieldSpec[] = [[149, 4], [160, 8]];
  const up: FieldSpec[] = [[8, 4], [22, 4], [21, 4]];
  d.decode(ipfixMessage(h(0), set(3, ipfixOptionsTemplateRecord(510, 1, opt)), set(510, dataRecord(opt, [1, 1699990000000]))), EX, sink);
  d.decode(ipfixMessage(h(1), set(2, templateRecord(511, up)), set(511, dataRecord(up, [1, 5000, 7000]))), EX, sink);
  assert.deepEqual([out.at(-1)!.start, out.at(-1)!.end], [1699990005000, 1699990007000]);
});

test('IPFIX: IPv6, variable-length fields (1- and 3-byte lengths), enterprise fields skipped by length', () => {
  const d = createFlowDecoder();
  const { out, sink } = collect();
  const fields: FieldSpec[] = [[27, 16], [315, 65535], [28, 16], [100, 4, 29305], [2, 4], [96, 65535], [1, 4], [7, 2], [11, 2], [4, 1]];
  const src = Buffer.from('20010db8000000000000000000000001', 'hex');
  const dst = Buffer.from('20010db8000000000000000000000002', 'hex');
  const rec = Buffer.concat([
    src, varField(Buffer.alloc(20, 0xaa)), dst, Buffer.from([0xde, 0xad, 0xbe, 0xef]), Buffer.from([0, 0, 0, 5]),
    varField(Buffer.alloc(300, 0x41)), Buffer.from([0, 0, 1, 0]), Buffer.from([0x30, 0x39]), Buffer.from([0, 53]), Buffer.from([17]),
  ]);
  const r = d.decode(ipfixMessage({ seq: 0, exportTime: 1700000000 }, set(2, templateRecord(600, fields)), set(600, rec, rec)), EX, sink);
  assert.equal(r.error, null);
  assert.equal(r.flows, 2);
  const f = out[0]!;
  assert.deepEqual([f.family, srcAddrString(f), dstAddrString(f)], [6, '2001:db8::1', '2001:db8::2']);
  assert.deepEqual([f.packets, f.bytes, f.srcPort, f.dstPort, f.proto], [5, 256, 12345, 53, 17]);
  // a v4 record after a v6 one: the 16-byte addresses are cleared
  d.decode(ipfixMessage({ seq: 2, exportTime: 1700000000 }, set(2, templateRecord(400, IPFIX_FIELDS)), set(400, dataRecord(IPFIX_FIELDS, ipfixValues(flow, 1, 2)))), EX, sink);
  assert.equal(out[2]!.family, 4);
  assert.ok(out[2]!.src6.every((x) => x === 0));
});

test('IPFIX: template withdrawal (one, and all of a kind) and the data-record sequence', () => {
  const d = createFlowDecoder();
  const h = (seq: number) => ({ seq, exportTime: 1700000000, domain: 3 });
  const data = (id: number, n: number) => set(id, ...Array.from({ length: n }, () => dataRecord(IPFIX_FIELDS, ipfixValues(flow, 1, 2))));
  d.decode(ipfixMessage(h(0), set(2, templateRecord(700, IPFIX_FIELDS), templateRecord(701, IPFIX_FIELDS))), EX, () => {});
  assert.equal(d.templateCount(), 2);
  assert.equal(d.decode(ipfixMessage(h(0), data(700, 3)), EX, () => {}).flows, 3);
  assert.equal(d.decode(ipfixMessage(h(3), data(701, 2)), EX, () => {}).flows, 2);
  assert.equal(d.stats(EX)!.lost, 0);
  d.decode(ipfixMessage(h(9), data(700, 1)), EX, () => {}); // expected 5: 4 records lost
  assert.equal(d.stats(EX)!.lost, 4);
  // withdraw 700 (field count 0)
  d.decode(ipfixMessage(h(10), set(2, Buffer.from([0x02, 0xbc, 0, 0]))), EX, () => {});
  assert.equal(d.templateCount(), 1);
  assert.equal(d.decode(ipfixMessage(h(10), data(700, 1)), EX, () => {}).unknownTemplate, 1);
  assert.equal(d.decode(ipfixMessage(h(10), data(701, 1)), EX, () => {}).flows, 1);
  // withdraw all data templates of the domain: template id 2 with field count 0 (RFC 7011 §8.1)
  d.decode(ipfixMessage(h(11), set(2, Buffer.from([0, 2, 0, 0]))), EX, () => {});
  assert.equal(d.templateCount(), 0);
  assert.equal(d.stats(EX)!.templates, 0);
  assert.equal(d.stats(EX)!.malformed, 0);
});

test('prom-client registry: acd_flow_* counters per exporter, malformed per reason', async () => {
  const registry = createMetricsRegistry();
  const d = createFlowDecoder({ registry });
  d.decode(v5Datagram({ seq: 0, uptime: 1, secs: 1 }, [{ ...flow, first: 0, last: 0 }]), EX, () => {});
  d.decode(Buffer.from('garbage!'), EX, () => {});
  const text = await registry.metrics();
  assert.match(text, /acd_flow_datagrams_total\{exporter="192\.0\.2\.1:2055"\} 2/);
  assert.match(text, /acd_flow_records_total\{exporter="192\.0\.2\.1:2055"\} 1/);
  assert.match(text, /acd_flow_bytes_total\{exporter="192\.0\.2\.1:2055"\} 3456/);
  assert.match(text, /acd_flow_malformed_total\{exporter="192\.0\.2\.1:2055",reason="bad_version"\} 1/);
  // scraped twice: still the totals, not doubled
  assert.match(await registry.metrics(), /acd_flow_datagrams_total\{exporter="192\.0\.2\.1:2055"\} 2/);
});

test('IPFIX: exporters that number a message with its own records (softflowd) are recognised, not counted as loss', () => {
  const msg = (seq: number, n: number, withTpl = false) => ipfixMessage({ seq, exportTime: 1700000000, domain: 1 },
    ...(withTpl ? [set(2, templateRecord(400, IPFIX_FIELDS))] : []),
    set(400, ...Array.from({ length: n }, () => dataRecord(IPFIX_FIELDS, ipfixValues(flow, 1, 2)))));
  // seen from its first message: seq 20 carries 20 records
  let d = createFlowDecoder();
  for (const [seq, n] of [[20, 20], [48, 28], [76, 28], [78, 2]] as const) d.decode(msg(seq, n, seq === 20), EX, () => {});
  assert.equal(d.stats(EX)!.lost, 0);
  // joined mid-stream: learnt at the second gap it explains, the first one taken back
  d = createFlowDecoder();
  for (const [seq, n] of [[100, 5], [110, 10], [112, 2], [142, 30]] as const) d.decode(msg(seq, n, seq === 100), EX, () => {});
  assert.equal(d.stats(EX)!.lost, 0);
  // and real loss is still loss after that: a 7-record message missing
  d.decode(msg(142 + 7 + 3, 3), EX, () => {});
  assert.equal(d.stats(EX)!.lost, 7);
});
