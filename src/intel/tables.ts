/**
 * The tables of the intel part (migration 020): TAXII API roots, sharing groups and their members,
 * organisations' clients (TLP:AMBER reaches them), collections with their rights and audience, the
 * stored object versions with their marking's audience, POST statuses, candidate criteria from
 * imported indicators, and the state of feeds pulled from other TAXII servers.
 */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface ApiRootTable {
  id: string;
  title: string;
  description: string | null;
  max_content_length: number;
  created_at: Timestamp;
}

export interface SharingGroupTable {
  id: string;
  name: string;
  /** members of a confidential group cannot see who else is in it */
  confidential: boolean;
  owner_org_id: string;
  created_at: Timestamp;
}

export interface GroupMemberTable {
  group_id: string;
  org_id: string;
  added_at: Timestamp;
}

export interface OrgClientTable {
  org_id: string;
  client_org_id: string;
}

export interface CollectionTable {
  id: string;
  api_root: string;
  alias: string | null;
  title: string;
  description: string | null;
  owner_org_id: string;
  group_id: string | null;
  read_roles: string[];
  write_roles: string[];
  /** when set, only these organisations (and the owner) may read / write */
  read_orgs: string[] | null;
  write_orgs: string[] | null;
  /** the TLP of objects that carry none */
  default_tlp: string;
  /** the recipients of AMBER / AMBER+STRICT objects added without explicit recipients */
  audience_orgs: string[];
  /** the named recipients of RED objects added without explicit recipients */
  audience_users: string[];
  created_at: Timestamp;
}

export interface ObjectTable {
  seq: Generated<number>;
  collection_id: string;
  stix_id: string;
  stix_type: string;
  spec_version: string;
  /** the TAXII version (modified, else created, else date_added) as the object gives it */
  version: string;
  /** the same, as microseconds since the epoch, for ordering */
  version_us: number;
  /** microseconds since the epoch; strictly increasing within a collection (stable pagination) */
  date_added_us: number;
  tlp: string;
  recipient_orgs: string[];
  recipient_users: string[];
  added_by_user: string | null;
  added_by_org: string | null;
  /** set on a partner's copy of an object it may not read and did not create: served to that organisation only (migration 111) */
  shadow_org: ColumnType<string | null, string | null | undefined, string | null>;
  object: Json<Record<string, unknown>>;
}

export interface SecretTable {
  name: string;
  value: string;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface StatusTable {
  id: string;
  api_root: string;
  collection_id: string;
  requested_by: string;
  requested_org: string;
  request_timestamp_us: number;
  status: string;
  total_count: number;
  success_count: number;
  failure_count: number;
  pending_count: number;
  successes: Json<Array<{ id: string; version?: string; message?: string }>>;
  failures: Json<Array<{ id: string; version?: string; message?: string }>>;
}

export interface CandidateTable {
  id: string;
  collection_id: string;
  stix_id: string;
  address: string;
  port: number | null;
  source: string;
  status: string;
  created_at: Timestamp;
}

export interface FeedTable {
  id: string;
  /** the remote collection's objects URL */
  url: string;
  collection_id: string;
  /** the last X-TAXII-Date-Added-Last seen: the next run asks for objects added after it */
  added_after: string | null;
  last_run_at: Timestamp | null;
  last_error: string | null;
  created_at: Timestamp;
}

export interface IntelTables {
  intel_api_roots: ApiRootTable;
  intel_sharing_groups: SharingGroupTable;
  intel_group_members: GroupMemberTable;
  intel_org_clients: OrgClientTable;
  intel_collections: CollectionTable;
  intel_objects: ObjectTable;
  intel_status: StatusTable;
  intel_candidates: CandidateTable;
  intel_feeds: FeedTable;
  intel_secrets: SecretTable;
}
