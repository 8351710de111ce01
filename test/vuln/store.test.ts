/**
 * Vulnerability exposure on both engines: advisories matched to registered systems, tenancy of every
 * exposure route (operator, other operator, each sector's ministry, the agency, a partner), an advisory
 * update that moves a system from affected to fixed, a system change rematched, KEV marking, the
 * operator's alert states and the audit of reads and changes.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { engineCases } from '../helpers/stores.js';
import type { Store } from '../../src/store/index.js';
import { registerSystem, updateSystem, getSystem } from '../../src/reports/index.js';
import { exposure, exposureHistory, getAlert, importDocument, listAdvisories, listAlerts, setAlertState } from '../../src/vuln/index.js';
import { makeWorld, type World } from '../reports/fixtures.js';
import { HMI_CPE, hmiAdvisory, kevCatalogue, vpnRecord } from './fixtures.js';

const hmi = (version: string) => ({ vendor: 'Example Controls', product: 'GridView HMI', version, cpe: HMI_CPE.replace(':*:*:*:*:*:*:*:*', `:${version}:*:*:*:*:*:*:*`) });
const vpn = (version: string) => ({ vendor: 'Example Networks', product: 'SecureGate OS', version, cpe: `cpe:2.3:o:examplenetworks:securegate_os:${version}:*:*:*:*:*:*:*` });
const sys = (name: string, products: ReturnType<typeof hmi>[]) => ({ name, function: `${name} function`, products, networkLocation: 'OT network', carrierLinks: [] });

for (const engine of engineCases()) {
  describe(`vuln exposure (${engine.name})`, () => {
    let store: Store;
    let w: World;
    const ids = {} as { aHmi: string; aVpn: string; aWeb: string; bOld: string; bHmi: string };
    before(async () => {
      store = await engine.open();
      w = await makeWorld(store.db, `v${engine.name}`);
      ids.aHmi = (await registerSystem(store.db, w.opA, sys('Substation HMI', [hmi('5.2.1')]))).id;
      ids.aVpn = (await registerSystem(store.db, w.opA, sys('Remote access VPN', [vpn('9.1.3')]))).id;
      ids.aWeb = (await registerSystem(store.db, w.opA, sys('Billing portal', [{ vendor: 'Apache', product: 'HTTP Server', version: '2.4.62', cpe: 'cpe:2.3:a:apache:http_server:2.4.62:*:*:*:*:*:*:*' }]))).id;
      ids.bOld = (await registerSystem(store.db, w.opB, sys('Depot HMI', [hmi('4.9.0')]))).id;
      ids.bHmi = (await registerSystem(store.db, w.opB, sys('Signalling HMI', [hmi('5.1.0')]))).id;
    });
    after(async () => {
      await store.close();
      await engine.cleanup();
    });

    test('only the agency imports; the import matches every registered system at once', async () => {
      await assert.rejects(importDocument(store.db, w.opA, hmiAdvisory()), { status: 403 });
      await assert.rejects(importDocument(store.db, w.minA, hmiAdvisory()), { status: 403 });
      const r = await importDocument(store.db, w.lead, hmiAdvisory());
      assert.equal(r.status, 'new');
      assert.equal(r.affected, 2); // opA's 5.2.1 and opB's 5.1.0; not opB's 4.9.0
      const again = await importDocument(store.db, w.agency, hmiAdvisory());
      assert.equal(again.status, 'unchanged');
      const c = await importDocument(store.db, w.agency, vpnRecord());
      assert.equal(c.affected, 1);
      const bad = structuredClone(vpnRecord()) as { cveMetadata: { cveId: string } };
      bad.cveMetadata.cveId = 'CVE-1';
      await assert.rejects(importDocument(store.db, w.agency, bad), { code: 'VULN_INVALID_CVE' });
    });

    test('an operator sees its own alerts only, with the remediation; another operator sees its own', async () => {
      const a = await listAlerts(store.db, w.opA);
      assert.deepEqual(a.map((x) => x.systemId).sort(), [ids.aHmi, ids.aVpn].sort());
      const h = a.find((x) => x.systemId === ids.aHmi)!;
      assert.equal(h.advisoryVersion, '1');
      assert.equal(h.matchStatus, 'affected');
      assert.equal(h.severity, 'critical');
      assert.deepEqual(h.cves, ['CVE-2026-900101']);
      assert.match(JSON.stringify(h.remediations), /Update GridView HMI to 5\.2\.4/);
      const b = await listAlerts(store.db, w.opB);
      assert.deepEqual(b.map((x) => x.systemId), [ids.bHmi]);
      await assert.rejects(getAlert(store.db, w.opB, h.id), { status: 404 });
      assert.equal((await getAlert(store.db, w.opA, h.id)).id, h.id);
    });

    test("ministries see their own sector's exposure per operator and no alert details; the agency all; a partner nothing", async () => {
      const mA = await exposure(store.db, w.minA);
      assert.equal(mA.scope, 'sectors');
      assert.equal(mA.alerts, undefined);
      assert.deepEqual(mA.operators!.map((o) => o.orgId), [w.opA.orgId]);
      assert.equal(mA.totals.total, 2);
      assert.equal(mA.totals.critical, 1);
      assert.equal(mA.totals.high, 1);
      const mB = await exposure(store.db, w.minB);
      assert.deepEqual(mB.operators!.map((o) => o.orgId), [w.opB.orgId]);
      assert.equal(mB.totals.total, 1);
      await assert.rejects(listAlerts(store.db, w.minA), { status: 403 });
      const [alertA] = await listAlerts(store.db, w.opA);
      await assert.rejects(getAlert(store.db, w.minA, alertA!.id), { status: 404 });
      await assert.rejects(getAlert(store.db, w.minB, alertA!.id), { status: 404 });
      const all = await exposure(store.db, w.agency);
      assert.equal(all.scope, 'all');
      assert.equal(all.totals.total, 3);
      assert.equal((await listAlerts(store.db, w.agency)).length, 3);
      for (const outsider of [w.partner, w.carrier]) {
        await assert.rejects(exposure(store.db, outsider), { status: 403 });
        await assert.rejects(listAlerts(store.db, outsider), { status: 403 });
        await assert.rejects(exposureHistory(store.db, outsider), { status: 403 });
        await assert.rejects(getAlert(store.db, outsider, alertA!.id), { status: 404 });
        await assert.rejects(listAdvisories(store.db, outsider), { status: 403 });
      }
      await assert.rejects(listAdvisories(store.db, w.opA), { status: 403 });
      assert.equal((await listAdvisories(store.db, w.agency)).length, 2);
    });

    test('the KEV catalogue marks the alert known-exploited, and it comes first', async () => {
      await importDocument(store.db, w.agency, kevCatalogue(['CVE-2026-900102']));
      const a = await listAlerts(store.db, w.opA);
      assert.equal(a[0]!.systemId, ids.aVpn);
      assert.equal(a[0]!.knownExploited, true);
      assert.equal(a[0]!.kev[0]!.dueDate, '2026-11-24');
      assert.equal(a[1]!.knownExploited, false);
      const e = await exposure(store.db, w.opA);
      assert.equal(e.totals.knownExploited, 1);
      assert.equal(e.alerts![0]!.systemId, ids.aVpn);
    });

    test('an advisory update moves a system from affected to fixed; the result carries the version it came from', async () => {
      const r = await importDocument(store.db, w.agency, hmiAdvisory({ version: '2', releasedAt: '2026-11-10T00:00:00.000Z', initialReleasedAt: '2026-11-01T00:00:00.000Z', affected: 'vers:semver/>=5.0.0|<5.2.1', fixed: 'vers:semver/>=5.2.1' }));
      assert.equal(r.status, 'updated');
      const all = await listAlerts(store.db, w.agency);
      const aHmi = all.find((x) => x.systemId === ids.aHmi)!;
      assert.equal(aHmi.matchStatus, 'fixed');
      assert.equal(aHmi.advisoryVersion, '2');
      assert.ok(aHmi.closedAt);
      const bHmi = all.find((x) => x.systemId === ids.bHmi)!;
      assert.equal(bHmi.matchStatus, 'affected');
      assert.equal(bHmi.advisoryVersion, '2');
      const detail = await getAlert(store.db, w.opA, aHmi.id);
      assert.deepEqual(detail.history!.map((h) => [h.advisoryVersion, h.matchStatus]), [['1', 'affected'], ['2', 'fixed']]);
      assert.equal((await exposure(store.db, w.minA)).totals.total, 1);
    });

    test('a system change is rematched: the upgraded system is fixed, a new vulnerable one gets an alert', async () => {
      const b = await getSystem(store.db, w.opB, ids.bHmi, false);
      await updateSystem(store.db, w.opB, ids.bHmi, b.version, { ...sys('Signalling HMI', [hmi('5.2.4')]), changeNote: 'patched' });
      const old = await getSystem(store.db, w.opB, ids.bOld, false);
      await updateSystem(store.db, w.opB, ids.bOld, old.version, sys('Depot HMI', [hmi('5.0.0')]));
      const alerts = await listAlerts(store.db, w.opB);
      const up = alerts.find((x) => x.systemId === ids.bHmi)!;
      assert.equal(up.matchStatus, 'fixed');
      assert.equal(up.systemVersion, 2);
      const now = alerts.find((x) => x.systemId === ids.bOld)!;
      assert.equal(now.matchStatus, 'affected');
      assert.equal(now.systemVersion, 2);
    });

    test('the operator sets states (not_affected needs a reason); nobody else can; every change and read is audited', async () => {
      const [vpnAlert] = (await listAlerts(store.db, w.opA)).filter((x) => x.systemId === ids.aVpn);
      await assert.rejects(setAlertState(store.db, w.opB, vpnAlert!.id, 'acknowledged'), { status: 404 });
      await assert.rejects(setAlertState(store.db, w.minA, vpnAlert!.id, 'acknowledged'), { code: 'VULN_OPERATOR_ONLY' });
      await assert.rejects(setAlertState(store.db, w.agency, vpnAlert!.id, 'acknowledged'), { code: 'VULN_OPERATOR_ONLY' });
      await assert.rejects(setAlertState(store.db, w.opA, vpnAlert!.id, 'not_affected'), { code: 'VULN_INVALID_STATE' });
      const ack = await setAlertState(store.db, w.opA, vpnAlert!.id, 'acknowledged');
      assert.equal(ack.state, 'acknowledged');
      assert.equal((await exposure(store.db, w.opA)).totals.total, 1);
      const na = await setAlertState(store.db, w.opA, vpnAlert!.id, 'not_affected', 'the VPN portal is disabled; access is by IPsec only');
      assert.equal(na.state, 'not_affected');
      assert.ok(na.closedAt);
      assert.equal((await exposure(store.db, w.opA)).totals.total, 0);
      const events = await store.db.selectFrom('audit_events').select(['action', 'actor_user_id']).where('action', 'like', 'vuln.%').execute();
      const did = (action: string, user: string) => events.some((e) => e.action === action && e.actor_user_id === user);
      assert.ok(did('vuln.alert.state', w.opA.userId));
      assert.ok(did('vuln.alerts.read', w.opA.userId));
      assert.ok(did('vuln.alert.read', w.opA.userId));
      assert.ok(did('vuln.exposure.read', w.minA.userId));
      assert.ok(did('vuln.advisory.import', w.lead.userId));
      assert.ok(did('vuln.kev.import', w.agency.userId));
      assert.ok(events.some((e) => e.action === 'vuln.import.refused'));
      assert.ok(events.some((e) => e.action === 'vuln.alert.rematch'));
    });

    test("the ministry's history: one point a day, today's the sector's current exposure", async () => {
      const h = await exposureHistory(store.db, w.minA, 7);
      assert.equal(h.points.length, 7);
      const today = h.points.at(-1)!;
      assert.equal(today.day, new Date().toISOString().slice(0, 10));
      assert.equal(today.total, (await exposure(store.db, w.minA)).totals.total);
      const hb = await exposureHistory(store.db, w.minB, 7);
      assert.equal(hb.points.at(-1)!.total, 1);
    });
  });
}
