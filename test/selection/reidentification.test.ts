/**
 * Re-identification in the store, on both engines: the pseudonyms the gate makes with the keys from the
 * store come back as the addresses only through a request the commission approved, once, by the
 * requester's organisation, within its validity; every step and every refusal is audited, and no
 * address is ever written to the audit log. What each kind of bad request gets is said here.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { engineCases } from '../helpers/stores.js';
import type { Store } from '../../src/store/index.js';
import { SYSTEM_ACTOR, createOrganisation, createPerson, type Actor, type Role } from '../../src/auth/index.js';
import { decideApproval, listApprovals, loadPseudonymKeys, proposeApproval } from '../../src/selection/approval-store.js';
import {
  decideReidentification,
  getReidentification,
  listReidentifications,
  requestReidentification,
  resolveReidentification,
} from '../../src/selection/reidentification.js';
import { ApprovalSet, copySelectedFlow, createGate, createPseudonymiser, createScope, type GateOutput, type SelectedFlow } from '../../src/selection/index.js';
import { MutableFlowRecord, ipv4ToString, ipv6ToString, parseIpv4, parseIpv6 } from '../../src/flow/index.js';
import { withTables } from '../../src/store/index.js';
import type { SelectionTables } from '../../src/selection/tables.js';
import { createMetricsRegistry } from '../../src/shared/metrics.js';
import type { AcdError } from '../../src/shared/errors.js';

const HOUR = 3_600_000;
const DOMESTIC = ['147.32.0.0/16', '2001:db8:100::/40'];
const DOM4 = '147.32.83.234';
const DOM6 = '2001:db8:100::53';
const FOREIGN4 = '41.108.179.197';
const FOREIGN6 = '2001:db8:f::1';

function flow(family: 4 | 6, src: string, dst: string, end: number): MutableFlowRecord {
  const r = new MutableFlowRecord();
  r.exporter = 'carrier-r';
  r.family = family;
  if (family === 4) {
    r.src4 = parseIpv4(src);
    r.dst4 = parseIpv4(dst);
  } else {
    r.src6.set(parseIpv6(src)!);
    r.dst6.set(parseIpv6(dst)!);
  }
  r.srcPort = 50000;
  r.dstPort = 443;
  r.proto = 6;
  r.start = end - 1000;
  r.end = end;
  return r;
}

/** The gate as the live pipeline builds it: approvals and pseudonym keys loaded from the store. */
async function gateFromStore(store: Store) {
  const scope = createScope({ useCountryData: false, domesticPrefixes: DOMESTIC });
  // as src/pipeline/live.ts puts them: the stored approval without its bookkeeping fields
  const approvals = new ApprovalSet({ approvals: (await listApprovals(store.db)).map(({ proposedBy: _p, decidedBy: _d, decidedAt: _da, decisionReason: _r, version: _v, ...a }) => a) });
  const pseudonymiser = createPseudonymiser({ keys: await loadPseudonymKeys(store.db) });
  const gate = createGate({ scope, approvals, pseudonymiser, deps: { registry: createMetricsRegistry() } });
  const selected: SelectedFlow[] = [];
  const out: GateOutput = { selected: (f) => selected.push(copySelectedFlow(f)), feed: () => {} };
  return { gate, selected, out };
}

const dstText = (f: SelectedFlow): string => (f.family === 4 ? ipv4ToString(f.dst4) : ipv6ToString(f.dst6));

const code = (c: string, status: number) => (e: AcdError) => e.code === c && e.status === status;

for (const engine of engineCases()) {
  describe(`re-identification on ${engine.name}`, () => {
    let store: Store;
    const people = {} as Record<'lead' | 'analyst' | 'member' | 'otherLead', Actor>;
    const now = Date.now();
    const request = (over: Record<string, unknown> = {}) => ({
      pseudonyms: ['147.32.1.1'],
      approvalId: 'ra',
      purpose: { kind: 'finding', ref: 'beacon|41.108.179.197|443/6' },
      justification: 'the beaconing host must be notified',
      ...over,
    });

    before(async () => {
      store = await engine.open();
      const agency = await createOrganisation(store.db, SYSTEM_ACTOR, { name: 'Agency', kind: 'agency' });
      const agency2 = await createOrganisation(store.db, SYSTEM_ACTOR, { name: 'Agency 2', kind: 'agency' });
      const comm = await createOrganisation(store.db, SYSTEM_ACTOR, { name: 'Commission', kind: 'commission' });
      const mk = async (orgId: string, orgKind: 'agency' | 'commission', username: string, role: Role): Promise<Actor> => {
        const p = await createPerson(store.db, SYSTEM_ACTOR, { orgId, username, displayName: username, roles: [role] });
        return { userId: p.id, username, orgId, orgKind, roles: [role], via: 'system' };
      };
      people.lead = await mk(agency.id, 'agency', 'lead', 'agency_lead');
      people.analyst = await mk(agency.id, 'agency', 'analyst', 'agency_analyst');
      people.otherLead = await mk(agency2.id, 'agency', 'lead2', 'agency_lead');
      people.member = await mk(comm.id, 'commission', 'member', 'commission_member');
      for (const id of ['ra', 'rb']) {
        await proposeApproval(store.db, people.lead, {
          id,
          category: 'foreign-domestic',
          carriers: ['carrier-r'],
          criteria: [{ id: 'c1', kind: 'address', address: FOREIGN4 }, { id: 'c2', kind: 'address', address: FOREIGN6 }],
          start: new Date(now - 3 * HOUR).toISOString(),
          end: new Date(now + 24 * HOUR).toISOString(),
        });
      }
      await decideApproval(store.db, people.member, 'ra', 'approve', 'necessary and proportionate');
      await proposeApproval(store.db, people.lead, { id: 'never', category: 'transit', carriers: ['x'], criteria: [{ id: 'c', kind: 'port', port: 1 }], start: new Date(now).toISOString() });
    });
    after(async () => {
      await store.close();
      await engine.cleanup();
    });

    test('the gate pseudonymises with the key from the store; an approved request resolves them back, once, audited without the address', async () => {
      const { gate, selected, out } = await gateFromStore(store);
      gate.process(flow(4, FOREIGN4, DOM4, now - HOUR), out);
      gate.process(flow(6, FOREIGN6, DOM6, now - HOUR), out);
      assert.equal(selected.length, 2);
      assert.ok(selected.every((f) => f.dstPseudonym && f.pseudonymKeyId === 'key-ra' && f.approvalId === 'ra'));
      const pseudonyms = selected.map(dstText);
      assert.notEqual(pseudonyms[0], DOM4);
      assert.notEqual(pseudonyms[1], DOM6);

      const r = await requestReidentification(store.db, people.lead, request({ pseudonyms, approvalId: undefined, keyId: selected[0]!.pseudonymKeyId }));
      assert.equal(r.status, 'proposed');
      assert.equal(r.approvalId, 'ra', 'the key names its approval');
      await assert.rejects(resolveReidentification(store.db, people.lead, r.id), code('REIDENTIFY_NO_DECISION', 403));
      const d = await decideReidentification(store.db, people.member, r.id, { decision: 'approve', reason: 'the owner must be told', validForMinutes: 10 });
      assert.equal(d.status, 'approved');
      assert.ok(d.decisionId && d.validUntil);
      assert.ok(Math.abs(new Date(d.validUntil).getTime() - (Date.now() + 10 * 60_000)) < 60_000);
      await assert.rejects(decideReidentification(store.db, people.member, r.id, { decision: 'reject', reason: 'changed my mind' }), code('REIDENTIFY_DECIDED', 409));
      await assert.rejects(resolveReidentification(store.db, people.otherLead, r.id), code('REIDENTIFY_OTHER_ORG', 403));

      // anyone of the requester's organisation may resolve it (here: an analyst), once
      const res = await resolveReidentification(store.db, people.analyst, r.id);
      assert.deepEqual(res.results, [{ pseudonym: pseudonyms[0], address: DOM4 }, { pseudonym: pseudonyms[1], address: DOM6 }]);
      assert.equal(res.request.status, 'resolved');
      assert.equal(res.request.resolvedBy, people.analyst.userId);
      await assert.rejects(resolveReidentification(store.db, people.lead, r.id), code('REIDENTIFY_USED', 409));

      const audit = await store.db.selectFrom('audit_events').selectAll().where('target_type', '=', 'reidentification').where('target_id', '=', r.id).orderBy('seq').execute();
      assert.deepEqual(audit.map((a) => `${a.action}:${a.actor_user_id}`), [
        `reidentification.request:${people.lead.userId}`,
        `reidentification.resolve.refused:${people.lead.userId}`,
        `reidentification.approve:${people.member.userId}`,
        `reidentification.resolve.refused:${people.otherLead.userId}`,
        `reidentification.resolve:${people.analyst.userId}`,
        `reidentification.resolve.refused:${people.lead.userId}`,
      ]);
      const resolve = audit.find((a) => a.action === 'reidentification.resolve')!;
      assert.equal(resolve.basis_id, d.decisionId, 'the resolution rests on the decision');
      assert.deepEqual((resolve.details as { pseudonyms: string[] }).pseudonyms, pseudonyms);
      assert.equal((resolve.details as { keyId: string }).keyId, 'key-ra');
      const everything = JSON.stringify(await store.db.selectFrom('audit_events').selectAll().execute());
      assert.ok(!everything.includes(DOM4) && !everything.includes(DOM6), 'no address in the audit log');
      const row = JSON.stringify(await withTables<SelectionTables>(store.db).selectFrom('reidentification_requests').selectAll().execute());
      assert.ok(!row.includes(DOM4) && !row.includes(DOM6), 'no address in the requests table');
    });

    test('keys rotate per approval: a request by approval picks that approval\'s key (or the one valid at `at`), the one the gate used', async () => {
      await decideApproval(store.db, people.member, 'rb', 'approve', 'second period');
      // rotate rb's key at now − 1 h: the first key ends there, the next starts there
      const mid = new Date(now - HOUR);
      const db = withTables<SelectionTables>(store.db);
      const first = await db.selectFrom('pseudonym_keys').selectAll().where('id', '=', 'key-rb').executeTakeFirstOrThrow();
      await db.updateTable('pseudonym_keys').set({ valid_to: mid }).where('id', '=', 'key-rb').execute();
      await db.insertInto('pseudonym_keys').values({ id: 'key-rb-2', key_bytes: new Uint8Array(32).map((_, i) => i + 1), valid_from: mid, valid_to: first.valid_to, approval_id: 'rb', created_at: new Date() }).execute();

      // ra serves carrier-r too; move it away so these flows are rb's
      await db.updateTable('approvals').set({ carriers: ['elsewhere'] }).where('id', '=', 'ra').execute();
      const g2 = await gateFromStore(store);
      g2.gate.process(flow(4, FOREIGN4, DOM4, now - 2 * HOUR), g2.out);
      g2.gate.process(flow(4, FOREIGN4, DOM4, now - HOUR / 2), g2.out);
      await db.updateTable('approvals').set({ carriers: ['carrier-r'] }).where('id', '=', 'ra').execute();
      assert.deepEqual(g2.selected.map((f) => [f.approvalId, f.pseudonymKeyId]), [['rb', 'key-rb'], ['rb', 'key-rb-2']]);
      const [p1, p2] = g2.selected.map(dstText);
      assert.notEqual(p1, p2, 'two keys, two pseudonyms of one address');

      await assert.rejects(requestReidentification(store.db, people.lead, request({ approvalId: 'rb', pseudonyms: [p1] })), (e: AcdError) => e.status === 400 && /reidentification\.keyId: approval rb has 2 keys/.test(e.message));
      const r1 = await requestReidentification(store.db, people.lead, request({ approvalId: 'rb', pseudonyms: [p1], at: new Date(now - 2 * HOUR).toISOString() }));
      const r2 = await requestReidentification(store.db, people.lead, request({ approvalId: 'rb', pseudonyms: [p2], at: new Date(now - HOUR / 2).toISOString() }));
      assert.deepEqual([r1.keyId, r2.keyId], ['key-rb', 'key-rb-2']);
      for (const r of [r1, r2]) {
        await decideReidentification(store.db, people.member, r.id, { decision: 'approve', reason: 'owner to be told' });
        assert.deepEqual((await resolveReidentification(store.db, people.lead, r.id)).results.map((x) => x.address), [DOM4]);
      }
    });

    test('refusals: rejected 403, expired 410, unknown key or approval 404, no key (never approved) 404; each refused resolution audited', async () => {
      const rej = await requestReidentification(store.db, people.lead, request());
      await decideReidentification(store.db, people.member, rej.id, { decision: 'reject', reason: 'not proportionate' });
      await assert.rejects(resolveReidentification(store.db, people.lead, rej.id), (e: AcdError) => e.code === 'REIDENTIFY_REJECTED' && e.status === 403 && /not proportionate/.test(e.message));
      assert.equal((await getReidentification(store.db, rej.id)).status, 'rejected');

      const exp = await requestReidentification(store.db, people.lead, request());
      const d = await decideReidentification(store.db, people.member, exp.id, { decision: 'approve', reason: 'approved', validForMinutes: 5 });
      await assert.rejects(resolveReidentification(store.db, people.lead, exp.id, new Date(new Date(d.validUntil!).getTime() + 1)), code('REIDENTIFY_EXPIRED', 410));
      assert.equal((await getReidentification(store.db, exp.id)).status, 'approved', 'a refusal changes nothing');

      await assert.rejects(requestReidentification(store.db, people.lead, request({ approvalId: undefined, keyId: 'no-such-key' })), code('REIDENTIFY_NO_KEY', 404));
      await assert.rejects(requestReidentification(store.db, people.lead, request({ approvalId: 'no-such-approval' })), code('REIDENTIFY_NO_APPROVAL', 404));
      await assert.rejects(requestReidentification(store.db, people.lead, request({ approvalId: 'never' })), code('REIDENTIFY_NO_KEY', 404));
      await assert.rejects(resolveReidentification(store.db, people.lead, 'no-such-request'), (e: AcdError) => e.status === 404);

      // the key purged after the decision: 404 at resolution
      const gone = await requestReidentification(store.db, people.lead, request({ approvalId: 'rb', at: new Date(now - 2 * HOUR).toISOString() }));
      await decideReidentification(store.db, people.member, gone.id, { decision: 'approve', reason: 'approved' });
      await withTables<SelectionTables>(store.db).updateTable('reidentification_requests').set({ key_id: 'key-purged' }).where('id', '=', gone.id).execute();
      await assert.rejects(resolveReidentification(store.db, people.lead, gone.id), code('REIDENTIFY_NO_KEY', 404));

      const refused = await store.db.selectFrom('audit_events').select(['target_id', 'details']).where('action', '=', 'reidentification.resolve.refused').execute();
      const codes = refused.filter((r) => [rej.id, exp.id, gone.id].includes(r.target_id!)).map((r) => (r.details as { code: string }).code).sort();
      assert.deepEqual(codes, ['REIDENTIFY_EXPIRED', 'REIDENTIFY_NO_KEY', 'REIDENTIFY_REJECTED']);
      assert.ok((await listReidentifications(store.db, 'rejected')).some((r) => r.id === rej.id));
    });

    test('bad input: each field named; nothing is stored', async () => {
      const before = (await listReidentifications(store.db)).length;
      const bad: Array<[unknown, RegExp]> = [
        [request({ pseudonyms: ['147.32.1.1', '147.32.1.300'] }), /^reidentification\.pseudonyms\[1\]: '147\.32\.1\.300' is not an IPv4 or IPv6 address$/],
        [request({ pseudonyms: ['zz::zz::1'] }), /^reidentification\.pseudonyms\[0\]: /],
        [request({ pseudonyms: [] }), /^reidentification\.pseudonyms: /],
        [request({ approvalId: undefined }), /^reidentification\.keyId: is required/],
        [request({ purpose: { kind: 'curiosity', ref: 'x' } }), /^reidentification\.purpose\.kind: 'curiosity' is not one of finding, operation, selected_flows/],
        [request({ justification: 'why' }), /^reidentification\.justification: /],
        [request({ at: 'yesterday' }), /^reidentification\.at: 'yesterday' is not an ISO 8601/],
        [request({ address: '147.32.1.1' }), /^reidentification\.address: is not an allowed field/],
        [[], /^reidentification: must be an object/],
      ];
      for (const [input, re] of bad) {
        await assert.rejects(requestReidentification(store.db, people.lead, input), (e: AcdError) => e.code === 'REIDENTIFY_INVALID' && e.status === 400 && re.test(e.message), JSON.stringify(input));
      }
      await assert.rejects(decideReidentification(store.db, people.member, 'x', { decision: 'approve', reason: 'approved', validForMinutes: 100000 }), /decision\.validForMinutes/);
      assert.equal((await listReidentifications(store.db)).length, before);
    });
  });
}
