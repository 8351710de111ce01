/**
 * Operators' registered address ranges and findings linked to exposed networks, over HTTP on both engines.
 *
 * Ranges: bad input is a 400 naming the field (not a prefix, host bits set, too wide, not global, no
 * length, another operator's system); an operator's own overlapping range is a 409 naming it; address
 * space another operator registered is a 409 naming neither (an insider claiming a rival's network to
 * see the findings that reach it), audited for the agency; an operator sees, edits and deletes only its
 * own (404 for another's); a ministry (its own sector's or another's), a partner and the commission get
 * 403; the agency reads all and its lead settles a dispute by deleting; a stale edit is a 409.
 *
 * Links: findings whose domestic pseudonyms (Crypto-PAn under the key in the store) lie in a range of an
 * operator with an open alert appear on that alert; the operator sees its own ranges and counts only —
 * not the finding key, the external address, or the other operator's addresses of the same finding; the
 * agency sees keys and, per finding, every exposed operator reached; a finding outside any range, one
 * seen when no key was in force, one in a range of another (unaffected) system, and every finding of a
 * mitigated alert are not linked.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { SYSTEM_ACTOR, createOrganisation, createPerson, issueToken } from '../../src/auth/index.js';
import type { Finding } from '../../src/detect/index.js';
import { createFindingWriter } from '../../src/findings/index.js';
import { ipv4ToString, parseIpv4 } from '../../src/flow/index.js';
import { linkMinistry } from '../../src/reports/index.js';
import { CryptoPan } from '../../src/selection/index.js';
import { createTestApp, bearer, type TestApp, type TestPerson } from '../helpers/app.js';
import { engineCases } from '../helpers/stores.js';
import { HMI_CPE, hmiAdvisory } from './fixtures.js';

interface Audit {
  action: string;
  actor_user_id: string | null;
  target_id: string | null;
  details: unknown;
}

for (const engine of engineCases()) {
  describe(`registered ranges and linked findings on ${engine.name}`, () => {
    let t: TestApp;
    let op: TestPerson;
    let other: TestPerson;
    let ministry: { authorization: string };
    let gasMinistry: { authorization: string };
    let opRange = '';
    let hmiSystem = '';
    let billingSystem = '';
    let pan: CryptoPan;
    const pseudo = (a: string) => ipv4ToString(pan.encrypt4(parseIpv4(a)));
    const req = (as: TestPerson | { authorization: string }, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
      t.app.inject({ method, url, headers: 'authorization' in as ? as : bearer(as), ...(payload !== undefined ? { payload: payload as object } : {}) });
    const audit = async (action: string): Promise<Audit[]> =>
      (await t.store.db.selectFrom('audit_events').select(['action', 'actor_user_id', 'target_id', 'details']).where('action', '=', action).orderBy('seq').execute()) as Audit[];
    const det = (a: Audit) => (typeof a.details === 'string' ? JSON.parse(a.details) : a.details) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const system = async (as: TestPerson, name: string, products: unknown[]) => {
      const r = await req(as, 'POST', '/api/v1/systems', { name, function: 'f', products, networkLocation: 'OT', carrierLinks: [] });
      assert.equal(r.statusCode, 201, r.body);
      return (r.json() as { id: string }).id;
    };
    const hmi = [{ vendor: 'Example Controls', product: 'GridView HMI', version: '5.2.1', cpe: HMI_CPE.replace(':*:*:*:*:*:*:*:*', ':5.2.1:*:*:*:*:*:*:*') }];
    const ministryOf = async (name: string, sector: string, username: string) => {
      const org = await createOrganisation(t.store.db, SYSTEM_ACTOR, { name, kind: 'ministry', sector: null });
      await linkMinistry(t.store.db, SYSTEM_ACTOR, sector, org.id);
      const u = await createPerson(t.store.db, SYSTEM_ACTOR, { orgId: org.id, username, displayName: username, roles: ['agency_analyst'] });
      return { authorization: `Bearer ${(await issueToken(t.store.db, SYSTEM_ACTOR, u.id, 'test', null)).token}` };
    };

    before(async () => {
      t = await createTestApp({}, [], { open: engine.open });
      op = t.people.operator;
      other = t.others.operator;
      ministry = await ministryOf('Ministry (ranges)', 'electricity', 'ranges-ministry');
      gasMinistry = await ministryOf('Gas ministry (ranges)', 'gas', 'ranges-gas-ministry');
      // the pseudonym key the gate would have used (a general key in force over the findings' times)
      const key = new Uint8Array(randomBytes(32));
      pan = new CryptoPan(key, { cache: false });
      await sql`insert into pseudonym_keys (id, key_bytes, valid_from, valid_to) values ('ranges-key', ${Buffer.from(key)}, '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z')`.execute(t.store.db);
      hmiSystem = await system(op, 'Substation HMI', hmi);
      billingSystem = await system(op, 'Billing', []);
      await system(other, 'Other HMI', hmi);
      const imp = await req(t.people.agency_lead, 'POST', '/api/v1/vuln/advisories', hmiAdvisory());
      assert.equal(imp.statusCode, 200, imp.body);
      assert.equal(imp.json().affected, 2);
    });
    after(async () => {
      await t.close();
      await engine.cleanup();
    });

    test('bad input is a 400 naming the field and what is wrong', async () => {
      const cases: Array<[unknown, RegExp]> = [
        [{ cidr: 'substation network' }, /cidr: 'substation network' is not an IPv4 or IPv6 prefix/],
        [{ cidr: '133.1.2.3/16' }, /cidr: '133\.1\.2\.3\/16' has host bits set; the network is 133\.1\.0\.0\/16/],
        [{ cidr: '133.1.0.0' }, /cidr: .* has no prefix length/],
        [{ cidr: '133.0.0.0/8' }, /cidr: \/8 is wider than an operator may register \(IPv4: \/12 at most\)/],
        [{ cidr: '2400::/16' }, /cidr: \/16 is wider .*IPv6: \/29/],
        [{ cidr: '10.20.0.0/16' }, /cidr: 10\.20\.0\.0\/16 is in 10\.0\.0\.0\/8, which is not global address space/],
        [{ cidr: '2001:db8:1::/48' }, /cidr: 2001:db8:1::\/48 is in 2001:db8::\/32/],
        [{ cidr: '133.1.0.0/33' }, /cidr: .* is not an IPv4 or IPv6 prefix/],
        [{ cidr: '133.1.0.0/16', label: 'x'.repeat(201) }, /label/],
        [{ cidr: '133.1.0.0/16', colour: 'red' }, /colour|additional/],
      ];
      for (const [body, msg] of cases) {
        const r = await req(op, 'POST', '/api/v1/vuln/ranges', body);
        assert.equal(r.statusCode, 400, `${JSON.stringify(body)}: ${r.body}`);
        assert.match(r.json().message, msg, JSON.stringify(body));
      }
      // another operator's system is answered as a missing one
      const foreignSystem = (await req(other, 'GET', '/api/v1/systems')).json() as Array<{ id: string }>;
      const r = await req(op, 'POST', '/api/v1/vuln/ranges', { cidr: '133.1.0.0/16', systemId: foreignSystem[0]!.id });
      assert.equal(r.statusCode, 400);
      assert.match(r.json().message, /^systemId: you have no registered system/);
      assert.deepEqual((await req(op, 'GET', '/api/v1/vuln/ranges')).json(), [], 'nothing was stored');
      const refused = await audit('vuln.range.refused');
      assert.equal(refused.length, cases.length + 1, 'every refusal is audited');
      assert.ok(refused.every((a) => a.actor_user_id === op.userId));
    });

    test('own overlap names the own range; another operator\'s space is refused naming neither, audited for the agency', async () => {
      const r = await req(op, 'POST', '/api/v1/vuln/ranges', { cidr: '133.1.0.0/16', label: 'head office and substations' });
      assert.equal(r.statusCode, 201, r.body);
      opRange = r.json().id;
      assert.equal(r.json().cidr, '133.1.0.0/16');
      assert.equal((await audit('vuln.range.create'))[0]!.target_id, opRange);
      const own = await req(op, 'POST', '/api/v1/vuln/ranges', { cidr: '133.1.5.0/24' });
      assert.equal(own.statusCode, 409);
      assert.equal(own.json().error, 'VULN_RANGE_OVERLAP');
      assert.match(own.json().message, /overlaps your range 133\.1\.0\.0\/16/);
      // the other operator claims a part of it (or all of it, or more)
      for (const cidr of ['133.1.128.0/20', '133.1.0.0/16', '133.0.0.0/12']) {
        const taken = await req(other, 'POST', '/api/v1/vuln/ranges', { cidr });
        assert.equal(taken.statusCode, 409, cidr);
        assert.equal(taken.json().error, 'VULN_RANGE_TAKEN');
        assert.equal(taken.json().message, `cidr: ${cidr} overlaps address space another organisation registered; if it is yours, ask the agency to settle it`, 'neither the range nor its owner is told');
      }
      const conflicts = await audit('vuln.range.conflict');
      assert.equal(conflicts.length, 3);
      assert.deepEqual(det(conflicts[0]!).conflictsWith, { id: opRange, orgId: op.orgId, cidr: '133.1.0.0/16' });
      assert.equal(conflicts[0]!.actor_user_id, other.userId);
      // adjacent space is fine
      const adj = await req(other, 'POST', '/api/v1/vuln/ranges', { cidr: '133.2.128.0/17' });
      assert.equal(adj.statusCode, 201, adj.body);
      assert.equal((await req(other, 'POST', '/api/v1/vuln/ranges', { cidr: '2400:4000::/32' })).statusCode, 201);
    });

    test('tenancy: own ranges only; ministries, partner and commission 403; the agency reads all and its lead settles', async () => {
      const mine = (await req(op, 'GET', '/api/v1/vuln/ranges')).json() as Array<{ id: string; cidr: string; orgId: string }>;
      assert.deepEqual(mine.map((x) => x.cidr), ['133.1.0.0/16']);
      const theirs = (await req(other, 'GET', '/api/v1/vuln/ranges')).json() as Array<{ id: string; cidr: string }>;
      assert.deepEqual(theirs.map((x) => x.cidr).sort(), ['133.2.128.0/17', '2400:4000::/32']);
      assert.equal((await req(other, 'PUT', `/api/v1/vuln/ranges/${opRange}`, { version: 1, cidr: '133.1.0.0/17' })).statusCode, 404);
      assert.equal((await req(other, 'DELETE', `/api/v1/vuln/ranges/${opRange}`)).statusCode, 404);
      for (const who of [ministry, gasMinistry, t.people.partner, t.people.commission_member, t.people.carrier]) {
        for (const [m, u, b] of [['GET', '/api/v1/vuln/ranges', undefined], ['POST', '/api/v1/vuln/ranges', { cidr: '133.9.0.0/16' }], ['DELETE', `/api/v1/vuln/ranges/${opRange}`, undefined]] as const) {
          const r = await req(who, m, u, b);
          assert.equal(r.statusCode, 403, `${m} ${u}: ${r.body}`);
        }
      }
      // an analyst may not register for an operator either
      assert.equal((await req(t.people.agency_analyst, 'POST', '/api/v1/vuln/ranges', { cidr: '133.9.0.0/16' })).statusCode, 403);
      const all = (await req(t.people.agency_analyst, 'GET', '/api/v1/vuln/ranges')).json() as Array<{ orgId: string }>;
      assert.equal(all.length, 3);
      assert.deepEqual([...new Set(all.map((x) => x.orgId))].sort(), [op.orgId, other.orgId].sort());
      // a stale edit; a good one; the agency's lead deletes a disputed registration
      assert.equal((await req(op, 'PUT', `/api/v1/vuln/ranges/${opRange}`, { version: 7, cidr: '133.1.0.0/16' })).json().error, 'VULN_RANGE_VERSION');
      const ed = await req(op, 'PUT', `/api/v1/vuln/ranges/${opRange}`, { version: 1, cidr: '133.1.0.0/16', label: 'whole network' });
      assert.equal(ed.statusCode, 200, ed.body);
      assert.equal(ed.json().version, 2);
      const v6 = theirs.find((x) => x.cidr === '2400:4000::/32')!;
      assert.equal((await req(t.people.agency_analyst, 'DELETE', `/api/v1/vuln/ranges/${v6.id}`)).statusCode, 403, 'only the lead settles');
      assert.equal((await req(t.people.agency_lead, 'DELETE', `/api/v1/vuln/ranges/${v6.id}`)).statusCode, 200);
      const del = await audit('vuln.range.delete');
      assert.equal(del.at(-1)!.actor_user_id, t.people.agency_lead.userId);
      assert.equal(det(del.at(-1)!).orgId, other.orgId);
      assert.ok((await audit('vuln.ranges.read')).length >= 4, 'reads are audited');
    });

    test('findings that reached an exposed operator\'s range show on its alert and on the finding; nobody sees another operator\'s part', async () => {
      // the billing system's own range (no alert concerns it)
      const b = await req(op, 'POST', '/api/v1/vuln/ranges', { cidr: '133.3.0.0/24', systemId: billingSystem, label: 'billing' });
      assert.equal(b.statusCode, 201, b.body);
      const at = Date.parse('2026-11-20T10:00:00Z');
      const base: Omit<Finding, 'type' | 'key' | 'domestic' | 'domesticCount'> = {
        external: '45.155.205.10', port: 502, proto: 6, direction: 'inbound', firstSeen: at, lastSeen: at + 600_000, score: 0.9, subscores: { rate: 1 }, evidence: {}, updates: 1,
      };
      const mine = pseudo('133.1.7.9');
      const theirs = pseudo('133.2.200.4');
      const findings: Finding[] = [
        // a scan that reached both operators' networks
        { ...base, type: 'scan', key: 'scan|45.155.205.10|502|6', domestic: [mine, theirs, pseudo('126.1.1.1')], domesticCount: 3 },
        // a DDoS whose target is in the operator's range
        { ...base, type: 'ddos', key: 'ddos|-|0/0|target', external: null, domestic: [], domesticCount: 1, evidence: { target: pseudo('133.1.200.1') } },
        // outside every range
        { ...base, type: 'scan', key: 'scan|45.155.205.11|22|6', external: '45.155.205.11', domestic: [pseudo('126.9.9.9')], domesticCount: 1 },
        // seen when no key was in force: its pseudonyms are not of this key
        { ...base, type: 'beacon', key: 'beacon|old', firstSeen: Date.parse('2026-10-01T00:00:00Z'), lastSeen: Date.parse('2026-10-02T00:00:00Z'), domestic: [mine], domesticCount: 1 },
        // the billing system's range only (no open alert concerns it)
        { ...base, type: 'scan', key: 'scan|45.155.205.12|443|6', external: '45.155.205.12', domestic: [pseudo('133.3.0.5')], domesticCount: 1 },
      ];
      const w = createFindingWriter(t.store.db);
      for (const f of findings) w.push(f);
      await w.flush();
      assert.ok(!findings[0]!.domestic.includes('133.1.7.9'), 'findings hold pseudonyms, not addresses');

      const [alert] = (await req(op, 'GET', '/api/v1/vuln/alerts')).json() as Array<{ id: string; linkedFindings: Array<Record<string, unknown>> }>;
      const got = await req(op, 'GET', `/api/v1/vuln/alerts/${alert!.id}`);
      assert.equal(got.statusCode, 200, got.body);
      const linked = got.json().linkedFindings as Array<Record<string, unknown>>;
      assert.deepEqual(linked.map((l) => [l.type, l.ranges, l.addresses]).sort(), [['ddos', ['133.1.0.0/16'], 1], ['scan', ['133.1.0.0/16'], 1]]);
      for (const l of linked) {
        assert.equal(l.findingKey, undefined);
        assert.equal(l.external, undefined);
      }
      assert.doesNotMatch(got.body, new RegExp(`${theirs.replace(/\./g, '\\.')}|133\\.2\\.|45\\.155\\.205|${mine.replace(/\./g, '\\.')}`), "no other operator's address, no external address, no pseudonym");
      assert.deepEqual(alert!.linkedFindings.length, 2, 'the list shows them too');
      const ex = (await req(op, 'GET', '/api/v1/vuln/exposure')).json() as { alerts: Array<{ linkedFindings: unknown[] }> };
      assert.equal(ex.alerts[0]!.linkedFindings.length, 2, 'and the landing view');
      // the other operator sees its own part of the same scan only
      const [oa] = (await req(other, 'GET', '/api/v1/vuln/alerts')).json() as Array<{ id: string; linkedFindings: Array<{ type: string; ranges: string[]; addresses: number }> }>;
      assert.deepEqual(oa!.linkedFindings.map((l) => [l.type, l.ranges, l.addresses]), [['scan', ['133.2.128.0/17'], 1]]);

      // the agency: keys and external addresses on the alert; per finding, every exposed operator reached
      const ag = (await req(t.people.agency_analyst, 'GET', `/api/v1/vuln/alerts/${alert!.id}`)).json() as { linkedFindings: Array<{ findingKey: string; external: string | null }> };
      assert.deepEqual(ag.linkedFindings.map((l) => l.findingKey).sort(), ['ddos|-|0/0|target', 'scan|45.155.205.10|502|6']);
      const fx = await req(t.people.agency_analyst, 'GET', `/api/v1/vuln/findings/${encodeURIComponent('scan|45.155.205.10|502|6')}/exposure`);
      assert.equal(fx.statusCode, 200, fx.body);
      const ops = (fx.json() as { operators: Array<{ orgId: string; ranges: string[]; addresses: number; alerts: Array<{ id: string }> }> }).operators;
      assert.deepEqual(ops.map((o) => [o.orgId, o.ranges, o.addresses]).sort(), [[op.orgId, ['133.1.0.0/16'], 1], [other.orgId, ['133.2.128.0/17'], 1]].sort());
      assert.deepEqual(ops.find((o) => o.orgId === op.orgId)!.alerts.map((a) => a.id), [alert!.id]);
      const none = (await req(t.people.agency_analyst, 'GET', `/api/v1/vuln/findings/${encodeURIComponent('scan|45.155.205.12|443|6')}/exposure`)).json();
      assert.deepEqual(none.operators, [], 'a range with no open alert is not an exposed network');
      assert.equal((await req(t.people.agency_analyst, 'GET', '/api/v1/vuln/findings/nope/exposure')).statusCode, 404);
      for (const who of [op, other, ministry, gasMinistry, t.people.partner]) {
        assert.equal((await req(who, 'GET', `/api/v1/vuln/findings/${encodeURIComponent('scan|45.155.205.10|502|6')}/exposure`)).statusCode, 403);
      }
      assert.equal((await audit('vuln.finding.links.read')).length, 2);

      // mitigated: the alert is closed and nothing is linked to it any more
      const m = await req(op, 'POST', `/api/v1/vuln/alerts/${alert!.id}/state`, { state: 'mitigated' });
      assert.equal(m.statusCode, 200, m.body);
      assert.deepEqual((await req(op, 'GET', `/api/v1/vuln/alerts/${alert!.id}`)).json().linkedFindings, []);
      const after = (await req(t.people.agency_analyst, 'GET', `/api/v1/vuln/findings/${encodeURIComponent('scan|45.155.205.10|502|6')}/exposure`)).json() as { operators: Array<{ orgId: string }> };
      assert.deepEqual(after.operators.map((o) => o.orgId), [other.orgId]);
      void hmiSystem;
    });
  });
}
