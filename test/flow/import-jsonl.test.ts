/**
 * JSON lines of FlowRecord: flowRecordToJson and the jsonl importer are inverse (real records from the
 * shared data and random ones); bad lines are counted by reason.
 */
import { thirdParty, thirdPartySkip } from '../helpers/third-party.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MutableFlowRecord, copyFlowRecord, FLOW_RECORD_FIELDS, type FlowRecord,
} from '../../src/flow/record.js';
import {
  flowRecordToJson, flowRecordToJsonObject, importFlowBuffer, importFlowFile, parseFlowRecordJson,
} from '../../src/flow/import/index.js';

const DATA = thirdParty('stratosphere') + '/';

async function collect(path: string): Promise<FlowRecord[]> {
  const out: FlowRecord[] = [];
  await importFlowFile(path, { sink: (r) => out.push(copyFlowRecord(r)) });
  return out;
}

async function fromJsonl(text: string, exporter?: string): Promise<{ recs: FlowRecord[]; malformedBy: Record<string, number>; format: string }> {
  const recs: FlowRecord[] = [];
  const s = await importFlowBuffer(Buffer.from(text), 'mem.jsonl', { sink: (r) => recs.push(copyFlowRecord(r)), ...(exporter ? { exporter } : {}) });
  return { recs, malformedBy: s.malformedBy, format: s.format };
}

test('the JSON object has every FlowRecord field but the binary addresses, which are text src/dst', () => {
  const keys = Object.keys(flowRecordToJsonObject(new MutableFlowRecord())).sort();
  const expected = [...FLOW_RECORD_FIELDS.filter((f) => !['src4', 'dst4', 'src6', 'dst6'].includes(f)), 'src', 'dst'].sort();
  assert.deepEqual(keys, expected);
});

test('real records (IPv4, IPv6, ICMP) survive flowRecordToJson → jsonl import unchanged', { skip: thirdPartySkip('stratosphere') }, async () => {
  const recs = [
    ...(await collect(`${DATA}stratosphere-security-datasets-for-testing/005-zeek-scenario-malicious/conn.log`)),
    ...(await collect(`${DATA}slips-dataset/test5-mixed.binetflow`)),
  ];
  assert.ok(recs.some((r) => r.family === 6) && recs.some((r) => r.proto === 1));
  const text = recs.map(flowRecordToJson).join('\n');
  const back = await fromJsonl(text);
  assert.equal(back.format, 'jsonl', 'detected from the first line');
  assert.deepEqual(back.recs, recs);
});

const arbRecord = fc.record({
  exporter: fc.string({ maxLength: 40 }).filter((s) => s !== ''),
  domain: fc.nat({ max: 0xffffffff }),
  start: fc.nat({ max: 4e12 }),
  dur: fc.nat({ max: 1e7 }),
  v6: fc.boolean(),
  src4: fc.nat({ max: 0xffffffff }),
  dst4: fc.nat({ max: 0xffffffff }),
  src6: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  dst6: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  srcPort: fc.nat({ max: 65535 }),
  dstPort: fc.nat({ max: 65535 }),
  proto: fc.nat({ max: 255 }),
  tcpFlags: fc.nat({ max: 255 }),
  packets: fc.nat({ max: 2 ** 40 }),
  bytes: fc.maxSafeNat(),
  inIf: fc.nat({ max: 0xffffffff }),
  outIf: fc.nat({ max: 0xffffffff }),
});

test('property: any record → JSON → parseFlowRecordJson gives it back', () => {
  fc.assert(fc.property(arbRecord, (a) => {
    const r = new MutableFlowRecord();
    Object.assign(r, { exporter: a.exporter, domain: a.domain, start: a.start, end: a.start + a.dur, family: a.v6 ? 6 : 4, srcPort: a.srcPort, dstPort: a.dstPort, proto: a.proto, tcpFlags: a.tcpFlags, packets: a.packets, bytes: a.bytes, inIf: a.inIf, outIf: a.outIf });
    if (a.v6) { r.src6.set(a.src6); r.dst6.set(a.dst6); } else { r.src4 = a.src4; r.dst4 = a.dst4; }
    const out = new MutableFlowRecord();
    assert.equal(parseFlowRecordJson(flowRecordToJson(r), out), '');
    assert.deepEqual(copyFlowRecord(out), copyFlowRecord(r));
  }), { numRuns: 500, seed: 42 });
});

test('jsonl: defaults, exporter precedence, and bad lines counted by reason', async () => {
  const lines = [
    '{"src":"10.0.0.1","dst":"10.0.0.2","start":1000,"domain":7,"exporter":"r1"}',
    '{"src":"10.0.0.1","dst":"10.0.0.2","start":2000}', // no domain: 0, not the last line's 7
    '{"src":"10.0.0.1","dst":"10.0.0.2"}', // field: start missing
    '{"src":"10.0.0.1","dst":"::1","start":1}', // address: families differ
    '{"src":"10.0.0.1","dst":"10.0.0.2","start":1,"family":6}', // field: family mismatch
    '{"src":"10.0.0.1","dst":"10.0.0.2","start":1,"dstPort":65536}', // number
    '{"src":"10.0.0.1","dst":"10.0.0.2","start":1,"packets":-1}', // number
    '{"src":"10.0.0.1","dst":"10.0.0.2","start":1,"bytes":"9"}', // number
    '{"src":"10.0.0.1","dst":"10.0.0.2","start":1,"exporter":5}', // field
    '{"src":"10.0.0.1","dst":"10.0.0.2","sta', // json: truncated
    '',
  ].join('\n');
  const { recs, malformedBy } = await fromJsonl(lines);
  assert.deepEqual(malformedBy, { field: 3, address: 1, number: 3, json: 1 });
  assert.deepEqual(recs.map((r) => [r.exporter, r.domain, r.start, r.end]), [['r1', 7, 1000, 1000], ['file:mem.jsonl', 0, 2000, 2000]]);
  const forced = await fromJsonl(lines, 'carrier-a');
  assert.deepEqual(forced.recs.map((r) => r.exporter), ['carrier-a', 'carrier-a'], '--exporter wins over the line');
});
