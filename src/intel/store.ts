/**
 * Stored intelligence: collections and the versions of their objects (TAXII 2.1 §5), with
 * - date_added in microseconds, strictly increasing within a collection and given under a
 *   per-collection lock held to commit, so date order is commit order: a reader walking by date_added
 *   (or by `next`) never skips or repeats an object while others are being added;
 * - each version's audience (TLP level, recipient organisations and people, who added it), filtered
 *   in SQL by the same rule as tlp.ts's tlpAllows before a page is cut.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { withTables, batchInsert, type Database } from '../store/index.js';
import type { Actor, Role } from '../auth/index.js';
import { recordAudit } from '../oversight/index.js';
import { AcdError, notFound } from '../shared/errors.js';
import type { IntelTables, CollectionTable } from './tables.js';
import { checkStixObject } from './validate.js';
import { addressTerms } from './pattern.js';
import { TLP_RANK, isTlpLevel, officialTlpMarking, tlpAllows, tlpOf, type Reader, type TlpLevel } from './tlp.js';
import { orgIdentityId } from './ids.js';
import type { Selectable } from 'kysely';
import type { StixObject } from './stix.js';

export type IntelDb = Kysely<Database & IntelTables>;
type AnyDb = Kysely<Database> | Transaction<Database> | IntelDb | Transaction<Database & IntelTables>;
const db$ = (db: AnyDb): IntelDb => withTables<IntelTables>(db as Kysely<Database>);

export type Collection = Selectable<CollectionTable>;

// ---------- the secret salt of ACD's deterministic ids ----------

/**
 * The deployment's secret salt of tier object ids (ids.ts saltedId): generated at first use, kept in
 * `intel_secrets`, never served. Losing it (a new database) only means the next promotion of a finding
 * starts new objects instead of new versions.
 */
export async function idSalt(db: AnyDb): Promise<string> {
  const d = db$(db);
  const read = () => d.selectFrom('intel_secrets').select('value').where('name', '=', 'stix-id-salt').executeTakeFirst();
  const got = await read();
  if (got) return got.value;
  await d.insertInto('intel_secrets').values({ name: 'stix-id-salt', value: randomBytes(32).toString('base64url') }).onConflict((oc) => oc.column('name').doNothing()).execute();
  return (await read())!.value;
}

// ---------- time: microseconds ----------

/** A STIX/TAXII timestamp as microseconds since the epoch (fractions beyond µs are cut). */
export function timeUs(s: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(s);
  if (!m) throw new AcdError('INTEL_TIMESTAMP', `${JSON.stringify(s)} is not a UTC timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z)`);
  const whole = Date.parse(`${m[1]}Z`);
  if (Number.isNaN(whole)) throw new AcdError('INTEL_TIMESTAMP', `${JSON.stringify(s)} is not a valid time`);
  const frac = Number((m[2] ?? '').padEnd(6, '0').slice(0, 6));
  return whole * 1000 + frac;
}

/** Microseconds since the epoch as a TAXII timestamp with six fractional digits. */
export function formatUs(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 19)}.${String(us % 1_000_000).padStart(6, '0')}Z`;
}

const nowUs = (): number => Date.now() * 1000;

// ---------- collections and rights ----------

export interface NewCollection {
  apiRoot?: string;
  alias?: string | null;
  title: string;
  description?: string | null;
  ownerOrgId: string;
  groupId?: string | null;
  readRoles: readonly Role[];
  writeRoles: readonly Role[];
  readOrgs?: string[] | null;
  writeOrgs?: string[] | null;
  defaultTlp: TlpLevel;
  audienceOrgs?: string[];
  audienceUsers?: string[];
}

export async function createCollection(db: AnyDb, actor: Actor, c: NewCollection): Promise<Collection> {
  const id = randomUUID();
  const apiRoot = c.apiRoot ?? 'acd';
  return db$(db)
    .transaction()
    .execute(async (trx) => {
      const root = await trx.selectFrom('intel_api_roots').select('id').where('id', '=', apiRoot).executeTakeFirst();
      if (!root) throw notFound('API root', apiRoot);
      if (c.groupId) {
        const g = await trx.selectFrom('intel_sharing_groups').select('id').where('id', '=', c.groupId).executeTakeFirst();
        if (!g) throw notFound('sharing group', c.groupId);
      }
      if (c.alias) {
        const dup = await trx.selectFrom('intel_collections').select('id').where('api_root', '=', apiRoot).where('alias', '=', c.alias).executeTakeFirst();
        if (dup) throw new AcdError('CONFLICT', `API root ${apiRoot} already has a collection with the alias ${c.alias}`, { status: 409 });
      }
      const row = await trx
        .insertInto('intel_collections')
        .values({
          id,
          api_root: apiRoot,
          alias: c.alias ?? null,
          title: c.title,
          description: c.description ?? null,
          owner_org_id: c.ownerOrgId,
          group_id: c.groupId ?? null,
          read_roles: [...c.readRoles],
          write_roles: [...c.writeRoles],
          read_orgs: c.readOrgs ?? null,
          write_orgs: c.writeOrgs ?? null,
          default_tlp: c.defaultTlp,
          audience_orgs: c.audienceOrgs ?? [c.ownerOrgId],
          audience_users: c.audienceUsers ?? [],
          created_at: new Date(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAudit(trx as unknown as Kysely<Database>, { actor, action: 'intel.collection.create', target: { type: 'intel_collection', id }, details: { title: c.title, apiRoot, defaultTlp: c.defaultTlp, groupId: c.groupId ?? null } });
      return row;
    });
}

export async function getCollection(db: AnyDb, apiRoot: string, idOrAlias: string): Promise<Collection | undefined> {
  return db$(db)
    .selectFrom('intel_collections')
    .selectAll()
    .where('api_root', '=', apiRoot)
    .where((eb) => eb.or([eb('id', '=', idOrAlias), eb('alias', '=', idOrAlias)]))
    .executeTakeFirst();
}

/** What an actor may do with a collection, and who they are to the marking rule. */
export interface Rights {
  canRead: boolean;
  canWrite: boolean;
  reader: Reader;
}

export interface Membership {
  groups: Set<string>;
  clientOf: string[];
}

export async function membershipOf(db: AnyDb, orgId: string): Promise<Membership> {
  const d = db$(db);
  const [groups, clients] = await Promise.all([
    d.selectFrom('intel_group_members').select('group_id').where('org_id', '=', orgId).execute(),
    d.selectFrom('intel_org_clients').select('org_id').where('client_org_id', '=', orgId).execute(),
  ]);
  return { groups: new Set(groups.map((g) => g.group_id)), clientOf: clients.map((c) => c.org_id) };
}

/**
 * A collection's rights: the role must be one the collection names; the organisation must be its
 * owner, or be named (when it names organisations) and belong to its sharing group (when it has one).
 */
export function rightsOf(actor: Actor, c: Collection, m: Membership): Rights {
  const owner = actor.orgId === c.owner_org_id;
  const inGroup = c.group_id === null || m.groups.has(c.group_id);
  const may = (roles: string[], orgs: string[] | null): boolean =>
    actor.roles.some((r) => roles.includes(r)) && (owner || ((orgs === null || orgs.includes(actor.orgId)) && inGroup));
  return {
    canRead: may(c.read_roles, c.read_orgs),
    canWrite: may(c.write_roles, c.write_orgs),
    reader: { userId: actor.userId, orgId: actor.orgId, community: owner || inGroup, clientOf: m.clientOf },
  };
}

/**
 * A collection (by id or alias) and the caller's membership in one round trip: what every TAXII
 * request about a collection needs first.
 */
export async function collectionWithMembership(db: AnyDb, apiRoot: string, idOrAlias: string, orgId: string): Promise<{ c: Collection; m: Membership } | undefined> {
  const r = await sql<Collection & { in_group: boolean; client_of: string[] }>`select c.*,
      (c.group_id is not null and exists (select 1 from intel_group_members g where g.group_id = c.group_id and g.org_id = ${orgId})) as in_group,
      coalesce((select array_agg(k.org_id) from intel_org_clients k where k.client_org_id = ${orgId}), '{}') as client_of
    from intel_collections c where c.api_root = ${apiRoot} and (c.id = ${idOrAlias} or c.alias = ${idOrAlias}) limit 1`.execute(db as Kysely<Database>);
  const row = r.rows[0];
  if (!row) return undefined;
  const { in_group, client_of, ...c } = row;
  return { c: c as Collection, m: { groups: new Set(in_group && c.group_id ? [c.group_id] : []), clientOf: client_of } };
}

export async function collectionsFor(db: AnyDb, actor: Actor, apiRoot: string): Promise<Array<{ c: Collection; rights: Rights }>> {
  const m = await membershipOf(db, actor.orgId);
  const rows = await db$(db).selectFrom('intel_collections').selectAll().where('api_root', '=', apiRoot).orderBy('created_at').orderBy('id').execute();
  return rows.map((c) => ({ c, rights: rightsOf(actor, c, m) })).filter((x) => x.rights.canRead || x.rights.canWrite);
}

// ---------- adding objects ----------

export interface AddResult {
  successes: Array<{ id: string; version: string; message?: string }>;
  failures: Array<{ id: string; version?: string; message: string }>;
  /** versions that were new (the others were already stored) */
  added: number;
  dateAddedFirst: string | null;
  dateAddedLast: string | null;
  /** candidate criteria recorded (imports only) */
  candidates?: number;
}

export interface AddOptions {
  /** who adds (null for ACD itself, e.g. a feed) */
  actor: Actor | null;
  /** the writer as the marking rule sees them (else worked out from the collection and the actor) */
  reader?: Reader;
  /** explicit recipients (else the collection's audience) */
  recipientOrgs?: string[];
  recipientUsers?: string[];
  /** imported intelligence: the addresses of new STIX indicators become candidate selection criteria */
  candidates?: string;
  /** the audit action and details */
  action?: string;
  details?: Record<string, unknown>;
}

const OBJECT_COLUMNS = [
  { name: 'collection_id', type: 'text' },
  { name: 'stix_id', type: 'text' },
  { name: 'stix_type', type: 'text' },
  { name: 'spec_version', type: 'text' },
  { name: 'version', type: 'text' },
  { name: 'version_us', type: 'bigint' },
  { name: 'date_added_us', type: 'bigint' },
  { name: 'tlp', type: 'text' },
  { name: 'recipient_orgs', type: 'text[]' },
  { name: 'recipient_users', type: 'text[]' },
  { name: 'added_by_user', type: 'text' },
  { name: 'added_by_org', type: 'text' },
  { name: 'object', type: 'json' }, // the text as stored is the text served (migration 022)
  { name: 'shadow_org', type: 'text' },
];
const R_TLP = 7;
const R_ORGS = 8;
const R_USERS = 9;
const R_VERSION = 4;
const R_VERSION_US = 5;
const R_DATE = 6;
const R_OBJECT = 12;
const R_SHADOW = 13;

/** A stored version as the integrity rules need it. */
interface StoredKey {
  stix_id: string;
  version_us: number;
  tlp: TlpLevel;
  recipient_orgs: string[];
  recipient_users: string[];
  added_by_user: string | null;
  added_by_org: string | null;
  shadow_org: string | null;
  created_by_ref: string | null;
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

/**
 * Adds objects to a collection in one transaction: each is checked (a refusal is a failure with its
 * reason, the others go on), a version already stored is a success that adds nothing, and each new
 * version gets the next date_added of the collection. The integrity rules (README "Integrity"):
 *  - only the object's creator adds versions of it: the organisation whose producer identity is the
 *    `created_by_ref` of its first stored version, else the organisation that first added it; another
 *    writer's version is a failure and the stored one stays the one served;
 *  - an object's `created_by_ref` may not name another organisation's producer identity;
 *  - no existence oracle: a version of an object the writer may not read and did not create is answered
 *    exactly as a new object would be, and kept as a copy for the writer's organisation alone
 *    (`shadow_org`), which nobody else is served and which never becomes another reader's latest;
 *  - granular markings: the object is stored under the most restrictive of its object and granular TLP
 *    markings (a reader who may not read a marked field is not served the object).
 */
export async function addObjects(db: AnyDb, c: Collection, objects: unknown[], o: AddOptions): Promise<AddResult> {
  const res: AddResult = { successes: [], failures: [], added: 0, dateAddedFirst: null, dateAddedLast: null };
  const rows: unknown[][] = [];
  const keys: Array<{ id: string; version: string; us: number; versionless: boolean }> = [];
  const seenInBatch = new Set<string>();
  const recipientOrgs = o.recipientOrgs ?? c.audience_orgs;
  const recipientUsers = o.recipientUsers ?? c.audience_users;
  const writerOrg = o.actor?.orgId ?? null;
  const ownIdentity = writerOrg ? orgIdentityId(writerOrg) : null;
  // other organisations' producer identities, loaded only when an object names an identity not the writer's
  let identities: Map<string, string> | undefined;
  // (inside the transaction it must read through it: the embedded engine has one connection)
  const identityOrgs = async (via: AnyDb = db): Promise<Map<string, string>> => {
    if (!identities) {
      const orgs = await (via as Kysely<Database>).selectFrom('organisations').select('id').execute();
      identities = new Map(orgs.map((x) => [orgIdentityId(x.id), x.id]));
    }
    return identities;
  };
  const start = nowUs();
  for (const x of objects) {
    const ch = checkStixObject(x);
    if ('error' in ch) {
      const id = typeof (x as { id?: unknown })?.id === 'string' ? ((x as { id: string }).id) : '';
      res.failures.push({ id, message: ch.error });
      continue;
    }
    const version = ch.version ?? formatUs(start);
    let versionUs: number;
    try {
      versionUs = timeUs(version);
    } catch (e) {
      res.failures.push({ id: ch.id, message: (e as Error).message });
      continue;
    }
    const by = (ch.object as { created_by_ref?: string }).created_by_ref;
    if (o.actor && by !== undefined && by !== ownIdentity) {
      const claimed = (await identityOrgs()).get(by);
      if (claimed !== undefined) {
        res.failures.push({ id: ch.id, version, message: `${ch.id}: created_by_ref ${by} is the producer identity of another organisation; only that organisation may publish as it` });
        continue;
      }
    }
    // what is stored under an official TLP marking id is always the official object: TLP cannot be redefined
    if (ch.type === 'marking-definition') {
      const official = officialTlpMarking(ch.id);
      if (official) ch.object = official as StixObject;
    }
    // an object without created/modified (a cyber-observable) has one version: the first stored
    const k = ch.version === null ? ch.id : `${ch.id}|${versionUs}`;
    if (seenInBatch.has(k)) {
      res.successes.push({ id: ch.id, version, message: 'the same version appears twice in the request; stored once' });
      continue;
    }
    seenInBatch.add(k);
    // TLP: the object's own marking; marking definitions are public; else the collection's default;
    // then the most restrictive of that and its granular markings (README: granular markings withhold)
    const own: TlpLevel = tlpOf(ch.markingRefs) ?? (ch.type === 'marking-definition' ? 'clear' : (isTlpLevel(c.default_tlp) ? c.default_tlp : 'amber+strict'));
    const granular = ch.granularRefs.length ? tlpOf(ch.granularRefs) : undefined;
    const tlp: TlpLevel = granular !== undefined && TLP_RANK[granular] > TLP_RANK[own] ? granular : own;
    keys.push({ id: ch.id, version, us: versionUs, versionless: ch.version === null });
    rows.push([c.id, ch.id, ch.type, ch.specVersion, version, versionUs, 0, tlp, recipientOrgs, recipientUsers, o.actor?.userId ?? null, writerOrg, ch.object, null]);
  }
  if (rows.length === 0) return res;
  const reader = o.reader ?? (o.actor ? rightsOf(o.actor, c, await membershipOf(db, o.actor.orgId)).reader : undefined);
  const refused: string[] = [];
  let shadowed = 0;
  await db$(db)
    .transaction()
    .execute(async (trx) => {
      // one writer per collection until commit: date_added order is commit order
      await sql`select pg_advisory_xact_lock(hashtext(${'intel:' + c.id}))`.execute(trx);
      const stored = new Map<string, StoredKey[]>();
      for (let i = 0; i < keys.length; i += 5000) {
        const part = [...new Set(keys.slice(i, i + 5000).map((k) => k.id))];
        const found = await sql<StoredKey>`select stix_id, version_us, tlp, recipient_orgs, recipient_users, added_by_user, added_by_org, shadow_org,
            object->>'created_by_ref' as created_by_ref
          from intel_objects where collection_id = ${c.id} and stix_id = any(${part}::text[]) order by date_added_us`.execute(trx);
        for (const f of found.rows) {
          const list = stored.get(f.stix_id);
          const row = { ...f, version_us: Number(f.version_us) };
          if (list) list.push(row);
          else stored.set(f.stix_id, [row]);
        }
      }
      const creatorIs = async (first: StoredKey): Promise<boolean> => {
        const by = first.created_by_ref;
        if (by && by === ownIdentity) return true;
        if (by && (await identityOrgs(trx)).has(by)) return false;
        return first.added_by_org === writerOrg;
      };
      const last = await trx.selectFrom('intel_objects').select((eb) => eb.fn.max('date_added_us').as('m')).where('collection_id', '=', c.id).executeTakeFirst();
      let next = Math.max(nowUs(), Number(last?.m ?? 0) + 1);
      const fresh: unknown[][] = [];
      const insert = (row: unknown[], k: (typeof keys)[number]): void => {
        row[R_DATE] = next++;
        fresh.push(row);
        res.successes.push({ id: k.id, version: k.version });
      };
      const already = (k: (typeof keys)[number]): void => {
        res.successes.push({ id: k.id, version: k.version, message: 'this version was already in the collection' });
      };
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        const row = rows[i]!;
        const ex = stored.get(k.id);
        if (!ex) {
          insert(row, k);
          continue;
        }
        const same = (r: StoredKey): boolean => k.versionless || r.version_us === k.us;
        const orig = ex.filter((r) => r.shadow_org === null);
        const mine = writerOrg === null ? [] : ex.filter((r) => r.shadow_org === writerOrg);
        if (orig.length === 0) {
          if (mine.some(same)) already(k);
          else insert(row, k);
          continue;
        }
        const creator = await creatorIs(orig[0]!);
        const visible = reader === undefined || orig.some((r) => tlpAllows(reader, { tlp: r.tlp, recipientOrgs: r.recipient_orgs, recipientUsers: r.recipient_users, addedByUser: r.added_by_user, addedByOrg: r.added_by_org }));
        if (!creator && !visible) {
          // answered as a new object; kept for the writer's organisation alone
          if (mine.some(same)) already(k);
          else {
            const red = row[R_TLP] === 'red';
            row[R_TLP] = red ? 'red' : 'amber+strict';
            row[R_ORGS] = [writerOrg];
            row[R_USERS] = red ? [o.actor!.userId] : [];
            row[R_SHADOW] = writerOrg;
            shadowed++;
            insert(row, k);
          }
          continue;
        }
        if (orig.some(same) || mine.some(same)) {
          // a cyber-observable its creator shares again under another audience (another tier) is stored
          // again for that audience, so each tier's references resolve for its own readers
          const newAudience = k.versionless && creator && !orig.some((r) => r.tlp === row[R_TLP] && sameSet(r.recipient_orgs, row[R_ORGS] as string[]) && sameSet(r.recipient_users, row[R_USERS] as string[]));
          if (newAudience) {
            k.version = formatUs(next);
            row[R_VERSION] = k.version;
            row[R_VERSION_US] = next;
            insert(row, k);
          } else already(k);
          continue;
        }
        if (creator) {
          insert(row, k);
          continue;
        }
        refused.push(k.id);
        res.failures.push({ id: k.id, version: k.version, message: `${k.id}: only the organisation that created this object may add versions of it; version ${k.version} is refused and the stored version stays` });
      }
      if (fresh.length) {
        await batchInsert(trx, 'intel_objects', OBJECT_COLUMNS, fresh, { chunk: 2000 });
        res.added = fresh.length;
        res.dateAddedFirst = formatUs(fresh[0]![R_DATE] as number);
        res.dateAddedLast = formatUs(fresh[fresh.length - 1]![R_DATE] as number);
        if (o.candidates) res.candidates = await addCandidates(trx, c.id, fresh.map((r) => r[R_OBJECT] as StixObject), o.candidates);
      }
      await recordAudit(trx as unknown as Kysely<Database>, {
        actor: o.actor,
        action: o.action ?? 'intel.objects.add',
        target: { type: 'intel_collection', id: c.id },
        details: {
          received: objects.length,
          added: res.added,
          failed: res.failures.length,
          ...(refused.length ? { refusedVersions: refused.slice(0, 100) } : {}),
          ...(shadowed ? { shadowed } : {}),
          ...(res.candidates ? { candidates: res.candidates } : {}),
          ...(o.details ?? {}),
        },
      });
    });
  if (res.added >= ANALYZE_THRESHOLD) await analyzeIfStale(db, res.added);
  return res;
}

/** migration 021's autovacuum rule for intel_objects: re-analyse after 2 000 rows + 1 % of the table */
const ANALYZE_THRESHOLD = 2000;
const ANALYZE_SCALE = 0.01;

/**
 * After a bulk load, brings the planner's statistics of intel_objects up to date at once, by the same
 * rule autovacuum follows (migration 021) but without waiting up to a minute for it: the pages of a
 * collection that just grew by thousands of objects are planned on its real size. (The page queries do
 * not need fresh statistics to stay index scans — see objectsQuery — but a plan on stale ones may still
 * sort a burst of new objects.) The objects are committed: a failed ANALYZE leaves the work to autovacuum.
 */
async function analyzeIfStale(db: AnyDb, added: number): Promise<void> {
  try {
    const r = await sql<{ n: string | null; t: number | null }>`select s.n_mod_since_analyze as n, c.reltuples as t
      from pg_class c left join pg_stat_user_tables s on s.relid = c.oid where c.oid = 'intel_objects'::regclass`.execute(db as Kysely<Database>);
    const row = r.rows[0];
    // the backend's own counts reach pg_stat_user_tables up to a second late: count this load on top
    const changed = Number(row?.n ?? 0) + added;
    if (changed > ANALYZE_THRESHOLD + ANALYZE_SCALE * Math.max(0, Number(row?.t ?? 0))) await sql`analyze intel_objects`.execute(db as Kysely<Database>);
  } catch {
    /* statistics are an optimisation: autovacuum catches up */
  }
}

/**
 * Imported indicators name addresses; each becomes a candidate criterion, which selection's approval
 * process must still adopt (nothing here selects a flow).
 */
async function addCandidates(trx: AnyDb, collectionId: string, objects: StixObject[], source: string): Promise<number> {
  const rows: unknown[][] = [];
  for (const obj of objects) {
    if (obj.type !== 'indicator' || obj.pattern_type !== 'stix' || typeof obj.pattern !== 'string') continue;
    for (const t of addressTerms(obj.pattern)) rows.push([randomUUID(), collectionId, obj.id, t.address, t.port, source]);
  }
  if (!rows.length) return 0;
  return batchInsert(trx as Kysely<Database>, 'intel_candidates', [
    { name: 'id', type: 'text' },
    { name: 'collection_id', type: 'text' },
    { name: 'stix_id', type: 'text' },
    { name: 'address', type: 'text' },
    { name: 'port', type: 'integer' },
    { name: 'source', type: 'text' },
  ], rows, { onConflict: 'nothing' });
}

// ---------- reading ----------

/** The marking rule of tlp.ts as SQL over intel_objects aliased `alias`. */
export function visibleTo(reader: Reader, alias = 'o'): RawBuilder<boolean> {
  const a = sql.raw(alias);
  const amberOrgs = [reader.orgId, ...reader.clientOf];
  return sql<boolean>`(${a}.added_by_user = ${reader.userId}
    or (${a}.tlp <> 'red' and ${a}.added_by_org = ${reader.orgId})
    or ${a}.tlp = 'clear'
    or (${a}.tlp = 'green' and ${reader.community})
    or (${a}.tlp = 'amber' and ${a}.recipient_orgs && ${amberOrgs}::text[])
    or (${a}.tlp = 'amber+strict' and ${reader.orgId} = any(${a}.recipient_orgs))
    or (${a}.tlp = 'red' and ${reader.userId} = any(${a}.recipient_users)))`;
}

export interface ObjectQuery {
  reader: Reader;
  /** microseconds: only versions added after */
  addedAfterUs?: number;
  limit: number;
  /** the opaque `next` of the previous page */
  next?: string;
  ids?: string[];
  types?: string[];
  /** 'first' | 'last' | 'all' | timestamps; default last */
  versions?: string[];
  specVersions?: string[];
}

export interface StoredVersion {
  stix_id: string;
  stix_type: string;
  spec_version: string;
  version: string;
  date_added_us: number;
  tlp: string;
  object: StixObject;
  objectText?: string;
}

export interface Page {
  rows: StoredVersion[];
  more: boolean;
  next?: string;
}

export function encodeNext(us: number): string {
  return Buffer.from(`a${us}`).toString('base64url');
}

export function decodeNext(next: string): number {
  const s = Buffer.from(next, 'base64url').toString('utf8');
  if (!/^a\d{1,17}$/.test(s)) throw new AcdError('INTEL_BAD_NEXT', `next=${JSON.stringify(next)} is not a value this server gave`);
  return Number(s.slice(1));
}

/**
 * One page of object versions of a collection the reader may see, oldest date_added first. `withObject`:
 * true gives each object parsed; 'text' gives its JSON text in `objectText` (served as is: no parse
 * and re-serialise of every object of a page); false gives the manifest columns only.
 */
export async function queryObjects(db: AnyDb, c: Collection, q: ObjectQuery, withObject: boolean | 'text' = true): Promise<Page> {
  const res = await objectsQuery(c, q, withObject).execute(db as Kysely<Database>);
  const rows = res.rows.map((r) => ({ ...r, date_added_us: Number(r.date_added_us) }));
  const more = rows.length > q.limit;
  if (more) rows.length = q.limit;
  const last = rows[rows.length - 1];
  return { rows, more, ...(more && last ? { next: encodeNext(last.date_added_us) } : {}) };
}

/**
 * The SQL of one page (limit + 1 rows, to know whether there is more): a keyset page, never OFFSET.
 * Every shape walks an index in date_added order and stops after the page:
 *  - no type: (collection_id, date_added_us), from `next` / `added_after` on;
 *  - one type: (collection_id, stix_type, date_added_us) with `stix_type = $t`;
 *  - several types: one such ordered branch per type, each cut at limit + 1, merged by date_added
 *    (PostgreSQL before 17 reads `stix_type = any(...)` from that index out of date order, which
 *    would sort every object of those types in the collection to cut one page);
 * the marking rule and "last version" (an index probe on (collection_id, stix_id, version_us) per
 * row) filter rows as they come. `bench/intel/taxii.bench.ts` checks the plans with EXPLAIN.
 */
export function objectsQuery(c: Collection, q: ObjectQuery, withObject: boolean | 'text' = true): RawBuilder<StoredVersion> {
  const after = Math.max(q.addedAfterUs ?? -1, q.next !== undefined ? decodeNext(q.next) : -1);
  // The collection is given as `(select $1)`: still an index condition, but planned without looking the
  // id up in the statistics. For a collection that grew after the last ANALYZE the id looked up was
  // estimated at a handful of rows and the plan was arbitrary (measured on 1 M versions and a new
  // collection of 50 000: match[type] of a 2 % type read 5 007 rows by date instead of 101 by type); an
  // unknown id is estimated as an average collection of the table's current size. (A table never
  // analysed at all has no such size to go by: addObjects analyses it after a bulk load.)
  const conds: RawBuilder<unknown>[] = [sql`o.collection_id = (select ${c.id}::text)`, visibleTo(q.reader, 'o')];
  if (after >= 0) conds.push(sql`o.date_added_us > ${after}`);
  if (q.ids?.length) conds.push(sql`o.stix_id = any(${q.ids}::text[])`);
  if (q.specVersions?.length) conds.push(sql`o.spec_version = any(${q.specVersions}::text[])`);
  const versions = q.versions?.length ? q.versions : ['last'];
  if (!versions.includes('all')) {
    const alt: RawBuilder<unknown>[] = [];
    const same = sql`v.collection_id = o.collection_id and v.stix_id = o.stix_id and ${visibleTo(q.reader, 'v')}`;
    // `offset 0` keeps each probe a correlated subplan, an index probe on (collection_id, stix_id,
    // version_us) per row: without it PostgreSQL may plan an anti join, and with statistics that miss a
    // collection's rows it probed by collection_id alone — every version of the collection per row of
    // the page (measured: 384 ms instead of 0.5 ms for a page of a 10 000-object collection not yet analysed)
    if (versions.includes('last')) alt.push(sql`not exists (select 1 from intel_objects v where ${same} and v.version_us > o.version_us offset 0)`);
    if (versions.includes('first')) alt.push(sql`not exists (select 1 from intel_objects v where ${same} and v.version_us < o.version_us offset 0)`);
    const stamps = versions.filter((v) => v !== 'last' && v !== 'first');
    if (stamps.length) {
      const us = stamps.map((s) => {
        try {
          return timeUs(s);
        } catch {
          throw new AcdError('INTEL_BAD_MATCH', `match[version]=${s} is not first, last, all or a timestamp`);
        }
      });
      alt.push(sql`o.version_us = any(${us}::bigint[])`);
    }
    conds.push(sql`(${sql.join(alt, sql` or `)})`);
  }
  const meta = sql`o.stix_id, o.stix_type, o.spec_version, o.version, o.date_added_us, o.tlp`;
  const cols = withObject === 'text' ? sql`${meta}, o.object::text as "objectText"` : withObject ? sql`${meta}, o.object` : meta;
  const page = (extra: RawBuilder<unknown>[]) =>
    sql<StoredVersion>`select ${cols} from intel_objects o where ${sql.join([...conds, ...extra], sql` and `)} order by o.date_added_us limit ${q.limit + 1}`;
  const types = [...new Set(q.types ?? [])];
  if (types.length <= 1) return page(types.length ? [sql`o.stix_type = ${types[0]}`] : []);
  const branches = types.map((t) => sql`(${page([sql`o.stix_type = ${t}`])})`);
  return sql<StoredVersion>`select * from (${sql.join(branches, sql` union all `)}) u order by u.date_added_us limit ${q.limit + 1}`;
}

// ---------- deleting (TAXII §5.7) ----------

export interface DeleteFilter {
  /** 'first' | 'last' | 'all' | timestamps; default all (the object, every version) */
  versions?: string[];
  specVersions?: string[];
}

export interface DeleteResult {
  stixId: string;
  versions: string[];
}

/**
 * Deletes versions of one object from a collection (TAXII 2.1 §5.7), in one transaction under the
 * collection's lock, audited as `intel.objects.delete`. Only versions the actor may read are
 * considered (one they may not read is answered as absent, 404, never as "forbidden"); of those, the
 * versions matched by `match[version]` (default: every version) and `match[spec_version]` are deleted
 * when the actor's organisation added them, or owns the collection; otherwise nothing is deleted (403).
 * The caller checks the collection's write right.
 */
export async function deleteObject(db: AnyDb, c: Collection, actor: Actor, reader: Reader, stixId: string, f: DeleteFilter, details: Record<string, unknown> = {}): Promise<DeleteResult> {
  const versions = f.versions?.length ? f.versions : ['all'];
  const stamps = new Set<number>();
  for (const v of versions) {
    if (v === 'all' || v === 'first' || v === 'last') continue;
    try {
      stamps.add(timeUs(v));
    } catch {
      throw new AcdError('TAXII_BAD_PARAMETER', `match[version]=${v} is not first, last, all or a timestamp`);
    }
  }
  return db$(db)
    .transaction()
    .execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${'intel:' + c.id}))`.execute(trx);
      const seen = (
        await sql<{ seq: number; version: string; version_us: number; spec_version: string; added_by_org: string | null }>`select o.seq, o.version, o.version_us, o.spec_version, o.added_by_org
          from intel_objects o where o.collection_id = ${c.id} and o.stix_id = ${stixId} and ${visibleTo(reader, 'o')} order by o.version_us`.execute(trx)
      ).rows.map((r) => ({ ...r, seq: Number(r.seq), version_us: Number(r.version_us) }));
      if (seen.length === 0) throw new AcdError('TAXII_NOT_FOUND', `collection ${c.id} has no object ${stixId} you may read`, { status: 404 });
      const first = seen[0]!.version_us;
      const last = seen[seen.length - 1]!.version_us;
      const targets = seen.filter(
        (r) =>
          (versions.includes('all') || (versions.includes('first') && r.version_us === first) || (versions.includes('last') && r.version_us === last) || stamps.has(r.version_us)) &&
          (!f.specVersions?.length || f.specVersions.includes(r.spec_version)),
      );
      if (targets.length === 0) throw new AcdError('TAXII_NOT_FOUND', `object ${stixId} has no version matching match[version]=${versions.join(',')}${f.specVersions?.length ? ` and match[spec_version]=${f.specVersions.join(',')}` : ''}`, { status: 404 });
      const owner = actor.orgId === c.owner_org_id;
      const others = targets.filter((r) => !owner && r.added_by_org !== actor.orgId);
      if (others.length) {
        throw new AcdError('TAXII_FORBIDDEN', `${others.length} of the ${targets.length} matching versions of ${stixId} were added by another organisation; only their organisation or the collection's owner may delete them`, { status: 403 });
      }
      await trx.deleteFrom('intel_objects').where('seq', 'in', targets.map((r) => r.seq)).execute();
      const gone = targets.map((r) => r.version);
      await recordAudit(trx as unknown as Kysely<Database>, {
        actor,
        action: 'intel.objects.delete',
        target: { type: 'intel_collection', id: c.id },
        details: { stixId, versions: gone, ...(f.versions ? { matchVersion: f.versions } : {}), ...(f.specVersions ? { matchSpecVersion: f.specVersions } : {}), ...details },
      });
      return { stixId, versions: gone };
    });
}

// ---------- status ----------

export interface StatusResource {
  id: string;
  status: 'pending' | 'complete';
  request_timestamp: string;
  total_count: number;
  success_count: number;
  successes: Array<{ id: string; version?: string; message?: string }>;
  failure_count: number;
  failures: Array<{ id: string; version?: string; message?: string }>;
  pending_count: number;
  pendings: Array<{ id: string; version?: string }>;
}

export async function saveStatus(db: AnyDb, apiRoot: string, c: Collection, actor: Actor, requestUs: number, total: number, r: AddResult): Promise<StatusResource> {
  const id = randomUUID();
  await db$(db)
    .insertInto('intel_status')
    .values({
      id,
      api_root: apiRoot,
      collection_id: c.id,
      requested_by: actor.userId,
      requested_org: actor.orgId,
      request_timestamp_us: requestUs,
      status: 'complete',
      total_count: total,
      success_count: r.successes.length,
      failure_count: r.failures.length,
      pending_count: 0,
      successes: JSON.stringify(r.successes),
      failures: JSON.stringify(r.failures),
    })
    .execute();
  return statusView({ id, request_timestamp_us: requestUs, status: 'complete', total_count: total, success_count: r.successes.length, failure_count: r.failures.length, pending_count: 0, successes: r.successes, failures: r.failures });
}

function statusView(s: { id: string; request_timestamp_us: number; status: string; total_count: number; success_count: number; failure_count: number; pending_count: number; successes: StatusResource['successes']; failures: StatusResource['failures'] }): StatusResource {
  return {
    id: s.id,
    status: s.status === 'pending' ? 'pending' : 'complete',
    request_timestamp: formatUs(Number(s.request_timestamp_us)),
    total_count: s.total_count,
    success_count: s.success_count,
    successes: s.successes,
    failure_count: s.failure_count,
    failures: s.failures,
    pending_count: s.pending_count,
    pendings: [],
  };
}

/** A status resource, to the person who made the request or their organisation. */
export async function getStatus(db: AnyDb, apiRoot: string, id: string, actor: Actor): Promise<StatusResource | undefined> {
  const s = await db$(db).selectFrom('intel_status').selectAll().where('id', '=', id).where('api_root', '=', apiRoot).executeTakeFirst();
  if (!s || (s.requested_by !== actor.userId && s.requested_org !== actor.orgId)) return undefined;
  return statusView({ ...s, request_timestamp_us: Number(s.request_timestamp_us) });
}
