/**
 * The Merkle audit log as a component: entries in, leaf hashes into the tree, signed tree heads out at
 * a fixed interval (when the log has grown) and on demand, proofs for anyone who asks.
 *
 * It stores no entries itself: the caller keeps them (the `audit_events` table) and appends each
 * entry's canonical form here in the same order, leaf index = position in the log. Heads are handed to
 * `onHead` to be stored and published.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../shared/log.js';
import { canonicalAuditEntry, entryLeafHash, type AuditEntry } from './canonical.js';
import { hashLeaf } from './merkle.js';
import type { NodeStore } from './node-store.js';
import { MerkleTree } from './tree.js';
import { signTreeHead, type SignedTreeHead } from './tree-head.js';
import { exportPublicKey, type LogKey, type PublishedKey } from './keys.js';
import { EXPORT_FORMAT, type LogExportFile } from './verify.js';

export interface MerkleLogConfig {
  /** sign a head every this many ms if the log grew since the last one; 0 = only on demand */
  headIntervalMs: number;
}

export interface MerkleLogDeps {
  store: NodeStore;
  /** the log's key; its name is the log's origin */
  key: LogKey;
  registry?: Registry;
  logger?: Logger;
  /** called with every new signed head (store it, publish it); awaited */
  onHead?: (head: SignedTreeHead) => void | Promise<void>;
  /** the last head signed before a restart, so the interval does not re-sign an unchanged log */
  lastHead?: SignedTreeHead;
  now?: () => number;
}

export interface MerkleLog {
  readonly tree: MerkleTree;
  readonly size: number;
  /** Appends entries (validated, canonicalised, hashed) as one batch; returns the first leaf index and the new size. */
  append(entries: readonly AuditEntry[]): Promise<{ first: number; size: number }>;
  /** Appends canonical texts already validated by the caller (e.g. read back from the table). */
  appendCanonical(texts: readonly string[]): Promise<{ first: number; size: number }>;
  /** Signs a head for the current size now. */
  signHead(): Promise<SignedTreeHead>;
  latestHead(): SignedTreeHead | undefined;
  inclusionProof(index: number, treeSize?: number): Promise<Buffer[]>;
  consistencyProof(first: number, second?: number): Promise<Buffer[]>;
  publicKey(): PublishedKey;
  /** The export file for entries [0, entries.length) with the given heads (see verify.ts). */
  exportLog(entries: readonly string[], heads: readonly SignedTreeHead[]): Promise<LogExportFile>;
  start(): void;
  stop(): void;
}

export async function createMerkleLog({ config, deps }: { config: MerkleLogConfig; deps: MerkleLogDeps }): Promise<MerkleLog> {
  const tree = await MerkleTree.open(deps.store);
  const now = deps.now ?? Date.now;
  let latest = deps.lastHead;
  let timer: NodeJS.Timeout | undefined;
  let signing: Promise<SignedTreeHead> | undefined;

  const reg = deps.registry ? [deps.registry] : [];
  const appended = new Counter({ name: 'acd_audit_log_appended_total', help: 'audit entries appended to the Merkle log', registers: reg });
  const heads = new Counter({ name: 'acd_audit_log_heads_signed_total', help: 'signed tree heads issued', registers: reg });
  new Gauge({
    name: 'acd_audit_log_size',
    help: 'entries in the Merkle audit log',
    registers: reg,
    collect() {
      this.set(tree.size);
    },
  });

  const addLeaves = async (leaves: Buffer[]): Promise<{ first: number; size: number }> => {
    const r = await tree.appendLeaves(leaves);
    appended.inc(leaves.length);
    return r;
  };

  const signHead = (): Promise<SignedTreeHead> => {
    // one signature at a time; the timestamp never goes back even if the clock does
    const run = (signing ?? Promise.resolve(undefined)).then(async () => {
      const head = signTreeHead({ treeSize: tree.size, rootHash: await tree.root(), timestamp: Math.max(now(), latest?.timestamp ?? 0) }, deps.key);
      await deps.onHead?.(head);
      latest = head;
      heads.inc();
      return head;
    });
    signing = run.catch(() => latest as SignedTreeHead);
    return run;
  };

  return {
    tree,
    get size() {
      return tree.size;
    },
    append: async (entries) => addLeaves(entries.map((e) => hashLeaf(Buffer.from(canonicalAuditEntry(e), 'utf8')))),
    appendCanonical: async (texts) => addLeaves(texts.map((t) => entryLeafHash(t))),
    signHead,
    latestHead: () => latest,
    inclusionProof: (index, treeSize) => tree.inclusionProof(index, treeSize),
    consistencyProof: (first, second) => tree.consistencyProof(first, second),
    publicKey: () => exportPublicKey(deps.key),
    async exportLog(entries, hs) {
      const proofs: (string[] | null)[] = [];
      for (let i = 0; i < hs.length; i++) {
        proofs.push(i === 0 ? null : (await tree.consistencyProof(hs[i - 1]!.treeSize, hs[i]!.treeSize)).map((h) => h.toString('base64')));
      }
      return {
        format: EXPORT_FORMAT,
        origin: deps.key.name,
        publicKey: exportPublicKey(deps.key).vkey,
        entries: [...entries],
        // all of the log's leaves, also where entries are missing: that is what pinpoints a deletion
        leafHashes: (await tree.leafHashes(0, tree.size)).map((h) => h.toString('base64')),
        treeHeads: hs.map((h) => h.note),
        consistencyProofs: proofs,
      };
    },
    start() {
      if (timer || config.headIntervalMs <= 0) return;
      timer = setInterval(() => {
        if (latest && latest.treeSize === tree.size) return;
        signHead().catch((e: unknown) => deps.logger?.error({ err: e }, 'signing the audit log tree head failed'));
      }, config.headIntervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
