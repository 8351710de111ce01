import { sql, type Kysely } from 'kysely';

// Intel: TAXII API roots, sharing groups, collections, object versions, statuses, candidates, feeds.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table intel_api_roots (
      id text primary key check (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
      title text not null,
      description text,
      max_content_length integer not null check (max_content_length > 0),
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`insert into intel_api_roots (id, title, description, max_content_length)
    values ('acd', 'ACD', 'Intelligence of the active cyber defence platform', 10485760)`.execute(db);
  await sql`
    create table intel_sharing_groups (
      id text primary key,
      name text not null unique,
      confidential boolean not null default false,
      owner_org_id text not null references organisations(id),
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table intel_group_members (
      group_id text not null references intel_sharing_groups(id),
      org_id text not null references organisations(id),
      added_at timestamptz not null default now(),
      primary key (group_id, org_id)
    )`.execute(db);
  await sql`create index intel_group_members_org on intel_group_members(org_id)`.execute(db);
  await sql`
    create table intel_org_clients (
      org_id text not null references organisations(id),
      client_org_id text not null references organisations(id),
      primary key (org_id, client_org_id),
      check (org_id <> client_org_id)
    )`.execute(db);
  await sql`create index intel_org_clients_client on intel_org_clients(client_org_id)`.execute(db);
  await sql`
    create table intel_collections (
      id text primary key,
      api_root text not null references intel_api_roots(id),
      alias text,
      title text not null,
      description text,
      owner_org_id text not null references organisations(id),
      group_id text references intel_sharing_groups(id),
      read_roles text[] not null,
      write_roles text[] not null,
      read_orgs text[],
      write_orgs text[],
      default_tlp text not null check (default_tlp in ('clear','green','amber','amber+strict','red')),
      audience_orgs text[] not null default '{}',
      audience_users text[] not null default '{}',
      created_at timestamptz not null default now(),
      unique (api_root, alias)
    )`.execute(db);
  await sql`
    create table intel_objects (
      seq bigserial primary key,
      collection_id text not null references intel_collections(id),
      stix_id text not null,
      stix_type text not null,
      spec_version text not null,
      version text not null,
      version_us bigint not null,
      date_added_us bigint not null,
      tlp text not null check (tlp in ('clear','green','amber','amber+strict','red')),
      recipient_orgs text[] not null default '{}',
      recipient_users text[] not null default '{}',
      added_by_user text,
      added_by_org text,
      object jsonb not null,
      unique (collection_id, stix_id, version_us),
      unique (collection_id, date_added_us)
    )`.execute(db);
  await sql`create index intel_objects_type on intel_objects(collection_id, stix_type, date_added_us)`.execute(db);
  await sql`
    create table intel_status (
      id text primary key,
      api_root text not null,
      collection_id text not null,
      requested_by text not null,
      requested_org text not null,
      request_timestamp_us bigint not null,
      status text not null check (status in ('pending','complete')),
      total_count integer not null,
      success_count integer not null,
      failure_count integer not null,
      pending_count integer not null,
      successes jsonb not null default '[]',
      failures jsonb not null default '[]'
    )`.execute(db);
  await sql`
    create table intel_candidates (
      id text primary key,
      collection_id text not null,
      stix_id text not null,
      address text not null,
      port integer,
      source text not null,
      status text not null default 'candidate' check (status in ('candidate','adopted','rejected')),
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create unique index intel_candidates_once on intel_candidates(stix_id, address, coalesce(port, -1))`.execute(db);
  await sql`
    create table intel_feeds (
      id text primary key,
      url text not null unique,
      collection_id text not null references intel_collections(id),
      added_after text,
      last_run_at timestamptz,
      last_error text,
      created_at timestamptz not null default now()
    )`.execute(db);
}
