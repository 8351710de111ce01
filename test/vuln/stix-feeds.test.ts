/**
 * An advisory's CVEs as STIX vulnerability objects in an intel collection under the advisory's TLP (the
 * alert names the same ids); configured feeds pulled from a real HTTP server with credentials (one
 * document, an array, a ROLIE feed), a bad document counted and the others imported; the CLI import.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { openStore, type Store, type Database } from '../../src/store/index.js';
import { createCollection, type IntelTables } from '../../src/intel/index.js';
import { registerSystem } from '../../src/reports/index.js';
import { importDocument, listAlerts, shareAdvisoryStix } from '../../src/vuln/index.js';
import { pullVulnFeed } from '../../src/vuln/feeds.js';
import { makeWorld, type World } from '../reports/fixtures.js';
import { HMI_CPE, hmiAdvisory, kevCatalogue, vpnRecord } from './fixtures.js';
import { parseTable } from '../helpers/table.js';

describe('vuln: STIX links and feeds', () => {
  let store: Store;
  let w: World;
  before(async () => {
    store = await openStore({ data: 'memory://' });
    w = await makeWorld(store.db, 'vs');
    await registerSystem(store.db, w.opA, { name: 'HMI', function: 'f', products: [{ product: 'GridView HMI', cpe: HMI_CPE.replace(':*:*:*:*:*:*:*:*', ':5.1.0:*:*:*:*:*:*:*') }], networkLocation: 'OT', carrierLinks: [] });
  });
  after(async () => store.close());

  test("an advisory's CVEs become STIX vulnerability objects under its TLP, with the ids the alerts carry", async () => {
    await importDocument(store.db, w.agency, hmiAdvisory({ tlp: 'GREEN' }));
    const c = await createCollection(store.db, w.lead, { title: 'vulns', ownerOrgId: w.lead.orgId, readRoles: ['agency_analyst', 'agency_lead', 'operator'], writeRoles: ['agency_analyst', 'agency_lead'], defaultTlp: 'amber' });
    const r = await shareAdvisoryStix(store.db, w.lead, 'TEST-CSAF-2026-0001', { collectionId: c.id }, { orgId: w.lead.orgId, name: 'Agency' });
    assert.equal(r.tlp, 'green');
    assert.equal(r.vulnerabilityIds.length, 1);
    const rows = await (store.db as unknown as Kysely<Database & IntelTables>).selectFrom('intel_objects').select(['stix_id', 'stix_type', 'tlp', 'object']).where('collection_id', '=', c.id).where('stix_type', '=', 'vulnerability').execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.tlp, 'green');
    const o = rows[0]!.object as { name: string; external_references: Array<{ source_name: string; external_id: string }> };
    assert.equal(o.name, 'CVE-2026-900101');
    assert.deepEqual(o.external_references[0], { source_name: 'cve', external_id: 'CVE-2026-900101' });
    const [alert] = await listAlerts(store.db, w.opA);
    assert.deepEqual(alert!.stixVulnerabilityIds, [rows[0]!.stix_id]);
    // again: nothing new
    const again = await shareAdvisoryStix(store.db, w.lead, 'TEST-CSAF-2026-0001', { collectionId: c.id }, { orgId: w.lead.orgId, name: 'Agency' });
    assert.equal(again.added, 0);
    // an operator may not write to the collection
    await assert.rejects(shareAdvisoryStix(store.db, w.opA, 'TEST-CSAF-2026-0001', { collectionId: c.id }, { orgId: w.opA.orgId, name: 'x' }), { status: 403 });
  });

  test('feeds: one document, an array and a ROLIE feed, with credentials; a bad document refused, the rest imported', async () => {
    const seen: string[] = [];
    const bad = structuredClone(vpnRecord()) as { dataVersion: string };
    bad.dataVersion = '4.0';
    let base = '';
    const server: Server = createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization ?? ''}`);
      if (req.headers.authorization !== 'Bearer feed-token') {
        res.statusCode = 401;
        res.end();
        return;
      }
      const body: Record<string, unknown> = {
        '/one': hmiAdvisory({ version: '2', affected: 'vers:semver/>=5.0.0|<5.2.1', fixed: 'vers:semver/>=5.2.1', initialReleasedAt: '2026-11-01T00:00:00.000Z', releasedAt: '2026-11-05T00:00:00.000Z' }),
        '/many': [vpnRecord(), bad],
        '/rolie': { feed: { id: 'x', title: 'csaf', entry: [{ id: 'e1', content: { type: 'application/json', src: `${base}/kev` } }] } },
        '/kev': kevCatalogue(['CVE-2026-900101']),
      };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body[req.url ?? ''] ?? null));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const one = await pullVulnFeed(store.db, { id: 'one', url: `${base}/one`, auth: 'bearer:feed-token' });
      assert.deepEqual([one.documents, one.imported, one.refused], [1, 1, 0]);
      const many = await pullVulnFeed(store.db, { id: 'many', url: `${base}/many`, auth: 'bearer:feed-token' });
      assert.deepEqual([many.documents, many.imported, many.refused], [2, 1, 1]);
      const rolie = await pullVulnFeed(store.db, { id: 'rolie', url: `${base}/rolie`, auth: 'bearer:feed-token' });
      assert.deepEqual([rolie.documents, rolie.imported], [1, 1]);
      const noAuth = await pullVulnFeed(store.db, { id: 'na', url: `${base}/one` });
      assert.match(noAuth.error ?? '', /401/);
      assert.ok(seen.includes('/kev Bearer feed-token'));
      const [alert] = await listAlerts(store.db, w.opA);
      assert.equal(alert!.advisoryVersion, '2');
      assert.equal(alert!.knownExploited, true);
    } finally {
      server.close();
    }
  });

  test('`acd advisories import` imports good files and names the field of a bad one', { timeout: 320_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'acd-adv-'));
    writeFileSync(join(dir, 'ok.json'), JSON.stringify(hmiAdvisory()));
    const bad = hmiAdvisory() as { document: { publisher: { category?: string } } };
    delete bad.document.publisher.category;
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../src/cli/main.ts'), 'advisories', 'import', join(dir, 'ok.json'), join(dir, 'bad.json'), '--data', join(dir, 'data')], { encoding: 'utf8', timeout: 300_000 }); // long: a loaded 2-core box starts tsx and PGlite slowly
    assert.equal(r.status, 1, r.stderr);
    const rows = parseTable(r.stdout);
    assert.deepEqual(rows.map((x) => [x.FILE, x.KIND, x.ID, x.VERSION, x.STATUS]), [[join(dir, 'ok.json'), 'advisory', 'TEST-CSAF-2026-0001', '1', 'new']]);
    assert.match(r.stderr, /bad\.json: refused: .*\/document\/publisher\/category.*VULN_INVALID_CSAF/);
  });
});
