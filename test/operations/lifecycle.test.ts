import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/index.js';
import { listAudit } from '../../src/oversight/index.js';
import { SYSTEM_ACTOR, type Actor } from '../../src/auth/index.js';
import {
  ACTIONS, STATES, TRANSITIONS, legalActions, isParty, addLink, createOperation, transition, planMeasure, executeOperation, liftOperation,
  recordForeignConsultation, recordForeignNotice, canSeeOperations, expireOperations, operationDetail, applyMeasure, type OperationAction, type Party,
} from '../../src/operations/index.js';
import { withTables } from '../../src/store/index.js';
import type { OperationsTables } from '../../src/operations/index.js';
import { engineCases } from '../helpers/stores.js';
import { ALL, analyst, lead, member, executor, recordingDrivers } from './helpers.js';

const T0 = new Date('2026-03-01T10:00:00Z');
const at = (h: number) => new Date(T0.getTime() + h * 3_600_000);
const partyActor: Record<Party, Actor> = { agency_analyst: analyst, agency_lead: lead, commission_member: member, executor, system: SYSTEM_ACTOR };

for (const engine of engineCases()) {
  describe(`operations lifecycle on ${engine.name}`, () => {
    let store: Store;
    before(async () => {
      store = await engine.open();
    });
    after(async () => {
      await store.close();
      await engine.cleanup();
    });

    /** a draft with evidence and one planned blocklist measure */
    const prepared = async (o: { serious?: boolean; abroad?: boolean } = {}) => {
      const op = await createOperation(store.db, analyst, { title: 'C2 at 198.51.100.7', serious: o.serious ?? false, abroad: o.abroad ?? false, targets: { addresses: ['198.51.100.7'], domains: ['evil.example'] } }, T0);
      await addLink(store.db, analyst, op.id, { kind: 'finding', ref: 'beacon|198.51.100.7|443/6' }, T0);
      await planMeasure(store.db, analyst, op.id, { kind: 'blocklist', target: '198.51.100.7' }, T0);
      await planMeasure(store.db, analyst, op.id, { kind: 'rpz', target: 'evil.example', params: { action: 'nxdomain' } }, T0);
      return op.id;
    };

    test('the full lifecycle: draft to closed, every transition recorded and audited in order', async () => {
      const { drivers, all } = recordingDrivers();
      const id = await prepared();
      await transition(store.db, analyst, id, 'assemble_evidence', {}, at(1));
      await transition(store.db, lead, id, 'request_approval', {}, at(2));
      await transition(store.db, member, id, 'approve', { conditions: 'blocklist and RPZ only', expiresAt: at(24 * 7) }, at(3));
      const applied = await executeOperation(store.db, drivers, executor, id, { now: at(4) });
      assert.deepEqual(applied.map((a) => a.ok), [true, true]);
      assert.equal(all.find((d) => d.kind === 'blocklist')!.inForce.size, 1);
      await liftOperation(store.db, drivers, lead, id, 'server gone', { now: at(30) });
      assert.equal(all.find((d) => d.kind === 'rpz')!.inForce.size, 0);
      await assert.rejects(transition(store.db, lead, id, 'close', {}, at(31)), /afterAction: a lifted operation is closed with its after-action report/);
      await transition(store.db, lead, id, 'close', { afterAction: 'C2 unreachable from domestic networks for 26 h; no side effects' }, at(31));
      const d = await operationDetail(store.db, lead, id, at(32));
      assert.equal(d.operation.state, 'closed');
      assert.deepEqual(d.transitions.map((t) => `${t.from}>${t.to}`), [
        'draft>evidence_assembled', 'evidence_assembled>approval_requested', 'approval_requested>approved', 'approved>measures_in_force', 'measures_in_force>lifted', 'lifted>closed',
      ]);
      assert.ok(d.measures.every((m) => m.state === 'lifted' && m.decisionId === d.decisions[0]!.id));
      const audit = (await listAudit(store.db, { limit: 1000 })).filter((e) => e.target_id === id || (e.details as { operation?: string }).operation === id);
      const actions = audit.map((e) => e.action);
      for (const a of ['operation.create', 'operation.assemble_evidence', 'operation.request_approval', 'operation.approve', 'operation.execute', 'operation.lift', 'operation.close']) {
        assert.ok(actions.includes(a), `${a} audited`);
      }
      assert.equal(actions.filter((a) => a === 'operation.measure.apply').length, 2);
      const applyEntry = audit.find((e) => e.action === 'operation.measure.apply')!;
      assert.equal(applyEntry.basis_id, d.decisions[0]!.id, 'an applied measure names its decision as basis');
    });

    test('every action not in the table from a state is refused with the rule that forbids it', async () => {
      const id = await prepared();
      const odb = withTables<OperationsTables>(store.db);
      let refused = 0;
      for (const state of STATES) {
        await odb.updateTable('operations').set({ state }).where('id', '=', id).execute();
        const legal = legalActions(state);
        for (const action of ACTIONS) {
          if (legal.includes(action)) continue;
          const t = TRANSITIONS.find((x) => x.action === action)!;
          const who = partyActor[t.by[0]!];
          await assert.rejects(transition(store.db, who, id, action, {}, at(1)), (e: { code: string; message: string }) => {
            assert.equal(e.code, 'ILLEGAL_TRANSITION', `${action} from ${state}`);
            assert.ok(e.message.includes(t.rule), `the message names the rule: ${e.message}`);
            assert.ok(e.message.includes(state));
            return true;
          });
          refused++;
        }
      }
      // 13 states x 12 actions, minus the legal pairs of the table
      const legalPairs = TRANSITIONS.reduce((n, t) => n + t.from.length, 0);
      assert.equal(refused, STATES.length * ACTIONS.length - legalPairs);
      const row = await odb.selectFrom('operations').select('state').where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(row.state, 'closed', 'no refused transition changed the state');
    });

    test('who may do what: every legal transition refuses every actor the rule does not name', async () => {
      const id = await prepared();
      const odb = withTables<OperationsTables>(store.db);
      let checks = 0;
      for (const t of TRANSITIONS) {
        for (const from of t.from) {
          await odb.updateTable('operations').set({ state: from }).where('id', '=', id).execute();
          for (const [name, a] of Object.entries({ ...ALL, system: SYSTEM_ACTOR })) {
            if (t.by.some((p) => isParty(a, p))) continue;
            await assert.rejects(transition(store.db, a, id, t.action as OperationAction, {}, at(1)), (e: { code: string; message: string }) => {
              if (!canSeeOperations(a)) {
                // operators, admins: operations do not exist for them (404, existence not told)
                assert.equal(e.code, 'NOT_FOUND', `${name} ${t.action} from ${from}: ${e.message}`);
                return true;
              }
              assert.equal(e.code, 'NOT_PERMITTED', `${name} ${t.action} from ${from}: ${e.message}`);
              assert.ok(e.message.includes(t.rule));
              return true;
            });
            checks++;
          }
        }
      }
      assert.ok(checks > 80, `${checks} refusals checked`);
      // an executor-organisation member holding agency_analyst is not the agency's analyst
      await assert.rejects(createOperation(store.db, executor, { title: 'x', serious: false, abroad: false, targets: { addresses: ['192.0.2.1'] } }), /drafting an operation refused .* an agency analyst/);
    });

    test('guards: evidence needed, serious cases need the council, expiry in the future, abroad needs the foreign ministry', async () => {
      const bare = await createOperation(store.db, analyst, { title: 'no evidence', serious: false, abroad: false, targets: { domains: ['bad.example'] } }, T0);
      await assert.rejects(transition(store.db, analyst, bare.id, 'assemble_evidence', {}, at(1)), { code: 'EVIDENCE_MISSING' });

      const serious = await prepared({ serious: true });
      await transition(store.db, analyst, serious, 'assemble_evidence', {}, at(1));
      await assert.rejects(transition(store.db, lead, serious, 'request_approval', {}, at(2)), (e: { code: string; message: string }) => e.code === 'COUNCIL_REVIEW_REQUIRED' && /security council/.test(e.message));
      await assert.rejects(transition(store.db, lead, serious, 'record_council_review', {}, at(2)), /council: record_council_review needs/);
      await transition(store.db, lead, serious, 'record_council_review', { council: { body: 'National Security Council', outcome: 'proportionate; proceed', consultedAt: at(1.5) } }, at(2));
      await transition(store.db, lead, serious, 'request_approval', {}, at(3));
      await assert.rejects(transition(store.db, member, serious, 'approve', { conditions: 'none', expiresAt: at(2) }, at(4)), { code: 'EXPIRY_IN_PAST' });
      await assert.rejects(transition(store.db, member, serious, 'approve', { conditions: 'none', expiresAt: at(24 * 365) }, at(4)), { code: 'EXPIRY_TOO_LATE' });
      await assert.rejects(transition(store.db, member, serious, 'reject', {}, at(4)), /reason: a rejection gives its reason/);
      await transition(store.db, member, serious, 'reject', { reason: 'not proportionate' }, at(4));
      await transition(store.db, lead, serious, 'close', {}, at(5));

      const abroad = await prepared({ abroad: true });
      await transition(store.db, analyst, abroad, 'assemble_evidence', {}, at(1));
      await transition(store.db, lead, abroad, 'request_approval', {}, at(2));
      await transition(store.db, member, abroad, 'approve', { conditions: 'none', expiresAt: at(48) }, at(3));
      const { drivers } = recordingDrivers();
      await assert.rejects(executeOperation(store.db, drivers, executor, abroad, { now: at(4) }), { code: 'FOREIGN_CONSULTATION_REQUIRED' });
      await recordForeignConsultation(store.db, lead, abroad, { body: 'Ministry of Foreign Affairs', outcome: 'no objection', consultedAt: at(3.5) }, at(4));
      await recordForeignNotice(store.db, lead, abroad, { recipient: 'NL', channel: 'diplomatic note', sentAt: at(4), reference: 'note 2026/17' }, at(4));
      // an expired approval authorises nothing
      await assert.rejects(executeOperation(store.db, drivers, executor, abroad, { now: at(49) }), { code: 'APPROVAL_EXPIRED' });
      const ok = await executeOperation(store.db, drivers, executor, abroad, { now: at(5) });
      assert.ok(ok.every((o) => o.ok));
      const d = await operationDetail(store.db, lead, abroad);
      assert.equal(d.notices[0]!.channel, 'diplomatic note');
      assert.equal(d.consultations[0]!.kind, 'foreign_ministry');
    });

    test('emergency: act first, notify within the configured time, then ratified; order to lift; late notice lifts by expiry', async () => {
      const { drivers, all } = recordingDrivers();
      const blocklist = all.find((d) => d.kind === 'blocklist')!;
      const cfg = { emergencyNotifyHours: 24, maxApprovalDays: 90 };
      // ratified
      const a = await prepared();
      await transition(store.db, analyst, a, 'assemble_evidence', {}, at(0));
      await assert.rejects(transition(store.db, lead, a, 'declare_emergency', {}, at(1)), /reason: an emergency is declared with its reason/);
      await transition(store.db, lead, a, 'declare_emergency', { reason: 'ransomware staging now' }, at(1), cfg);
      await executeOperation(store.db, drivers, executor, a, { now: at(2) });
      await transition(store.db, lead, a, 'notify_commission', { reason: 'emergency notice' }, at(20), cfg);
      await transition(store.db, member, a, 'ratify', { conditions: 'review in a week', expiresAt: at(24 * 7) }, at(40), cfg);
      // not an emergency: notify refused
      const b = await prepared();
      await transition(store.db, analyst, b, 'assemble_evidence', {}, at(0));
      await transition(store.db, lead, b, 'request_approval', {}, at(0));
      await transition(store.db, member, b, 'approve', { conditions: 'none', expiresAt: at(10) }, at(0));
      await executeOperation(store.db, drivers, executor, b, { now: at(1) });
      await assert.rejects(transition(store.db, lead, b, 'notify_commission', {}, at(2)), { code: 'NOT_EMERGENCY' });
      // ordered lifted
      const c = await prepared();
      await transition(store.db, analyst, c, 'assemble_evidence', {}, at(0));
      await transition(store.db, lead, c, 'declare_emergency', { reason: 'DDoS C2' }, at(0), cfg);
      await executeOperation(store.db, drivers, executor, c, { now: at(1) });
      await transition(store.db, lead, c, 'notify_commission', {}, at(2), cfg);
      await transition(store.db, member, c, 'order_lift', { reason: 'disproportionate' }, at(3), cfg);
      // late: never notified
      const late = await prepared();
      await transition(store.db, analyst, late, 'assemble_evidence', {}, at(0));
      await transition(store.db, lead, late, 'declare_emergency', { reason: 'worm C2' }, at(0), cfg);
      await executeOperation(store.db, drivers, executor, late, { now: at(1) });
      await assert.rejects(transition(store.db, lead, late, 'notify_commission', {}, at(25), cfg), { code: 'NOTIFY_LATE' });

      const inForceBefore = blocklist.inForce.size;
      assert.equal(inForceBefore, 4);
      // one pass at +25 h: c (ordered), late (not notified), b (approval expired at +10 h); a (ratified) stays
      const lifted = await expireOperations(store.db, drivers, at(25), cfg);
      assert.deepEqual(lifted.map((x) => x.id).sort(), [b, c, late].sort());
      assert.ok(lifted.every((x) => !x.error));
      assert.equal(blocklist.inForce.size, 1);
      const audit = await listAudit(store.db, { action: 'operation.measure.lift', limit: 1000 });
      const auto = audit.filter((e) => e.actor_user_id === 'system');
      assert.ok(auto.some((e) => e.reason === 'the commission was not notified within 24 h'));
      assert.ok(auto.some((e) => e.reason === 'the approval expired'));
      // the ratification expires too
      await expireOperations(store.db, drivers, at(24 * 7 + 41), cfg);
      assert.equal(blocklist.inForce.size, 0);
      const states = await withTables<OperationsTables>(store.db).selectFrom('operations').select(['id', 'state']).where('id', 'in', [a, b, c, late]).execute();
      assert.ok(states.every((s) => s.state === 'lifted'), JSON.stringify(states));
      // nothing applies after expiry
      const m = await withTables<OperationsTables>(store.db).selectFrom('operation_measures').select('id').where('operation_id', '=', a).executeTakeFirstOrThrow();
      await assert.rejects(applyMeasure(store.db, drivers, executor, m.id, at(24 * 8)), { code: 'NO_DECISION_IN_FORCE' });
    });
  });
}
