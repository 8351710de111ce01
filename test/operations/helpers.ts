/** Actors for operations tests: one per party, plus a recording driver (a real in-memory driver). */
import type { Actor } from '../../src/auth/index.js';
import type { Drivers, Measure, MeasureDriver, MeasureKind } from '../../src/operations/index.js';

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
