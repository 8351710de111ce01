/**
 * What an administrator does with a person after creating them (issue #20): disable and enable
 * (sessions end and tokens stop at once), force a password reset, change roles, list and end sessions;
 * and the person setting a new password. Every act is audited.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import { recordAudit } from '../oversight/index.js';
import { AcdError, notFound } from '../shared/errors.js';
import { checkRolesForOrg } from './accounts.js';
import { checkPasswordStrength } from './passwords.js';
import { hashPassword } from './secrets.js';
import { forgetCachedTokens } from './token-cache.js';
import type { Actor, OrgKind, Role } from '../shared/roles.js';

async function person(db: Kysely<Database>, userId: string) {
  const u = await db.selectFrom('users').innerJoin('organisations', 'organisations.id', 'users.org_id').select(['users.id', 'users.username', 'users.display_name', 'users.roles', 'users.disabled', 'organisations.kind']).where('users.id', '=', userId).executeTakeFirst();
  if (!u) throw notFound('person', userId);
  return u;
}

/** Disables (or enables) a person: a disabled person's sessions are ended and tokens refused at once. */
export async function setPersonDisabled(db: Kysely<Database>, actor: Actor, userId: string, disabled: boolean, reason: string): Promise<void> {
  await person(db, userId);
  if (disabled && userId === actor.userId) throw new AcdError('SELF_DISABLE', 'an administrator cannot disable themself');
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ disabled }).where('id', '=', userId).execute();
    const ended = disabled ? Number((await trx.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst()).numDeletedRows) : 0;
    await recordAudit(trx, { actor, action: disabled ? 'user.disable' : 'user.enable', target: { type: 'user', id: userId }, reason, details: { sessionsEnded: ended } });
  });
  forgetCachedTokens();
}

/** The person must set a new password before logging in again; their sessions end now. */
export async function forcePasswordReset(db: Kysely<Database>, actor: Actor, userId: string, reason: string): Promise<void> {
  await person(db, userId);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ password_reset_required: true }).where('id', '=', userId).execute();
    const ended = Number((await trx.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst()).numDeletedRows);
    await recordAudit(trx, { actor, action: 'user.password_reset_forced', target: { type: 'user', id: userId }, reason, details: { sessionsEnded: ended } });
  });
}

export async function setPersonRoles(db: Kysely<Database>, actor: Actor, userId: string, roles: string[], reason: string): Promise<Role[]> {
  const u = await person(db, userId);
  checkRolesForOrg(u.kind as OrgKind, roles);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ roles }).where('id', '=', userId).execute();
    await recordAudit(trx, { actor, action: 'user.roles', target: { type: 'user', id: userId }, reason, details: { from: u.roles, to: roles } });
  });
  forgetCachedTokens();
  return roles;
}

export interface SessionView {
  id: string;
  createdAt: string;
  expiresAt: string;
}

export async function listSessions(db: Kysely<Database>, actor: Actor, userId: string): Promise<SessionView[]> {
  await person(db, userId);
  const rows = await db.selectFrom('sessions').select(['id_hash', 'created_at', 'expires_at']).where('user_id', '=', userId).where('expires_at', '>', new Date()).orderBy('created_at').execute();
  await recordAudit(db, { actor, action: 'user.sessions.read', target: { type: 'user', id: userId }, details: { count: rows.length } });
  // the id is the stored hash of the cookie: it names the session without being able to open it
  return rows.map((r) => ({ id: r.id_hash, createdAt: new Date(r.created_at).toISOString(), expiresAt: new Date(r.expires_at).toISOString() }));
}

export async function endPersonSession(db: Kysely<Database>, actor: Actor, userId: string, sessionId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const r = await trx.deleteFrom('sessions').where('user_id', '=', userId).where('id_hash', '=', sessionId).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw notFound('session', sessionId);
    await recordAudit(trx, { actor, action: 'user.session.end', target: { type: 'user', id: userId }, details: { session: sessionId.slice(0, 12) } });
  });
}

/** The person's own new password (after checking the current one): strength checked, the reset flag cleared. */
export async function setOwnPassword(db: Kysely<Database>, userId: string, newPassword: string): Promise<void> {
  const u = await person(db, userId);
  checkPasswordStrength(newPassword, [u.username, u.display_name]);
  const hash = await hashPassword(newPassword);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ password_hash: hash, password_reset_required: false }).where('id', '=', userId).execute();
    await recordAudit(trx, { actor: null, action: 'user.password_set', target: { type: 'user', id: userId } });
  });
}
