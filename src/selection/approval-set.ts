/**
 * The approvals the gate enforces, compiled and indexed by carrier and category so the gate finds the
 * approvals in force for a flow with one Map lookup (cached per carrier) and a short loop over times.
 * The integrator loads it from the store and calls `put`/`remove` on every decision.
 */
import {
  approvalPeriod,
  DEFAULT_APPROVAL_DEFAULTS,
  parseApproval,
  type Approval,
  type ApprovalDefaults,
  type Category,
} from './approvals.js';
import { compileCriteria, type AsnLookup, type CompiledCriteria } from './criteria.js';
import { selectionError } from './errors.js';

export interface CompiledApproval {
  readonly approval: Approval;
  readonly id: string;
  /** a small integer stable for the life of the set (counters use it) */
  readonly index: number;
  readonly category: Category;
  /** period in milliseconds, [start, end) */
  readonly start: number;
  readonly end: number;
  readonly criteria: CompiledCriteria;
}

/** Approvals that may be in force for one carrier: status 'approved', per category. */
export interface CarrierApprovals {
  readonly foreignDomestic: readonly CompiledApproval[];
  readonly transit: readonly CompiledApproval[];
}

const NONE: CarrierApprovals = { foreignDomestic: [], transit: [] };

export class ApprovalSet {
  private readonly byId = new Map<string, CompiledApproval>();
  private readonly indexOf = new Map<string, number>();
  private readonly ids: string[] = [];
  private byCarrier = new Map<string, CarrierApprovals>();
  private readonly defaults: ApprovalDefaults;
  private readonly asn: AsnLookup | null;
  /** changes on every put/remove: the gate refreshes its per-carrier caches when it does */
  version = 0;

  constructor(opts: { approvals?: readonly unknown[]; defaults?: ApprovalDefaults; asn?: AsnLookup | null } = {}) {
    this.defaults = opts.defaults ?? DEFAULT_APPROVAL_DEFAULTS;
    this.asn = opts.asn ?? null;
    for (const a of opts.approvals ?? []) this.put(a);
  }

  /** Validates (naming the wrong field), fills defaults and adds or replaces an approval by id. */
  put(input: unknown): Approval {
    const approval = parseApproval(input, this.defaults);
    if (!this.asn && approval.criteria.some((c) => c.kind === 'asn')) {
      throw selectionError('APPROVAL_INVALID', `approval.criteria: approval ${approval.id} has ASN criteria but the gate has no ASN data`);
    }
    let index = this.indexOf.get(approval.id);
    if (index === undefined) {
      index = this.ids.length;
      this.ids.push(approval.id);
      this.indexOf.set(approval.id, index);
    }
    const { start, end } = approvalPeriod(approval);
    this.byId.set(approval.id, {
      approval,
      id: approval.id,
      index,
      category: approval.category,
      start,
      end,
      criteria: compileCriteria(approval.criteria, this.asn),
    });
    this.reindex();
    return approval;
  }

  remove(id: string): boolean {
    const had = this.byId.delete(id);
    if (had) this.reindex();
    return had;
  }

  get(id: string): CompiledApproval | undefined {
    return this.byId.get(id);
  }

  /** the id of an approval index (ids stay known after removal, for counters) */
  idOf(index: number): string | undefined {
    return this.ids[index];
  }

  list(): Approval[] {
    return [...this.byId.values()].map((c) => c.approval);
  }

  /** the approvals in force for a carrier and category at `time` (ms) */
  inForce(carrier: string, category: Category, time: number): CompiledApproval[] {
    const c = this.forCarrier(carrier);
    return (category === 'transit' ? c.transit : c.foreignDomestic).filter((a) => a.start <= time && time < a.end);
  }

  /** hot path: the approved approvals naming a carrier, per category (times not yet checked) */
  forCarrier(carrier: string): CarrierApprovals {
    return this.byCarrier.get(carrier) ?? NONE;
  }

  private reindex(): void {
    const m = new Map<string, { foreignDomestic: CompiledApproval[]; transit: CompiledApproval[] }>();
    for (const c of this.byId.values()) {
      if (c.approval.status !== 'approved') continue;
      for (const carrier of c.approval.carriers) {
        let e = m.get(carrier);
        if (!e) m.set(carrier, (e = { foreignDomestic: [], transit: [] }));
        (c.category === 'transit' ? e.transit : e.foreignDomestic).push(c);
      }
    }
    this.byCarrier = m;
    this.version++;
  }
}
