/**
 * Expiry: measures are lifted automatically when the decision they rest on ends — an approval or
 * ratification past its expiry, an emergency whose commission notification was not made in time, an
 * order to lift not yet carried out. Each lifting is audited with ACD itself as the actor.
 */
import { SYSTEM_ACTOR } from '../auth/index.js';
import type { Logger } from '../shared/log.js';
import type { Registry } from '../shared/metrics.js';
import { Counter } from 'prom-client';
import { odb, DEFAULT_OPERATIONS_CONFIG, type AnyDb, type OperationsConfig } from './db.js';
import { liftOperation, type Drivers } from './measures.js';

export interface ExpiredOperation {
  id: string;
  reason: string;
  error?: string;
}

/** Finds every operation whose decision has ended at `now` and lifts it. */
export async function expireOperations(db: AnyDb, drivers: Drivers, now = new Date(), config: OperationsConfig = DEFAULT_OPERATIONS_CONFIG): Promise<ExpiredOperation[]> {
  const d = odb(db);
  const due: ExpiredOperation[] = [];
  const expiredDecision = async (states: string[], kind: string, emergency: boolean) => {
    const rows = await d.selectFrom('operations as o')
      .select(['o.id'])
      .where('o.state', 'in', states)
      .where('o.emergency', '=', emergency)
      .where((eb) => eb(
        eb.selectFrom('operation_decisions as x').select((e) => e.fn.max('x.expires_at').as('e')).whereRef('x.operation_id', '=', 'o.id').where('x.kind', '=', kind),
        '<=', now,
      ))
      .execute();
    for (const r of rows) due.push({ id: r.id, reason: `the ${kind === 'approve' ? 'approval' : 'ratification'} expired` });
  };
  await expiredDecision(['approved', 'measures_in_force'], 'approve', false);
  await expiredDecision(['ratified'], 'ratify', true);
  const late = await d.selectFrom('operations').select('id').where('emergency', '=', true).where('state', 'in', ['emergency_declared', 'measures_in_force'])
    .where('notified_at', 'is', null).where('notify_deadline', '<=', now).execute();
  for (const r of late) due.push({ id: r.id, reason: `the commission was not notified within ${config.emergencyNotifyHours} h` });
  const ordered = await d.selectFrom('operations').select('id').where('state', '=', 'ordered_lifted').execute();
  for (const r of ordered) due.push({ id: r.id, reason: 'the commission ordered the measures lifted' });

  for (const op of due) {
    try {
      await liftOperation(db, drivers, SYSTEM_ACTOR, op.id, op.reason, { now, config });
    } catch (e) {
      op.error = e instanceof Error ? e.message : String(e);
    }
  }
  return due;
}

export interface ExpiryJob {
  start(): void;
  stop(): void;
  /** one pass now (also what the timer runs) */
  runOnce(now?: Date): Promise<ExpiredOperation[]>;
}

export function createExpiryJob(o: {
  config?: Partial<OperationsConfig> & { intervalMs?: number };
  deps: { db: AnyDb; drivers: Drivers; logger?: Logger; registry?: Registry };
}): ExpiryJob {
  const config = { ...DEFAULT_OPERATIONS_CONFIG, ...o.config };
  const interval = o.config?.intervalMs ?? 60_000;
  const lifted = o.deps.registry
    ? new Counter({ name: 'acd_operations_expired_total', help: 'operations lifted automatically because their decision ended', labelNames: ['result'], registers: [o.deps.registry] })
    : null;
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  const runOnce = async (now = new Date()) => {
    if (running) return [];
    running = true;
    try {
      const out = await expireOperations(o.deps.db, o.deps.drivers, now, config);
      for (const x of out) {
        lifted?.inc({ result: x.error ? 'error' : 'lifted' });
        if (x.error) o.deps.logger?.error({ operation: x.id, err: x.error }, 'expiry: lifting failed');
        else o.deps.logger?.info({ operation: x.id, reason: x.reason }, 'expiry: operation lifted');
      }
      return out;
    } finally {
      running = false;
    }
  };
  return {
    start() {
      if (timer) return;
      timer = setInterval(() => void runOnce().catch((e: unknown) => o.deps.logger?.error({ err: e }, 'expiry pass failed')), interval);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
    runOnce,
  };
}
