import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApprovalSet, approvalErrors, parseApproval, type ApprovalInput } from '../../src/selection/index.js';
import { AcdError } from '../../src/shared/errors.js';

const good = (): ApprovalInput => ({
  id: 'A-1',
  category: 'foreign-domestic',
  carriers: ['carrier-a', 'link-7'],
  criteria: [
    { id: 'c1', kind: 'address', address: '41.108.179.197' },
    { id: 'c2', kind: 'prefix', prefix: '2001:db8::/32' },
    { id: 'c3', kind: 'asn', asn: 64500 },
    { id: 'c4', kind: 'port', port: 1177, proto: 6 },
    { id: 'c5', kind: 'detector', detector: 'beacon' },
  ],
  start: '2026-01-01T00:00:00Z',
  end: '2026-02-01T00:00:00Z',
  approvedBy: 'commission:member-3',
  status: 'approved',
});

/** the message parseApproval throws for an input */
function rejection(input: unknown): string {
  try {
    parseApproval(input);
  } catch (e) {
    assert.ok(e instanceof AcdError, String(e));
    assert.equal(e.code, 'APPROVAL_INVALID');
    assert.ok(Array.isArray(e.details) && e.details.includes(e.message), 'details list every problem, the message first');
    return e.message;
  }
  assert.fail(`accepted: ${JSON.stringify(input)}`);
}

const withCriterion = (i: number, c: unknown): unknown => {
  const a = good() as unknown as { criteria: unknown[] };
  a.criteria[i] = c;
  return a;
};

test('a valid approval passes unchanged', () => {
  assert.deepEqual(approvalErrors(good()), []);
  assert.deepEqual(parseApproval(good()), good());
});

test('each kind of malformed criterion is rejected naming the field', () => {
  const cases: [unknown, string][] = [
    [{ id: 'c3', kind: 'prefix', prefix: '10.0.0.0/33' }, "approval.criteria[2].prefix: '10.0.0.0/33' is not a CIDR prefix"],
    [{ id: 'c3', kind: 'prefix', prefix: '10.0.0.1/8' }, "approval.criteria[2].prefix: '10.0.0.1/8' has host bits set (not a network address)"],
    [{ id: 'c3', kind: 'prefix', prefix: '10.0.0.0' }, "approval.criteria[2].prefix: '10.0.0.0' is not a CIDR prefix"],
    [{ id: 'c3', kind: 'address', address: '300.1.1.1' }, "approval.criteria[2].address: '300.1.1.1' is not an IP address"],
    [{ id: 'c3', kind: 'address', address: '10.0.0.0/8' }, "approval.criteria[2].address: '10.0.0.0/8' is not an IP address"],
    [{ id: 'c3', kind: 'asn', asn: -5 }, 'approval.criteria[2].asn: -5: expected integer to be greater or equal to 1'],
    [{ id: 'c3', kind: 'asn', asn: '64500' }, "approval.criteria[2].asn: '64500': expected integer"],
    [{ id: 'c3', kind: 'port', port: 70000 }, 'approval.criteria[2].port: 70000: expected integer to be less or equal to 65535'],
    [{ id: 'c3', kind: 'port' }, 'approval.criteria[2]: a port criterion needs a port, a proto or both'],
    [{ id: 'c3', kind: 'detector', detector: 'magic' }, "approval.criteria[2].detector: 'magic' is not one of beacon, fan-in, scan, ddos, indicator, long-connection, strobe, exfiltration"],
    [{ id: 'c3', kind: 'payload', regex: 'password' }, "approval.criteria[2].kind: 'payload' is not one of address, prefix, asn, port, detector"],
    [{ id: 'c3', kind: 'address', address: '1.2.3.4', note: 'x' }, 'approval.criteria[2].note: is not an allowed field'],
    [{ kind: 'address', address: '1.2.3.4' }, 'approval.criteria[2].id: is required'],
    [{ id: 'c1', kind: 'address', address: '1.2.3.4' }, "approval.criteria[2].id: 'c1' is also the id of approval.criteria[0]"],
    ['1.2.3.4', 'approval.criteria[2]: must be an object'],
  ];
  for (const [criterion, message] of cases) assert.equal(rejection(withCriterion(2, criterion)), message);
});

test('each kind of malformed approval field is rejected naming the field', () => {
  const cases: [(a: Record<string, unknown>) => void, string][] = [
    [(a) => (a.category = 'domestic'), "approval.category: 'domestic' is not one of foreign-domestic, transit"],
    [(a) => (a.status = 'maybe'), "approval.status: 'maybe' is not one of proposed, approved, rejected, ended"],
    [(a) => (a.carriers = []), 'approval.carriers: []: expected array length to be greater or equal to 1'],
    [(a) => (a.carriers = ['carrier-a', 'carrier-a']), "approval.carriers[1]: 'carrier-a' is listed twice"],
    [(a) => (a.criteria = []), 'approval.criteria: []: expected array length to be greater or equal to 1'],
    [(a) => delete a.id, 'approval.id: is required'],
    [(a) => (a.id = 'has space'), "approval.id: 'has space': expected string to match '^[A-Za-z0-9][A-Za-z0-9._:/-]*$'"],
    [(a) => (a.start = 'yesterday'), "approval.start: 'yesterday' is not an ISO 8601 date-time with a zone"],
    [(a) => (a.start = '2026-01-01T00:00:00'), "approval.start: '2026-01-01T00:00:00' is not an ISO 8601 date-time with a zone"],
    [(a) => (a.end = '2025-12-31T00:00:00Z'), "approval.end: '2025-12-31T00:00:00Z' is not after approval.start '2026-01-01T00:00:00Z'"],
    [(a) => delete a.approvedBy, 'approval.approvedBy: is required when status is approved'],
    [(a) => (a.payload = 'x'), 'approval.payload: is not an allowed field'],
  ];
  for (const [mutate, message] of cases) {
    const a = good() as unknown as Record<string, unknown>;
    mutate(a);
    assert.equal(rejection(a), message);
  }
  assert.equal(rejection(null), 'approval: must be an object');
  assert.equal(rejection([good()]), 'approval: must be an object');
});

test('end defaults to 3 months for foreign-domestic and 6 months for transit, configurable', () => {
  const { end: _e, ...noEnd } = good();
  assert.equal(parseApproval(noEnd).end, '2026-04-01T00:00:00.000Z');
  assert.equal(parseApproval({ ...noEnd, category: 'transit' }).end, '2026-07-01T00:00:00.000Z');
  assert.equal(parseApproval({ ...noEnd, category: 'transit' }, { foreignDomesticMonths: 1, transitMonths: 2 }).end, '2026-03-01T00:00:00.000Z');
  const proposed = { ...noEnd, status: 'proposed' } as Record<string, unknown>;
  delete proposed.approvedBy;
  assert.equal(parseApproval(proposed).status, 'proposed', 'a proposal needs no approver yet');
});

test('ApprovalSet: approvals in force by carrier, category and time; only approved ones; replace and remove', () => {
  const set = new ApprovalSet({ asn: { asn4: () => 0, asn6: () => 0 } });
  set.put(good());
  set.put({ ...good(), id: 'T-1', category: 'transit', carriers: ['carrier-a'], start: '2026-01-15T00:00:00Z', end: '2026-03-01T00:00:00Z' });
  set.put({ ...good(), id: 'P-1', status: 'proposed' });
  set.put({ ...good(), id: 'R-1', status: 'rejected' });
  const t = (s: string) => Date.parse(s);
  const ids = (carrier: string, cat: 'foreign-domestic' | 'transit', time: string) => set.inForce(carrier, cat, t(time)).map((a) => a.id);
  assert.deepEqual(ids('carrier-a', 'foreign-domestic', '2026-01-10T00:00:00Z'), ['A-1']);
  assert.deepEqual(ids('link-7', 'foreign-domestic', '2026-01-10T00:00:00Z'), ['A-1']);
  assert.deepEqual(ids('link-7', 'transit', '2026-01-20T00:00:00Z'), [], 'T-1 names only carrier-a');
  assert.deepEqual(ids('carrier-a', 'transit', '2026-01-10T00:00:00Z'), [], 'before T-1 starts');
  assert.deepEqual(ids('carrier-a', 'transit', '2026-01-20T00:00:00Z'), ['T-1']);
  assert.deepEqual(ids('carrier-a', 'foreign-domestic', '2026-01-31T23:59:59.999Z'), ['A-1']);
  assert.deepEqual(ids('carrier-a', 'foreign-domestic', '2026-02-01T00:00:00Z'), [], 'the end is exclusive');
  assert.deepEqual(ids('carrier-b', 'foreign-domestic', '2026-01-10T00:00:00Z'), []);
  const v = set.version;
  set.put({ ...good(), status: 'ended' });
  assert.ok(set.version > v);
  assert.deepEqual(ids('carrier-a', 'foreign-domestic', '2026-01-10T00:00:00Z'), [], 'an ended approval is not in force');
  assert.equal(set.remove('T-1'), true);
  assert.deepEqual(ids('carrier-a', 'transit', '2026-01-20T00:00:00Z'), []);
  assert.equal(set.get('A-1')?.index, 0, 'the index of an id stays');
  assert.throws(() => set.put({ ...good(), id: 'bad', criteria: [{ id: 'x', kind: 'prefix', prefix: '1.2.3.0/33' }] }), /approval.criteria\[0\].prefix/);
  assert.throws(() => new ApprovalSet().put(good()), /ASN criteria but the gate has no ASN data/);
});
