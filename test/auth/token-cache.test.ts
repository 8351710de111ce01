/**
 * The in-process token cache: what it may get wrong and how far (src/auth/token-cache.ts).
 * Times are passed to actorFromToken explicitly, so nothing here depends on the clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actorFromToken } from '../../src/auth/sessions.js';
import { sha256Hex } from '../../src/auth/secrets.js';
import { forgetCachedTokens, getCachedToken, putCachedToken, setTokenCacheTtl, tokenCacheGeneration } from '../../src/auth/token-cache.js';
import { bearer, createTestApp } from '../helpers/app.js';

test('a revocation through the API takes effect on the very next request, although the token was just cached', async () => {
  const t = await createTestApp({ tokenCacheSeconds: 60 });
  try {
    const p = t.people.operator;
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(p) })).statusCode, 200);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(p) })).statusCode, 200);
    const tokenId = (await t.store.db.selectFrom('api_tokens').select('id').where('token_hash', '=', sha256Hex(p.token)).executeTakeFirstOrThrow()).id;
    const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/people/${p.userId}/tokens/${tokenId}`, headers: bearer(p) });
    assert.equal(del.statusCode, 200, del.body);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(p) })).statusCode, 401);
  } finally {
    await t.close();
  }
});

test('a revocation made elsewhere (another process, SQL) is honoured within tokenCacheSeconds and not later', async () => {
  const t = await createTestApp({ tokenCacheSeconds: 5 });
  try {
    const p = t.people.agency_analyst;
    const t0 = Date.now();
    assert.equal((await actorFromToken(t.store.db, p.token, new Date(t0)))?.userId, p.userId);
    await t.store.db.updateTable('api_tokens').set({ revoked_at: new Date(t0) }).where('token_hash', '=', sha256Hex(p.token)).execute();
    // the documented staleness: this process has not heard of the revocation yet
    assert.equal((await actorFromToken(t.store.db, p.token, new Date(t0 + 4_000)))?.userId, p.userId);
    // past the window the store is asked again, and says no
    assert.equal(await actorFromToken(t.store.db, p.token, new Date(t0 + 5_001)), null);
    assert.equal(await actorFromToken(t.store.db, p.token, new Date(t0 + 5_002)), null, 'a refused token is not cached as valid');
  } finally {
    await t.close();
  }
});

test('tokenCacheSeconds 0: every request asks the store', async () => {
  const t = await createTestApp({ tokenCacheSeconds: 0 });
  try {
    const p = t.people.agency_analyst;
    const t0 = Date.now();
    assert.ok(await actorFromToken(t.store.db, p.token, new Date(t0)));
    await t.store.db.updateTable('users').set({ disabled: true }).where('id', '=', p.userId).execute();
    assert.equal(await actorFromToken(t.store.db, p.token, new Date(t0 + 1)), null);
  } finally {
    await t.close();
    setTokenCacheTtl(5);
  }
});

test("a cached token still expires at its own expiry, not the cache's", async () => {
  const t = await createTestApp({ tokenCacheSeconds: 60 });
  try {
    const p = t.people.operator;
    const t0 = Date.now();
    await t.store.db.updateTable('api_tokens').set({ expires_at: new Date(t0 + 1_000) }).where('token_hash', '=', sha256Hex(p.token)).execute();
    assert.ok(await actorFromToken(t.store.db, p.token, new Date(t0)));
    assert.equal(await actorFromToken(t.store.db, p.token, new Date(t0 + 1_000)), null);
  } finally {
    await t.close();
    setTokenCacheTtl(5);
  }
});

test('an answer looked up while a revocation committed is not kept; stores never answer for each other', () => {
  setTokenCacheTtl(60);
  const storeA = {};
  const storeB = {};
  const actor = { userId: 'u', username: 'u', orgId: 'o', orgKind: 'agency' as const, roles: [], via: 'token' as const };
  const seen = tokenCacheGeneration();
  forgetCachedTokens(); // a revocation commits while the lookup is in flight
  putCachedToken(storeA, 'h', { actor, tokenId: 't', expiresAt: null }, 0, seen);
  assert.equal(getCachedToken(storeA, 'h', 1), undefined);

  putCachedToken(storeA, 'h', { actor, tokenId: 't', expiresAt: null }, 0, tokenCacheGeneration());
  assert.equal(getCachedToken(storeA, 'h', 1)?.tokenId, 't');
  assert.equal(getCachedToken(storeB, 'h', 1), undefined);
  forgetCachedTokens();
  assert.equal(getCachedToken(storeA, 'h', 1), undefined, 'a revocation anywhere in the process forgets every cached token');
  setTokenCacheTtl(5);
});
