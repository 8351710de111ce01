/**
 * The audit entries of two routes no test asserted: `POST /api/v1/intel/revocations` (intel.revoke) and
 * `POST /api/v1/vuln/advisories/:id/stix` (vuln.advisory.share). Each success writes its entry with the
 * actor and what it did; each refusal (wrong role, unknown report or advisory, a bad body, nothing left to
 * revoke, a collection the caller may not write) writes `<action>.refused` with the actor, the target and
 * the error code, and leaves no success entry. On both engines, over HTTP.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ROLES } from '../../src/auth/index.js';
import { orgIdentityId } from '../../src/intel/index.js';
import { createTestApp, bearer, type TestApp, type TestPerson } from '../helpers/app.js';
import { engineCases } from '../helpers/stores.js';
import { TAXII } from '../intel/taxii-client.js';
import { hmiAdvisory } from './fixtures.js';

interface AuditRow {
  action: string;
  actor_user_id: string | null;
  target_type: string | null;
  target_id: string | null;
  reason: string | null;
  details: unknown;
}

for (const engine of engineCases()) {
  describe(`audit of intel.revoke and vuln.advisory.share on ${engine.name}`, () => {
    let t: TestApp;
    let analyst: TestPerson;
    let coll = '';
    let readOnly = '';
    const api = (p: TestPerson, url: string, payload?: unknown) => t.app.inject({ method: 'POST', url, headers: bearer(p), ...(payload !== undefined ? { payload: payload as object } : {}) });
    const entries = async (action: string): Promise<AuditRow[]> =>
      (await t.store.db.selectFrom('audit_events').select(['action', 'actor_user_id', 'target_type', 'target_id', 'reason', 'details']).where('action', '=', action).orderBy('seq', 'asc').execute()) as AuditRow[];
    const details = (r: AuditRow) => (typeof r.details === 'string' ? JSON.parse(r.details) : r.details) as Record<string, unknown>;

    before(async () => {
      t = await createTestApp({}, [], { open: engine.open });
      analyst = t.people.agency_analyst;
      const mk = async (payload: Record<string, unknown>) => {
        const r = await api(t.people.admin, '/api/v1/intel/collections', payload);
        assert.equal(r.statusCode, 201, r.body);
        return (JSON.parse(r.body) as { id: string }).id;
      };
      coll = await mk({ title: 'audit routes', readRoles: [...ROLES], writeRoles: ['agency_analyst', 'agency_lead'], defaultTlp: 'green' });
      readOnly = await mk({ title: 'read only', readRoles: [...ROLES], writeRoles: ['agency_lead'], defaultTlp: 'green' });
    });
    after(async () => {
      await t.close();
      await engine.cleanup();
    });

    test('intel.revoke: the revocation is audited with its report and reason; refusals are audited, none as a success', async () => {
      const by = orgIdentityId(analyst.orgId);
      const at = '2026-11-20T10:00:00.000Z';
      const ind = { type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: at, modified: at, created_by_ref: by, pattern: "[ipv4-addr:value = '198.51.100.7']", pattern_type: 'stix', valid_from: at, indicator_types: ['malicious-activity'] };
      const report = { type: 'report', spec_version: '2.1', id: `report--${randomUUID()}`, created: at, modified: at, created_by_ref: by, name: 'C2 server', published: at, report_types: ['threat-report'], object_refs: [ind.id] };
      const post = await t.app.inject({ method: 'POST', url: `/taxii2/acd/collections/${coll}/objects/`, headers: { ...bearer(analyst), accept: TAXII, 'content-type': TAXII }, payload: JSON.stringify({ objects: [ind, report] }) });
      assert.equal(post.statusCode, 202, post.body);
      assert.equal((JSON.parse(post.body) as { success_count: number }).success_count, 2, post.body);

      // refused before anything is done: a partner (wrong role), a bad body, an unknown report
      const partner = await api(t.people.partner, '/api/v1/intel/revocations', { collectionId: coll, reportId: report.id, reason: 'not mine' });
      assert.equal(partner.statusCode, 403);
      const noReason = await api(analyst, '/api/v1/intel/revocations', { collectionId: coll, reportId: report.id });
      assert.equal(noReason.statusCode, 400);
      const unknown = `report--${randomUUID()}`;
      assert.equal((await api(analyst, '/api/v1/intel/revocations', { collectionId: coll, reportId: unknown, reason: 'x' })).statusCode, 404);
      assert.deepEqual(await entries('intel.revoke'), [], 'no refusal is recorded as a revocation');

      const ok = await api(analyst, '/api/v1/intel/revocations', { collectionId: coll, reportId: report.id, reason: 'wrong address: a CDN' });
      assert.equal(ok.statusCode, 201, ok.body);
      const done = await entries('intel.revoke');
      assert.equal(done.length, 1);
      assert.equal(done[0]!.actor_user_id, analyst.userId);
      assert.equal(done[0]!.target_id, coll);
      assert.equal(details(done[0]!).reportId, report.id);
      assert.equal(details(done[0]!).reason, 'wrong address: a CDN');
      assert.equal(details(done[0]!).added, 2);

      // again: nothing left to revoke (409), refused and audited
      assert.equal((await api(analyst, '/api/v1/intel/revocations', { collectionId: coll, reportId: report.id, reason: 'again' })).statusCode, 409);
      assert.equal((await entries('intel.revoke')).length, 1);

      const refused = await entries('intel.revoke.refused');
      assert.deepEqual(
        refused.map((r) => [r.actor_user_id, r.target_id, details(r).status, details(r).code]),
        [
          // a wrong role is refused before the body is read: the entry names the route, not the report
          [t.people.partner.userId, null, 403, 'FORBIDDEN'],
          [analyst.userId, report.id, 400, 'VALIDATION'],
          [analyst.userId, unknown, 404, 'NOT_FOUND'],
          [analyst.userId, report.id, 409, 'INTEL_NOTHING_TO_REVOKE'],
        ],
      );
      for (const r of refused) assert.match(r.reason ?? '', /\S/, 'the refusal says why');
      assert.equal(details(refused[0]!).route, 'POST /api/v1/intel/revocations');
    });

    test('vuln.advisory.share: sharing is audited with the advisory, its TLP and CVEs; refusals are audited', async () => {
      const imp = await api(t.people.agency_lead, '/api/v1/vuln/advisories', hmiAdvisory({ tlp: 'GREEN' }));
      assert.equal(imp.statusCode, 200, imp.body);
      const url = (id: string) => `/api/v1/vuln/advisories/${encodeURIComponent(id)}/stix`;

      const op = await api(t.people.operator, url('TEST-CSAF-2026-0001'), { collectionId: coll });
      assert.equal(op.statusCode, 403);
      assert.equal((await api(analyst, url('NO-SUCH-ADVISORY'), { collectionId: coll })).statusCode, 404);
      assert.equal((await api(analyst, url('TEST-CSAF-2026-0001'), { collectionId: readOnly })).statusCode, 403);
      assert.equal((await api(analyst, url('TEST-CSAF-2026-0001'), { collectionId: coll, extra: 1 })).statusCode, 400);
      assert.deepEqual(await entries('vuln.advisory.share'), [], 'no refusal is recorded as a share');

      const ok = await api(analyst, url('TEST-CSAF-2026-0001'), { collectionId: coll });
      assert.equal(ok.statusCode, 200, ok.body);
      const shared = await entries('vuln.advisory.share');
      assert.equal(shared.length, 1);
      assert.equal(shared[0]!.actor_user_id, analyst.userId);
      assert.equal(shared[0]!.target_id, coll);
      assert.equal(details(shared[0]!).advisoryId, 'TEST-CSAF-2026-0001');
      assert.equal(details(shared[0]!).tlp, 'green');
      assert.deepEqual(details(shared[0]!).cves, ['CVE-2026-900101']);

      const refused = await entries('vuln.advisory.share.refused');
      assert.deepEqual(
        refused.map((r) => [r.actor_user_id, r.target_type, r.target_id, details(r).status, details(r).code]),
        [
          [t.people.operator.userId, 'advisory', 'TEST-CSAF-2026-0001', 403, 'FORBIDDEN'],
          [analyst.userId, 'advisory', 'NO-SUCH-ADVISORY', 404, 'NOT_FOUND'],
          [analyst.userId, 'advisory', 'TEST-CSAF-2026-0001', 403, 'FORBIDDEN'],
          [analyst.userId, 'advisory', 'TEST-CSAF-2026-0001', 400, 'VALIDATION'],
        ],
      );
      assert.match(refused[2]!.reason ?? '', /collectionId/, 'the refusal names what was refused');
    });
  });
}
