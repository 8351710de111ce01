/**
 * Filing reports, with group commit. One statement writes a set of reports, the first submission of
 * each and one audit event per report: a single statement is atomic on its own (all rows commit or
 * none does), so no BEGIN/COMMIT round trips.
 *
 * Reports filed at about the same time through the same store (the HTTP submissions of many
 * operators) are coalesced into one such statement by the store's group commit (store/group-commit.ts):
 * each filing is answered only when the statement holding it has committed, so an acknowledgement
 * still means the report is durable, and a batch costs one round trip, one WAL flush and one statement
 * plan instead of one per report. If a batch fails (one bad filing fails the statement for all), each
 * of its filings is tried again on its own, so only the bad one fails.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Actor } from '../auth/index.js';
import { createGroupCommit, pgPoolOf, type Database, type GroupCommit } from '../store/index.js';
import type { AnyDb, RDb } from './scope.js';

export interface Filing {
  id: string;
  actor: Actor;
  kind: string;
  title: string;
  detectedAt: Date;
  /** the content, already JSON text */
  content: string;
  at: Date;
}

/**
 * Most filings in one statement, and most such statements at once (each holds a pool connection):
 * two, so one statement executes while the other waits for its WAL flush. npm run bench --
 * reports/submit, alternating, load 4-7, with the named statement: 1 at a time 1.6-1.8 k reports/s
 * (8.0 per commit), 2 at a time 2.5-3.2 k (5.5 per commit), 3: 3.1 k, 4: 3.0 k; CPU per report alike.
 * (Before the statement was a named one, 1 at a time was the better: 1.5-2.2 k vs 1.4-1.6 k.)
 */
export const MAX_BATCH = 256;
export const MAX_IN_FLIGHT = 2;

/** The filings as one jsonb array, the content spliced in as the JSON text it already is (not encoded twice). */
function asJson(filings: readonly Filing[]): string {
  let out = '[';
  for (let i = 0; i < filings.length; i++) {
    const f = filings[i]!;
    if (i) out += ',';
    out += `{"id":${JSON.stringify(f.id)},"org_id":${JSON.stringify(f.actor.orgId)},"user_id":${JSON.stringify(f.actor.userId)},` +
      `"roles":${JSON.stringify(f.actor.roles)},"kind":${JSON.stringify(f.kind)},"title":${JSON.stringify(f.title)},` +
      `"detected_at":"${f.detectedAt.toISOString()}","at":"${f.at.toISOString()}","content":${f.content}}`;
  }
  return out + ']';
}

// The audit rows have the columns recordAudit writes (src/oversight/audit.ts), details from the inserted report.
// Not the rows back: the caller has them (no jsonb or dates parsed).
const FILE_SQL = `
  with i as (
    select * from jsonb_to_recordset($1::jsonb)
      as x(id text, org_id text, user_id text, roles text[], kind text, title text, detected_at timestamptz, at timestamptz, content jsonb)
  ),
  r as (
    insert into reports (id, org_id, sector, kind, stage, version, title, detected_at, content, severity, assignee_user_id,
                         created_by, created_at, updated_at, early_warning_at, notification_at, final_at)
    select i.id, i.org_id, o.sector, i.kind, 'initial', 1, i.title, i.detected_at, i.content, null, null,
           i.user_id, i.at, i.at, i.at, null, null
    from i join organisations o on o.id = i.org_id and o.sector is not null
    returning id, sector, kind, content, created_by, created_at
  ),
  s as (
    insert into report_submissions (report_id, seq, stage, version, content, submitted_by, submitted_at)
    select r.id, 1, 'initial', 1, r.content, r.created_by, r.created_at from r
  ),
  a as (
    insert into audit_events (at, actor_user_id, actor_org_id, actor_roles, action, target_type, target_id, reason, basis_id, details)
    select i.at, i.user_id, i.org_id, coalesce(i.roles, '{}'), 'report.create', 'report', r.id, null, null, jsonb_build_object('kind', r.kind, 'sector', r.sector)
    from r join i on i.id = r.id
  )
  select r.id, r.sector from r`;

/**
 * Writes the filings in one statement (in `db`, which may be a transaction); answers each one's
 * sector, or null where its organisation has no sector (nothing is written for that one).
 * Outside a transaction on PostgreSQL it is a named statement, parsed and planned once per pool
 * connection: measured 0.77-0.94 ms against 1.32-1.57 ms a statement of 8 reports (wall, one connection).
 */
export async function fileReports(db: AnyDb | RDb, filings: readonly Filing[]): Promise<Array<string | null>> {
  const json = asJson(filings);
  const pool = db.isTransaction ? undefined : pgPoolOf(db as Kysely<Database>);
  const rows = pool
    ? (await pool.query<{ id: string; sector: string }>({ name: 'acd_reports_file', text: FILE_SQL, values: [json] })).rows
    : (await db.executeQuery<{ id: string; sector: string }>(CompiledQuery.raw(FILE_SQL, [json]))).rows;
  const sectors = new Map(rows.map((r) => [r.id, r.sector]));
  return filings.map((f) => sectors.get(f.id) ?? null);
}

/** Statistics of a store's filings (tests, metrics): statements sent and filings written by them. */
export interface FilingStats {
  statements: number;
  filings: number;
  /** batches that failed and were retried one filing at a time */
  retried: number;
}

const queues = new WeakMap<object, GroupCommit<Filing, string | null>>();

function queueOf(db: Kysely<Database>): GroupCommit<Filing, string | null> {
  let q = queues.get(db);
  if (!q) queues.set(db, (q = createGroupCommit({ write: (filings) => fileReports(db, filings), maxBatch: MAX_BATCH, maxInFlight: MAX_IN_FLIGHT })));
  return q;
}

/**
 * Files one report: with the others filed at about the same time through the same store (group
 * commit), or on its own inside a transaction it is given. Answers the sector, or null when the
 * organisation has none. Resolves only once the report is committed (or, in a transaction, written).
 */
export async function fileReport(db: AnyDb | RDb, filing: Filing): Promise<string | null> {
  if (db.isTransaction) return (await fileReports(db, [filing]))[0]!;
  return queueOf(db as Kysely<Database>).submit(filing);
}

/** The group-commit statistics of a store's queue (zeros if nothing was filed through it). */
export function filingStats(db: AnyDb): FilingStats {
  const s = queues.get(db)?.stats;
  return { statements: s?.statements ?? 0, filings: s?.items ?? 0, retried: s?.retried ?? 0 };
}
