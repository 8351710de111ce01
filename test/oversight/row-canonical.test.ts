import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { auditEntryFromRow, canonicalAuditEntry, type AuditRowLike } from '../../src/oversight/canonical.js';
import { canonicalRow } from '../../src/oversight/row-canonical.js';

const text = fc.string({ unit: 'binary', maxLength: 20 });
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), text, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(text, tie('v'), { maxKeys: 3 })),
})).v;

const row: fc.Arbitrary<AuditRowLike> = fc.record({
  at: fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 0)), noInvalidDate: true }),
  actor_user_id: fc.option(text),
  actor_org_id: fc.option(text),
  actor_roles: fc.oneof(fc.constant(null), fc.array(text, { maxLength: 3 })),
  action: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
  target_type: text,
  target_id: fc.option(text),
  reason: fc.option(text),
  basis_id: fc.option(text),
  details: fc.oneof(fc.constant(null), fc.constant({}), fc.dictionary(text, json, { maxKeys: 4 })),
});

test('the fast canonical form of a row is byte for byte the validated RFC 8785 form (random rows, unicode, escapes, numbers)', () => {
  fc.assert(
    fc.property(row, (r) => {
      assert.equal(canonicalRow(r), canonicalAuditEntry(auditEntryFromRow(r)));
    }),
    { numRuns: 2000, seed: 8 },
  );
});

test('rows the entry form refuses are refused the same way (empty action, a time outside years 0-9999)', () => {
  const base: AuditRowLike = { at: new Date(), actor_user_id: 'u', actor_org_id: 'o', actor_roles: ['admin'], action: 'x.y', target_type: 't', target_id: null, reason: null, basis_id: null, details: {} };
  assert.throws(() => canonicalRow({ ...base, action: '' }), { code: 'AUDIT_ENTRY_INVALID' });
  assert.throws(() => canonicalRow({ ...base, at: new Date(Date.UTC(10000, 0)) }), { code: 'AUDIT_ENTRY_INVALID' });
  assert.throws(() => canonicalRow({ ...base, at: 'not a time' }), /./);
});
