/**
 * The reports API over HTTP: the tenancy matrix (two operators in two sectors, their two ministries,
 * the agency, outsiders) over every endpoint, and bad input refused with the field and the reason.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createTestApp, bearer, type TestApp, type TestPerson } from '../helpers/app.js';
import { SYSTEM_ACTOR, createOrganisation, createPerson, issueToken, type OrgKind, type Role, type Sector } from '../../src/auth/index.js';
import { DEFAULT_MAX_ATTACHMENT_BYTES } from '../../src/reports/index.js';
import { TLP2_MARKING_IDS, createCollection } from '../../src/intel/index.js';

type Who = 'opA' | 'opB' | 'minA' | 'minB' | 'agency' | 'carrier' | 'partner' | 'admin';
const ALL: Who[] = ['opA', 'opB', 'minA', 'minB', 'agency', 'carrier', 'partner', 'admin'];

const body = (over: Record<string, unknown> = {}) => ({
  whatHappened: 'billing portal defaced',
  impact: { level: 'partial_outage', description: 'portal down 2 h', slaBreached: true, outageMinutes: 120 },
  indicators: [{ type: 'url', value: 'http://evil.example/x' }],
  ...over,
});

describe('reports API', () => {
  let t: TestApp;
  const p = {} as Record<Who, TestPerson>;
  let reportA = '';
  let reportB = '';
  let systemA = '';
  let guidanceA = '';
  let attachmentA = '';

  async function extra(kind: OrgKind, role: Role, sector: Sector | null, name: string): Promise<TestPerson> {
    const org = await createOrganisation(t.store.db, SYSTEM_ACTOR, { name, kind, sector });
    const username = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    const u = await createPerson(t.store.db, SYSTEM_ACTOR, { orgId: org.id, username, displayName: name, roles: [role] });
    const tok = await issueToken(t.store.db, SYSTEM_ACTOR, u.id, 'test', null);
    return { userId: u.id, username, orgId: org.id, orgKind: kind, role, token: tok.token };
  }
  const call = (who: Who, method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: method as 'GET', url, headers: { ...bearer(p[who]), ...headers }, ...(payload !== undefined ? { payload: payload as string } : {}) });
  const versionOf = async (id: string): Promise<number> => (await call('agency', 'GET', `/api/v1/reports/${id}`)).json<{ version: number }>().version;

  before(async () => {
    t = await createTestApp();
    p.opA = t.people.operator; // electricity
    p.opB = await extra('operator', 'operator', 'railways', 'Rail Operator B');
    p.minA = await extra('ministry', 'agency_analyst', null, 'Ministry of Energy');
    p.minB = await extra('ministry', 'agency_analyst', null, 'Ministry of Transport');
    p.agency = t.people.agency_analyst;
    p.carrier = t.people.carrier;
    p.partner = t.people.partner;
    p.admin = t.people.admin;
    for (const [sector, who] of [['electricity', 'minA'], ['railways', 'minB']] as const) {
      const r = await call('admin', 'PUT', `/api/v1/sectors/${sector}/ministries/${p[who].orgId}`);
      assert.equal(r.statusCode, 200, r.body);
    }
    const sys = await call('opA', 'POST', '/api/v1/systems', { name: 'billing', function: 'customer billing', networkLocation: 'DMZ', products: [{ product: 'nginx', version: '1.24', cpe: 'cpe:2.3:a:f5:nginx:1.24.0:*:*:*:*:*:*:*' }] });
    assert.equal(sys.statusCode, 201, sys.body);
    systemA = sys.json<{ id: string }>().id;
    const detectedAt = new Date(Date.now() - 3600_000).toISOString();
    const a = await call('opA', 'POST', '/api/v1/reports', { kind: 'incident', title: 'defacement', detectedAt, content: body({ systemIds: [systemA] }) });
    assert.equal(a.statusCode, 201, a.body);
    reportA = a.json<{ id: string }>().id;
    const b = await call('opB', 'POST', '/api/v1/reports', { kind: 'precursor', title: 'probe', detectedAt, content: body() });
    assert.equal(b.statusCode, 201, b.body);
    reportB = b.json<{ id: string }>().id;
    const g = await call('agency', 'POST', `/api/v1/reports/${reportA}/guidance`, { kind: 'prevention', title: 'Patch', body: 'Update nginx.' });
    assert.equal(g.statusCode, 201, g.body);
    guidanceA = g.json<{ id: string }>().id;
    const at = await call('opA', 'POST', `/api/v1/reports/${reportA}/attachments?filename=log.txt`, 'access log excerpt', { 'content-type': 'text/plain' });
    assert.equal(at.statusCode, 201, at.body);
    attachmentA = at.json<{ id: string }>().id;
  });
  after(async () => t.close());

  test('the sector list names each sector with its ministries', async () => {
    const r = await call('carrier', 'GET', '/api/v1/sectors');
    assert.equal(r.statusCode, 200);
    const list = r.json<Array<{ sector: string; ministries: Array<{ id: string }> }>>();
    assert.equal(list.length, 15);
    assert.deepEqual(list.find((s) => s.sector === 'electricity')!.ministries.map((m) => m.id), [p.minA.orgId]);
    assert.deepEqual(list.find((s) => s.sector === 'water')!.ministries, []);
  });

  // For each endpoint on operator A's report (or system): the status each caller gets. 404 = may not
  // see it (its existence is not told), 403 = the route is not for that role or that side.
  const SEE_A: Who[] = ['opA', 'minA', 'agency'];
  const matrix: Array<{ name: string; expect: Partial<Record<Who, number>>; fallback: number; run: (w: Who) => Promise<{ statusCode: number; body: string }> }> = [
    { name: 'GET report', expect: { opA: 200, minA: 200, agency: 200, opB: 404, minB: 404 }, fallback: 403, run: (w) => call(w, 'GET', `/api/v1/reports/${reportA}`) },
    { name: 'POST submission', expect: { opA: 200, opB: 404 }, fallback: 403, run: async (w) => call(w, 'POST', `/api/v1/reports/${reportA}/submissions`, { stage: 'update', version: await versionOf(reportA), content: body() }) },
    { name: 'POST ack', expect: { minA: 200, agency: 200, minB: 404 }, fallback: 403, run: (w) => call(w, 'POST', `/api/v1/reports/${reportA}/ack`) },
    { name: 'POST triage', expect: { minA: 200, agency: 200, minB: 404 }, fallback: 403, run: async (w) => call(w, 'POST', `/api/v1/reports/${reportA}/triage`, { version: await versionOf(reportA), severity: 'high' }) },
    { name: 'POST question', expect: { minA: 201, agency: 201, minB: 404, opB: 404, opA: 403 }, fallback: 403, run: (w) => call(w, 'POST', `/api/v1/reports/${reportA}/messages`, { kind: 'question', body: 'when?' }) },
    { name: 'POST guidance', expect: { minA: 201, agency: 201, minB: 404 }, fallback: 403, run: (w) => call(w, 'POST', `/api/v1/reports/${reportA}/guidance`, { kind: 'damage_control', title: 'x', body: 'y' }) },
    {
      name: 'PUT guidance revision',
      expect: { minA: 200, agency: 200, minB: 404 },
      fallback: 403,
      run: async (w) => {
        const h = (await call('agency', 'GET', `/api/v1/reports/${reportA}/guidance/${guidanceA}`)).json<Array<{ version: number }>>();
        return call(w, 'PUT', `/api/v1/reports/${reportA}/guidance/${guidanceA}`, { version: h[0]!.version, title: `rev by ${w}`, body: 'z' });
      },
    },
    { name: 'GET guidance', expect: { opA: 200, minA: 200, agency: 200, opB: 404, minB: 404 }, fallback: 403, run: (w) => call(w, 'GET', `/api/v1/reports/${reportA}/guidance/${guidanceA}`) },
    { name: 'GET indicators', expect: { minA: 200, agency: 200, minB: 404 }, fallback: 403, run: (w) => call(w, 'GET', `/api/v1/reports/${reportA}/indicators`) },
    { name: 'POST attachment', expect: { opA: 201, minA: 201, agency: 201, opB: 404, minB: 404 }, fallback: 403, run: (w) => call(w, 'POST', `/api/v1/reports/${reportA}/attachments?filename=a.bin`, Buffer.from([1, 2, 3]), { 'content-type': 'application/octet-stream' }) },
    { name: 'GET attachment', expect: { opA: 200, minA: 200, agency: 200, opB: 404, minB: 404 }, fallback: 403, run: (w) => call(w, 'GET', `/api/v1/reports/${reportA}/attachments/${attachmentA}`) },
    { name: 'GET system', expect: { opA: 200, minA: 200, agency: 200, opB: 404, minB: 404 }, fallback: 403, run: (w) => call(w, 'GET', `/api/v1/systems/${systemA}`) },
    {
      name: 'PUT system',
      expect: { opA: 200, opB: 404 },
      fallback: 403,
      run: async (w) => {
        const s = (await call('agency', 'GET', `/api/v1/systems/${systemA}`)).json<{ version: number }>();
        return call(w, 'PUT', `/api/v1/systems/${systemA}`, { version: s.version, name: 'billing', function: 'customer billing', networkLocation: `DMZ (${w})` });
      },
    },
    { name: 'POST system', expect: { opA: 201, opB: 201 }, fallback: 403, run: (w) => call(w, 'POST', '/api/v1/systems', { name: `s-${w}`, function: 'f', networkLocation: 'n' }) },
    { name: 'POST report', expect: { opA: 201, opB: 201 }, fallback: 403, run: (w) => call(w, 'POST', '/api/v1/reports', { kind: 'precursor', title: `r-${w}`, detectedAt: new Date(Date.now() - 60_000).toISOString(), content: body() }) },
    { name: 'GET deadline rules', expect: { opA: 200, opB: 200, minA: 200, minB: 200, agency: 200, admin: 200 }, fallback: 403, run: (w) => call(w, 'GET', '/api/v1/reports/deadline-rules') },
    { name: 'PUT deadline rule', expect: { admin: 200 }, fallback: 403, run: (w) => call(w, 'PUT', '/api/v1/reports/deadline-rules', { sector: 'gas', kind: '*', milestone: 'early_warning', hours: 12, months: 0 }) },
  ];

  for (const row of matrix) {
    test(`tenancy matrix: ${row.name}`, async () => {
      for (const w of ALL) {
        const r = await row.run(w);
        const want = row.expect[w] ?? row.fallback;
        assert.equal(r.statusCode, want, `${row.name} as ${w}: ${r.statusCode} ${r.body.slice(0, 300)}`);
        if (want === 404) assert.match(r.body, /does not exist/, 'hidden items are not told apart from missing ones');
      }
    });
  }

  test('tenancy matrix: lists (reports, due, systems) show each caller only what it may see', async () => {
    for (const w of ALL) {
      for (const url of ['/api/v1/reports', '/api/v1/reports/due', '/api/v1/systems']) {
        const r = await call(w, 'GET', url);
        if (['carrier', 'partner', 'admin'].includes(w)) {
          assert.equal(r.statusCode, 403, `${url} as ${w}`);
          continue;
        }
        assert.equal(r.statusCode, 200, `${url} as ${w}: ${r.body}`);
        const items = r.json<Array<{ id?: string; reportId?: string }>>();
        const ids = new Set(items.map((i) => i.reportId ?? i.id));
        if (url === '/api/v1/systems') {
          assert.equal(ids.has(systemA), SEE_A.includes(w), `${url} as ${w} and system A`);
        } else {
          assert.equal(ids.has(reportA), SEE_A.includes(w), `${url} as ${w} and report A`);
          assert.equal(ids.has(reportB), ['opB', 'minB', 'agency'].includes(w), `${url} as ${w} and report B`);
        }
      }
    }
  });

  test('every read of a report is audited, with who read it', async () => {
    await call('minA', 'GET', `/api/v1/reports/${reportA}`);
    const audit = await call('admin', 'GET', '/api/v1/audit?action=report.read&limit=1000');
    const rows = audit.json<Array<{ actorUserId: string; targetId: string; details: { view: string } }>>();
    assert.ok(rows.some((e) => e.actorUserId === p.minA.userId && e.targetId === reportA && e.details.view === 'full'));
    assert.ok(rows.some((e) => e.actorUserId === p.opA.userId && e.targetId === reportA && e.details.view === 'list'));
    assert.ok(!rows.some((e) => e.actorUserId === p.opB.userId && e.targetId === reportA));
  });

  test('attachments: the hash is recorded and returned; the file comes back byte for byte', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_v, i) => i));
    const up = await call('opA', 'POST', `/api/v1/reports/${reportA}/attachments?filename=${encodeURIComponent('memory dump.bin')}`, bytes, { 'content-type': 'application/octet-stream' });
    assert.equal(up.statusCode, 201, up.body);
    const meta = up.json<{ id: string; sha256: string; size: number }>();
    assert.equal(meta.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(meta.size, 256);
    const down = await call('agency', 'GET', `/api/v1/reports/${reportA}/attachments/${meta.id}`);
    assert.equal(down.statusCode, 200);
    assert.ok(down.rawPayload.equals(bytes));
    assert.equal(down.headers['x-content-sha256'], meta.sha256);
  });

  test('bad input is refused with the field and the reason', async () => {
    const detectedAt = new Date(Date.now() - 3600_000).toISOString();
    const cases: Array<[string, () => Promise<{ statusCode: number; body: string }>, number, string, RegExp]> = [
      ['missing title', () => call('opA', 'POST', '/api/v1/reports', { kind: 'incident', detectedAt, content: body() }), 400, 'VALIDATION', /required property 'title'/],
      ['missing impact', () => call('opA', 'POST', '/api/v1/reports', { kind: 'incident', title: 't', detectedAt, content: { whatHappened: 'x' } }), 400, 'VALIDATION', /body\/content must have required property 'impact'/],
      ['missing slaBreached', () => call('opA', 'POST', '/api/v1/reports', { kind: 'incident', title: 't', detectedAt, content: body({ impact: { level: 'none', description: 'd' } }) }), 400, 'VALIDATION', /body\/content\/impact must have required property 'slaBreached'/],
      ['unknown kind', () => call('opA', 'POST', '/api/v1/reports', { kind: 'rumour', title: 't', detectedAt, content: body() }), 400, 'VALIDATION', /body\/kind/],
      ['bad detection time', () => call('opA', 'POST', '/api/v1/reports', { kind: 'incident', title: 't', detectedAt: 'yesterday', content: body() }), 400, 'VALIDATION', /body\/detectedAt must match format "date-time"/],
      ['detection in the future', () => call('opA', 'POST', '/api/v1/reports', { kind: 'incident', title: 't', detectedAt: new Date(Date.now() + 86400_000).toISOString(), content: body() }), 400, 'INVALID_TIME', /detectedAt .* is in the future/],
      ['bad indicator', () => call('opA', 'POST', '/api/v1/reports', { kind: 'incident', title: 't', detectedAt, content: body({ indicators: [{ type: 'ipv4-addr', value: 'evil.example' }] }) }), 400, 'INVALID_INDICATOR', /content\/indicators\/0\/value/],
      ['incomplete DDoS form', () => call('opA', 'POST', '/api/v1/reports', { kind: 'incident', title: 't', detectedAt, content: body({ form: { type: 'ddos', startedAt: detectedAt, targets: ['x'], upstreamContacted: false } }) }), 400, 'VALIDATION', /attackVectors/],
      ['another operator\'s system', () => call('opB', 'POST', '/api/v1/reports', { kind: 'incident', title: 't', detectedAt, content: body({ systemIds: [systemA] }) }), 400, 'UNKNOWN_SYSTEM', /content\/systemIds\/0/],
      ['a second initial stage', async () => call('opA', 'POST', `/api/v1/reports/${reportA}/submissions`, { stage: 'initial', version: await versionOf(reportA), content: body() }), 409, 'WRONG_STAGE_ORDER', /^stage: "initial" cannot follow/],
      ['a stale version', () => call('opA', 'POST', `/api/v1/reports/${reportA}/submissions`, { stage: 'update', version: 1, content: body() }), 409, 'VERSION_CONFLICT', /is at version \d+, the change was made on version 1/],
      ['missing version', () => call('opA', 'POST', `/api/v1/reports/${reportA}/submissions`, { stage: 'update', content: body() }), 400, 'VALIDATION', /required property 'version'/],
      ['an empty attachment', () => call('opA', 'POST', `/api/v1/reports/${reportA}/attachments?filename=x`, '', { 'content-type': 'application/octet-stream' }), 400, 'ATTACHMENT_EMPTY', /attachment: .* empty/],
      ['an attachment without a filename', () => call('opA', 'POST', `/api/v1/reports/${reportA}/attachments`, Buffer.from('x'), { 'content-type': 'application/octet-stream' }), 400, 'VALIDATION', /filename/],
      ['a bad CPE', () => call('opA', 'POST', '/api/v1/systems', { name: 'n', function: 'f', networkLocation: 'l', products: [{ product: 'p', cpe: 'nginx' }] }), 400, 'INVALID_CPE', /products\/0\/cpe/],
      ['a deadline of zero', () => call('admin', 'PUT', '/api/v1/reports/deadline-rules', { sector: 'gas', kind: '*', milestone: 'final', hours: 0, months: 0 }), 400, 'INVALID_PERIOD', /positive period/],
      ['a TLP that is not TLP 2.0', () => call('opA', 'POST', '/api/v1/reports', { kind: 'incident', title: 't', detectedAt, content: body({ tlp: 'white' }) }), 400, 'VALIDATION', /body\/content\/tlp/],
      ['sharing indicators without a collection', async () => call('agency', 'POST', `/api/v1/reports/${reportA}/triage`, { version: await versionOf(reportA), shareIndicatorsTo: {} }), 400, 'VALIDATION', /shareIndicatorsTo must have required property 'collectionId'/],
      ['linking a non-ministry to a sector', () => call('admin', 'PUT', `/api/v1/sectors/gas/ministries/${p.opA.orgId}`), 400, 'NOT_A_MINISTRY', /not a ministry/],
    ];
    for (const [name, run, status, code, message] of cases) {
      const r = await run();
      assert.equal(r.statusCode, status, `${name}: ${r.body}`);
      const e = JSON.parse(r.body) as { error: string; message: string; details?: unknown };
      assert.equal(e.error, code, `${name}: ${r.body}`);
      assert.match(e.message, message, name);
    }
  });

  test("the agency's triage turns the report's indicators into STIX marked with its TLP, readable over TAXII; a ministry may not", async () => {
    const coll = await createCollection(t.store.db, SYSTEM_ACTOR, { title: 'from reports', ownerOrgId: p.agency.orgId, readRoles: ['agency_analyst'], writeRoles: ['agency_analyst'], defaultTlp: 'amber' });
    const detectedAt = new Date(Date.now() - 3600_000).toISOString();
    const made = await call('opA', 'POST', '/api/v1/reports', { kind: 'incident', title: 'shared', detectedAt, content: body({ tlp: 'green', indicators: [{ type: 'ipv4-addr', value: '192.0.2.77' }, { type: 'file-md5', value: 'nope' }] }) });
    assert.equal(made.statusCode, 201, made.body);
    const id = made.json<{ id: string }>().id;
    const byMinistry = await call('minA', 'POST', `/api/v1/reports/${id}/triage`, { version: 1, shareIndicatorsTo: { collectionId: coll.id } });
    assert.equal(byMinistry.statusCode, 403, byMinistry.body);
    assert.equal(byMinistry.json<{ error: string }>().error, 'AGENCY_ONLY');
    const r = await call('agency', 'POST', `/api/v1/reports/${id}/triage`, { version: 1, severity: 'medium', shareIndicatorsTo: { collectionId: coll.id } });
    assert.equal(r.statusCode, 200, r.body);
    const sharing = r.json<{ sharing: { tlp: string; indicatorIds: string[]; failures: Array<{ index: number; message: string }>; candidates: number } }>().sharing;
    assert.equal(sharing.tlp, 'green');
    assert.equal(sharing.indicatorIds.length, 1);
    assert.equal(sharing.candidates, 1);
    assert.deepEqual(sharing.failures.map((f) => f.index), [1]);
    assert.match(sharing.failures[0]!.message, /content\/indicators\/1\/value/);
    const page = await call('agency', 'GET', `/taxii2/acd/collections/${coll.id}/objects/?match[type]=indicator`, undefined, { accept: 'application/taxii+json;version=2.1' });
    assert.equal(page.statusCode, 200, page.body);
    const objs = page.json<{ objects: Array<{ id: string; pattern: string; object_marking_refs: string[] }> }>().objects;
    assert.deepEqual(objs.map((o) => [o.id, o.pattern]), [[sharing.indicatorIds[0], "[ipv4-addr:value = '192.0.2.77']"]]);
    assert.deepEqual(objs[0]!.object_marking_refs, [TLP2_MARKING_IDS.green]);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(p.admin) });
    assert.match(metrics.body, /acd_report_indicators_stix_total\{result="refused"\} 1/);
  });

  test('an update to a final report is refused; an oversized attachment gets a 413 naming the limit', async () => {
    const v = await versionOf(reportB);
    const f = await call('opB', 'POST', `/api/v1/reports/${reportB}/submissions`, { stage: 'final', version: v, content: body() });
    assert.equal(f.statusCode, 200, f.body);
    const again = await call('opB', 'POST', `/api/v1/reports/${reportB}/submissions`, { stage: 'update', version: v + 1, content: body() });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json<{ error: string }>().error, 'REPORT_FINAL');
    assert.match(again.json<{ message: string }>().message, /^stage: .*no update can follow a final report/);
    const big = await call('opB', 'POST', `/api/v1/reports/${reportB}/attachments?filename=big.bin`, Buffer.alloc(DEFAULT_MAX_ATTACHMENT_BYTES + 1), { 'content-type': 'application/octet-stream' });
    assert.equal(big.statusCode, 413, big.body);
    assert.equal(big.json<{ error: string }>().error, 'ATTACHMENT_TOO_LARGE');
    assert.match(big.json<{ message: string }>().message, new RegExp(`limit of ${DEFAULT_MAX_ATTACHMENT_BYTES} bytes`));
    const exact = await call('opB', 'POST', `/api/v1/reports/${reportB}/attachments?filename=max.bin`, Buffer.alloc(DEFAULT_MAX_ATTACHMENT_BYTES, 1), { 'content-type': 'application/octet-stream' });
    assert.equal(exact.statusCode, 201, 'a file of exactly the limit is accepted');
    // streamed without a Content-Length: counted as it arrives and cut at the limit
    const half = DEFAULT_MAX_ATTACHMENT_BYTES / 2;
    const streamed = await t.app.inject({
      method: 'POST',
      url: `/api/v1/reports/${reportB}/attachments?filename=stream.bin`,
      headers: { ...bearer(p.opB), 'content-type': 'application/octet-stream' },
      payload: Readable.from([Buffer.alloc(half), Buffer.alloc(half + 1)]),
    });
    assert.equal(streamed.statusCode, 413, streamed.body);
    assert.match(streamed.json<{ message: string }>().message, new RegExp(`limit of ${DEFAULT_MAX_ATTACHMENT_BYTES} bytes`));
  });

  test('metrics count reports filed, stages and evidence bytes', async () => {
    const m = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    const value = (re: RegExp) => Number(re.exec(m)?.[1] ?? NaN);
    assert.ok(value(/acd_reports_filed_total\{kind="incident",sector="electricity"\} (\d+)/) >= 1, m);
    assert.ok(value(/acd_reports_filed_total\{kind="precursor",sector="railways"\} (\d+)/) >= 1);
    assert.ok(value(/acd_report_stages_total\{stage="update"\} (\d+)/) >= 1);
    assert.ok(value(/acd_report_attachment_bytes_total (\d+)/) >= 'access log excerpt'.length);
  });

  test('concurrent HTTP updates on one version: one 200, the rest 409 with the current version', async () => {
    const v = await versionOf(reportA);
    const rs = await Promise.all(Array.from({ length: 5 }, (_x, i) => call('opA', 'POST', `/api/v1/reports/${reportA}/submissions`, { stage: 'update', version: v, content: body({ whatHappened: `w${i}` }) })));
    assert.deepEqual(rs.map((r) => r.statusCode).sort(), [200, 409, 409, 409, 409]);
    for (const r of rs.filter((x) => x.statusCode === 409)) assert.deepEqual(r.json<{ details: unknown }>().details, { currentVersion: v + 1 });
  });
});
