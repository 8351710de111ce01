/**
 * Organisations, people and API tokens. Every change is audited in the same transaction.
 */
import { checkPasswordStrength } from './passwords.js';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Organisation, User } from '../store/index.js';
import { recordAudit } from '../oversight/index.js';
import { AcdError, conflict, notFound } from '../shared/errors.js';
import { ROLES_BY_ORG_KIND, isOrgKind, isRole, type Actor, type OrgKind, type Role } from '../shared/roles.js';
import { hashPassword, newSecret, sha256Hex } from './secrets.js';
import { forgetCachedTokens } from './token-cache.js';

export const SECTORS = [
  'electricity', 'gas', 'oil', 'water', 'railways', 'trucking', 'ocean_freight', 'port_handling',
  'aviation', 'airports', 'telecommunications', 'broadcasting', 'postal_service', 'finance', 'credit_cards',
] as const;
export type Sector = (typeof SECTORS)[number];

export interface NewOrganisation {
  name: string;
  kind: OrgKind;
  sector?: Sector | null;
  country?: string | null;
}

export async function createOrganisation(db: Kysely<Database>, actor: Actor, input: NewOrganisation): Promise<Organisation> {
  if (!isOrgKind(input.kind)) throw new AcdError('INVALID_ORG_KIND', `organisation kind "${String(input.kind)}" is not one of the known kinds`);
  if (input.kind === 'operator' && !input.sector) {
    throw new AcdError('SECTOR_REQUIRED', `an operator organisation needs a sector (one of ${SECTORS.join(', ')})`);
  }
  if (input.sector && !(SECTORS as readonly string[]).includes(input.sector)) {
    throw new AcdError('INVALID_SECTOR', `sector "${input.sector}" is not one of ${SECTORS.join(', ')}`);
  }
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('organisations').select('id').where('name', '=', input.name).executeTakeFirst();
    if (existing) throw conflict(`an organisation named "${input.name}" exists already`);
    const org = await trx
      .insertInto('organisations')
      .values({ id: randomUUID(), name: input.name, kind: input.kind, sector: input.sector ?? null, country: input.country ?? null, created_at: new Date() })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { actor, action: 'organisation.create', target: { type: 'organisation', id: org.id }, details: { name: org.name, kind: org.kind } });
    return org;
  });
}

export interface NewPerson {
  orgId: string;
  username: string;
  displayName: string;
  password?: string;
  roles: Role[];
}

export function checkRolesForOrg(kind: OrgKind, roles: string[]): asserts roles is Role[] {
  if (roles.length === 0) throw new AcdError('ROLES_REQUIRED', 'a person needs at least one role');
  for (const r of roles) {
    if (!isRole(r)) throw new AcdError('INVALID_ROLE', `role "${r}" is not a known role`);
    if (!ROLES_BY_ORG_KIND[kind].includes(r)) {
      throw new AcdError('ROLE_NOT_ALLOWED', `role "${r}" cannot be held in an organisation of kind ${kind}; allowed: ${ROLES_BY_ORG_KIND[kind].join(', ')}`);
    }
  }
}

export async function createPerson(db: Kysely<Database>, actor: Actor, input: NewPerson): Promise<User> {
  if (!/^[a-z0-9._-]{3,64}$/.test(input.username)) {
    throw new AcdError('INVALID_USERNAME', `username "${input.username}" must be 3–64 characters of a-z, 0-9, . _ -`);
  }
  if (input.password !== undefined) checkPasswordStrength(input.password, [input.username, input.displayName]);
  const passwordHash = input.password !== undefined ? await hashPassword(input.password) : null;
  return db.transaction().execute(async (trx) => {
    const org = await trx.selectFrom('organisations').selectAll().where('id', '=', input.orgId).executeTakeFirst();
    if (!org) throw notFound('organisation', input.orgId);
    checkRolesForOrg(org.kind as OrgKind, input.roles);
    const taken = await trx.selectFrom('users').select('id').where('username', '=', input.username).executeTakeFirst();
    if (taken) throw conflict(`username "${input.username}" is taken`);
    const user = await trx
      .insertInto('users')
      .values({
        id: randomUUID(),
        org_id: org.id,
        username: input.username,
        display_name: input.displayName,
        password_hash: passwordHash,
        roles: input.roles,
        disabled: false,
        created_at: new Date(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { actor, action: 'user.create', target: { type: 'user', id: user.id }, details: { username: user.username, org: org.id, roles: input.roles } });
    return user;
  });
}

export interface IssuedToken {
  id: string;
  /** the secret itself: shown once, never stored */
  token: string;
  name: string;
  expiresAt: Date | null;
}

export async function issueToken(
  db: Kysely<Database>,
  actor: Actor,
  userId: string,
  name: string,
  expiresAt: Date | null,
): Promise<IssuedToken> {
  return db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('users').select(['id', 'disabled']).where('id', '=', userId).executeTakeFirst();
    if (!user) throw notFound('user', userId);
    const token = newSecret('acd_tok');
    const id = randomUUID();
    await trx
      .insertInto('api_tokens')
      .values({ id, user_id: userId, name, token_hash: sha256Hex(token), created_at: new Date(), expires_at: expiresAt, revoked_at: null, last_used_at: null })
      .execute();
    await recordAudit(trx, { actor, action: 'token.issue', target: { type: 'api_token', id }, details: { user: userId, name } });
    return { id, token, name, expiresAt };
  });
}

export async function revokeToken(db: Kysely<Database>, actor: Actor, tokenId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const res = await trx.updateTable('api_tokens').set({ revoked_at: new Date() }).where('id', '=', tokenId).where('revoked_at', 'is', null).executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw notFound('active token', tokenId);
    await recordAudit(trx, { actor, action: 'token.revoke', target: { type: 'api_token', id: tokenId } });
  });
  // after the commit: from now on no request in this process is answered from a cached token
  forgetCachedTokens();
}

export async function getOrganisation(db: Kysely<Database>, id: string): Promise<Organisation> {
  const org = await db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
  if (!org) throw notFound('organisation', id);
  return org;
}

/** The public view of a person: never the password hash. */
export interface PersonView {
  id: string;
  orgId: string;
  username: string;
  displayName: string;
  roles: string[];
  disabled: boolean;
  createdAt: string;
}

export function personView(u: User): PersonView {
  return {
    id: u.id,
    orgId: u.org_id,
    username: u.username,
    displayName: u.display_name,
    roles: u.roles,
    disabled: u.disabled,
    createdAt: new Date(u.created_at).toISOString(),
  };
}
