/**
 * `acd analyze --indicators BUNDLE.json` (issue #21): a STIX bundle's address indicators reach the
 * indicator detector; a hit names the indicator id, its source and TLP (the finding inherits the
 * marking), is confirmed, and selects under the indicator criterion. Revoked or expired indicators
 * and non-address patterns are left out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeFiles } from '../../src/pipeline/index.js';
import { indicatorsFromStix, loadStoredIndicators } from '../../src/pipeline/indicators.js';
import { TLP2_MARKING_IDS, addObjects, createCollection, indicator, type IntelTables } from '../../src/intel/index.js';
import { openStore, withTables } from '../../src/store/index.js';
import { SYSTEM_ACTOR, createOrganisation } from '../../src/auth/index.js';

const IDENT = 'identity--5e4b5a4e-1b2c-4d5e-8f90-123456789abc';
const ind = (id: string, pattern: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'indicator', spec_version: '2.1', id: `indicator--${id}`, created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z',
  pattern, pattern_type: 'stix', valid_from: '2026-01-01T00:00:00.000Z', created_by_ref: IDENT, object_marking_refs: [TLP2_MARKING_IDS.amber], ...extra,
});

test('STIX indicators become detector indicators with id, source and TLP; revoked, expired and non-address ones are left out', () => {
  const got = indicatorsFromStix([
    ind('00000000-0000-4000-8000-000000000001', "[ipv4-addr:value = '41.78.10.0/24']"),
    ind('00000000-0000-4000-8000-000000000002', "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.9' AND network-traffic:dst_port = 4444]"),
    ind('00000000-0000-4000-8000-000000000003', "[ipv4-addr:value = '192.0.2.1']", { revoked: true }),
    ind('00000000-0000-4000-8000-000000000004', "[ipv4-addr:value = '192.0.2.2']", { valid_until: '2026-02-01T00:00:00.000Z' }),
    ind('00000000-0000-4000-8000-000000000005', "[file:hashes.'SHA-256' = 'aa']"),
  ], 'test', Date.UTC(2026, 5, 1));
  assert.deepEqual(got, [
    { id: 'indicator--00000000-0000-4000-8000-000000000001', address: '41.78.10.0/24', source: IDENT, tlp: 'amber' },
    { id: 'indicator--00000000-0000-4000-8000-000000000002', address: '203.0.113.9', port: 4444, source: IDENT, tlp: 'amber' },
  ]);
});

test('analyze --indicators: a flow to an indicator address is a confirmed indicator finding naming id, source and TLP, and selects', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acd-ind-'));
  try {
    const bundle = join(dir, 'bundle.json');
    writeFileSync(bundle, JSON.stringify({ type: 'bundle', id: 'bundle--00000000-0000-4000-8000-0000000000aa', objects: [ind('00000000-0000-4000-8000-000000000001', "[ipv4-addr:value = '41.78.10.0/24']")] }));
    const log = join(dir, 'conn.log');
    const t0 = Date.UTC(2026, 5, 1) / 1000;
    const lines: string[] = [];
    // 200 connections: the detection stage observes flows in chunks of 64, so a finding selects its server at
    // most 63 flows after the flow that made it (detect/stage.ts); the later flows must come after that
    for (let i = 0; i < 200; i++) {
      lines.push(JSON.stringify({ ts: t0 + i * 90, uid: `C${i}`, 'id.orig_h': '192.168.1.20', 'id.orig_p': 50000 + i, 'id.resp_h': i % 2 ? '41.78.10.77' : '93.184.216.34', 'id.resp_p': 443, proto: 'tcp', duration: 1.5, orig_bytes: 300, resp_bytes: 900, conn_state: 'SF', history: 'ShADadFf', orig_pkts: 6, orig_ip_bytes: 600, resp_pkts: 6, resp_ip_bytes: 1200 }));
    }
    writeFileSync(log, lines.join('\n') + '\n');
    const without = await analyzeFiles({ files: [log], domestic: ['192.168.0.0/16'] });
    assert.equal(without.findings.filter((f) => f.type === 'indicator').length, 0);
    const r = await analyzeFiles({ files: [log], domestic: ['192.168.0.0/16'], indicatorsFile: bundle });
    const hit = r.findings.find((f) => f.type === 'indicator');
    assert.ok(hit, `findings: ${JSON.stringify(r.findings.map((f) => f.type))}`);
    assert.equal(hit.external, '41.78.10.77');
    assert.equal(hit.tier, 'confirmed');
    assert.equal(hit.tlp, 'amber');
    assert.deepEqual((hit.evidence as { indicator: unknown }).indicator, { id: 'indicator--00000000-0000-4000-8000-000000000001', address: '41.78.10.0/24', port: null, proto: null, source: IDENT, tlp: 'amber' });
    assert.ok(r.selections > 0, 'selected under the indicator criterion');
    assert.ok((r.gate.selected ?? 0) > 0, 'later flows to it were kept');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadStoredIndicators: every indicator of the intel store across pages (more pages than digits: 12 rows in pages of 3), the latest version of each id; revoked, expired and non-address ones left out; the TLP of the stored version when the object names none', async () => {
  const store = await openStore({ data: 'memory://' });
  try {
    const org = await createOrganisation(store.db, SYSTEM_ACTOR, { name: 'agency', kind: 'agency' });
    const idb = withTables<IntelTables>(store.db);
    const c = await createCollection(idb, SYSTEM_ACTOR, { title: 'feed', ownerOrgId: org.id, readRoles: ['agency_analyst'], writeRoles: ['agency_analyst'], defaultTlp: 'green' });
    const objs = Array.from({ length: 12 }, (_, i) => indicator({ pattern: `[ipv4-addr:value = '198.51.100.${i + 1}']`, ...(i === 0 ? {} : { tlp: 'amber' as const }), created: '2026-01-01T00:00:00.000Z' }));
    await addObjects(idb, c, objs, { actor: null });
    // a later version of #2 revokes it; #3's later version expired; a file-hash pattern is no address
    await addObjects(idb, c, [{ ...objs[1]!, modified: '2026-02-01T00:00:00.000Z', revoked: true }, { ...objs[2]!, modified: '2026-02-01T00:00:00.000Z', valid_until: '2026-03-01T00:00:00.000Z' }], { actor: null });
    await addObjects(idb, c, [indicator({ pattern: "[file:hashes.'SHA-256' = 'aa']", created: '2026-01-01T00:00:00.000Z' })], { actor: null });
    const r = await loadStoredIndicators(store.db, Date.UTC(2026, 5, 1), 3);
    const want = objs.filter((_, i) => i !== 1 && i !== 2).map((o) => o.id).sort();
    assert.deepEqual(r.indicators.map((i) => i.id).sort(), want);
    assert.equal(r.objects, 13, 'every distinct indicator id read once');
    const first = r.indicators.find((i) => i.id === objs[0]!.id);
    assert.equal(first?.tlp, 'green', 'no marking on the object: the stored version\'s (the collection default)');
    assert.equal(r.indicators.find((i) => i.id === objs[3]!.id)?.tlp, 'amber');
    assert.equal(first?.source, `intel collection ${c.id}`);
  } finally {
    await store.close();
  }
});
