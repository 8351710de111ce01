/**
 * Who is asking: from a Bearer token, HTTP Basic (username + token, for TAXII clients) or a web
 * session cookie. Roles and organisation always come from the store, never from the request.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import { newSecret, sha256Hex } from './secrets.js';
import { isOrgKind, isRole, type Actor, type OrgKind } from '../shared/roles.js';
import { getCachedToken, putCachedToken, tokenCacheGeneration } from './token-cache.js';

export const SESSION_COOKIE = 'acd_session';
export const CSRF_HEADER = 'x-csrf-token';

async function actorForUser(db: Kysely<Database>, userId: string, via: Actor['via']): Promise<Actor | null> {
  const row = await db
    .selectFrom('users')
    .innerJoin('organisations', 'organisations.id', 'users.org_id')
    .select(['users.id', 'users.username', 'users.roles', 'users.disabled', 'users.org_id', 'organisations.kind'])
    .where('users.id', '=', userId)
    .executeTakeFirst();
  if (!row || row.disabled || !isOrgKind(row.kind)) return null;
  return {
    userId: row.id,
    username: row.username,
    orgId: row.org_id,
    orgKind: row.kind as OrgKind,
    roles: row.roles.filter(isRole),
    via,
  };
}

export async function actorFromToken(db: Kysely<Database>, token: string, now = new Date()): Promise<Actor | null> {
  const hash = sha256Hex(token);
  // a token seen a moment ago answers from memory (see token-cache.ts for how stale it may be)
  const cached = getCachedToken(db, hash, now.getTime());
  if (cached) return { ...cached.actor, roles: [...cached.actor.roles] };
  const seenGeneration = tokenCacheGeneration();
  // one round trip for the token and its person; last_used_at is written at most once a minute, so a
  // busy client does not turn every request into a write
  const row = await db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .innerJoin('organisations', 'organisations.id', 'users.org_id')
    .select([
      'api_tokens.id as tokenId', 'api_tokens.expires_at', 'api_tokens.revoked_at', 'api_tokens.last_used_at',
      'users.id', 'users.username', 'users.roles', 'users.disabled', 'users.org_id', 'organisations.kind',
    ])
    .where('api_tokens.token_hash', '=', hash)
    .executeTakeFirst();
  if (!row || row.revoked_at || (row.expires_at && new Date(row.expires_at) <= now)) return null;
  if (row.disabled || !isOrgKind(row.kind)) return null;
  if (!row.last_used_at || now.getTime() - new Date(row.last_used_at).getTime() > 60_000) {
    await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.tokenId).execute();
  }
  const actor: Actor = { userId: row.id, username: row.username, orgId: row.org_id, orgKind: row.kind as OrgKind, roles: row.roles.filter(isRole), via: 'token' };
  putCachedToken(db, hash, { actor, tokenId: row.tokenId, expiresAt: row.expires_at ? new Date(row.expires_at).getTime() : null }, now.getTime(), seenGeneration);
  return { ...actor, roles: [...actor.roles] };
}

/** HTTP Basic for TAXII clients: the username and one of that user's API tokens as the password. */
export async function actorFromBasic(db: Kysely<Database>, username: string, token: string): Promise<Actor | null> {
  const actor = await actorFromToken(db, token);
  return actor && actor.username === username ? actor : null;
}

export interface SessionLookup {
  actor: Actor;
  csrfHash: string;
}

export async function actorFromSession(db: Kysely<Database>, cookieValue: string, now = new Date()): Promise<SessionLookup | null> {
  const row = await db.selectFrom('sessions').selectAll().where('id_hash', '=', sha256Hex(cookieValue)).executeTakeFirst();
  if (!row || new Date(row.expires_at) <= now) return null;
  const actor = await actorForUser(db, row.user_id, 'session');
  return actor ? { actor, csrfHash: row.csrf_hash } : null;
}

export interface NewSession {
  cookieValue: string;
  csrfToken: string;
  expiresAt: Date;
}

export async function createSession(db: Kysely<Database>, userId: string, ttlMinutes: number): Promise<NewSession> {
  const cookieValue = newSecret('acd_ses');
  const csrfToken = newSecret('acd_csrf');
  const now = new Date();
  const expiresAt = new Date(now.getTime() + ttlMinutes * 60_000);
  await db
    .insertInto('sessions')
    .values({ id_hash: sha256Hex(cookieValue), user_id: userId, csrf_hash: sha256Hex(csrfToken), created_at: now, expires_at: expiresAt })
    .execute();
  // Expired sessions of anyone are cleared on the way: the table stays small without a job.
  await db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
  return { cookieValue, csrfToken, expiresAt };
}

export async function endSession(db: Kysely<Database>, cookieValue: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', sha256Hex(cookieValue)).execute();
}
