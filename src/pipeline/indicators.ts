/**
 * Indicators for the indicator detector from STIX 2.1 (issue #21): every `indicator` object whose
 * pattern names addresses (ipv4-addr / ipv6-addr values, network-traffic dst/src refs, CIDRs; the
 * destination port when the observation names one) becomes detector indicators that carry the STIX
 * id, the source (created_by_ref, else the given source name) and the TLP of its markings, so a hit
 * names them and the finding inherits the marking. Indicators past `valid_until` or revoked are left
 * out; patterns of other kinds stay intelligence only (intel/pattern.ts addressTerms).
 */
import { readFileSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import { Gauge } from 'prom-client';
import type { Indicator } from '../detect/index.js';
import type { Database } from '../store/index.js';
import type { Registry } from '../shared/metrics.js';
import { silentLogger, type Logger } from '../shared/log.js';
import { addressTerms, tlpOf } from '../intel/index.js';
import { AcdError } from '../shared/errors.js';

interface StixLike { type?: unknown; id?: unknown; pattern?: unknown; pattern_type?: unknown; created_by_ref?: unknown; object_marking_refs?: unknown; valid_until?: unknown; revoked?: unknown; confidence?: unknown }

/** detector indicators of STIX objects (a bundle's `objects`, or objects read from a store) */
export function indicatorsFromStix(objects: readonly unknown[], source: string, now = Date.now()): Indicator[] {
  const out: Indicator[] = [];
  for (const raw of objects) {
    const o = raw as StixLike;
    if (o?.type !== 'indicator' || typeof o.id !== 'string' || typeof o.pattern !== 'string') continue;
    if (o.pattern_type !== undefined && o.pattern_type !== 'stix') continue;
    if (o.revoked === true) continue;
    if (typeof o.valid_until === 'string' && Date.parse(o.valid_until) <= now) continue;
    let terms;
    try { terms = addressTerms(o.pattern); } catch { continue; }
    const tlp = tlpOf(Array.isArray(o.object_marking_refs) ? (o.object_marking_refs as string[]) : undefined) ?? null;
    const src = typeof o.created_by_ref === 'string' ? o.created_by_ref : source;
    const confidence = typeof o.confidence === 'number' ? Math.max(0, Math.min(1, o.confidence / 100)) : undefined;
    for (const t of terms) {
      out.push({ id: o.id, address: t.address, ...(t.port !== null ? { port: t.port } : {}), source: src, tlp, ...(confidence !== undefined ? { confidence } : {}) });
    }
  }
  return out;
}

/** `acd analyze --indicators BUNDLE.json`: a STIX bundle (or a JSON array of objects) from a file */
export function indicatorsFromFile(path: string): Indicator[] {
  let doc: unknown;
  try { doc = JSON.parse(readFileSync(path, 'utf8')); } catch (e) {
    throw new AcdError('BAD_INDICATORS', `--indicators ${path}: not readable JSON (${(e as Error).message})`);
  }
  const objects = Array.isArray(doc) ? doc : (doc as { objects?: unknown }).objects;
  if (!Array.isArray(objects)) throw new AcdError('BAD_INDICATORS', `--indicators ${path}: neither a STIX bundle nor an array of objects`);
  return indicatorsFromStix(objects, `file:${path}`);
}

/**
 * The indicators of the intel store (issue #21): the latest version of every STIX indicator in every
 * collection — TAXII POSTs, pulled feeds, bundle imports, promotions of findings, incident reports
 * shared at triage all land in `intel_objects` — read in pages of `pageSize` rows. A partner's
 * shadow copy (an object it may not read, migration 111) is left out: it is not what the collection
 * holds. The finding inherits the stored version's TLP (its marking, else the collection's default)
 * when the object names none; the source is created_by_ref, else the collection.
 */
export async function loadStoredIndicators(db: Kysely<Database>, now = Date.now(), pageSize = 5000): Promise<{ indicators: Indicator[]; objects: number; nextExpiry: number }> {
  // pages in row order (the primary key: each page a range scan, linear in the table; ordered by the
  // column, not by its text alias, which would sort '10000' before '3698'); the latest
  // version of each id wins (version_us, then seq), whatever order the versions were added in
  const latest = new Map<string, { v: number; seq: number; got: Indicator[]; expiry: number }>();
  let after = '0';
  for (;;) {
    const rows = (await sql<{ seq: string; stix_id: string; collection_id: string; tlp: string; version_us: string; object: unknown }>`
      select seq::text as seq, stix_id, collection_id, tlp, version_us::text as version_us, object
      from intel_objects
      where stix_type = 'indicator' and shadow_org is null and seq > ${after}::bigint
      order by intel_objects.seq
      limit ${pageSize}`.execute(db)).rows;
    for (const r of rows) {
      const v = Number(r.version_us);
      const seq = Number(r.seq);
      const had = latest.get(r.stix_id);
      if (had && (had.v > v || (had.v === v && had.seq > seq))) continue;
      const o = (typeof r.object === 'string' ? JSON.parse(r.object) : r.object) as { valid_until?: unknown };
      const got = indicatorsFromStix([o], `intel collection ${r.collection_id}`, now).map((i) => (i.tlp ? i : { ...i, tlp: r.tlp }));
      latest.set(r.stix_id, { v, seq, got, expiry: got.length > 0 && typeof o.valid_until === 'string' ? Date.parse(o.valid_until) : Infinity });
    }
    if (rows.length < pageSize) break;
    after = rows[rows.length - 1]!.seq;
  }
  const out: Indicator[] = [];
  let nextExpiry = Infinity;
  for (const e of latest.values()) {
    for (const i of e.got) out.push(i);
    if (e.expiry < nextExpiry) nextExpiry = e.expiry;
  }
  return { indicators: out, objects: latest.size, nextExpiry };
}

export interface IndicatorRefresher {
  /** loads now (start-up), then on the schedule */
  start(): Promise<void>;
  /** reloads now when the store changed (or an indicator expired); true when it reloaded */
  check(): Promise<boolean>;
  stop(): void;
  /** indicators applied last, and when */
  readonly state: { indicators: number; objects: number; loadedAt: number; loads: number };
}

/**
 * Keeps a detector set's indicators in step with the intel store without a restart: every
 * `intervalMs` a cheap query (the highest row sequence and the row count of indicator objects) tells
 * whether anything was added, versioned, revoked or deleted; only then, or when a loaded indicator's
 * valid_until has passed, the list is read again and handed to `apply` (each detector set's
 * `setIndicators`), no sooner than 4 times the last read's duration after it. A failed read is logged
 * and retried at the next tick; the old list stays.
 */
export function createIndicatorRefresher(o: { db: Kysely<Database>; intervalMs: number; apply: (list: Indicator[]) => void; logger?: Logger; registry?: Registry; now?: () => number }): IndicatorRefresher {
  const logger = o.logger ?? silentLogger;
  const now = o.now ?? Date.now;
  const state = { indicators: 0, objects: 0, loadedAt: 0, loads: 0 };
  let mark = '';
  let nextExpiry = Infinity;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<boolean> | null = null;
  if (o.registry) {
    new Gauge({ name: 'acd_detect_indicators', help: 'indicators from the intel store the detectors match now', registers: [o.registry], collect() { this.set(state.indicators); } });
  }
  const signature = async (): Promise<string> => {
    const r = (await sql<{ m: string | null; n: string }>`select max(seq)::text as m, count(*)::text as n from intel_objects where stix_type = 'indicator'`.execute(o.db)).rows[0];
    return `${r?.m ?? ''}/${r?.n ?? '0'}`;
  };
  // a full read of a large store is costly (1 M indicators: minutes of CPU on a loaded box): a reload
  // starts no sooner than 4 times the last one's duration after it ended, so reloading takes at most
  // a fifth of a core however often a feed changes (measured: bench/detect/indicators.bench.ts)
  let lastMs = 0;
  let lastEnd = -Infinity;
  const load = async (): Promise<boolean> => {
    if (Date.now() - lastEnd < 4 * lastMs) return false;
    const sig = await signature();
    if (sig === mark && now() < nextExpiry) return false;
    const t = now();
    const started = Date.now();
    const r = await loadStoredIndicators(o.db, t);
    o.apply(r.indicators);
    lastEnd = Date.now();
    lastMs = lastEnd - started;
    mark = sig;
    nextExpiry = r.nextExpiry;
    Object.assign(state, { indicators: r.indicators.length, objects: r.objects, loadedAt: t, loads: state.loads + 1 });
    logger.info({ indicators: r.indicators.length, objects: r.objects }, 'indicators loaded from the intel store');
    return true;
  };
  const check = (): Promise<boolean> => {
    // one load at a time: a slow read is not started again by the next tick
    running ??= load().finally(() => { running = null; });
    return running;
  };
  return {
    state,
    check,
    async start() {
      await check();
      timer = setInterval(() => { check().catch((err: unknown) => logger.error({ err }, 'reloading indicators from the intel store failed; the previous list stays')); }, o.intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
