/**
 * Sharing groups (with confidential groups, whose members cannot see each other), organisations'
 * clients (TLP:AMBER reaches them), promotion of a finding to a tier by an analyst, bundle import and
 * the candidate criteria imported indicators give. Every change is audited in its transaction.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import type { Actor } from '../auth/index.js';
import { getFinding, type StoredFinding } from '../findings/index.js';
import { recordAudit } from '../oversight/index.js';
import { AcdError, forbidden, notFound } from '../shared/errors.js';
import { findingToStix, producerIdentity, type Tier } from './findings.js';
import { addObjects, getCollection, idSalt, membershipOf, rightsOf, visibleTo, type AddResult, type IntelDb } from './store.js';
import { orgIdentityId, stixTime } from './ids.js';
import type { TlpLevel } from './tlp.js';
import type { CandidateTable } from './tables.js';

/** Roles that manage sharing: groups, clients, collections. */
export const SHARING_MANAGERS = ['admin', 'agency_lead'] as const;
const manages = (a: Actor): boolean => a.roles.some((r) => (SHARING_MANAGERS as readonly string[]).includes(r));
const audit = (db: IntelDb, e: Parameters<typeof recordAudit>[1]) => recordAudit(db as unknown as Kysely<Database>, e);

export interface GroupView {
  id: string;
  name: string;
  confidential: boolean;
  ownerOrgId: string;
  /** the members the caller may see: all of them for managers and open groups; only their own organisation in a confidential group */
  members: string[];
  /** how many members in all; null where the group is confidential to the caller */
  memberCount: number | null;
}

export async function createGroup(db: IntelDb, actor: Actor, g: { name: string; confidential: boolean }): Promise<GroupView> {
  const id = randomUUID();
  return db.transaction().execute(async (trx) => {
    const dup = await trx.selectFrom('intel_sharing_groups').select('id').where('name', '=', g.name).executeTakeFirst();
    if (dup) throw new AcdError('CONFLICT', `a sharing group named ${g.name} exists`, { status: 409 });
    await trx.insertInto('intel_sharing_groups').values({ id, name: g.name, confidential: g.confidential, owner_org_id: actor.orgId, created_at: new Date() }).execute();
    await audit(trx, { actor, action: 'intel.group.create', target: { type: 'intel_group', id }, details: { name: g.name, confidential: g.confidential } });
    return { id, name: g.name, confidential: g.confidential, ownerOrgId: actor.orgId, members: [], memberCount: 0 };
  });
}

export async function addGroupMember(db: IntelDb, actor: Actor, groupId: string, orgId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const g = await trx.selectFrom('intel_sharing_groups').select('id').where('id', '=', groupId).executeTakeFirst();
    if (!g) throw notFound('sharing group', groupId);
    const o = await trx.selectFrom('organisations').select('id').where('id', '=', orgId).executeTakeFirst();
    if (!o) throw notFound('organisation', orgId);
    const already = await trx.selectFrom('intel_group_members').select('org_id').where('group_id', '=', groupId).where('org_id', '=', orgId).executeTakeFirst();
    if (already) return;
    await trx.insertInto('intel_group_members').values({ group_id: groupId, org_id: orgId, added_at: new Date() }).execute();
    await audit(trx, { actor, action: 'intel.group.member.add', target: { type: 'intel_group', id: groupId }, details: { orgId } });
  });
}

/** The groups a caller may see, with the members they may see. */
export async function listGroups(db: IntelDb, actor: Actor): Promise<GroupView[]> {
  const all = manages(actor);
  const groups = await db.selectFrom('intel_sharing_groups').selectAll().orderBy('name').execute();
  const members = await db.selectFrom('intel_group_members').select(['group_id', 'org_id']).orderBy('org_id').execute();
  const byGroup = new Map<string, string[]>();
  for (const m of members) byGroup.set(m.group_id, [...(byGroup.get(m.group_id) ?? []), m.org_id]);
  const out: GroupView[] = [];
  for (const g of groups) {
    const ms = byGroup.get(g.id) ?? [];
    const mine = ms.includes(actor.orgId) || g.owner_org_id === actor.orgId;
    if (!all && !mine) continue;
    const hidden = g.confidential && !all && g.owner_org_id !== actor.orgId;
    out.push({ id: g.id, name: g.name, confidential: g.confidential, ownerOrgId: hidden ? '' : g.owner_org_id, members: hidden ? [actor.orgId] : ms, memberCount: hidden ? null : ms.length });
  }
  return out;
}

export async function addClient(db: IntelDb, actor: Actor, orgId: string, clientOrgId: string): Promise<void> {
  if (orgId === clientOrgId) throw new AcdError('INTEL_CLIENT_SELF', 'an organisation cannot be its own client');
  await db.transaction().execute(async (trx) => {
    for (const id of [orgId, clientOrgId]) {
      const o = await trx.selectFrom('organisations').select('id').where('id', '=', id).executeTakeFirst();
      if (!o) throw notFound('organisation', id);
    }
    await trx.insertInto('intel_org_clients').values({ org_id: orgId, client_org_id: clientOrgId }).onConflict((oc) => oc.doNothing()).execute();
    await audit(trx, { actor, action: 'intel.client.add', target: { type: 'organisation', id: orgId }, details: { clientOrgId } });
  });
}

export interface Promotion {
  /** the key of a finding stored in the findings table (the detectors write them) */
  findingId: string;
  tier: Tier;
  collectionId: string;
  apiRoot?: string;
  tlp?: TlpLevel;
  comment?: string;
  /** AMBER / AMBER+STRICT recipients (else: full → the analyst's organisation; others → the collection's audience) */
  recipientOrgs?: string[];
  /** RED: the people it is for (else the analyst) */
  recipientUsers?: string[];
  reason?: string;
  /** indicators are valid this many days from promotion (valid_until; default 30) */
  validForDays?: number;
}

export interface PromotionResult extends AddResult {
  tier: Tier;
  tlp: TlpLevel;
  reportId: string;
  objectIds: string[];
}

/** A finding as the findings table stores it (the state of its last update), or undefined. */
export async function storedFinding(db: IntelDb, key: string): Promise<StoredFinding | undefined> {
  return getFinding(db, key);
}

/**
 * An analyst promotes a stored finding (by its key) to a tier: the tier's objects are built from the
 * finding as the findings table holds it, added to a collection the analyst may write, and the
 * promotion is audited in the same transaction (naming the finding and the update it was promoted at).
 * The full tier stays inside the agency: every recipient organisation (and every named person's
 * organisation) must be an agency.
 */
export async function promoteFinding(db: IntelDb, actor: Actor, p: Promotion): Promise<PromotionResult> {
  const root = p.apiRoot ?? 'acd';
  const c = await getCollection(db, root, p.collectionId);
  if (!c) throw notFound('collection', p.collectionId);
  const rights = rightsOf(actor, c, await membershipOf(db, actor.orgId));
  if (!rights.canWrite) throw forbidden(`you may not add to collection ${c.id}`);
  const finding = await storedFinding(db, p.findingId);
  if (!finding) throw notFound('finding', p.findingId);
  let recipientOrgs = p.recipientOrgs;
  let recipientUsers = p.recipientUsers;
  if (p.tier === 'full') {
    recipientOrgs ??= [actor.orgId];
    recipientUsers ??= [actor.userId];
    const orgs = recipientOrgs.length ? await db.selectFrom('organisations').select(['id', 'kind']).where('id', 'in', recipientOrgs).execute() : [];
    const users = recipientUsers.length ? await db.selectFrom('users').innerJoin('organisations', 'organisations.id', 'users.org_id').select(['users.id', 'organisations.kind']).where('users.id', 'in', recipientUsers).execute() : [];
    if (orgs.length !== recipientOrgs.length || users.length !== recipientUsers.length) throw new AcdError('INTEL_RECIPIENT', 'a recipient of the full tier does not exist');
    if ([...orgs, ...users].some((x) => x.kind !== 'agency')) throw new AcdError('INTEL_FULL_TIER_AGENCY_ONLY', 'the full tier goes to the agency only: every recipient must belong to an agency');
  }
  const org = await db.selectFrom('organisations').select(['id', 'name']).where('id', '=', actor.orgId).executeTakeFirst();
  const producer = producerIdentity(actor.orgId, org?.name ?? actor.orgId);
  const product = findingToStix(finding, { tier: p.tier, producer, idSalt: await idSalt(db), ...(p.validForDays ? { validForMs: p.validForDays * 86_400_000 } : {}), ...(p.tlp ? { tlp: p.tlp } : {}), ...(p.comment ? { comment: p.comment } : {}) });
  const r = await addObjects(db, c, product.objects, {
    actor,
    reader: rights.reader,
    ...(recipientOrgs ? { recipientOrgs } : {}),
    ...(recipientUsers ? { recipientUsers } : {}),
    action: 'intel.promote',
    details: { tier: p.tier, tlp: product.tlp, finding: finding.key, findingUpdates: finding.updates, findingUpdatedAt: finding.updatedAt, reportId: product.reportId, ...(p.reason ? { reason: p.reason } : {}) },
  });
  return { ...r, tier: p.tier, tlp: product.tlp, reportId: product.reportId, objectIds: product.objects.map((o) => o.id) };
}

/** Imports a STIX bundle file into a collection; its indicators' addresses become candidate criteria. */
export async function importBundle(db: IntelDb, actor: Actor, collectionId: string, bundle: unknown, apiRoot = 'acd'): Promise<AddResult> {
  const c = await getCollection(db, apiRoot, collectionId);
  if (!c) throw notFound('collection', collectionId);
  const rights = rightsOf(actor, c, await membershipOf(db, actor.orgId));
  if (!rights.canWrite) throw forbidden(`you may not add to collection ${c.id}`);
  if (typeof bundle !== 'object' || bundle === null || (bundle as { type?: unknown }).type !== 'bundle' || !Array.isArray((bundle as { objects?: unknown }).objects)) {
    throw new AcdError('INTEL_BAD_BUNDLE', 'a STIX bundle is an object with type "bundle" and an "objects" list');
  }
  return addObjects(db, c, (bundle as { objects: unknown[] }).objects, { actor, reader: rights.reader, candidates: `bundle:${actor.orgId}`, action: 'intel.import', details: { bundle: String((bundle as { id?: unknown }).id ?? '') } });
}

export interface CandidateView {
  id: string;
  collectionId: string;
  indicator: string;
  address: string;
  port: number | null;
  source: string;
  status: string;
  createdAt: string;
}

/**
 * The candidate criteria a person may see: people of agency organisations only (candidates feed the
 * agency's selection; a ministry's or an executor's analyst sees none), and of those only candidates
 * whose indicator they may read — a collection they may read, a version whose marking admits them.
 */
export async function listCandidates(db: IntelDb, actor: Actor, status = 'candidate', limit = 500): Promise<CandidateView[]> {
  if (actor.orgKind !== 'agency' && actor.via !== 'system') return [];
  const m = await membershipOf(db, actor.orgId);
  const cols = await db.selectFrom('intel_collections').selectAll().execute();
  const byCommunity = new Map<boolean, { ids: string[]; reader: ReturnType<typeof rightsOf>['reader'] }>();
  for (const c of cols) {
    const r = rightsOf(actor, c, m);
    if (!r.canRead) continue;
    const g = byCommunity.get(r.reader.community) ?? { ids: [], reader: r.reader };
    g.ids.push(c.id);
    byCommunity.set(r.reader.community, g);
  }
  if (!byCommunity.size) return [];
  const alts = [...byCommunity.values()].map(
    (g) => sql`(k.collection_id = any(${g.ids}::text[]) and exists (select 1 from intel_objects o where o.collection_id = k.collection_id and o.stix_id = k.stix_id and ${visibleTo(g.reader, 'o')}))`,
  );
  const rows = (
    await sql<CandidateTable>`select k.* from intel_candidates k where k.status = ${status}
      and (${sql.join(alts, sql` or `)}) order by k.created_at, k.id limit ${limit}`.execute(db)
  ).rows;
  return rows.map((r) => ({ id: r.id, collectionId: r.collection_id, indicator: r.stix_id, address: r.address, port: r.port, source: r.source, status: r.status, createdAt: new Date(r.created_at as unknown as string).toISOString() }));
}

/**
 * Records the decision on a candidate criterion. Adopting needs the approval that adopts it (selection
 * owns approvals and criteria; this records that the candidate was taken up, and on what basis).
 */
export async function decideCandidate(db: IntelDb, actor: Actor, id: string, d: { status: 'adopted' | 'rejected'; approvalId?: string; reason?: string }): Promise<CandidateView> {
  if (d.status === 'adopted' && !d.approvalId) throw new AcdError('INTEL_CANDIDATE_NO_APPROVAL', 'adopting a candidate criterion needs the id of the approval that adopts it (approvalId)');
  // (deciding is the agency lead's, an agency role only: the route names it)
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('intel_candidates').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw notFound('candidate', id);
    if (row.status !== 'candidate') throw new AcdError('CONFLICT', `candidate ${id} was already ${row.status}`, { status: 409 });
    await trx.updateTable('intel_candidates').set({ status: d.status }).where('id', '=', id).execute();
    await audit(trx, { actor, action: `intel.candidate.${d.status === 'adopted' ? 'adopt' : 'reject'}`, target: { type: 'intel_candidate', id }, reason: d.reason ?? null, basis: d.approvalId ?? null, details: { address: row.address, port: row.port, indicator: row.stix_id } });
    return { id: row.id, collectionId: row.collection_id, indicator: row.stix_id, address: row.address, port: row.port, source: row.source, status: d.status, createdAt: new Date(row.created_at).toISOString() };
  });
}

export interface Revocation {
  collectionId: string;
  apiRoot?: string;
  /** the report of a promotion: it and the objects it names that the caller's organisation created are revoked */
  reportId: string;
  reason: string;
}

export interface RevocationResult extends AddResult {
  revoked: string[];
}

/** Shared across a tier's reports (one attack pattern per technique): never revoked with one report. */
const SHARED_TYPES = new Set(['attack-pattern', 'identity', 'marking-definition']);

/**
 * Withdraws a promotion (STIX 2.1 §3.6 revocation): a new version with `revoked: true` of the report and
 * of every object it names that the caller's organisation created (cyber-observables, markings, the
 * producer identity and attack patterns shared with other reports excepted); indicators also get
 * `valid_until` now. Each new version keeps the audience of the version it revokes, so every reader of
 * the promotion receives the revoked version as the latest. Added under the creator rule, audited as
 * `intel.revoke` with the reason.
 */
export async function revokePromotion(db: IntelDb, actor: Actor, r: Revocation): Promise<RevocationResult> {
  const c = await getCollection(db, r.apiRoot ?? 'acd', r.collectionId);
  if (!c) throw notFound('collection', r.collectionId);
  const rights = rightsOf(actor, c, await membershipOf(db, actor.orgId));
  if (!rights.canWrite) throw forbidden(`you may not add to collection ${c.id}`);
  type Row = { stix_id: string; stix_type: string; tlp: string; recipient_orgs: string[]; recipient_users: string[]; object: Record<string, unknown> };
  const latest = async (ids: string[]): Promise<Row[]> =>
    (
      await sql<Row>`select distinct on (o.stix_id) o.stix_id, o.stix_type, o.tlp, o.recipient_orgs, o.recipient_users, o.object
        from intel_objects o where o.collection_id = ${c.id} and o.stix_id = any(${ids}::text[]) and o.shadow_org is null and ${visibleTo(rights.reader, 'o')}
        order by o.stix_id, o.version_us desc`.execute(db)
    ).rows.map((x) => ({ ...x, object: typeof x.object === 'string' ? (JSON.parse(x.object) as Record<string, unknown>) : x.object }));
  const [rep] = await latest([r.reportId]);
  if (!rep || rep.stix_type !== 'report') throw notFound('report', r.reportId);
  const refs = Array.isArray(rep.object.object_refs) ? (rep.object.object_refs as string[]) : [];
  const mine = orgIdentityId(actor.orgId);
  const rows = [rep, ...(await latest(refs))].filter((x) => !SHARED_TYPES.has(x.stix_type) && typeof x.object.modified === 'string' && x.object.created_by_ref === mine && x.object.revoked !== true);
  if (!rows.length) throw new AcdError('INTEL_NOTHING_TO_REVOKE', `report ${r.reportId} names nothing your organisation created that is not revoked already`, { status: 409 });
  // one audience per call to addObjects (each revoked version keeps the audience of the one it revokes)
  const groups = new Map<string, { orgs: string[]; users: string[]; objects: Record<string, unknown>[] }>();
  const nowMs = Date.now();
  for (const x of rows) {
    const prev = Date.parse(x.object.modified as string);
    const t = stixTime(Math.max(nowMs, prev + 1));
    const next: Record<string, unknown> = { ...x.object, modified: t, revoked: true };
    if (x.stix_type === 'indicator') {
      const from = Date.parse(String(x.object.valid_from));
      next.valid_until = stixTime(Math.max(Date.parse(t), from + 1));
    }
    const key = JSON.stringify([x.recipient_orgs, x.recipient_users]);
    const g = groups.get(key) ?? { orgs: x.recipient_orgs, users: x.recipient_users, objects: [] };
    g.objects.push(next);
    groups.set(key, g);
  }
  const total: RevocationResult = { successes: [], failures: [], added: 0, dateAddedFirst: null, dateAddedLast: null, revoked: [] };
  for (const g of groups.values()) {
    const a = await addObjects(db, c, g.objects, { actor, reader: rights.reader, recipientOrgs: g.orgs, recipientUsers: g.users, action: 'intel.revoke', details: { reportId: r.reportId, reason: r.reason } });
    total.successes.push(...a.successes);
    total.failures.push(...a.failures);
    total.added += a.added;
    total.dateAddedFirst ??= a.dateAddedFirst;
    total.dateAddedLast = a.dateAddedLast ?? total.dateAddedLast;
  }
  total.revoked = total.successes.map((s) => s.id);
  return total;
}
