/** Actors for operations tests: one per party, plus a recording driver (a real in-memory driver). */
import type { Actor } from '../../src/auth/index.js';
import type { Drivers, Measure, MeasureDriver, MeasureKind } from '../../src/operations/index.js';
import { addLink, createOperation, planMeasure, transition } from '../../src/operations/index.js';
import type { Store } from '../../src/store/index.js';

const actor = (id: string, orgKind: Actor['orgKind'], roles: Actor['roles']): Actor => ({ userId: id, username: id, orgId: `org-${orgKind}`, orgKind, roles, via: 'token' });

export const analyst = actor('analyst', 'agency', ['agency_analyst']);
export const lead = actor('lead', 'agency', ['agency_lead']);
export const member = actor('member', 'commission', ['commission_member']);
export const auditor = actor('auditor', 'commission', ['auditor']);
export const executor = actor('executor', 'executor', ['agency_analyst']);
export const operator = actor('operator', 'operator', ['operator']);
export const admin = actor('admin', 'agency', ['admin']);
export const ALL = { analyst, lead, member, auditor, executor, operator, admin };

/** Keeps what is in force in a Set and logs every call, so tests can see exactly what was applied when. */
export class RecordingDriver implements MeasureDriver {
  readonly inForce = new Set<string>();
  readonly calls: Array<{ op: 'apply' | 'lift'; id: string; at: Date | null }> = [];
  /** the next apply fails (as a BIND or BGP speaker may) */
  failNext = false;
  constructor(readonly kind: MeasureKind) {}
  async apply(m: Measure, _all: Measure[], ctx: { now: Date }): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error(`${this.kind} speaker unreachable`);
    }
    this.inForce.add(m.id);
    this.calls.push({ op: 'apply', id: m.id, at: ctx.now });
  }
  async verify(m: Measure) {
    return { ok: this.inForce.has(m.id), detail: this.inForce.has(m.id) ? 'in force' : 'absent' };
  }
  async lift(m: Measure): Promise<void> {
    this.inForce.delete(m.id);
    this.calls.push({ op: 'lift', id: m.id, at: null });
  }
}

export function recordingDrivers(): { drivers: Drivers; all: RecordingDriver[] } {
  const all = (['rpz', 'bgp_blackhole', 'flowspec', 'blocklist', 'takedown'] as const).map((k) => new RecordingDriver(k));
  const drivers: Drivers = {};
  for (const d of all) drivers[d.kind] = d;
  return { drivers, all };
}

const H = 3_600_000;

/** An approved operation on one server, with the measures given, ready to execute. */
export async function approvedOperation(db: Store['db'], target: { address?: string; domain?: string }, measures: Array<{ kind: string; target: string; params?: Record<string, unknown> }>, now = new Date(), hours = 1) {
  const op = await createOperation(db, analyst, { title: `op ${target.address ?? target.domain}`, serious: false, abroad: false, targets: { addresses: target.address ? [target.address] : [], domains: target.domain ? [target.domain] : [] } }, now);
  await addLink(db, analyst, op.id, { kind: 'finding', ref: `beacon|${target.address ?? target.domain}|443/6` }, now);
  const ids: string[] = [];
  for (const m of measures) ids.push((await planMeasure(db, analyst, op.id, m, now)).id);
  await transition(db, analyst, op.id, 'assemble_evidence', {}, now);
  await transition(db, lead, op.id, 'request_approval', {}, now);
  await transition(db, member, op.id, 'approve', { conditions: 'c', expiresAt: new Date(now.getTime() + hours * H) }, now);
  return { id: op.id, measures: ids };
}

