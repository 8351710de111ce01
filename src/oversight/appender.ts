/**
 * The log appender: the one writer that turns `audit_events` rows into leaves of the Merkle log.
 *
 * It takes the rows that have no leaf yet in `seq` order, in batches; for each row the leaf is the
 * RFC 9162 leaf hash of the canonical entry made from the row AS READ BACK from the database (so the
 * verifier, reading the same row later, recomputes the same bytes); it appends the leaves (nodes in
 * `audit_merkle_nodes`) and records row → leaf in `audit_log_leaves`, all in one transaction under an
 * advisory lock (several processes on one PostgreSQL: one appends at a time, the others notice the
 * tree grew and reopen it). It signs a tree head every `intervalMs` when the log grew, on demand, and
 * when a started appender stops.
 *
 * Leaf index is not seq: sequences skip (rolled-back transactions) and rows commit out of order. Rows
 * are found by `seq > high-water mark` plus the gaps seen below it (a transaction still running when a
 * later row was appended); a row that fills such a gap is appended late (after rows with a higher seq)
 * and counted in acd_audit_log_late_rows_total. Gaps are watched for `gapTtlMs`; at start the last
 * `startScan` sequence numbers are scanned for unlogged rows.
 *
 * What detects tampering: the `audit_events` trigger only stops accidents (a superuser disables it in
 * one statement). The signed tree heads and the stored leaf hashes are what make a changed, deleted,
 * moved or inserted row show: see verify.ts and exportLog() below.
 */
import { sql, type Kysely } from 'kysely';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Database } from '../store/index.js';
import { withTables } from '../store/index.js';
import type { Logger } from '../shared/log.js';
import { silentLogger } from '../shared/log.js';
import type { AuditRowLike } from './canonical.js';
import { canonicalRow } from './row-canonical.js';
import { hashLeaf, type NodeKey } from './merkle.js';
import type { NodeStore, StoredNode } from './node-store.js';
import { SqlNodeStore } from './sql-node-store.js';
import { MerkleTree } from './tree.js';
import { openTreeHead, signTreeHead, type SignedTreeHead } from './tree-head.js';
import { exportPublicKey, type LogKey, type PublishedKey } from './keys.js';
import { EXPORT_FORMAT, type LogExportFile } from './verify.js';
import { auditError } from './errors.js';
import type { OversightTables } from './tables.js';
import { memorySignerState, type SignerState } from './signer-state.js';
import type { WitnessClient } from './witness-client.js';
import { recordAudit, recordAuditBatch, type AuditInput } from './audit.js';
import { SYSTEM_ACTOR } from '../shared/roles.js';

export interface AuditLogAppenderConfig {
  /** sign a head this often (ms) when the log grew; 0 = only on demand. Default 60 000. */
  intervalMs?: number;
  /** rows per transaction. Default 5000. */
  batchSize?: number;
  /** how long a gap in seq below the high-water mark is watched for a late row (ms). Default 10 min. */
  gapTtlMs?: number;
  /** at start, how many sequence numbers below the high-water mark are scanned for unlogged rows. Default 100 000. */
  startScan?: number;
  /** a row whose time is earlier than the row logged before it by more than this (ms) is flagged (metric, error log, audit). Default 300 000. */
  maxSkewMs?: number;
}

/** Why the appender refused to sign (kept as evidence: in memory, in the signer state's evidence file, in the log). */
export interface SignRefusal {
  at: string;
  code: 'AUDIT_SIGN_BACKWARDS' | 'AUDIT_SIGN_INCONSISTENT';
  message: string;
  /** the head signed before, and where it was remembered: this process, the signer's state file, the database, the witness */
  lastSigned: { source: 'memory' | 'signer-state' | 'database' | 'witness'; treeSize: number; rootHash: string; note: string };
  /** what the log holds now, which the appender would have signed */
  candidate: { treeSize: number; rootHash: string };
}

export interface AuditLogHealth {
  /** false while the appender refuses to sign (see refusal) */
  ok: boolean;
  refusal: SignRefusal | null;
  /** rows flagged as earlier than their predecessor by more than the skew, since start */
  backdatedRows: number;
  witness: { url: string; lastCosignedSize: number; lastError: string | null } | null;
}

export interface AuditLogAppenderOptions {
  store: { db: Kysely<Database> };
  key: LogKey;
  config?: AuditLogAppenderConfig;
  registry?: Registry;
  logger?: Logger;
  now?: () => number;
  /** the signer's memory outside the database: the last signed head and the evidence of refusals (default: this process only) */
  signerState?: SignerState;
  /** a witness that cosigns every head the appender signs */
  witness?: WitnessClient;
}

export interface InclusionProofResult {
  leafIndex: number;
  treeSize: number;
  seq: number | null;
  leafHash: Buffer;
  path: Buffer[];
}

/** An export with, beside each entry, the audit_events seq it was read from (for people; the verifier ignores it). */
export type AuditLogExport = LogExportFile & { seqs: number[] };

export interface AuditLogAppender {
  /** leaves committed to the database */
  readonly size: number;
  /** Appends every pending row (batch after batch); returns how many were appended. */
  appendPending(): Promise<number>;
  /** Appends what is pending and signs a head for the new size now. */
  signHead(): Promise<SignedTreeHead>;
  /** What the interval does: append what is pending; sign a head if the log grew since the last one. */
  tick(): Promise<SignedTreeHead | undefined>;
  latestHead(): SignedTreeHead | undefined;
  /** signed heads, newest first */
  heads(opts?: { limit?: number; beforeId?: number }): Promise<Array<SignedTreeHead & { id: number }>>;
  leafIndexOfSeq(seq: number): Promise<number | undefined>;
  /** inclusion proof of a leaf (by index or by the audit row's seq) in the tree of `treeSize` (default: the latest head's) */
  inclusionProof(q: { leafIndex?: number; seq?: number; treeSize?: number }): Promise<InclusionProofResult>;
  /** consistency proof between two sizes (second defaults to the latest head's) */
  consistencyProof(first: number, second?: number): Promise<Buffer[]>;
  /**
   * The export file: the entries of leaves [0, size) read from audit_events as they are now (a row
   * deleted behind ACD's back is simply absent, a row inserted below the high-water mark without a leaf
   * sits where its seq puts it), the log's recorded leaf hashes, every signed head and the consistency
   * proofs between consecutive heads.
   */
  exportLog(): Promise<AuditLogExport>;
  publicKey(): PublishedKey;
  /** whether the appender signs (false after it refused a head smaller than or inconsistent with the last one) */
  health(): AuditLogHealth;
  /** a witness from now on (one started after the log, as `acd demo` does); cosigns the latest head at once */
  attachWitness(w: WitnessClient): Promise<void>;
  /** the latest head as published: the signed note with the witness's cosignature when it has one */
  latestPublished(): Promise<{ head: SignedTreeHead; cosigned: boolean } | undefined>;
  start(): void;
  stop(): Promise<void>;
}

const LOCK_ID = 7420050;

/** A node store whose writes go to the transaction of the batch being appended; reads see committed nodes. */
class BatchNodeStore implements NodeStore {
  writer: SqlNodeStore<Database> | undefined;
  constructor(readonly base: SqlNodeStore<Database>) {}
  leafCount(): Promise<number> {
    return this.base.leafCount();
  }
  getNodes(keys: readonly NodeKey[]): Promise<Uint8Array[]> {
    return this.base.getNodes(keys);
  }
  putNodes(nodes: readonly StoredNode[]): Promise<void> {
    if (!this.writer) throw auditError('AUDIT_BAD_ARGUMENT', 'the log appender writes nodes only inside its batch transaction');
    return this.writer.putNodes(nodes);
  }
}

class StaleTree extends Error {}

type EventRow = AuditRowLike & { seq: number };

export async function createAuditLogAppender(opts: AuditLogAppenderOptions): Promise<AuditLogAppender> {
  const db = withTables<OversightTables>(opts.store.db);
  const key = opts.key;
  const logger = opts.logger ?? silentLogger;
  const now = opts.now ?? Date.now;
  const intervalMs = opts.config?.intervalMs ?? 60_000;
  const batchSize = opts.config?.batchSize ?? 5000;
  const gapTtlMs = opts.config?.gapTtlMs ?? 600_000;
  const startScan = opts.config?.startScan ?? 100_000;
  const maxSkewMs = opts.config?.maxSkewMs ?? 300_000;
  const state = opts.signerState ?? memorySignerState();
  let witness = opts.witness;

  const reg = opts.registry ? [opts.registry] : [];
  const appendedC = new Counter({ name: 'acd_audit_log_appended_total', help: 'audit rows appended to the Merkle log', registers: reg });
  const lateC = new Counter({ name: 'acd_audit_log_late_rows_total', help: 'audit rows appended after rows with a higher seq (late commits, or rows inserted behind ACD)', registers: reg });
  const headsC = new Counter({ name: 'acd_audit_log_heads_signed_total', help: 'signed tree heads issued', registers: reg });
  const failC = new Counter({ name: 'acd_audit_log_append_failures_total', help: 'append batches that failed (retried on the next tick)', registers: reg });
  const refusedC = new Counter({ name: 'acd_audit_log_sign_refused_total', help: 'tree heads the appender refused to sign: smaller than or inconsistent with a head it signed before (truncation or rewrite)', registers: reg });
  const backdatedC = new Counter({ name: 'acd_audit_log_backdated_rows_total', help: 'audit rows earlier than the row logged before them by more than the allowed skew', registers: reg });
  const cosignedC = new Counter({ name: 'acd_audit_log_heads_cosigned_total', help: 'tree heads cosigned by the witness', registers: reg });
  const witnessFailC = new Counter({ name: 'acd_audit_log_witness_failures_total', help: 'tree heads the witness did not cosign (unreachable, or it refused)', registers: reg });
  let refusal: SignRefusal | null = null;
  const refusalsRecorded = new Set<string>();
  let backdatedRows = 0;
  let witnessError: string | null = null;
  new Gauge({
    name: 'acd_audit_log_signing_refused',
    help: '1 while the appender refuses to sign (the log is smaller than or inconsistent with a head it signed before), else 0',
    registers: reg,
    collect() {
      this.set(refusal ? 1 : 0);
    },
  });

  const base = new SqlNodeStore<Database>(opts.store.db);
  const nodes = new BatchNodeStore(base);
  let tree = await MerkleTree.open(nodes);
  let committed = tree.size;
  let latest: SignedTreeHead | undefined;
  const last = await db.selectFrom('audit_log_heads').select(['note']).orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (last) {
    try {
      latest = openTreeHead(last.note, key);
    } catch (e) {
      // a head under another key (the key file was replaced): the next head starts afresh
      logger.error({ err: e }, 'the last stored tree head does not verify under the log key');
    }
  }
  new Gauge({
    name: 'acd_audit_log_size',
    help: 'entries in the Merkle audit log',
    registers: reg,
    collect() {
      this.set(committed);
    },
  });

  // the time of the last logged row: a row logged after it must not be earlier by more than the skew
  let lastAt: number | undefined;
  {
    const r = await sql<{ at: Date | string }>`select e.at from audit_log_leaves m join audit_events e on e.seq = m.seq order by m.leaf_index desc limit 1`.execute(db);
    if (r.rows[0]) lastAt = new Date(r.rows[0].at).getTime();
  }
  // the witness's last cosigned head, as stored
  let lastCosigned: SignedTreeHead | undefined;
  const loadLastCosigned = async (): Promise<void> => {
    const r = await sql<{ note: string }>`select note from audit_log_cosigned order by tree_size desc, id desc limit 1`.execute(db);
    const note = r.rows[0]?.note;
    lastCosigned = note ? openTreeHead(note, key) : undefined;
  };
  if (witness) await loadLastCosigned();

  /** seq → when first seen missing below the high-water mark */
  const gaps = new Map<number, number>();
  let scanFrom: number | null = null; // set at start: one scan below the high-water mark
  {
    const r = await sql<{ hw: number | null }>`select max(seq) as hw from audit_log_leaves`.execute(db);
    const hw = r.rows[0]?.hw;
    if (hw !== null && hw !== undefined) scanFrom = Number(hw) - startScan;
  }

  // every append and signature runs one after another
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn);
    queue = run.catch(() => undefined);
    return run;
  };

  const reopen = async (): Promise<void> => {
    tree = await MerkleTree.open(nodes);
    committed = tree.size;
  };

  let prefetch: { after: number; rows: Promise<EventRow[]> } | undefined;

  const appendBatch = async (): Promise<number> => {
    let rowsDone = 0;
    let lateCount = 0;
    let newGaps: number[] = [];
    let filled: number[] = [];
    let backdated: Array<{ seq: number; at: number; previousAt: number }> = [];
    let batchLastAt = lastAt;
    await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${LOCK_ID})`.execute(trx);
      const m = await sql<{ hw: number | null; n: number | null }>`select max(seq) as hw, max(leaf_index) + 1 as n from audit_log_leaves`.execute(trx);
      const hw = m.rows[0]?.hw === null || m.rows[0]?.hw === undefined ? 0 : Number(m.rows[0].hw);
      const mapped = m.rows[0]?.n === null || m.rows[0]?.n === undefined ? 0 : Number(m.rows[0].n);
      if (mapped !== tree.size) throw new StaleTree(`the log holds ${mapped} leaves, this appender ${tree.size}`);
      // three index-friendly queries rather than one OR (which PostgreSQL answers with a full scan)
      const late: EventRow[] = [];
      const gapList = [...gaps.keys()];
      if (gapList.length > 0) {
        late.push(...(await sql<EventRow>`select e.* from audit_events e where e.seq = any(${gapList}::bigint[])
          and not exists (select 1 from audit_log_leaves m where m.seq = e.seq)`.execute(trx)).rows);
      }
      if (scanFrom !== null && scanFrom < hw) {
        late.push(...(await sql<EventRow>`select e.* from audit_events e where e.seq > ${scanFrom} and e.seq <= ${hw}
          and not exists (select 1 from audit_log_leaves m where m.seq = e.seq) order by e.seq limit ${batchSize}`.execute(trx)).rows);
      }
      const seen = new Set<number>();
      const lateRows = late.filter((r) => !seen.has(Number(r.seq)) && seen.add(Number(r.seq))).sort((a, b) => Number(a.seq) - Number(b.seq)).slice(0, batchSize);
      // the next rows were read ahead while the previous batch was written (rows never change once committed)
      const ahead = prefetch;
      prefetch = undefined;
      let fresh: EventRow[] = [];
      if (lateRows.length === 0 && ahead && ahead.after === hw) fresh = await ahead.rows;
      else if (lateRows.length < batchSize) fresh = (await sql<EventRow>`select e.* from audit_events e where e.seq > ${hw} order by e.seq limit ${batchSize - lateRows.length}`.execute(trx)).rows;
      const rows = [...lateRows, ...fresh];
      if (rows.length === 0) return;
      if (rows.length === batchSize) {
        const after = Number(rows[rows.length - 1]!.seq);
        const next = sql<EventRow>`select e.* from audit_events e where e.seq > ${after} order by e.seq limit ${batchSize}`.execute(opts.store.db).then((r) => r.rows);
        next.catch(() => undefined);
        prefetch = { after, rows: next };
      }
      const leaves = rows.map((r) => hashLeaf(Buffer.from(canonicalRow(r), 'utf8')));
      for (const r of rows) {
        const at = (r.at instanceof Date ? r.at : new Date(r.at)).getTime();
        if (batchLastAt !== undefined && at < batchLastAt - maxSkewMs) backdated.push({ seq: Number(r.seq), at, previousAt: batchLastAt });
        batchLastAt = at;
      }
      nodes.writer = new SqlNodeStore<Database>(trx as unknown as Kysely<Database>, { cacheFromLevel: 64 });
      let first: number;
      try {
        ({ first } = await tree.appendLeaves(leaves));
      } finally {
        nodes.writer = undefined;
      }
      const seqs = rows.map((r) => Number(r.seq));
      await sql`insert into audit_log_leaves (seq, leaf_index)
        select s, i from unnest(${seqs}::bigint[], ${seqs.map((_, i) => first + i)}::bigint[]) as t(s, i)`.execute(trx);
      rowsDone = rows.length;
      let prev = hw;
      for (const s of seqs) {
        if (s <= hw) {
          lateCount++;
          filled.push(s);
          continue;
        }
        // sequence numbers skipped between appended rows: a transaction may still commit them
        if (s - prev - 1 <= 1000) for (let g = prev + 1; g < s; g++) newGaps.push(g);
        prev = s;
      }
    }).catch(async (e: unknown) => {
      prefetch = undefined;
      newGaps = [];
      filled = [];
      backdated = [];
      batchLastAt = lastAt;
      // the transaction rolled back: nodes the tree thinks it wrote are gone; read it again
      await reopen();
      if (e instanceof StaleTree) return;
      throw e;
    });
    if (rowsDone > 0) {
      committed = tree.size;
      lastAt = batchLastAt;
      appendedC.inc(rowsDone);
      if (backdated.length > 0) await flagBackdated(backdated);
      if (lateCount > 0) {
        lateC.inc(lateCount);
        logger.warn({ rows: lateCount }, 'audit rows appended after rows with a higher seq (a late commit, or a row inserted behind ACD)');
      }
    }
    const t = now();
    for (const s of filled) gaps.delete(s);
    for (const g of newGaps) gaps.set(g, t);
    for (const [g, since] of gaps) if (t - since > gapTtlMs) gaps.delete(g);
    if (rowsDone < batchSize) scanFrom = null;
    return rowsDone;
  };

  const appendAll = async (): Promise<number> => {
    let total = 0;
    for (;;) {
      const n = await appendBatch();
      total += n;
      if (n < batchSize) return total;
    }
  };

  /** rows logged after a later one (beyond the skew): counted, logged as an error, and recorded in the log itself */
  const flagBackdated = async (rows: Array<{ seq: number; at: number; previousAt: number }>): Promise<void> => {
    backdatedRows += rows.length;
    backdatedC.inc(rows.length);
    logger.error({ rows: rows.slice(0, 20).map((r) => ({ seq: r.seq, at: new Date(r.at).toISOString(), previousAt: new Date(r.previousAt).toISOString() })), maxSkewMs }, 'audit rows earlier than the row logged before them: a clock step back, or rows written behind ACD with a past time');
    const events: AuditInput[] = rows.map((r) => ({
      actor: SYSTEM_ACTOR,
      action: 'audit_log.backdated',
      target: { type: 'audit_event', id: String(r.seq) },
      details: { seq: r.seq, at: new Date(r.at).toISOString(), previousAt: new Date(r.previousAt).toISOString(), earlierByMs: r.previousAt - r.at, maxSkewMs },
    }));
    await recordAuditBatch(opts.store.db, events).catch((e: unknown) => logger.error({ err: e }, 'could not record the backdated rows in the audit log'));
  };

  /** a stored head under this log's key; heads signed under a replaced key are left out (they verify only under the old one) */
  const openOwn = (note: string): SignedTreeHead | undefined => {
    try {
      return openTreeHead(note, key);
    } catch {
      return undefined;
    }
  };

  type LastSigned = { source: SignRefusal['lastSigned']['source']; head: SignedTreeHead };
  /** every record of the last head signed: this process, the signer's state file, the database's largest, the witness's */
  const lastSignedRecords = async (): Promise<LastSigned[]> => {
    const out: LastSigned[] = [];
    if (latest) out.push({ source: 'memory', head: latest });
    const fileNote = state.lastNote();
    if (fileNote) {
      const h = openOwn(fileNote);
      if (h) out.push({ source: 'signer-state', head: h });
      else logger.error({ path: state.path }, "the signer state's last head does not verify under the log key (ignored)");
    }
    const row = await db.selectFrom('audit_log_heads').select(['note']).orderBy('tree_size', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
    const dbHead = row ? openOwn(row.note) : undefined;
    if (dbHead) out.push({ source: 'database', head: dbHead });
    if (lastCosigned) out.push({ source: 'witness', head: lastCosigned });
    return out;
  };

  /** Never sign backwards: the tree must hold every head signed before, unchanged (RFC 9162 §2.1.4: consistency). */
  const checkNotBackwards = async (): Promise<void> => {
    let records = await lastSignedRecords();
    if (records.some((r) => r.head.treeSize > committed)) {
      // another process may have appended and signed since: read the tree again before calling it a cut
      await appendAll();
      records = await lastSignedRecords();
    }
    for (const r of records) {
      let code: SignRefusal['code'] | undefined;
      let message = '';
      if (r.head.treeSize > committed) {
        code = 'AUDIT_SIGN_BACKWARDS';
        message = `refusing to sign a tree head of ${committed} entries after one of ${r.head.treeSize} (${r.source}): the log was truncated`;
      } else if (!(await tree.root(r.head.treeSize)).equals(r.head.rootHash)) {
        code = 'AUDIT_SIGN_INCONSISTENT';
        message = `refusing to sign: the log's first ${r.head.treeSize} entries no longer hash to the head signed for that size (${r.source}): the log was rewritten`;
      }
      if (!code) continue;
      const rootHash = (await tree.root(committed)).toString('base64');
      const ev: SignRefusal = {
        at: new Date(now()).toISOString(),
        code,
        message,
        lastSigned: { source: r.source, treeSize: r.head.treeSize, rootHash: r.head.rootHash.toString('base64'), note: r.head.note },
        candidate: { treeSize: committed, rootHash },
      };
      refusal = ev;
      refusedC.inc();
      const once = `${code}:${r.head.treeSize}:${r.head.rootHash.toString('base64')}`;
      if (!refusalsRecorded.has(once)) {
        refusalsRecorded.add(once);
        logger.error({ refusal: ev }, message);
        try {
          state.recordEvidence({ ...ev });
        } catch (e) {
          logger.error({ err: e }, 'could not write the evidence of a refused signature');
        }
        await recordAudit(opts.store.db, {
          actor: SYSTEM_ACTOR,
          action: 'audit_log.sign_refused',
          target: { type: 'audit_log', id: String(committed) },
          reason: message,
          details: { code, source: r.source, lastSignedSize: r.head.treeSize, lastSignedRoot: ev.lastSigned.rootHash, candidateSize: committed, candidateRoot: rootHash },
        }).catch((e: unknown) => logger.error({ err: e }, 'could not record the refused signature in the audit log'));
      }
      throw auditError('AUDIT_SIGN_REFUSED', message, ev);
    }
  };

  /** Asks the witness to cosign a head; stores the cosigned note. A failure is counted and logged, never fatal to the log. */
  const cosign = async (head: SignedTreeHead): Promise<void> => {
    if (!witness) return;
    try {
      const note = await witness.cosign(head, lastCosigned?.treeSize ?? 0, (from) => tree.consistencyProof(from, head.treeSize));
      await db.insertInto('audit_log_cosigned').values({ tree_size: head.treeSize, note }).execute();
      lastCosigned = { ...head, note };
      witnessError = null;
      cosignedC.inc();
    } catch (e) {
      witnessFailC.inc();
      witnessError = e instanceof Error ? e.message : String(e);
      logger.error({ err: e, treeSize: head.treeSize, witness: witness.url }, 'the witness did not cosign the tree head');
    }
  };

  const signNow = async (): Promise<SignedTreeHead> => {
    await checkNotBackwards();
    refusal = null;
    const head = signTreeHead({ treeSize: committed, rootHash: await tree.root(committed), timestamp: Math.max(now(), latest?.timestamp ?? 0) }, key);
    // the signer's own record first: a head it signed is remembered even if the database write fails
    state.recordSigned(head.note);
    await db.insertInto('audit_log_heads').values({ tree_size: head.treeSize, timestamp_ms: head.timestamp, note: head.note }).execute();
    latest = head;
    headsC.inc();
    await cosign(head);
    return head;
  };

  const headSize = (): number => latest?.treeSize ?? committed;
  const checkSize = (size: number, what: string): void => {
    if (!Number.isSafeInteger(size) || size < 0 || size > committed) throw auditError('AUDIT_BAD_ARGUMENT', `${what} ${size} is outside the log's sizes 0..${committed}`);
  };

  const leafIndexOfSeq = async (seq: number): Promise<number | undefined> => {
    const r = await db.selectFrom('audit_log_leaves').select('leaf_index').where('seq', '=', seq).executeTakeFirst();
    return r ? Number(r.leaf_index) : undefined;
  };

  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<unknown> | undefined;

  const tick = (): Promise<SignedTreeHead | undefined> =>
    serial(async () => {
      await appendAll();
      if (committed === 0 || latest?.treeSize === committed) return undefined;
      return signNow();
    });

  return {
    get size() {
      return committed;
    },
    appendPending: () => serial(appendAll),
    signHead: () =>
      serial(async () => {
        await appendAll();
        return signNow();
      }),
    tick,
    latestHead: () => latest,
    async heads(q = {}) {
      let query = db
        .selectFrom('audit_log_heads')
        .select(['id', 'note'])
        .orderBy('id', 'desc')
        .limit(Math.min(q.limit ?? 100, 1000));
      if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
      const rows = await query.execute();
      return rows.flatMap((r) => {
        const h = openOwn(r.note);
        return h ? [{ ...h, id: Number(r.id) }] : [];
      });
    },
    leafIndexOfSeq,
    async inclusionProof(q) {
      let leafIndex = q.leafIndex;
      let seq: number | null = q.seq ?? null;
      if (leafIndex === undefined) {
        if (q.seq === undefined) throw auditError('AUDIT_BAD_ARGUMENT', 'give a leaf index or an audit seq');
        leafIndex = await leafIndexOfSeq(q.seq);
        if (leafIndex === undefined) throw auditError('AUDIT_BAD_ARGUMENT', `audit event ${q.seq} is not in the log (yet)`);
      } else {
        const r = await db.selectFrom('audit_log_leaves').select('seq').where('leaf_index', '=', leafIndex).executeTakeFirst();
        seq = r ? Number(r.seq) : null;
      }
      const treeSize = q.treeSize ?? headSize();
      checkSize(treeSize, 'tree size');
      if (!Number.isSafeInteger(leafIndex) || leafIndex < 0 || leafIndex >= treeSize) {
        throw auditError('AUDIT_BAD_ARGUMENT', `leaf ${leafIndex} is not in the tree of size ${treeSize}${q.treeSize === undefined ? ' (the latest signed head; ask for a newer head)' : ''}`);
      }
      const [leafHash] = await base.getNodes([{ level: 0, index: leafIndex }]);
      return { leafIndex, treeSize, seq, leafHash: Buffer.from(leafHash!), path: await tree.inclusionProof(leafIndex, treeSize) };
    },
    async consistencyProof(first, second) {
      const to = second ?? headSize();
      checkSize(to, 'second tree size');
      checkSize(first, 'first tree size');
      if (first > to) throw auditError('AUDIT_BAD_ARGUMENT', `first tree size ${first} is larger than second tree size ${to}`);
      return tree.consistencyProof(first, to);
    },
    exportLog: () => serial(async () => exportNow()),
    publicKey: () => exportPublicKey(key),
    health: () => ({
      ok: refusal === null,
      refusal,
      backdatedRows,
      witness: witness ? { url: witness.url, lastCosignedSize: lastCosigned?.treeSize ?? 0, lastError: witnessError } : null,
    }),
    attachWitness: (w) =>
      serial(async () => {
        witness = w;
        await loadLastCosigned();
        // the head signed before the witness came: cosigned now
        if (latest && latest.treeSize > (lastCosigned?.treeSize ?? 0)) await cosign(latest);
      }),
    async latestPublished() {
      if (!latest) return undefined;
      if (lastCosigned && lastCosigned.treeSize === latest.treeSize && lastCosigned.rootHash.equals(latest.rootHash)) return { head: lastCosigned, cosigned: true };
      const r = await sql<{ note: string }>`select note from audit_log_cosigned where tree_size = ${latest.treeSize} order by id desc limit 1`.execute(db).catch(() => ({ rows: [] as Array<{ note: string }> }));
      const c = r.rows[0] ? openOwn(r.rows[0].note) : undefined;
      if (c && c.rootHash.equals(latest.rootHash)) return { head: c, cosigned: true };
      return { head: latest, cosigned: false };
    },
    start() {
      if (timer || intervalMs <= 0) return;
      timer = setInterval(() => {
        if (ticking) return;
        ticking = tick()
          .catch((e: unknown) => {
            failC.inc();
            logger.error({ err: e }, 'appending to the audit log or signing its head failed');
          })
          .finally(() => (ticking = undefined));
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      const running = timer !== undefined;
      if (timer) clearInterval(timer);
      timer = undefined;
      await ticking;
      // a started log signs what it holds before it stops, so the last entries do not wait for the next start
      if (running) {
        await tick().catch((e: unknown) => {
          failC.inc();
          logger.error({ err: e }, 'the audit log could not sign its last head on stopping');
        });
      }
      await queue;
    },
  };

  async function exportNow(): Promise<AuditLogExport> {
    const size = committed;
    // every head signed, also those larger than the tree (a truncated log): the verifier names the cut
    const headRows = await db.selectFrom('audit_log_heads').select(['note']).orderBy('id', 'asc').execute();
    // a head the witness cosigned travels with its cosignature (the same checkpoint, one more signature line)
    const cosignedRows = (await sql<{ note: string }>`select note from audit_log_cosigned order by id`.execute(db).catch(() => ({ rows: [] as Array<{ note: string }> }))).rows;
    const cosignedByText = new Map<string, string>();
    for (const r of cosignedRows) cosignedByText.set(r.note.slice(0, r.note.lastIndexOf('\n\n') + 1), r.note);
    const heads = headRows.flatMap((r) => {
      const h = openOwn(r.note);
      if (!h) return [];
      const c = cosignedByText.get(r.note.slice(0, r.note.lastIndexOf('\n\n') + 1));
      return [c ? { ...h, note: c } : h];
    });
    // rows without a leaf below the high-water mark: inserted behind ACD's back (or a commit not yet appended)
    const hwRow = await sql<{ hw: number | null }>`select max(seq) as hw from audit_log_leaves where leaf_index < ${size}`.execute(db);
    const hw = Number(hwRow.rows[0]?.hw ?? 0);
    const stray = (
      await sql<EventRow>`select e.* from audit_events e where e.seq < ${hw}
        and not exists (select 1 from audit_log_leaves m where m.seq = e.seq and m.leaf_index < ${size}) order by e.seq`.execute(db)
    ).rows;
    let s = 0;
    const entries: string[] = [];
    const seqs: number[] = [];
    const emit = (r: EventRow): void => {
      entries.push(canonicalRow(r));
      seqs.push(Number(r.seq));
    };
    const page = 10_000;
    for (let from = 0; from < size; from += page) {
      const rows = (
        await sql<EventRow & { leaf_seq: number; row_seq: number | null }>`
          select m.seq as leaf_seq, e.seq as row_seq, e.* from audit_log_leaves m left join audit_events e on e.seq = m.seq
          where m.leaf_index >= ${from} and m.leaf_index < ${Math.min(size, from + page)} order by m.leaf_index`.execute(db)
      ).rows;
      for (const r of rows) {
        while (s < stray.length && Number(stray[s]!.seq) < Number(r.leaf_seq)) emit(stray[s++]!);
        if (r.row_seq !== null) emit(r); // a deleted row leaves its leaf without an entry
      }
    }
    while (s < stray.length) emit(stray[s++]!);
    const proofs: (string[] | null)[] = [];
    for (let i = 0; i < heads.length; i++) {
      const a = heads[i - 1]?.treeSize;
      const b = heads[i]!.treeSize;
      proofs.push(a === undefined || a > b || b > size ? null : (await tree.consistencyProof(a, b)).map((h) => h.toString('base64')));
    }
    return {
      format: EXPORT_FORMAT,
      origin: key.name,
      publicKey: exportPublicKey(key).vkey,
      entries,
      seqs,
      leafHashes: (await tree.leafHashes(0, size)).map((h) => h.toString('base64')),
      treeHeads: heads.map((h) => h.note),
      consistencyProofs: proofs,
    };
  }
}
