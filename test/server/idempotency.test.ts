/**
 * Idempotency-Key on creating POSTs (issue #20), on both engines: a retry with the same key gets the first
 * answer (same id, one report stored, marked Idempotent-Replayed), another body under the same key is
 * refused, keys are per person, and without a key two POSTs are two reports.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, bearer, type TestApp } from '../helpers/app.js';
import { engineCases } from '../helpers/stores.js';

const content = { whatHappened: 'portal defaced', impact: { level: 'partial_outage', description: 'down 2 h', slaBreached: false }, indicators: [{ type: 'url', value: 'http://evil.example/x' }] };

for (const engine of engineCases()) {
  describe(`Idempotency-Key (${engine.name})`, () => {
    let t: TestApp;
    before(async () => { t = await createTestApp({}, [], () => engine.open()); });
    after(async () => { await t.close(); await engine.cleanup(); });
    const file = (title: string, key?: string, who = t.people.operator) => t.app.inject({
      method: 'POST', url: '/api/v1/reports', headers: { ...bearer(who), ...(key ? { 'idempotency-key': key } : {}) },
      payload: { kind: 'incident', title, detectedAt: '2026-01-02T03:04:05Z', content },
    });
    const count = async (title: string) => (await t.store.db.selectFrom('reports' as never).select('id' as never).where('title' as never, '=', title as never).execute()).length;

    test('a retry with the same key gets the first answer; one report is stored', async () => {
      const a = await file('cut connection', 'k-123');
      assert.equal(a.statusCode, 201, a.body);
      const b = await file('cut connection', 'k-123');
      assert.equal(b.statusCode, 201);
      assert.equal(b.headers['idempotent-replayed'], 'true');
      assert.equal(b.json<{ id: string }>().id, a.json<{ id: string }>().id);
      assert.deepEqual(b.json(), a.json());
      assert.equal(await count('cut connection'), 1);
    });

    test('the same key with another body is refused; keys are per person; no key, no deduplication', async () => {
      await file('first', 'k-456');
      const other = await file('second', 'k-456');
      assert.equal(other.statusCode, 422, other.body);
      assert.equal(other.json<{ error: string }>().error, 'IDEMPOTENCY_KEY_REUSED');
      assert.equal(await count('second'), 0);
      // the same key from someone else is theirs
      const elsewhere = await file('first', 'k-456', t.others.operator);
      assert.equal(elsewhere.statusCode, 201);
      assert.equal(elsewhere.headers['idempotent-replayed'], undefined);
      await file('twice');
      await file('twice');
      assert.equal(await count('twice'), 2);
      const bad = await file('bad key', 'k\u0001');
      assert.equal(bad.statusCode, 400);
    });
  });
}
