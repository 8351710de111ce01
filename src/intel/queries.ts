/**
 * Reads of intel's tables for the server's routes (TAXII discovery and API roots, the collections list with
 * object counts, the registered feeds): the routes call these, they hold no SQL over intel's tables.
 */
import type { IntelDb } from './store.js';

export interface ApiRootRow { id: string; title: string; description: string | null; max_content_length: number }

/** The TAXII API root of that id, or null. */
export async function getApiRoot(db: IntelDb, id: string): Promise<ApiRootRow | null> {
  return (await db.selectFrom('intel_api_roots').select(['id', 'title', 'description', 'max_content_length']).where('id', '=', id).executeTakeFirst()) ?? null;
}

/** The ids of every TAXII API root, in order. */
export async function listApiRootIds(db: IntelDb): Promise<string[]> {
  return (await db.selectFrom('intel_api_roots').select('id').orderBy('id').execute()).map((r) => r.id);
}

export interface CollectionSummary {
  id: string; apiRoot: string; alias: string | null; title: string; ownerOrgId: string | null; groupId: string | null;
  readRoles: string[]; writeRoles: string[]; defaultTlp: string; objects: number;
}

/** Every collection with how many object versions it holds, oldest first. */
export async function listCollectionSummaries(db: IntelDb): Promise<CollectionSummary[]> {
  const rows = await db
    .selectFrom('intel_collections as c')
    .select((eb) => [
      'c.id', 'c.api_root', 'c.alias', 'c.title', 'c.owner_org_id', 'c.group_id', 'c.read_roles', 'c.write_roles', 'c.default_tlp',
      eb.selectFrom('intel_objects as o').select((e) => e.fn.countAll<number>().as('n')).whereRef('o.collection_id', '=', 'c.id').as('objects'),
    ])
    .orderBy('c.created_at')
    .execute();
  return rows.map((r) => ({ id: r.id, apiRoot: r.api_root, alias: r.alias, title: r.title, ownerOrgId: r.owner_org_id, groupId: r.group_id, readRoles: r.read_roles, writeRoles: r.write_roles, defaultTlp: r.default_tlp, objects: Number(r.objects ?? 0) }));
}

export interface FeedView { id: string; url: string; collectionId: string; addedAfter: string | null; lastRunAt: string | null; lastError: string | null }

/** The registered TAXII feeds and where each stands, oldest first. */
export async function listFeeds(db: IntelDb): Promise<FeedView[]> {
  return (await db.selectFrom('intel_feeds').selectAll().orderBy('created_at').execute()).map((f) => ({
    id: f.id,
    url: f.url,
    collectionId: f.collection_id,
    addedAfter: f.added_after,
    lastRunAt: f.last_run_at ? new Date(f.last_run_at).toISOString() : null,
    lastError: f.last_error,
  }));
}

/** Whether a feed of that id is registered. */
export async function feedExists(db: IntelDb, id: string): Promise<boolean> {
  return (await db.selectFrom('intel_feeds').select(['id']).where('id', '=', id).executeTakeFirst()) !== undefined;
}
