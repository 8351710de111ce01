import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { engineCases } from '../helpers/stores.js';
import type { Store } from '../../src/store/index.js';
import { SYSTEM_ACTOR, createOrganisation, createPerson, type Actor } from '../../src/auth/index.js';
import { decideApproval, endApproval, getApproval, listApprovals, loadPseudonymKeys, proposeApproval } from '../../src/selection/approval-store.js';
import { listAudit } from '../../src/oversight/index.js';
import { AcdError } from '../../src/shared/errors.js';

const base = (id: string) => ({
  id,
  category: 'transit',
  carriers: ['carrier-a'],
  criteria: [{ id: 'c1', kind: 'prefix', prefix: '203.0.113.0/24' }],
  start: new Date(Date.now() - 60_000).toISOString(),
});

for (const engine of engineCases()) {
  describe(`approvals in the store on ${engine.name}`, () => {
    let store: Store;
    let lead: Actor;
    let member: Actor;
    before(async () => {
      store = await engine.open();
      const agency = await createOrganisation(store.db, SYSTEM_ACTOR, { name: 'A', kind: 'agency' });
      const comm = await createOrganisation(store.db, SYSTEM_ACTOR, { name: 'C', kind: 'commission' });
      const l = await createPerson(store.db, SYSTEM_ACTOR, { orgId: agency.id, username: 'lead', displayName: 'L', roles: ['agency_lead'] });
      const m = await createPerson(store.db, SYSTEM_ACTOR, { orgId: comm.id, username: 'member', displayName: 'M', roles: ['commission_member'] });
      lead = { userId: l.id, username: 'lead', orgId: agency.id, orgKind: 'agency', roles: ['agency_lead'], via: 'system' };
      member = { userId: m.id, username: 'member', orgId: comm.id, orgKind: 'commission', roles: ['commission_member'], via: 'system' };
    });
    after(async () => {
      await store.close();
      await engine.cleanup();
    });

    test('propose → approve makes a pseudonym key for the period; the transit default end is 6 months', async () => {
      const p = await proposeApproval(store.db, lead, base('t1'));
      assert.equal(p.status, 'proposed');
      const months = (new Date(p.end).getTime() - new Date(p.start).getTime()) / (30 * 86400_000);
      assert.ok(months > 5.9 && months < 6.2, `${months} months`);
      const a = await decideApproval(store.db, member, 't1', 'approve', 'grounds given');
      assert.equal(a.status, 'approved');
      assert.equal(a.decidedBy, member.userId);
      const keys = (await loadPseudonymKeys(store.db)).filter((k) => k.approvalId === 't1');
      assert.equal(keys.length, 1);
      assert.equal(keys[0]!.key.length, 32);
      assert.equal(keys[0]!.validTo, new Date(a.end).getTime());
    });

    test('a decided approval cannot be decided again; an approved one can be ended; every step audited', async () => {
      await proposeApproval(store.db, lead, base('t2'));
      await decideApproval(store.db, member, 't2', 'reject', 'insufficient grounds');
      await assert.rejects(decideApproval(store.db, member, 't2', 'approve', 'changed my mind'), (e: AcdError) => e.code === 'APPROVAL_NOT_PROPOSED' && e.status === 409);
      await assert.rejects(endApproval(store.db, member, 't2', 'end it'), (e: AcdError) => e.code === 'APPROVAL_NOT_IN_FORCE');
      const ended = await endApproval(store.db, member, 't1', 'no longer needed');
      assert.equal(ended.status, 'ended');
      assert.ok(new Date(ended.end).getTime() <= Date.now());
      const actions = (await listAudit(store.db, { limit: 1000 })).filter((r) => r.target_type === 'approval').map((r) => `${r.action}:${r.target_id}`);
      assert.deepEqual(actions, ['approval.propose:t1', 'approval.approve:t1', 'approval.propose:t2', 'approval.reject:t2', 'approval.end:t1']);
    });

    test('a malformed approval or criterion is refused naming the field; a duplicate id is a conflict', async () => {
      await assert.rejects(proposeApproval(store.db, lead, { ...base('bad'), criteria: [{ id: 'c', kind: 'prefix', prefix: '10.0.0.0/33' }] }), /approval\.criteria\[0\]\.prefix: '10\.0\.0\.0\/33' is not a CIDR prefix/);
      await assert.rejects(proposeApproval(store.db, lead, { ...base('bad2'), category: 'domestic' }), /approval\.category/);
      await assert.rejects(proposeApproval(store.db, lead, { ...base('bad3'), carriers: [] }), /approval\.carriers/);
      await proposeApproval(store.db, lead, base('dup'));
      await assert.rejects(proposeApproval(store.db, lead, base('dup')), (e: AcdError) => e.status === 409);
      assert.equal((await listApprovals(store.db)).filter((a) => a.id.startsWith('bad')).length, 0);
      assert.equal((await getApproval(store.db, 'dup')).status, 'proposed');
    });

    test('an approval whose end has passed cannot be approved', async () => {
      await proposeApproval(store.db, lead, { ...base('old'), start: '2020-01-01T00:00:00Z', end: '2020-02-01T00:00:00Z' });
      await assert.rejects(decideApproval(store.db, member, 'old', 'approve', 'late'), (e: AcdError) => e.code === 'APPROVAL_EXPIRED');
    });
  });
}
