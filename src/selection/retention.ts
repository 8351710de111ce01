/**
 * Retention: selected data is kept for a configured period (default 2 years) and then purged by a job
 * that runs on its own. The store does the deleting (`deps.purge(cutoff)` deletes every selected
 * flow whose end time is before `cutoff` and says how many); this module decides when and what, counts
 * it, and hands each run to `deps.audit` so the purge is in the audit log.
 */
import { Counter, type Registry } from 'prom-client';
import { silentLogger, type Logger } from '../shared/log.js';
import { selectionError } from './errors.js';

export interface RetentionConfig {
  /** how long selected data is kept, in days (default 730: two years) */
  retentionDays?: number;
  /** how often the job runs, in milliseconds (default one hour) */
  intervalMs?: number;
}

export interface PurgeRecord {
  /** everything that ended before this instant (ISO 8601) was purged */
  cutoff: string;
  purged: number;
  /** when the purge ran (ISO 8601) */
  at: string;
}

export interface RetentionDeps {
  purge: (cutoff: number) => Promise<number>;
  audit: (entry: PurgeRecord) => Promise<void> | void;
  now?: () => number;
  logger?: Logger;
  registry?: Registry;
}

export interface RetentionJob {
  /** runs one purge now (also what the timer calls) */
  runOnce(): Promise<PurgeRecord>;
  start(): void;
  stop(): void;
  /** the cutoff a purge at `now` uses */
  cutoff(now: number): number;
}

export const DEFAULT_RETENTION_DAYS = 730;

export function createRetentionJob(opts: { config?: RetentionConfig; deps: RetentionDeps }): RetentionJob {
  const days = opts.config?.retentionDays ?? DEFAULT_RETENTION_DAYS;
  const intervalMs = opts.config?.intervalMs ?? 3_600_000;
  if (!Number.isFinite(days) || days <= 0) throw selectionError('RETENTION_BAD_CONFIG', `retention.retentionDays: ${days} is not a positive number of days`);
  if (!Number.isFinite(intervalMs) || intervalMs < 1000) throw selectionError('RETENTION_BAD_CONFIG', `retention.intervalMs: ${intervalMs} is less than a second`);
  const { deps } = opts;
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? silentLogger;
  const purged = deps.registry
    ? new Counter({ name: 'acd_retention_purged_total', help: 'selected flows purged at the end of their retention period', registers: [deps.registry] })
    : null;
  const runs = deps.registry
    ? new Counter({ name: 'acd_retention_runs_total', help: 'retention purge runs by result', labelNames: ['result'], registers: [deps.registry] })
    : null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<PurgeRecord> | null = null;
  const cutoff = (t: number): number => t - days * 86_400_000;

  const runOnce = (): Promise<PurgeRecord> => {
    // one run at a time: a slow purge is not overlapped by the next tick
    running ??= (async () => {
      const t = now();
      const c = cutoff(t);
      try {
        const n = await deps.purge(c);
        const record: PurgeRecord = { cutoff: new Date(c).toISOString(), purged: n, at: new Date(t).toISOString() };
        await deps.audit(record);
        purged?.inc(n);
        runs?.inc({ result: 'ok' });
        logger.info(record, 'retention purge');
        return record;
      } catch (err) {
        runs?.inc({ result: 'error' });
        logger.error({ err: err instanceof Error ? err.message : String(err) }, 'retention purge failed');
        throw err;
      } finally {
        running = null;
      }
    })();
    return running;
  };

  return {
    runOnce,
    cutoff,
    start() {
      if (timer) return;
      timer = setInterval(() => void runOnce().catch(() => undefined), intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
