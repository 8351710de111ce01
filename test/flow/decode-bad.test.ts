/**
 * Bad input: what each kind gets. Every case: decode() does not throw, the datagram is counted under
 * its exporter as malformed with the named reason (or as unknown-template), nothing half-read reaches
 * the sink, and the next valid datagram from the same exporter decodes normally.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFlowDecoder, type FlowDecoder, type MalformedReason } from '../../src/flow/decode/index.js';
import {
  v5Datagram, v9Datagram, ipfixMessage, templateRecord, set, dataRecord, be, ip4,
  V9_FIELDS, IPFIX_FIELDS, v9Values, ipfixValues, type SimpleFlow, type FieldSpec,
} from './fixtures/build.js';

const EX = '203.0.113.9:9995';
const flow: SimpleFlow = {
  src4: ip4('10.0.0.1'), dst4: ip4('10.0.0.2'), srcPort: 1, dstPort: 2, proto: 17, tcpFlags: 0, packets: 3, bytes: 300, inIf: 1, outIf: 2,
};
const h9 = (seq = 1) => ({ seq, uptime: 1000, secs: 1700000000 });
const h10 = (seq = 0) => ({ seq, exportTime: 1700000000 });
const V9_TPL = set(0, templateRecord(256, V9_FIELDS));
const V9_DATA = set(256, dataRecord(V9_FIELDS, v9Values(flow, 0, 0)));
const IPFIX_TPL = set(2, templateRecord(256, IPFIX_FIELDS));
const IPFIX_DATA = set(256, dataRecord(IPFIX_FIELDS, ipfixValues(flow, 1, 2)));

/** Decodes `bad`, checks what it got, then checks that valid v5, v9 and IPFIX datagrams still decode. */
function expectDropped(bad: Buffer, reason: MalformedReason | 'unknown_template', opts: { d?: FlowDecoder; flows?: number } = {}): FlowDecoder {
  const d = opts.d ?? createFlowDecoder();
  let delivered = 0;
  const before = d.stats(EX);
  const malformed0 = before?.malformed ?? 0;
  const r = d.decode(bad, EX, () => { delivered++; });
  const st = d.stats(EX)!;
  if (reason === 'unknown_template') {
    assert.equal(r.error, null);
    assert.ok(r.unknownTemplate >= 1);
    assert.equal(st.malformed, malformed0);
  } else {
    assert.equal(r.error, reason);
    assert.equal(st.malformed, malformed0 + 1);
    assert.ok(st.malformedByReason[reason] >= 1);
  }
  assert.equal(delivered, opts.flows ?? 0, 'flows delivered from the bad datagram');
  assert.equal(st.malformedByReason.internal_error, 0, 'no exception inside the decoder');
  // the next valid datagrams decode normally
  const ok = (dg: Buffer, n: number): void => {
    const got: number[] = [];
    const res = d.decode(dg, EX, (rec) => got.push(rec.packets));
    assert.equal(res.error, null);
    assert.deepEqual(got, new Array<number>(n).fill(3));
  };
  ok(v5Datagram({ seq: 0, uptime: 1, secs: 1 }, [{ ...flow, first: 0, last: 0 }]), 1);
  ok(v9Datagram(h9(), V9_TPL, V9_DATA), 1);
  ok(ipfixMessage(h10(), IPFIX_TPL, IPFIX_DATA), 1);
  return d;
}

test('empty and 1-byte datagrams: truncated', () => {
  expectDropped(Buffer.alloc(0), 'truncated');
  expectDropped(Buffer.from([9]), 'truncated');
});

test('garbage / another protocol (version not 5, 9, 10): bad_version', () => {
  expectDropped(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 'bad_version');
  expectDropped(Buffer.from([0, 7, 1, 2, 3, 4]), 'bad_version');
});

test('v5: shorter than its header, or count says more records than there are: truncated, no flow delivered', () => {
  expectDropped(Buffer.from([0, 5, 0, 1, 0, 0]), 'truncated');
  const dg = v5Datagram({ seq: 0, uptime: 1, secs: 1 }, [{ ...flow, first: 0, last: 0 }, { ...flow, first: 0, last: 0 }]);
  dg.writeUInt16BE(30, 2); // 30 records claimed, 2 present
  expectDropped(dg, 'truncated');
  expectDropped(dg.subarray(0, dg.length - 1), 'truncated'); // the last record cut by a byte
});

test('v9 / IPFIX: header cut short: truncated', () => {
  expectDropped(v9Datagram(h9()).subarray(0, 19), 'truncated');
  expectDropped(ipfixMessage(h10()).subarray(0, 15), 'truncated');
});

test('v9: set length < 4: bad_length; set running past the datagram: truncated (sets before it were decoded)', () => {
  const zero = Buffer.from([0x01, 0x00, 0x00, 0x02]);
  expectDropped(v9Datagram(h9(), zero), 'bad_length');
  const d = createFlowDecoder();
  const long = set(256, dataRecord(V9_FIELDS, v9Values(flow, 0, 0)));
  long.writeUInt16BE(long.length + 100, 2);
  // the template and the first (whole) data set decode; the overlong last set is dropped
  expectDropped(v9Datagram(h9(), V9_TPL, V9_DATA, long), 'truncated', { d, flows: 1 });
});

test('IPFIX: message length beyond the datagram: truncated; below the header: bad_length; sets not adding up: bad_length', () => {
  const m = ipfixMessage(h10(), IPFIX_TPL, IPFIX_DATA);
  expectDropped(m.subarray(0, m.length - 5), 'truncated');
  const small = Buffer.from(m);
  small.writeUInt16BE(8, 2);
  expectDropped(small, 'bad_length');
  const odd = Buffer.concat([m, Buffer.from([0, 0])]);
  odd.writeUInt16BE(odd.length, 2); // 2 stray bytes after the last set, counted in the length
  expectDropped(odd, 'bad_length', { flows: 1 });
});

test('template with a zero field length: bad_template, not cached (its data stays unknown)', () => {
  const bad = set(0, templateRecord(256, [[8, 4], [12, 0], [1, 4]]));
  const d = expectDropped(v9Datagram(h9(), bad), 'bad_template');
  const d2 = createFlowDecoder();
  d2.decode(v9Datagram(h9(), bad), EX, () => {});
  assert.equal(d2.templateCount(), 0);
  expectDropped(v9Datagram(h9(2), V9_DATA), 'unknown_template', { d: d2 });
  expectDropped(ipfixMessage(h10(), set(2, templateRecord(300, [[8, 0]]))), 'bad_template', { d });
});

test('template whose fields overflow any datagram (sum of lengths > 65515): bad_template', () => {
  const huge: FieldSpec[] = [[1, 40000], [2, 40000]];
  expectDropped(v9Datagram(h9(), set(0, templateRecord(256, huge))), 'bad_template');
  expectDropped(ipfixMessage(h10(), set(2, templateRecord(256, huge))), 'bad_template');
});

test('template with more fields than the bound (maxFieldsPerTemplate): bad_template, nothing allocated for it', () => {
  const d = createFlowDecoder({ limits: { maxFieldsPerTemplate: 64 } });
  const many: FieldSpec[] = Array.from({ length: 65 }, () => [1, 1] as FieldSpec);
  expectDropped(v9Datagram(h9(), set(0, templateRecord(256, many))), 'bad_template', { d });
  // a field count of 65535 in a tiny set: refused on the count before anything is read
  expectDropped(v9Datagram(h9(), set(0, Buffer.from([1, 0, 0xff, 0xff, 0, 1, 0, 4]))), 'bad_template', { d });
  assert.equal(d.templateCount(), 0 + 2, 'only the valid v9 and IPFIX templates of the follow-up checks');
});

test('template whose field list runs past its set: truncated', () => {
  const t = templateRecord(256, V9_FIELDS);
  t.writeUInt16BE(V9_FIELDS.length + 3, 2); // claims 3 more fields than the set holds
  expectDropped(v9Datagram(h9(), set(0, t)), 'truncated');
});

test('template id below 256, options template with bad scope: bad_template', () => {
  expectDropped(v9Datagram(h9(), set(0, templateRecord(12, V9_FIELDS))), 'bad_template');
  // IPFIX options template with scope count 0
  expectDropped(ipfixMessage(h10(), set(3, Buffer.concat([be(2, 256), be(2, 1), be(2, 0), be(2, 8), be(2, 4)]))), 'bad_template');
  // v9 options template with a scope length that is not a multiple of 4
  expectDropped(v9Datagram(h9(), set(1, Buffer.concat([be(2, 256), be(2, 3), be(2, 4), be(2, 34), be(2, 4)]))), 'bad_template');
});

test('data set for an unknown template: counted as unknown-template, not malformed; the datagram is not lost', () => {
  const d = expectDropped(v9Datagram(h9(), V9_DATA), 'unknown_template');
  assert.ok(d.stats(EX)!.unknownTemplate >= 1);
  expectDropped(ipfixMessage(h10(), set(999, Buffer.alloc(40))), 'unknown_template');
});

test('reserved set ids: bad_set_id (the other sets of the datagram still decode)', () => {
  expectDropped(v9Datagram(h9(), set(7, Buffer.alloc(8)), V9_TPL, V9_DATA), 'bad_set_id', { flows: 1 });
  expectDropped(ipfixMessage(h10(), set(0, Buffer.alloc(8))), 'bad_set_id');
});

test('variable-length field running past its set: bad_record; the whole records before it were delivered', () => {
  const fields: FieldSpec[] = [[8, 4], [12, 4], [2, 4], [315, 65535]];
  const good = Buffer.concat([dataRecord(fields.slice(0, 3), [1, 2, 3]), Buffer.from([2, 0xaa, 0xbb])]);
  const bad = Buffer.concat([dataRecord(fields.slice(0, 3), [1, 2, 3]), Buffer.from([255, 0xff, 0xff, 1, 2])]);
  expectDropped(ipfixMessage(h10(), set(2, templateRecord(600, fields)), set(600, good, bad)), 'bad_record', { flows: 1 });
});

test('template flood: per-exporter and total caps hold; an exporter evicts only its own oldest templates', () => {
  const d = createFlowDecoder({ limits: { maxTemplatesPerExporter: 10, maxTemplatesTotal: 25 } });
  const flood = (ex: string, from: number, n: number) => {
    for (let i = 0; i < n; i++) d.decode(ipfixMessage(h10(), set(2, templateRecord(from + i, IPFIX_FIELDS))), ex, () => {});
  };
  const data = (id: number) => ipfixMessage(h10(), set(id, dataRecord(IPFIX_FIELDS, ipfixValues(flow, 1, 2))));
  flood('a:1', 256, 10);
  flood(EX, 256, 100);
  assert.equal(d.stats(EX)!.templates, 10);
  assert.equal(d.stats(EX)!.templatesEvicted, 90);
  assert.equal(d.decode(data(355), EX, () => {}).flows, 1, 'the latest template is live');
  assert.equal(d.decode(data(256), EX, () => {}).unknownTemplate, 1, 'the oldest was evicted');
  assert.equal(d.decode(data(256), 'a:1', () => {}).flows, 1, "another exporter's templates are untouched");
  flood('b:1', 256, 10);
  assert.equal(d.templateCount(), 25);
  assert.equal(d.stats('b:1')!.templates, 5);
  assert.equal(d.stats('a:1')!.templates, 10);
  // at the decoder-wide cap, an exporter with no templates is refused and told why
  const r = d.decode(ipfixMessage(h10(), IPFIX_TPL), 'c:1', () => {});
  assert.equal(r.error, 'template_limit');
  assert.equal(d.stats('c:1')!.templates, 0);
  assert.equal(d.stats('c:1')!.malformedByReason.template_limit, 1);
  assert.equal(d.templateCount(), 25);
});

// #20: a full table no longer drops new exporters until restart; the least recently seen is evicted
test('exporter flood (spoofed sources): beyond maxExporters the least recently seen exporter is evicted, its totals kept under "_evicted"', () => {
  const d = createFlowDecoder({ limits: { maxExporters: 3 } });
  for (let i = 0; i < 10; i++) assert.equal(d.decode(v9Datagram(h9(), V9_TPL, V9_DATA), `198.51.100.${i}:2055`, () => {}).flows, 1, `exporter ${i} decoded`);
  assert.equal(d.exportersEvicted(), 7);
  assert.equal(d.allStats().length, 4);
  const e = d.stats('_evicted')!;
  assert.deepEqual([e.datagrams, e.flows, e.malformed], [7, 7, 0]);
  assert.equal(d.stats('198.51.100.0:2055'), undefined);
  assert.equal(d.stats('198.51.100.9:2055')!.flows, 1);
});

test('a sink that throws does not escape decode(): counted as internal_error', () => {
  const d = createFlowDecoder();
  const r = d.decode(v5Datagram({ seq: 0, uptime: 1, secs: 1 }, [{ ...flow, first: 0, last: 0 }]), EX, () => { throw new Error('sink'); });
  assert.equal(r.error, 'internal_error');
  assert.equal(d.stats(EX)!.malformedByReason.internal_error, 1);
});
