/**
 * The transparency report's figures for a parliament (issue #19): every figure the issue lists, from the
 * tables of the parts that keep them, per period, labelled in Japanese and English; refusals counted
 * from the audit log by kind; the report tied to the log by its digest.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Store } from '../../src/store/index.js';
import { SYSTEM_ACTOR } from '../../src/auth/index.js';
import { recordAuditBatch } from '../../src/oversight/index.js';
import { transparencyCounts, transparencyDigest, transparencyHtml } from '../../src/oversight/transparency.js';
import { FIGURE_LABELS } from '../../src/oversight/transparency-figures.js';
import { addGateCounts } from '../../src/selection/index.js';
import { engineCases } from '../helpers/stores.js';

const zero = { received: 0, outOfScope: 0, noApproval: 0, selected: 0, discarded: 0, noKey: 0 };
const NOV = '2026-11-01T00:00:00.000Z';
const DEC = '2026-12-01T00:00:00.000Z';

for (const engine of engineCases()) {
  describe(`transparency figures on ${engine.name}`, () => {
    let store: Store;
    before(async () => {
      store = await engine.open();
      const db = store.db;
      const ins = (q: ReturnType<typeof sql>) => q.execute(db);
      // approvals: two proposed in November (one for two carriers), one approved and one rejected in November, one approved in December
      await ins(sql`insert into approvals (id, category, carriers, criteria, start_at, end_at, status, proposed_by, decided_by, decided_at, created_at) values
        ('a1', 'transit', '{c1,c2}', '[]', '2026-11-01', '2027-11-01', 'approved', 'u', 'cm', '2026-11-05', '2026-11-02'),
        ('a2', 'foreign-domestic', '{c1}', '[]', '2026-11-01', '2027-11-01', 'rejected', 'u', 'cm', '2026-11-06', '2026-11-03'),
        ('a3', 'transit', '{c2}', '[]', '2026-11-01', '2027-11-01', 'ended', 'u', 'cm', '2026-12-02', '2026-11-30')`);
      await addGateCounts(db, [
        { ...zero, carrier: 'c1', category: 'transit', approvalId: null, hour: '2026-11-03T10:00:00.000Z', received: 400, noApproval: 250, selected: 7, discarded: 143 },
        { ...zero, carrier: 'c1', category: 'transit', approvalId: 'a1', hour: '2026-11-03T10:00:00.000Z', received: 150, selected: 7, discarded: 143 },
        { ...zero, carrier: 'c1', category: 'out-of-scope', approvalId: null, hour: '2026-11-03T10:00:00.000Z', received: 900, outOfScope: 900 },
      ]);
      await ins(sql`insert into reidentification_requests (id, pseudonyms, key_id, purpose_kind, purpose_ref, justification, status, requested_by, requested_org, decision_id, decided_by, decided_at, valid_until, resolved_at, created_at) values
        ('r1', '{p1}', 'k', 'finding', 'f1', 'why', 'resolved', 'u', 'o', 'd1', 'cm', '2026-11-10', '2026-11-20', '2026-11-11', '2026-11-09'),
        ('r2', '{p2}', 'k', 'finding', 'f2', 'why', 'rejected', 'u', 'o', 'd2', 'cm', '2026-11-10', null, null, '2026-11-09'),
        ('r3', '{p3}', 'k', 'finding', 'f3', 'why', 'proposed', 'u', 'o', null, null, null, null, null, '2026-11-12')`);
      await ins(sql`insert into operations (id, title, state, serious, emergency, abroad, targets, org_id, created_by, created_at, updated_at) values
        ('op1', 't', 'lifted', true, false, true, '[]', 'o', 'u', '2026-11-04', '2026-11-20'),
        ('op2', 't', 'lifted', true, true, false, '[]', 'o', 'u', '2026-11-05', '2026-11-21'),
        ('op3', 't', 'draft', false, false, false, '[]', 'o', 'u', '2026-12-05', '2026-12-05')`);
      await ins(sql`insert into operation_measures (id, operation_id, kind, target, params, state, created_by, created_at, applied_at) values
        ('m1', 'op1', 'rpz', 'x', '{}', 'lifted', 'u', '2026-11-04', '2026-11-06'),
        ('m2', 'op1', 'bgp_blackhole', 'x', '{}', 'lifted', 'u', '2026-11-04', '2026-11-06'),
        ('m3', 'op2', 'rpz', 'x', '{}', 'lifted', 'u', '2026-11-05', '2026-11-07')`);
      await ins(sql`insert into operation_transitions (operation_id, seq, action, from_state, to_state, actor_user_id, actor_org_id, at) values
        ('op1', 5, 'lift', 'measures_in_force', 'lifted', 'lead-1', 'o', '2026-11-20'),
        ('op2', 5, 'lift', 'measures_in_force', 'lifted', 'system', 'system', '2026-11-21')`);
      await ins(sql`insert into organisations (id, name, kind, sector) values ('org-op', 'Power Co', 'operator', 'energy')`);
      await ins(sql`insert into reports (id, org_id, sector, kind, stage, version, title, detected_at, content, created_by, created_at, updated_at, early_warning_at) values
        ('rep1', 'org-op', 'energy', 'incident', 'initial', 1, 't', '2026-11-08', '{}', 'u', '2026-11-08', '2026-11-08', '2026-11-09'),
        ('rep2', 'org-op', 'energy', 'precursor', 'initial', 1, 't', '2026-11-09', '{}', 'u', '2026-11-09', '2026-11-09', '2026-11-10')`);
      const at = (d: string) => new Date(d);
      await recordAuditBatch(db, [
        { actor: null, action: 'auth.login_failed', target: { type: 'user' }, at: at('2026-11-02T08:00:00Z') },
        { actor: null, action: 'auth.login_failed', target: { type: 'user' }, at: at('2026-11-02T08:00:01Z') },
        { actor: SYSTEM_ACTOR, action: 'operation.measure.apply_refused', target: { type: 'operation_measure', id: 'm9' }, at: at('2026-11-03T08:00:00Z') },
        { actor: SYSTEM_ACTOR, action: 'reidentification.resolve.refused', target: { type: 'reidentification', id: 'r2' }, at: at('2026-11-12T08:00:00Z') },
        { actor: SYSTEM_ACTOR, action: 'auth.login', target: { type: 'user' }, at: at('2026-11-02T08:00:02Z') },
      ]);
    });
    after(async () => {
      await store.close();
      await engine.cleanup();
    });

    test('every figure the issue lists, per period and breakdown, labelled in Japanese and English', async () => {
      const r = await transparencyCounts(store.db, { from: '2026-11-01T00:00:00Z', to: '2027-01-01T00:00:00Z', period: 'month' });
      const f = (period: string, key: string, by: Record<string, string> = {}): number | undefined =>
        r.figures.find((x) => x.period === period && x.key === key && JSON.stringify(x.by) === JSON.stringify(by))?.value;
      assert.equal(f(NOV, 'approvals.proposed', { category: 'transit', carrier: 'c1' }), 1);
      assert.equal(f(NOV, 'approvals.proposed', { category: 'transit', carrier: 'c2' }), 2);
      assert.equal(f(NOV, 'approvals.approved', { category: 'transit', carrier: 'c2' }), 1);
      assert.equal(f(NOV, 'approvals.rejected', { category: 'foreign-domestic', carrier: 'c1' }), 1);
      assert.equal(f(DEC, 'approvals.approved', { category: 'transit', carrier: 'c2' }), 1, 'approved in December, ended since');
      assert.equal(f(NOV, 'gate.received', { category: 'transit', carrier: 'c1' }), 400, "the carrier's total, not again per approval");
      assert.equal(f(NOV, 'gate.noApproval', { category: 'transit', carrier: 'c1' }), 250);
      assert.equal(f(NOV, 'gate.selected', { category: 'transit', carrier: 'c1' }), 7);
      assert.equal(f(NOV, 'gate.discarded', { category: 'transit', carrier: 'c1' }), 143);
      assert.equal(f(NOV, 'gate.outOfScope', { category: 'out-of-scope', carrier: 'c1' }), 900);
      assert.equal(f(NOV, 'reidentification.asked'), 3);
      assert.equal(f(NOV, 'reidentification.granted'), 1);
      assert.equal(f(NOV, 'reidentification.refused'), 1);
      assert.equal(f(NOV, 'operations.opened', { emergency: 'no', abroad: 'yes' }), 1);
      assert.equal(f(NOV, 'operations.opened', { emergency: 'yes', abroad: 'no' }), 1);
      assert.equal(f(DEC, 'operations.opened', { emergency: 'no', abroad: 'no' }), 1);
      assert.equal(f(NOV, 'measures.applied', { kind: 'rpz', emergency: 'no', abroad: 'yes' }), 1);
      assert.equal(f(NOV, 'measures.applied', { kind: 'rpz', emergency: 'yes', abroad: 'no' }), 1);
      assert.equal(f(NOV, 'measures.applied', { kind: 'bgp_blackhole', emergency: 'no', abroad: 'yes' }), 1);
      assert.equal(f(NOV, 'operations.lifted', { emergency: 'no', abroad: 'yes' }), 1);
      assert.equal(f(NOV, 'operations.expired', { emergency: 'yes', abroad: 'no' }), 1);
      assert.equal(f(NOV, 'refused.attempts', { what: 'login' }), 2);
      assert.equal(f(NOV, 'refused.attempts', { what: 'operation' }), 1);
      assert.equal(f(NOV, 'refused.attempts', { what: 'reidentification' }), 1);
      assert.equal(f(NOV, 'reports.received', { sector: 'energy', kind: 'incident' }), 1);
      assert.equal(f(NOV, 'reports.received', { sector: 'energy', kind: 'precursor' }), 1);
      for (const x of r.figures) {
        assert.ok(FIGURE_LABELS[x.key], `${x.key} has labels`);
        assert.ok(r.labels[x.key]?.ja && r.labels[x.key]?.en);
      }
      // the digest changes with any figure
      const d = transparencyDigest(r);
      assert.match(d, /^[0-9a-f]{64}$/);
      assert.notEqual(transparencyDigest({ ...r, figures: r.figures.map((x, i) => (i === 0 ? { ...x, value: x.value + 1 } : x)) }), d);
      const html = transparencyHtml({ ...r, digest: d, head: null });
      assert.match(html, /緊急／emergency: はい（yes）/);
      assert.match(html, /DNSによる遮断（RPZ）/);
      assert.match(html, new RegExp(d));
      assert.doesNotMatch(html, /auth\.login/);
    });
  });
}
