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

export interface AuditLogAppenderConfig {
  /** sign a head this often (ms) when the log grew; 0 = only on demand. Default 60 000. */
  intervalMs?: number;
  /** rows per transaction. Default 5000. */
  batchSize?: number;
  /** how long a gap in seq below the high-water mark is watched for a late row (ms). Default 10 min. */
  gapTtlMs?: number;
  /** at start, how many sequence numbers below the high-water mark are scanned for unlogged rows. Default 100 000. */
  startScan?: number;
}

export interface AuditLogAppenderOptions {
  store: { db: Kysely<Database> };
  key: LogKey;
  config?: AuditLogAppenderConfig;
  registry?: Registry;
  logger?: Logger;
  now?: () => number;
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

  const reg = opts.registry ? [opts.registry] : [];
  const appendedC = new Counter({ name: 'acd_audit_log_appended_total', help: 'audit rows appended to the Merkle log', registers: reg });
  const lateC = new Counter({ name: 'acd_audit_log_late_rows_total', help: 'audit rows appended after rows with a higher seq (late commits, or rows inserted behind ACD)', registers: reg });
  const headsC = new Counter({ name: 'acd_audit_log_heads_signed_total', help: 'signed tree heads issued', registers: reg });
  const failC = new Counter({ name: 'acd_audit_log_append_failures_total', help: 'append batches that failed (retried on the next tick)', registers: reg });

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
      // the transaction rolled back: nodes the tree thinks it wrote are gone; read it again
      await reopen();
      if (e instanceof StaleTree) return;
      throw e;
    });
    if (rowsDone > 0) {
      committed = tree.size;
      appendedC.inc(rowsDone);
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

  const signNow = async (): Promise<SignedTreeHead> => {
    const head = signTreeHead({ treeSize: committed, rootHash: await tree.root(committed), timestamp: Math.max(now(), latest?.timestamp ?? 0) }, key);
    await db.insertInto('audit_log_heads').values({ tree_size: head.treeSize, timestamp_ms: head.timestamp, note: head.note }).execute();
    latest = head;
    headsC.inc();
    return head;
  };

  /** a stored head under this log's key; heads signed under a replaced key are left out (they verify only under the old one) */
  const openOwn = (note: string): SignedTreeHead | undefined => {
    try {
      return openTreeHead(note, key);
    } catch {
      return undefined;
    }
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
    const headRows = await db.selectFrom('audit_log_heads').select(['note']).orderBy('id', 'asc').execute();
    const heads = headRows.flatMap((r) => openOwn(r.note) ?? []).filter((h) => h.treeSize <= size);
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
      proofs.push(i === 0 ? null : (await tree.consistencyProof(heads[i - 1]!.treeSize, heads[i]!.treeSize)).map((h) => h.toString('base64')));
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
