/**
 * Reconciliation: every pass compares each driver's real state (the zone file and the serial BIND
 * serves, gobgpd's RIB) with the measures recorded in force, through the driver's one writer, and
 * repairs it: what is missing is announced or written again, what no measure asks for is withdrawn.
 * Drift is audited (ACD itself as the actor) and counted (`acd_operations_drift_total{driver}`); a
 * driver that cannot be reached is logged, shown by `GET /healthz/operations` and audited when it goes
 * down and when it comes back.
 */
import { Counter, Gauge } from 'prom-client';
import { SYSTEM_ACTOR } from '../auth/index.js';
import { recordAudit } from '../oversight/index.js';
import type { Logger } from '../shared/log.js';
import type { Registry } from '../shared/metrics.js';
import { base, odb, type AnyDb } from './db.js';
import { toMeasure, type Drift, type Drivers, type MeasureDriver, type MeasureKind } from './measures.js';
import { advisoryLock, inQueue, writerKey } from './writer.js';

export interface DriverState {
  kind: MeasureKind;
  ok: boolean;
  /** what the driver said (its peer answers) or why it failed */
  detail: string;
  drift: Drift | null;
  at: string;
}

const drifted = (d: Drift) => d.missing.length > 0 || d.extra.length > 0 || d.detail.length > 0;

/** One pass over one driver, as its writer: the measures in force read under the lock, the peer repaired. */
export async function reconcileDriver(db: AnyDb, driver: MeasureDriver, now = new Date()): Promise<Drift> {
  if (!driver.reconcile) return { missing: [], extra: [], detail: [] };
  const key = writerKey(driver);
  return inQueue(key, () =>
    odb(db).transaction().execute(async (trx) => {
      await advisoryLock(trx, key);
      const rows = await trx.selectFrom('operation_measures').selectAll().where('kind', '=', driver.kind).where('state', '=', 'applied').orderBy('applied_at').execute();
      const drift = await driver.reconcile!(rows.map(toMeasure), now);
      if (drifted(drift)) {
        await recordAudit(base(trx), {
          actor: SYSTEM_ACTOR, action: 'operation.drift', target: { type: 'operation_driver', id: driver.kind },
          reason: 'the peer differed from the measures in force; repaired',
          details: { missing: drift.missing.slice(0, 100), extra: drift.extra.slice(0, 100), detail: drift.detail.slice(0, 20) }, at: now,
        });
      }
      return drift;
    }),
  );
}

export interface ReconcileJob {
  start(): void;
  stop(): void;
  /** one pass over every driver that can reconcile (also what the timer runs) */
  runOnce(now?: Date): Promise<DriverState[]>;
  /** the last pass's result per driver */
  status(): DriverState[];
}

export function createReconcileJob(o: { config: { intervalMs: number }; deps: { db: AnyDb; drivers: Drivers; logger?: Logger; registry?: Registry } }): ReconcileJob {
  const { db, drivers, logger, registry } = o.deps;
  const driftTotal = registry
    ? new Counter({ name: 'acd_operations_drift_total', help: 'reconciliation passes that found a driver\'s peer differing from the measures in force', labelNames: ['driver'], registers: [registry] })
    : null;
  const up = registry ? new Gauge({ name: 'acd_operations_driver_up', help: '1 when the driver\'s peer answered the last reconciliation pass', labelNames: ['driver'], registers: [registry] }) : null;
  const last = new Map<MeasureKind, DriverState>();
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<DriverState[]> | null = null;
  const pass = async (now: Date): Promise<DriverState[]> => {
    const out: DriverState[] = [];
    for (const driver of Object.values(drivers)) {
      if (!driver?.reconcile) continue;
      const before = last.get(driver.kind);
      let state: DriverState;
      try {
        const drift = await reconcileDriver(db, driver, now);
        if (drifted(drift)) {
          driftTotal?.inc({ driver: driver.kind });
          logger?.warn({ driver: driver.kind, missing: drift.missing.length, extra: drift.extra.length, detail: drift.detail.slice(0, 5) }, 'operations: drift repaired');
        }
        state = { kind: driver.kind, ok: true, detail: 'reconciled', drift, at: now.toISOString() };
      } catch (e) {
        state = { kind: driver.kind, ok: false, detail: e instanceof Error ? e.message : String(e), drift: null, at: now.toISOString() };
        logger?.error({ driver: driver.kind, err: state.detail }, 'operations: driver unreachable');
      }
      up?.set({ driver: driver.kind }, state.ok ? 1 : 0);
      if (before && before.ok !== state.ok) {
        await recordAudit(base(db), {
          actor: SYSTEM_ACTOR, action: state.ok ? 'operation.driver.up' : 'operation.driver.down', target: { type: 'operation_driver', id: driver.kind },
          reason: state.detail.slice(0, 500), at: now,
        }).catch((e: unknown) => logger?.error({ err: e }, 'operations: auditing a driver state failed'));
      } else if (!before && !state.ok) {
        await recordAudit(base(db), { actor: SYSTEM_ACTOR, action: 'operation.driver.down', target: { type: 'operation_driver', id: driver.kind }, reason: state.detail.slice(0, 500), at: now })
          .catch((e: unknown) => logger?.error({ err: e }, 'operations: auditing a driver state failed'));
      }
      last.set(driver.kind, state);
      out.push(state);
    }
    return out;
  };
  const runOnce = async (now = new Date()) => {
    // one pass at a time; a caller arriving during a pass waits for it and then runs its own
    while (running) await running.catch(() => undefined);
    running = pass(now);
    try {
      return await running;
    } finally {
      running = null;
    }
  };
  return {
    start() {
      if (timer) return;
      timer = setInterval(() => void runOnce().catch((e: unknown) => logger?.error({ err: e }, 'reconciliation pass failed')), o.config.intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
    runOnce,
    status: () => [...last.values()],
  };
}

/** Asks every driver's peer whether it answers (for the health check), each within `timeoutMs`. */
export async function driverHealth(drivers: Drivers, timeoutMs = 5000): Promise<Array<{ kind: MeasureKind; ok: boolean; detail: string }>> {
  const checks = Object.values(drivers).filter((d): d is MeasureDriver => !!d?.health);
  return Promise.all(checks.map(async (d) => {
    let t: NodeJS.Timeout | undefined;
    try {
      const detail = await Promise.race([d.health!(), new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)))]);
      return { kind: d.kind, ok: true, detail };
    } catch (e) {
      return { kind: d.kind, ok: false, detail: e instanceof Error ? e.message : String(e) };
    } finally {
      clearTimeout(t);
    }
  }));
}
