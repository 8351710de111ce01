/**
 * The server's side of "never sign backwards": after an insider cut the log, signing on demand is
 * refused (409 AUDIT_SIGN_REFUSED), /healthz fails (503, naming the refusal), the metric says so and the
 * error log carries the evidence; the latest checkpoint is served as text for anyone to keep.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createTestApp, bearer, type TestApp } from '../helpers/app.js';

describe('audit log health on the server', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => t.close());

  test('healthy, then truncated: sign refused, /healthz 503, metric and error log', async () => {
    const signed = await t.app.inject({ method: 'POST', url: '/api/v1/audit-log/heads', headers: bearer(t.people.commission_member) });
    assert.equal(signed.statusCode, 201, signed.body);
    const head = signed.json() as { treeSize: number; checkpoint: string };
    const health = await t.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(health.statusCode, 200, health.body);
    assert.equal((health.json() as { auditLog: { ok: boolean } }).auditLog.ok, true);
    const cp = await t.app.inject({ method: 'GET', url: '/api/v1/audit-log/checkpoint' });
    assert.equal(cp.statusCode, 200);
    assert.equal(cp.body, head.checkpoint, 'the latest checkpoint as text, to keep');
    const pub = (await t.app.inject({ method: 'GET', url: '/api/v1/audit-log/head' })).json() as { cosigned: boolean };
    assert.equal(pub.cosigned, false, 'no witness configured');

    // the insider cuts the last 5 entries
    const cut = head.treeSize - 5;
    for (const tb of ['audit_events', 'audit_log_leaves', 'audit_merkle_nodes']) await sql`alter table ${sql.id(tb)} disable trigger user`.execute(t.store.db);
    const seqs = (await sql<{ seq: string }>`select seq from audit_log_leaves where leaf_index >= ${cut}`.execute(t.store.db)).rows.map((r) => Number(r.seq));
    await sql`delete from audit_events where seq = any(${seqs}::bigint[]) or seq > ${Math.max(...seqs)}`.execute(t.store.db);
    await sql`delete from audit_log_leaves where leaf_index >= ${cut}`.execute(t.store.db);
    await sql`delete from audit_merkle_nodes where idx >= ${cut}`.execute(t.store.db);

    const refused = await t.app.inject({ method: 'POST', url: '/api/v1/audit-log/heads', headers: bearer(t.people.commission_member) });
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal((refused.json() as { error: string }).error, 'AUDIT_SIGN_REFUSED');
    const failing = await t.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(failing.statusCode, 503, failing.body);
    const body = failing.json() as { status: string; auditLog: { ok: boolean; refusal: { code: string; lastSignedSize: number } } };
    assert.equal(body.status, 'failing');
    assert.deepEqual({ code: body.auditLog.refusal.code, size: body.auditLog.refusal.lastSignedSize }, { code: 'AUDIT_SIGN_BACKWARDS', size: head.treeSize });
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /acd_audit_log_signing_refused 1/);
    assert.match(metrics, /acd_audit_log_sign_refused_total 1/);
    assert.match(t.logText(), /"level":50.*refusing to sign a tree head/);
  });
});
