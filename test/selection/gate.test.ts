import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { FLOW_RECORD_FIELDS, ipv4ToString, ipv6ToString, MutableFlowRecord, parseIpv4, parseIpv6, type FlowRecord } from '../../src/flow/index.js';
import {
  ApprovalSet,
  copyDetectorFeedFlow,
  copySelectedFlow,
  createGate,
  createOfflineGate,
  createPseudonymiser,
  createScope,
  CryptoPan,
  DETECTOR_BIT,
  parsePrefix,
  type ApprovalInput,
  type AsnLookup,
  type Criterion,
  type DetectorFeedFlow,
  type GateOutput,
  type SelectedFlow,
} from '../../src/selection/index.js';
import { createLogger } from '../../src/shared/log.js';
import { createMetricsRegistry } from '../../src/shared/metrics.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const iso = (t: number) => new Date(t).toISOString();
const KEY = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 255);
const DOMESTIC = ['147.32.0.0/16', '192.0.2.0/24', '2001:db8:100::/40'];

/** A fake AS table for the test: 8.0.0.0/8 is AS 15169, 2001:4860::/32 is AS 15169, nothing else. */
const fakeAsn: AsnLookup = {
  asn4: (a) => (a >>> 24 === 8 ? 15169 : 0),
  asn6: (b) => (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x48 && b[3] === 0x60 ? 15169 : 0),
};

const APPROVALS: ApprovalInput[] = [
  {
    id: 'A-fd',
    category: 'foreign-domestic',
    carriers: ['carrier-a'],
    criteria: [
      { id: 'c-addr', kind: 'address', address: '41.108.179.197' },
      { id: 'c-pfx', kind: 'prefix', prefix: '198.51.100.0/24' },
      { id: 'c-port', kind: 'port', port: 1177, proto: 6 },
      { id: 'c-pfx6', kind: 'prefix', prefix: '2001:db8:f::/48' },
      { id: 'c-beacon', kind: 'detector', detector: 'beacon' },
    ],
    start: iso(T0),
    end: iso(T0 + 5 * DAY),
    approvedBy: 'commission:1',
    status: 'approved',
  },
  {
    id: 'A-fd2',
    category: 'foreign-domestic',
    carriers: ['carrier-a', 'carrier-b'],
    criteria: [
      { id: 'c-asn', kind: 'asn', asn: 15169 },
      { id: 'c-dns', kind: 'port', port: 53, proto: 17 },
      { id: 'c-v6host', kind: 'address', address: '2001:db8:100::53' },
    ],
    start: iso(T0 + 2 * DAY),
    end: iso(T0 + 8 * DAY),
    approvedBy: 'commission:2',
    status: 'approved',
  },
  {
    id: 'T-1',
    category: 'transit',
    carriers: ['carrier-t', 'carrier-b'],
    criteria: [
      { id: 't-pfx', kind: 'prefix', prefix: '203.0.113.0/24' },
      { id: 't-scan', kind: 'detector', detector: 'scan' },
      { id: 't-fanin', kind: 'detector', detector: 'fan-in' },
    ],
    start: iso(T0 + 1 * DAY),
    end: iso(T0 + 9 * DAY),
    approvedBy: 'commission:1',
    status: 'approved',
  },
  {
    id: 'P-z',
    category: 'foreign-domestic',
    carriers: ['carrier-z'],
    criteria: [{ id: 'z-port', kind: 'port', port: 443 }],
    start: iso(T0),
    status: 'proposed',
  },
];

function setup(opts: { keys?: { id: string; key: Uint8Array; validFrom: number; validTo: number }[]; logger?: ReturnType<typeof createLogger> } = {}) {
  const scope = createScope({ useCountryData: false, domesticPrefixes: DOMESTIC });
  const approvals = new ApprovalSet({ approvals: APPROVALS, asn: fakeAsn });
  const pseudonymiser = createPseudonymiser({ keys: opts.keys ?? [{ id: 'k1', key: KEY, validFrom: T0 - DAY, validTo: T0 + 30 * DAY }], cache: { cacheBits: 10 } });
  const registry = createMetricsRegistry();
  const gate = createGate({ scope, approvals, pseudonymiser, deps: { registry, ...(opts.logger ? { logger: opts.logger } : {}) } });
  const selected: SelectedFlow[] = [];
  const feed: DetectorFeedFlow[] = [];
  const out: GateOutput = { selected: (f) => selected.push(copySelectedFlow(f)), feed: (f) => feed.push(copyDetectorFeedFlow(f)) };
  return { scope, approvals, pseudonymiser, gate, selected, feed, out, registry };
}

// ---- an independent oracle, written from the rules, not from the gate's code ----

const domesticRanges = DOMESTIC.map((p) => parsePrefix(p)!);
const big6 = (b: Uint8Array) => b.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
const bigW = (w: Uint32Array) => w.reduce((acc, x) => (acc << 32n) | BigInt(x), 0n);

const parsed = new Map<string, NonNullable<ReturnType<typeof parsePrefix>>>();
function inPrefix(text: string, family: 4 | 6, a4: number, a6: Uint8Array): boolean {
  let p = parsed.get(text);
  if (!p) parsed.set(text, (p = parsePrefix(text)!));
  if (p.family !== family) return false;
  if (p.family === 4) return p.first <= a4 && a4 <= p.last;
  const v = big6(a6);
  return bigW(p.first) <= v && v <= bigW(p.last);
}
const isDomestic = (r: FlowRecord, end: 'src' | 'dst') =>
  domesticRanges.some((p) => {
    const a4 = end === 'src' ? r.src4 : r.dst4;
    const a6 = end === 'src' ? r.src6 : r.dst6;
    if (p.family !== r.family) return false;
    if (p.family === 4) return p.first <= a4 && a4 <= p.last;
    const v = big6(a6);
    return bigW(p.first) <= v && v <= bigW(p.last);
  });

function criterionMatches(c: Criterion, r: FlowRecord): boolean {
  const ends: [number, Uint8Array][] = [
    [r.src4, r.src6],
    [r.dst4, r.dst6],
  ];
  switch (c.kind) {
    case 'address':
      return ends.some(([a4, a6]) => inPrefix(c.address, r.family, a4, a6));
    case 'prefix':
      return ends.some(([a4, a6]) => inPrefix(c.prefix, r.family, a4, a6));
    case 'asn':
      return ends.some(([a4, a6]) => (r.family === 4 ? fakeAsn.asn4(a4) : fakeAsn.asn6(a6)) === c.asn);
    case 'port':
      return (c.proto === undefined || c.proto === r.proto) && (c.port === undefined || c.port === r.srcPort || c.port === r.dstPort);
    case 'detector':
      return false;
  }
}

function inForce(r: FlowRecord, category: string): ApprovalInput[] {
  return APPROVALS.filter(
    (a) => a.status === 'approved' && a.carriers.includes(r.exporter) && a.category === category && Date.parse(a.start) <= r.end && r.end < Date.parse(a.end!),
  );
}

// ---- random flows ----

const ref = new CryptoPan(KEY, { cache: false });
const DOM4 = ['147.32.83.234', '147.32.1.1', '192.0.2.10'];
const FOR4 = ['41.108.179.197', '198.51.100.20', '203.0.113.5', '8.8.8.8', '45.33.32.156', '93.184.216.34'];
const DOM6 = ['2001:db8:100::53', '2001:db8:1ff::1'];
const FOR6 = ['2001:db8:f::1', '2001:4860::8888', '2a00:1450::1'];

const addr4 = fc.oneof(
  fc.constantFrom(...DOM4, ...FOR4).map(parseIpv4),
  fc.integer({ min: 0, max: 255 }).map((x) => (parseIpv4('147.32.0.0') + x * 256 + 7) >>> 0),
  fc.integer({ min: 0, max: 0xffffffff }),
);
const addr6 = fc.oneof(
  fc.constantFrom(...DOM6, ...FOR6).map((s) => parseIpv6(s)!),
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
);
const flowArb = fc.record({
  exporter: fc.constantFrom('carrier-a', 'carrier-b', 'carrier-t', 'carrier-z'),
  v6: fc.integer({ min: 0, max: 4 }).map((x) => x === 0),
  s4: addr4,
  d4: addr4,
  s6: addr6,
  d6: addr6,
  sp: fc.oneof(fc.constantFrom(1177, 443, 53, 80), fc.integer({ min: 0, max: 65535 })),
  dp: fc.oneof(fc.constantFrom(1177, 443, 53, 80), fc.integer({ min: 0, max: 65535 })),
  proto: fc.constantFrom(6, 17, 1),
  end: fc.integer({ min: T0 - DAY, max: T0 + 10 * DAY }),
});

type FlowSample = ReturnType<typeof sampleFlows>[number];

function toRecord(x: FlowSample, r: MutableFlowRecord): MutableFlowRecord {
  r.reset();
  r.exporter = x.exporter;
  r.family = x.v6 ? 6 : 4;
  if (x.v6) {
    r.src6.set(x.s6);
    r.dst6.set(x.d6);
  } else {
    r.src4 = x.s4;
    r.dst4 = x.d4;
  }
  r.srcPort = x.sp;
  r.dstPort = x.dp;
  r.proto = x.proto;
  r.end = x.end;
  r.start = x.end - 1000;
  r.packets = 3;
  r.bytes = 180;
  return r;
}

function sampleFlows(n: number, seed: number) {
  return fc.sample(flowArb, { seed, numRuns: n });
}

/** checks that each end of an emitted flow is the pseudonym when domestic and the address otherwise */
function assertPseudonymised(orig: FlowRecord, f: SelectedFlow | DetectorFeedFlow, ctx: string) {
  for (const end of ['src', 'dst'] as const) {
    const dom = isDomestic(orig, end);
    assert.equal(end === 'src' ? f.srcPseudonym : f.dstPseudonym, dom, `${ctx}: ${end} flag`);
    if (orig.family === 4) {
      const o = end === 'src' ? orig.src4 : orig.dst4;
      assert.equal(end === 'src' ? f.src4 : f.dst4, dom ? ref.encrypt4(o) : o, `${ctx}: ${end} address`);
    } else {
      const o = end === 'src' ? orig.src6 : orig.dst6;
      assert.deepEqual(end === 'src' ? f.src6 : f.dst6, dom ? ref.encrypt6(o) : o, `${ctx}: ${end} address`);
    }
  }
  if (isDomestic(orig, 'src') || isDomestic(orig, 'dst')) assert.equal(f.pseudonymKeyId, 'k1');
}

test('property (fast-check, seed 2026, 100 000 random flows): nothing out of scope or unapproved is emitted; selected flows match their named criterion; domestic addresses are pseudonyms', () => {
  const N = 100_000;
  const flows = sampleFlows(N, 2026);
  const { gate, selected, feed, out } = setup();
  const rec = new MutableFlowRecord();
  // keys that detector rules select half-way through: "from then on"
  const keysAt = N / 2;
  const pseudo4 = (s: string) => ipv4ToString(ref.encrypt4(parseIpv4(s)));
  const keyed: { approvalId: string; criterionId: string; test: (f: SelectedFlow | DetectorFeedFlow) => boolean }[] = [];
  const outcomes = { out: 0, noApproval: 0, selected: 0, keySelected: 0, feed: 0, discarded: 0 };

  for (let i = 0; i < N; i++) {
    if (i === keysAt) {
      gate.selectKey('address', { address: '45.33.32.156', pseudonym: false }, 'A-fd', 'c-beacon');
      gate.selectKey('server', { address: pseudo4('147.32.83.234'), pseudonym: true, port: 443, proto: 6 }, 'A-fd', 'c-beacon');
      gate.selectKey('pair', { a: { address: '93.184.216.34', pseudonym: false }, b: { address: '8.8.8.8', pseudonym: false } }, 'T-1', 't-scan');
      keyed.push(
        { approvalId: 'A-fd', criterionId: 'c-beacon', test: (f) => f.family === 4 && ((f.src4 === parseIpv4('45.33.32.156') && !f.srcPseudonym) || (f.dst4 === parseIpv4('45.33.32.156') && !f.dstPseudonym)) },
        {
          approvalId: 'A-fd',
          criterionId: 'c-beacon',
          test: (f) =>
            f.family === 4 &&
            f.proto === 6 &&
            ((f.dstPseudonym && f.dst4 === parseIpv4(pseudo4('147.32.83.234')) && f.dstPort === 443) ||
              (f.srcPseudonym && f.src4 === parseIpv4(pseudo4('147.32.83.234')) && f.srcPort === 443)),
        },
        {
          approvalId: 'T-1',
          criterionId: 't-scan',
          test: (f) =>
            f.family === 4 &&
            !f.srcPseudonym &&
            !f.dstPseudonym &&
            [f.src4, f.dst4].sort().join() === [parseIpv4('93.184.216.34'), parseIpv4('8.8.8.8')].sort().join(),
        },
      );
    }
    const x = flows[i]!;
    toRecord(x, rec);
    const s0 = selected.length;
    const f0 = feed.length;
    gate.process(rec, out);
    const emittedSel = selected.slice(s0);
    const emittedFeed = feed.slice(f0);
    const ctx = `flow ${i} (${rec.exporter}, ${rec.family === 4 ? `${ipv4ToString(rec.src4)}→${ipv4ToString(rec.dst4)}` : `${ipv6ToString(rec.src6)}→${ipv6ToString(rec.dst6)}`}:${rec.dstPort}/${rec.proto} at ${iso(rec.end)})`;
    assert.ok(emittedSel.length + emittedFeed.length <= 1, `${ctx}: at most one output`);

    const sd = isDomestic(rec, 'src');
    const dd = isDomestic(rec, 'dst');
    if (sd && dd) {
      assert.equal(emittedSel.length + emittedFeed.length, 0, `${ctx}: domestic-domestic must not be emitted`);
      outcomes.out++;
      continue;
    }
    const category = sd || dd ? 'foreign-domestic' : 'transit';
    const approvals = inForce(rec, category);
    if (approvals.length === 0) {
      assert.equal(emittedSel.length + emittedFeed.length, 0, `${ctx}: no approval in force: must not be emitted`);
      outcomes.noApproval++;
      continue;
    }
    const matches = approvals.flatMap((a) => a.criteria.filter((c) => criterionMatches(c, rec)).map((c) => `${a.id}/${c.id}`));
    const emitted = emittedSel[0] ?? emittedFeed[0];
    if (emitted) {
      assertPseudonymised(rec, emitted, ctx);
      assert.equal(emitted.category, category, ctx);
      assert.ok(approvals.some((a) => a.id === emitted.approvalId), `${ctx}: names an approval in force`);
    }
    if (matches.length > 0) {
      assert.equal(emittedSel.length, 1, `${ctx}: matches ${matches.join(', ')}: must be selected`);
      assert.ok(matches.includes(`${emittedSel[0]!.approvalId}/${emittedSel[0]!.criterionId}`), `${ctx}: selected under a criterion it matches`);
      outcomes.selected++;
      continue;
    }
    const withDetectors = approvals.filter((a) => a.criteria.some((c) => c.kind === 'detector'));
    if (withDetectors.length === 0) {
      assert.equal(emittedSel.length + emittedFeed.length, 0, `${ctx}: unselected and no detector rule: discarded at once`);
      outcomes.discarded++;
      continue;
    }
    // the detectors' view decides key selection: compare on the pseudonymised flow
    const view = emittedSel[0] ?? emittedFeed[0]!;
    const keyHits = keyed.filter((k) => withDetectors.some((a) => a.id === k.approvalId) && k.test(view)).map((k) => `${k.approvalId}/${k.criterionId}`);
    if (keyHits.length > 0) {
      assert.equal(emittedSel.length, 1, `${ctx}: a selected key: must be selected`);
      assert.ok(keyHits.includes(`${emittedSel[0]!.approvalId}/${emittedSel[0]!.criterionId}`), `${ctx}: selected under the key's criterion`);
      outcomes.keySelected++;
    } else {
      assert.equal(emittedSel.length, 0, `${ctx}: unselected flow must not reach the selected sink`);
      assert.equal(emittedFeed.length, 1, `${ctx}: in scope under a detector rule: feeds the detectors`);
      assert.ok(withDetectors.some((a) => a.id === emittedFeed[0]!.approvalId), ctx);
      const mask = withDetectors.find((a) => a.id === emittedFeed[0]!.approvalId)!.criteria.reduce((m, c) => (c.kind === 'detector' ? m | DETECTOR_BIT[c.detector] : m), 0);
      assert.equal(emittedFeed[0]!.detectors, mask, `${ctx}: the feed names the detector rules in force`);
      outcomes.feed++;
    }
  }
  // every outcome happened often enough for the property to mean something
  for (const [k, v] of Object.entries(outcomes)) assert.ok(v >= 100, `outcome ${k} seen ${v} times`);
  for (const f of selected) assert.ok(f.approvalId && f.criterionId, 'every selected flow names its approval and criterion');
  const t = gate.totals();
  assert.equal(t.received, N);
  assert.equal(t.outOfScope, outcomes.out);
  assert.equal(t.noApproval, outcomes.noApproval);
  assert.equal(t.selected, outcomes.selected + outcomes.keySelected);
  assert.equal(t.discarded, outcomes.discarded + outcomes.feed);
  assert.equal(t.received, t.outOfScope + t.noApproval + t.selected + t.discarded + t.noKey);
  // the rows add up to the totals, and each approval's row adds up
  const rows = gate.counts();
  const sum = (m: 'received' | 'selected', approvals: boolean) => rows.filter((r) => (r.approvalId !== null) === approvals).reduce((s, r) => s + r[m], 0);
  assert.equal(sum('received', false), N);
  assert.equal(sum('selected', false), t.selected);
  assert.equal(sum('selected', true), t.selected);
  for (const r of rows.filter((r) => r.approvalId !== null)) assert.equal(r.received, r.selected + r.discarded + r.noKey, JSON.stringify(r));
  assert.ok(rows.some((r) => r.approvalId === 'A-fd2' && r.discarded > 0), 'an indicator-only approval discards');
  assert.ok(!rows.some((r) => r.approvalId === 'P-z'), 'a proposal handles nothing');
});

function flow4(exporter: string, src: string, dst: string, end: number, dstPort = 80, proto = 6): MutableFlowRecord {
  const r = new MutableFlowRecord();
  r.exporter = exporter;
  r.family = 4;
  r.src4 = parseIpv4(src);
  r.dst4 = parseIpv4(dst);
  r.srcPort = 50000;
  r.dstPort = dstPort;
  r.proto = proto;
  r.start = end - 1000;
  r.end = end;
  return r;
}

test('expiry: an approval that ends mid-stream stops selection at its end time', () => {
  const { gate, selected, feed, out } = setup();
  const end = Date.parse(APPROVALS[0]!.end!);
  // one flow a minute across the end of A-fd, each matching its address criterion
  for (let t = end - 60 * 60_000; t < end + 60 * 60_000; t += 60_000) gate.process(flow4('carrier-a', '41.108.179.197', '147.32.83.234', t), out);
  assert.equal(selected.length, 60, 'selected up to the end');
  assert.ok(selected.every((f) => f.end < end && f.approvalId === 'A-fd' && f.criterionId === 'c-addr'));
  // after the end only A-fd2 (no matching criterion, no detector rule) is in force: discarded, not fed
  assert.equal(feed.length, 0);
  const t = gate.totals();
  assert.equal(t.selected, 60);
  assert.equal(t.discarded, 60);
  // and a key selected by a detector rule stops with its approval too
  const g2 = setup();
  g2.gate.selectKey('address', { address: '45.33.32.156', pseudonym: false }, 'A-fd', 'c-beacon');
  for (let t = end - 10 * 60_000; t < end + 10 * 60_000; t += 60_000) g2.gate.process(flow4('carrier-a', '45.33.32.156', '147.32.83.234', t), g2.out);
  assert.equal(g2.selected.length, 10);
  assert.ok(g2.selected.every((f) => f.end < end && f.criterionId === 'c-beacon'));
});

test('a flow with no valid time is under no approval (fail closed)', () => {
  const { gate, selected, feed, out } = setup();
  for (const t of [NaN, Infinity, 1e300]) gate.process(flow4('carrier-a', '41.108.179.197', '147.32.83.234', t), out);
  assert.equal(selected.length + feed.length, 0);
  assert.equal(gate.totals().noApproval, 3);
  assert.deepEqual(
    gate.counts().map((r) => [r.hour, r.received, r.noApproval]),
    [['unknown', 3, 3]],
  );
});

test('selectKey refuses keys for unknown approvals, non-detector criteria, proposals and bad addresses', () => {
  const { gate } = setup();
  const key = { address: '45.33.32.156', pseudonym: false };
  assert.throws(() => gate.selectKey('address', key, 'nope', 'c-beacon'), /approval nope does not exist/);
  assert.throws(() => gate.selectKey('address', key, 'A-fd', 'c-addr'), /is a address criterion, not a detector rule/);
  assert.throws(() => gate.selectKey('address', key, 'A-fd', 'c-none'), /has no criterion c-none/);
  assert.throws(() => gate.selectKey('address', key, 'P-z', 'z-port'), /is proposed, not approved/);
  assert.throws(() => gate.selectKey('address', { address: '1.2.3', pseudonym: false }, 'A-fd', 'c-beacon'), /selectKey\(address\).address: '1.2.3' is not an IP address/);
  assert.throws(() => gate.selectKey('server', { ...key, port: 70000, proto: 6 }, 'A-fd', 'c-beacon'), /port: 70000 is not a port/);
  assert.equal(gate.criterionFor('T-1', 'fan-in'), 't-fanin');
  assert.equal(gate.criterionFor('T-1', 'beacon'), null);
});

test('no pseudonym key in force: flows are not emitted (fail closed), counted, and the warning names no flow', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ level: 'trace', destination: sink });
  // the key covers only the first day of A-fd
  const { gate, selected, feed, out } = setup({ keys: [{ id: 'k1', key: KEY, validFrom: T0, validTo: T0 + DAY }], logger });
  gate.process(flow4('carrier-a', '41.108.179.197', '147.32.83.234', T0 + 3_600_000), out);
  gate.process(flow4('carrier-a', '41.108.179.197', '147.32.83.234', T0 + DAY + 3_600_000), out);
  gate.process(flow4('carrier-a', '93.184.216.34', '147.32.1.1', T0 + DAY + 7_200_000), out);
  assert.equal(selected.length, 1);
  assert.equal(feed.length, 0);
  assert.equal(gate.totals().noKey, 2);
  assert.ok(lines.length >= 1, 'the missing key is reported');
  for (const a of ['41.108.179.197', '147.32.83.234', '93.184.216.34', '147.32.1.1']) assert.ok(!lines.join('').includes(a), a);
});

test('no log, error or debug output ever prints a flow: logger captured at trace level while 20 000 flows of every kind pass', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ level: 'trace', destination: sink });
  // keys with a gap, so the gate has something to log
  const { gate, out } = setup({
    keys: [
      { id: 'k1', key: KEY, validFrom: T0 - DAY, validTo: T0 + 4 * DAY },
      { id: 'k2', key: KEY.map((b) => b ^ 0x5a), validFrom: T0 + 6 * DAY, validTo: T0 + 30 * DAY },
    ],
    logger,
  });
  const rec = new MutableFlowRecord();
  const seen = new Set<string>();
  for (const x of sampleFlows(20_000, 7)) {
    toRecord(x, rec);
    gate.process(rec, out);
    if (rec.family === 4) {
      seen.add(ipv4ToString(rec.src4));
      seen.add(ipv4ToString(rec.dst4));
    } else {
      seen.add(ipv6ToString(rec.src6));
      seen.add(ipv6ToString(rec.dst6));
    }
  }
  gate.counts();
  const text = lines.join('');
  assert.ok(lines.length > 0, 'the gate did log (no-key warnings), so the check is not vacuous');
  const found = [...seen].filter((a) => new RegExp(`(^|[^0-9a-f.:])${a.replace(/[.:]/g, (c) => `\\${c}`)}($|[^0-9a-f.:])`).test(text));
  assert.deepEqual(found, [], 'no flow address appears in the log');
});

test('prometheus counter reports the totals by result', async () => {
  const { gate, out, registry } = setup();
  gate.process(flow4('carrier-a', '147.32.1.1', '147.32.1.2', T0 + 3_600_000), out);
  gate.process(flow4('carrier-z', '8.8.8.8', '147.32.1.2', T0 + 3_600_000), out);
  gate.process(flow4('carrier-a', '41.108.179.197', '147.32.1.2', T0 + 3_600_000), out);
  const text = await registry.metrics();
  assert.match(text, /acd_gate_flows_total\{result="received"\} 3/);
  assert.match(text, /acd_gate_flows_total\{result="outOfScope"\} 1/);
  assert.match(text, /acd_gate_flows_total\{result="noApproval"\} 1/);
  assert.match(text, /acd_gate_flows_total\{result="selected"\} 1/);
  const rows = gate.takeCounts();
  assert.deepEqual(
    rows.map((r) => [r.carrier, r.category, r.approvalId, r.hour, r.received]),
    [
      ['carrier-a', 'foreign-domestic', null, '2026-03-01T01:00:00.000Z', 1],
      ['carrier-a', 'out-of-scope', null, '2026-03-01T01:00:00.000Z', 1],
      ['carrier-a', 'foreign-domestic', 'A-fd', '2026-03-01T01:00:00.000Z', 1],
      ['carrier-z', 'foreign-domestic', null, '2026-03-01T01:00:00.000Z', 1],
    ],
  );
  assert.deepEqual(gate.counts(), [], 'takeCounts clears');
});

test('the offline gate (acd analyze): --domestic alone, every detector rule, pseudonyms under the given key', () => {
  const { gate, keyId } = createOfflineGate({ domesticPrefixes: ['147.32.0.0/16'], key: KEY, carriers: ['capture.log'] });
  assert.equal(keyId, 'given');
  const sel: SelectedFlow[] = [];
  const fed: DetectorFeedFlow[] = [];
  const o: GateOutput = { selected: (f) => sel.push(copySelectedFlow(f)), feed: (f) => fed.push(copyDetectorFeedFlow(f)) };
  gate.process(flow4('capture.log', '147.32.83.234', '41.108.179.197', T0), o);
  gate.process(flow4('capture.log', '147.32.83.234', '147.32.1.1', T0), o);
  gate.process(flow4('capture.log', '8.8.8.8', '41.108.179.197', T0), o);
  gate.process(flow4('other', '147.32.83.234', '41.108.179.197', T0), o);
  assert.equal(sel.length, 0, 'nothing is selected until a detector fires');
  assert.deepEqual(fed.map((f) => [f.approvalId, f.category, f.detectors]), [
    ['evaluation-foreign-domestic', 'foreign-domestic', 255],
    ['evaluation-transit', 'transit', 255],
  ]);
  assert.equal(fed[0]!.src4, ref.encrypt4(parseIpv4('147.32.83.234')));
  assert.equal(gate.criterionFor('evaluation-transit', 'scan'), 'detector-scan');
});

test('what leaves the gate holds only mechanical fields: numbers, flags, fixed buffers and ids from the approval', () => {
  const { gate, selected, out } = setup();
  gate.process(flow4('carrier-a', '41.108.179.197', '147.32.83.234', T0 + 3_600_000), out);
  const f = selected[0]!;
  const allowed = new Set<string>([...FLOW_RECORD_FIELDS, 'approvalId', 'criterionId', 'category', 'scope', 'srcPseudonym', 'dstPseudonym', 'pseudonymKeyId']);
  for (const [k, v] of Object.entries(f)) {
    assert.ok(allowed.has(k), `unexpected field ${k}`);
    if (typeof v === 'string') assert.ok(['exporter', 'approvalId', 'criterionId', 'category', 'scope', 'pseudonymKeyId'].includes(k), `${k} is a string`);
    else if (v instanceof Uint8Array) assert.equal(v.length, 16, k);
    else assert.ok(typeof v === 'number' || typeof v === 'boolean', `${k}: ${typeof v}`);
  }
  assert.deepEqual([f.approvalId, f.criterionId, f.category, f.scope, f.pseudonymKeyId], ['A-fd', 'c-addr', 'foreign-domestic', 'foreign-domestic', 'k1']);
});
