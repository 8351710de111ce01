/**
 * Hostile input at the edges (issue #20): every case the attacker's probe answered with a 500 now gets a
 * 4xx JSON error naming the field, and nothing of it is stored. On both engines.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, bearer, type TestApp } from '../helpers/app.js';
import { engineCases } from '../helpers/stores.js';
import { checkJsonDepth, isStrictDateTime } from '../../src/server/input-guard.js';

const content = { whatHappened: 'portal defaced', impact: { level: 'partial_outage', description: 'down 2 h', slaBreached: false }, indicators: [{ type: 'url', value: 'http://evil.example/x' }] };
const deep = (n: number): string => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

for (const engine of engineCases()) {
  describe(`hostile input (${engine.name})`, () => {
    let t: TestApp;
    const call = (who: 'operator' | 'admin' | 'auditor' | 'agency_lead' | 'partner', method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
      t.app.inject({ method: method as 'GET', url, headers: { ...bearer(t.people[who]), ...headers }, ...(payload !== undefined ? { payload: payload as string } : {}) });
    const reportCount = async (): Promise<number> => Number((await t.store.db.selectFrom('reports' as never).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow() as { n: string | number }).n);

    before(async () => { t = await createTestApp({}, [], () => engine.open()); });
    after(async () => { await t.close(); await engine.cleanup(); });

    test('NUL and lone surrogates in any text field: 400 naming the field, nothing stored', async () => {
      const before = await reportCount();
      for (const [field, bad] of [['title', 'a\u0000b'], ['title', 'x\uD800y'], ['title', '\uDC00'], ['whatHappened', 'nul\u0000']] as const) {
        const payload = field === 'title'
          ? { kind: 'incident', title: bad, detectedAt: new Date().toISOString(), content }
          : { kind: 'incident', title: 'ok', detectedAt: new Date().toISOString(), content: { ...content, whatHappened: bad } };
        const r = await call('operator', 'POST', '/api/v1/reports', payload);
        assert.equal(r.statusCode, 400, `${field}: ${r.body}`);
        const e = r.json<{ error: string; message: string }>();
        assert.equal(e.error, 'VALIDATION');
        assert.match(e.message, new RegExp(field), e.message);
      }
      // keys too (stored jsonb cannot hold NUL in a key either)
      const r = await call('operator', 'POST', '/api/v1/reports', { kind: 'incident', title: 'ok', detectedAt: new Date().toISOString(), content: { ...content, ['k\u0000']: 1 } });
      assert.ok(r.statusCode >= 400 && r.statusCode < 500, r.body);
      assert.equal(await reportCount(), before);
      const sys = await call('operator', 'POST', '/api/v1/systems', { name: 'a\u0000', function: 'f', networkLocation: 'DMZ', products: [] });
      assert.equal(sys.statusCode, 400, sys.body);
      assert.match(sys.json<{ message: string }>().message, /body\.name/);
      const org = await call('admin', 'POST', '/api/v1/organisations', { name: 'x\uD83D', kind: 'partner' });
      assert.equal(org.statusCode, 400, org.body);
    });

    test('%00 and NUL as path ids: 4xx', async () => {
      for (const url of ['/api/v1/reports/%00', '/api/v1/findings/%00', '/api/v1/approvals/%00', '/api/v1/operations/%00', '/api/v1/approvals/%00/flows', '/taxii2/%00/', '/taxii2/%00/collections/%00/objects/%00/']) {
        const r = await call('admin', 'GET', url, undefined, url.startsWith('/taxii2') ? { accept: 'application/taxii+json;version=2.1' } : {});
        assert.ok(r.statusCode >= 400 && r.statusCode < 500, `${url}: ${r.statusCode} ${r.body}`);
        assert.doesNotThrow(() => r.json(), url);
      }
    });

    test('afterSeq of 2^63 or 1e400: 400 naming the field', async () => {
      for (const v of ['9223372036854775808', '1e400', '-1e400', 'Infinity', '1e21']) {
        const r = await call('auditor', 'GET', `/api/v1/audit?afterSeq=${v}`);
        assert.equal(r.statusCode, 400, `${v}: ${r.body}`);
        assert.match(r.json<{ message: string }>().message, /afterSeq/);
      }
      const ok = await call('auditor', 'GET', `/api/v1/audit?afterSeq=${Number.MAX_SAFE_INTEGER}`);
      assert.equal(ok.statusCode, 200, ok.body);
    });

    test('dates with year 0000, a :60 leap second or a 31st of February: 400 naming the field', async () => {
      const before = await reportCount();
      for (const d of ['0000-01-01T00:00:00Z', '2016-12-31T23:59:60Z', '2023-02-31T00:00:00Z', '2023-01-01T24:00:00Z', '+275760-09-13T00:00:00Z']) {
        const r = await call('operator', 'POST', '/api/v1/reports', { kind: 'incident', title: 't', detectedAt: d, content });
        assert.equal(r.statusCode, 400, `${d}: ${r.body}`);
        assert.match(r.json<{ message: string }>().message, /detectedAt/);
      }
      assert.equal(await reportCount(), before);
      // found by the fuzz: the transparency report's default start, a year before to=0001-01-01
      const tr = await call('auditor', 'GET', '/api/v1/transparency?to=0001-01-01T00:00:00.024Z&period=week&format=json');
      assert.equal(tr.statusCode, 200, tr.body);
      assert.ok(isStrictDateTime('2024-02-29T23:59:59.123+09:00'));
      assert.ok(!isStrictDateTime('2023-02-29T00:00:00Z'));
    });

    test('0001-01-01 reads back as 0001-01-01, not 2001', async () => {
      const r = await call('operator', 'POST', '/api/v1/reports', { kind: 'incident', title: 'old', detectedAt: '0001-01-01T00:00:00Z', content });
      if (r.statusCode === 201) {
        const id = r.json<{ id: string }>().id;
        const back = await call('operator', 'GET', `/api/v1/reports/${id}`);
        assert.equal(back.statusCode, 200, back.body);
        assert.equal(back.json<{ detectedAt: string }>().detectedAt, '0001-01-01T00:00:00.000Z');
      } else {
        assert.equal(r.statusCode, 400, r.body);
        assert.match(r.json<{ message: string }>().message, /detectedAt/);
      }
    });

    test('a string field is not coerced from a number', async () => {
      const before = await reportCount();
      const r = await call('operator', 'POST', '/api/v1/reports', { kind: 'incident', title: 5, detectedAt: new Date().toISOString(), content });
      assert.equal(r.statusCode, 400, r.body);
      assert.match(r.json<{ message: string }>().message, /body\/title must be string/);
      assert.equal(await reportCount(), before);
      // query parameters are text on the wire and still become numbers
      assert.equal((await call('auditor', 'GET', '/api/v1/audit?afterSeq=0&limit=5')).statusCode, 200);
    });

    test('a body nested 10 000 deep is refused before parsing, TAXII included', async () => {
      const r = await call('operator', 'POST', '/api/v1/reports', deep(10_000), { 'content-type': 'application/json' });
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json<{ error: string }>().error, 'BODY_TOO_DEEP');
      const tx = await call('admin', 'POST', '/taxii2/acd/collections/00000000-0000-4000-8000-000000000000/objects/', `{"objects":[${deep(10_000)}]}`, { 'content-type': 'application/taxii+json;version=2.1', accept: 'application/taxii+json;version=2.1' });
      assert.ok(tx.statusCode >= 400 && tx.statusCode < 500, `${tx.statusCode} ${tx.body}`);
      assert.throws(() => checkJsonDepth(deep(65)), /deeper than 64/);
      assert.doesNotThrow(() => checkJsonDepth(deep(64)));
      assert.doesNotThrow(() => checkJsonDepth(`{"s":"${'{'.repeat(100)}"}`), 'brackets inside strings do not count');
    });
  });
}

test('PGlite timestamps parse as PostgreSQL writes them (years < 100, BC, offsets)', async () => {
  const { parsePgTimestamp } = await import('../../src/store/store.js');
  assert.equal(parsePgTimestamp('0001-01-01 00:00:00+00').toISOString(), '0001-01-01T00:00:00.000Z');
  assert.equal(parsePgTimestamp('0049-06-30 12:00:00.25+09:30').toISOString(), '0049-06-30T02:30:00.250Z');
  assert.equal(parsePgTimestamp('2024-02-29 23:59:59.999-05').toISOString(), '2024-03-01T04:59:59.999Z');
  assert.equal(parsePgTimestamp('0001-01-01 00:00:00+00 BC').getUTCFullYear(), 0);
});

test('answers holding non-public data carry Cache-Control: no-store; public docs do not', async () => {
  const t = await createTestApp();
  try {
    const who = t.people.admin;
    for (const url of ['/api/v1/audit', '/api/v1/reports', '/api/v1/nope', '/taxii2/']) {
      const r = await t.app.inject({ method: 'GET', url, headers: { ...bearer(who), accept: 'application/taxii+json;version=2.1' } });
      assert.equal(r.headers['cache-control'], 'no-store', `${url} ${r.statusCode}`);
    }
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: who.username, password: 'wrong password here' } });
    assert.equal(login.headers['cache-control'], 'no-store');
    const docs = await t.app.inject({ method: 'GET', url: '/api/docs/json' });
    assert.equal(docs.statusCode, 200);
    assert.notEqual(docs.headers['cache-control'], 'no-store');
  } finally {
    await t.close();
  }
});
