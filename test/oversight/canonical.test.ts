import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { auditEntryFromRow, canonicalAuditEntry, canonicalJson, entryLeafHash, parseCanonicalEntry, validateAuditEntry, type AuditEntry } from '../../src/oversight/canonical.js';

const entry: AuditEntry = {
  who: { user: 'u-9', org: 'org-1', roles: ['commission'] },
  what: 'operation.approve',
  when: '2026-11-25T17:00:00.000Z',
  on: { type: 'operation', id: 'op-3' },
  why: 'urgent: botnet C2 — “quoted”',
  basis: 'appr-17',
  details: { z: 1, a: [true, null, 1.5e-7] },
};

test('an entry serialises to RFC 8785 canonical JSON, and its leaf hash is SHA-256(0x00 ‖ UTF-8 text)', () => {
  const text = canonicalAuditEntry(entry);
  assert.equal(
    text,
    '{"basis":"appr-17","details":{"a":[true,null,1.5e-7],"z":1},"on":{"id":"op-3","type":"operation"},"what":"operation.approve",' +
      '"when":"2026-11-25T17:00:00.000Z","who":{"org":"org-1","roles":["commission"],"user":"u-9"},"why":"urgent: botnet C2 — “quoted”"}',
  );
  const expected = createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(text, 'utf8')])).digest();
  assert.deepEqual(entryLeafHash(entry), expected);
  assert.deepEqual(entryLeafHash(text), expected, 'the text and the object hash the same');
});

test('RFC 8785 number and string forms (the spec\'s own examples)', () => {
  assert.equal(canonicalJson({ numbers: [Number('333333333.33333329'), 1e30, 4.5, 2e-3, 0.000000000000000000000000001], string: '\u20ac$\u000f\nA\'B"\\\\"/', literals: [null, true, false] }),
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  assert.throws(() => canonicalJson({ x: NaN }), { code: 'AUDIT_ENTRY_INVALID' });
});

test('a row of audit_events maps to the entry; an anonymous row has who = null', () => {
  const row = {
    at: new Date('2026-11-25T17:00:00.000Z'),
    actor_user_id: 'u-9',
    actor_org_id: 'org-1',
    actor_roles: ['commission'],
    action: 'operation.approve',
    target_type: 'operation',
    target_id: 'op-3',
    reason: entry.why,
    basis_id: 'appr-17',
    details: { z: 1, a: [true, null, 1.5e-7] },
  };
  assert.equal(canonicalAuditEntry(auditEntryFromRow(row)), canonicalAuditEntry(entry));
  const anon = auditEntryFromRow({ ...row, actor_user_id: null, actor_org_id: null, actor_roles: [], at: '2026-11-25T17:00:00.000Z' });
  assert.equal(anon.who, null);
  assert.equal(anon.when, '2026-11-25T17:00:00.000Z');
});

test('bad entries are rejected with AUDIT_ENTRY_INVALID naming the field; re-serialised texts with AUDIT_ENTRY_NOT_CANONICAL', () => {
  const cases: [unknown, RegExp][] = [
    [[], /not a JSON object/],
    [{ ...entry, extra: 1 }, /unknown field "extra"/],
    [Object.fromEntries(Object.entries(entry).filter(([k]) => k !== 'basis')), /lacks the field "basis"/],
    [{ ...entry, what: '' }, /"what"/],
    [{ ...entry, when: '2026-11-25T17:00:00Z' }, /"when"/],
    [{ ...entry, when: '2026-02-30T17:00:00.000Z' }, /"when"/],
    [{ ...entry, who: { user: 'u', roles: [] } }, /"who"/],
    [{ ...entry, who: { user: 'u', org: null, roles: [1] } }, /"who.roles"/],
    [{ ...entry, on: { type: 'x' } }, /"on"/],
    [{ ...entry, why: 5 }, /"why"/],
    [{ ...entry, details: null }, /"details"/],
  ];
  for (const [value, msg] of cases) assert.throws(() => validateAuditEntry(value), { code: 'AUDIT_ENTRY_INVALID', message: msg });
  const text = canonicalAuditEntry(entry);
  assert.throws(() => parseCanonicalEntry(JSON.stringify(JSON.parse(text), null, 1)), { code: 'AUDIT_ENTRY_NOT_CANONICAL' });
  assert.throws(() => parseCanonicalEntry(text.replace('{"basis"', '{"what":"x","basis"')), { code: 'AUDIT_ENTRY_NOT_CANONICAL' }, 'a duplicate key (JSON.parse keeps the last) is not the logged text');
  assert.throws(() => parseCanonicalEntry(text.slice(0, -1)), { code: 'AUDIT_ENTRY_INVALID', message: /not JSON/ });
});

test('property: canonical form is stable under key order and re-parsing', () => {
  const str = fc.string({ maxLength: 20 });
  fc.assert(
    fc.property(str, str, fc.option(str, { nil: null }), fc.dictionary(str, fc.jsonValue({ maxDepth: 2 })), (what, id, why, details) => {
      const e = { ...entry, what: what || 'x', on: { id, type: 't' }, why, details };
      const text = canonicalAuditEntry(e);
      // keys in another order serialise the same
      const reversed = Object.fromEntries(Object.entries(e).reverse()) as unknown as AuditEntry;
      assert.equal(canonicalAuditEntry(reversed), text);
      assert.equal(canonicalJson(parseCanonicalEntry(text)), text);
    }),
    { seed: 8785, numRuns: 200 },
  );
});
