/**
 * The lawful gate: every flow passes here before anything else may see it.
 *
 *   classify ─ domestic↔domestic ──────────────────────────────► dropped, counted "out of scope"
 *      │ cross-border: category foreign-domestic (in/outbound) or transit
 *   approval in force for (carrier, category, flow end time)? ─ no ► dropped, counted "no approval"
 *      │ yes
 *   an indicator criterion of an approval in force matches? ─ yes ► pseudonymise ► selected sink
 *      │ no                                                          (approvalId + criterionId)
 *   an approval in force names detector rules? ─ no ───────────► discarded, counted
 *      │ yes
 *   pseudonymise ► a key selected by a detector rule matches? ─ yes ► selected sink
 *      │ no
 *   detector feed sink (machine-only summaries) ► discarded, counted
 *
 * Decisions:
 * - Detectors see the same pseudonyms as storage: the feed is pseudonymised with the same key as
 *   selected flows (the key in force for the approval at the flow's time), so a key a detector
 *   selects is written in pseudonyms and matches the flows the gate sees next.
 * - Only approvals that name detector rules feed the detectors: an approval of indicators only gives
 *   no legal ground to process its other flows, so those are discarded at once.
 * - No pseudonym key in force for a flow's time ⇒ the flow is not emitted at all (fail closed), and
 *   counted "noKey"; a warning names the carrier and the hour, never a flow.
 * - The gate never logs, throws or formats a flow. Its log lines carry carrier ids, approval ids and
 *   hours only.
 */
import { Counter, type Registry } from 'prom-client';
import type { FlowRecord, FlowSink } from '../flow/index.js';
import { silentLogger, type Logger } from '../shared/log.js';
import type { CompiledApproval, ApprovalSet } from './approval-set.js';
import type { DetectorName } from './approvals.js';
import {
  C_FOREIGN_DOMESTIC,
  C_OUT_OF_SCOPE,
  C_TRANSIT,
  CarrierCounts,
  METRICS,
  M_DISCARDED,
  M_NO_APPROVAL,
  M_NO_KEY,
  M_OUT_OF_SCOPE,
  M_RECEIVED,
  M_SELECTED,
  type CountRow,
  type HourCounts,
  type Metric,
} from './counters.js';
import { MutableGateFlow, type DetectorFeedSink, type SelectedSink } from './flows.js';
import type { ActiveKey, Pseudonymiser } from './pseudonymiser.js';
import { SCOPE_CLASSES, SCOPE_DOMESTIC_DOMESTIC, SCOPE_FOREIGN_FOREIGN, type Scope } from './scope.js';
import { SelectedKeys, type KeyEntry, type KeyKind, type KeyOf } from './selected-keys.js';
import { selectionError } from './errors.js';

export interface GateOutput {
  selected: SelectedSink;
  feed: DetectorFeedSink;
}

export interface GateConfig {
  /** maps a flow's exporter to its carrier or link id (as approvals name them); default: the exporter itself; null = unknown */
  carrierOf?: (exporter: string) => string | null;
  /** cap on keys selected by detector rules (default 1 M) */
  maxSelectedKeys?: number;
}

export interface GateDeps {
  registry?: Registry;
  logger?: Logger;
}

export interface Gate {
  /** Runs one flow through the gate; `rec` is not kept (the sinks get the gate's own reused objects). */
  process(rec: FlowRecord, out: GateOutput): void;
  /** a FlowSink for decoders: `decoder(gate.sink(out))` */
  sink(out: GateOutput): FlowSink;
  /**
   * Detection side: a detector fired on `key` under approval `approvalId`'s detector-rule criterion
   * `criterionId`; the key's flows are selected under that criterion from now on, while the approval
   * is in force, and until event time `until` (ms) when given; selecting it again renews (the later
   * end wins). Throws AcdError when the approval or criterion does not allow it.
   */
  selectKey<K extends KeyKind>(kind: K, key: KeyOf<K>, approvalId: string, criterionId: string, until?: number): void;
  /** the id of the criterion under which `detector` may select keys for an approval, or null */
  criterionFor(approvalId: string, detector: DetectorName): string | null;
  /** drops the keys selected under an approval (call when it ends or is replaced) */
  forgetApproval(approvalId: string): number;
  /** counts per carrier, category, approval and hour; `takeCounts` also clears them */
  counts(): CountRow[];
  takeCounts(): CountRow[];
  /** totals since the gate was made */
  totals(): Record<Metric, number>;
}

const NM = METRICS.length;

interface CarrierState {
  readonly counts: CarrierCounts;
  readonly carrier: string | null;
  version: number;
  fd: readonly CompiledApproval[];
  transit: readonly CompiledApproval[];
}

export function createGate(opts: {
  scope: Scope;
  approvals: ApprovalSet;
  pseudonymiser: Pseudonymiser;
  config?: GateConfig;
  deps?: GateDeps;
}): Gate {
  const { scope, approvals, pseudonymiser } = opts;
  const config = opts.config ?? {};
  const logger = opts.deps?.logger ?? silentLogger;
  const carrierOf = config.carrierOf ?? ((e: string) => e);
  const keys = new SelectedKeys(config.maxSelectedKeys);
  const carriers = new Map<string, CarrierState>();
  const totals = new Float64Array(METRICS.length);
  const flow = new MutableGateFlow();
  const warnedNoKey = new Set<string>();

  if (opts.deps?.registry) {
    new Counter({
      name: 'acd_gate_flows_total',
      help: 'flows through the lawful gate by result (received, outOfScope, noApproval, selected, discarded, noKey)',
      labelNames: ['result'],
      registers: [opts.deps.registry],
      collect() {
        this.reset();
        METRICS.forEach((m, i) => this.inc({ result: m }, totals[i]!));
      },
    });
  }

  let lastExporter: string | null = null;
  let lastState: CarrierState | null = null;
  const carrierState = (exporter: string): CarrierState => {
    // flows come in runs from one exporter (a datagram's worth at least): skip the Map then
    let cs = exporter === lastExporter ? lastState : carriers.get(exporter);
    if (!cs) {
      const carrier = carrierOf(exporter);
      cs = { counts: new CarrierCounts(carrier ?? exporter), carrier, version: -1, fd: [], transit: [] };
      carriers.set(exporter, cs);
    }
    if (cs.version !== approvals.version) {
      const c = cs.carrier === null ? null : approvals.forCarrier(cs.carrier);
      cs.fd = c?.foreignDomestic ?? [];
      cs.transit = c?.transit ?? [];
      cs.version = approvals.version;
    }
    lastExporter = exporter;
    lastState = cs;
    return cs;
  };

  /** adds one to a category's metric (and the totals) */
  const count = (hc: HourCounts, c: number, metric: number): void => {
    hc.cat[c * NM + metric]!++;
    totals[metric]!++;
  };
  /** an outcome under an approval: the category's metric, and the approval's "received" and metric */
  const outcome = (hc: HourCounts, c: number, a: CompiledApproval, metric: number): void => {
    count(hc, c, metric);
    hc.approval(c, a.index, M_RECEIVED);
    hc.approval(c, a.index, metric);
  };

  /** Fills `flow` from `rec` with domestic addresses pseudonymised; false when no key is in force. */
  const fill = (rec: FlowRecord, code: number, a: CompiledApproval): boolean => {
    flow.from(rec);
    flow.approvalId = a.id;
    flow.category = a.category;
    flow.scope = SCOPE_CLASSES[code]!;
    flow.srcPseudonym = (code & 2) !== 0;
    flow.dstPseudonym = (code & 1) !== 0;
    flow.pseudonymKeyId = null;
    if (code === SCOPE_FOREIGN_FOREIGN) return true;
    const key: ActiveKey | null = pseudonymiser.keyFor(rec.end, a.id);
    if (!key) return false;
    flow.pseudonymKeyId = key.id;
    if (rec.family === 4) {
      if (code & 2) flow.src4 = key.pan.encrypt4(rec.src4);
      if (code & 1) flow.dst4 = key.pan.encrypt4(rec.dst4);
    } else {
      if (code & 2) key.pan.encrypt6(rec.src6, flow.src6);
      if (code & 1) key.pan.encrypt6(rec.dst6, flow.dst6);
    }
    return true;
  };

  const noKey = (cs: CarrierState, hc: HourCounts, c: number, a: CompiledApproval, t: number): void => {
    outcome(hc, c, a, M_NO_KEY);
    const hour = Math.floor(t / 3_600_000);
    const tag = `${cs.counts.carrier}|${a.id}|${hour}`;
    if (!warnedNoKey.has(tag) && warnedNoKey.size < 10_000) {
      warnedNoKey.add(tag);
      logger.warn(
        { carrier: cs.counts.carrier, approvalId: a.id, hour: new Date(hour * 3_600_000).toISOString() },
        'no pseudonym key in force: flows under this approval are dropped (add a key for the period)',
      );
    }
  };

  // state for the key-selection check, set before each call (no closure per flow)
  let curList: readonly CompiledApproval[] = [];
  let curTime = 0;
  let hitApproval: CompiledApproval | null = null;
  /** a key entry counts when its approval is in force for this flow and pseudonymises with the same key */
  const acceptEntry = (e: KeyEntry): boolean => {
    if (e.until !== undefined && curTime >= e.until) return false;
    for (const a of curList) {
      if (a.id !== e.approvalId || !(curTime >= a.start && curTime < a.end)) continue;
      if (flow.pseudonymKeyId !== null && pseudonymiser.keyFor(curTime, a.id)?.id !== flow.pseudonymKeyId) return false;
      hitApproval = a;
      return true;
    }
    return false;
  };

  const process = (rec: FlowRecord, out: GateOutput): void => {
    const cs = carrierState(rec.exporter);
    const t = rec.end;
    const hc = cs.counts.at(t);
    const code = scope.classifyCode(rec);
    if (code === SCOPE_DOMESTIC_DOMESTIC) {
      count(hc, C_OUT_OF_SCOPE, M_RECEIVED);
      count(hc, C_OUT_OF_SCOPE, M_OUT_OF_SCOPE);
      return;
    }
    const c = code === SCOPE_FOREIGN_FOREIGN ? C_TRANSIT : C_FOREIGN_DOMESTIC;
    count(hc, c, M_RECEIVED);
    const list = c === C_TRANSIT ? cs.transit : cs.fd;
    let first: CompiledApproval | null = null;
    let feedBy: CompiledApproval | null = null;
    for (let i = 0; i < list.length; i++) {
      const a = list[i]!;
      // written so that a NaN time is never in force (fail closed)
      if (!(t >= a.start && t < a.end)) continue;
      first ??= a;
      if (feedBy === null && a.criteria.detectorMask !== 0) feedBy = a;
      const ci = a.criteria.match(rec);
      if (ci >= 0) {
        if (!fill(rec, code, a)) return noKey(cs, hc, c, a, t);
        flow.criterionId = a.approval.criteria[ci]!.id;
        flow.detectors = 0;
        outcome(hc, c, a, M_SELECTED);
        out.selected(flow);
        return;
      }
    }
    if (first === null) {
      count(hc, c, M_NO_APPROVAL);
      return;
    }
    if (feedBy === null) {
      outcome(hc, c, first, M_DISCARDED);
      return;
    }
    if (!fill(rec, code, feedBy)) return noKey(cs, hc, c, feedBy, t);
    if (keys.size > 0) {
      curList = list;
      curTime = t;
      hitApproval = null;
      const e = keys.find(flow, acceptEntry);
      const a = hitApproval as CompiledApproval | null;
      curList = [];
      if (e && a) {
        flow.approvalId = a.id;
        flow.criterionId = e.criterionId;
        flow.detectors = 0;
        outcome(hc, c, a, M_SELECTED);
        out.selected(flow);
        return;
      }
    }
    flow.criterionId = '';
    flow.detectors = feedBy.criteria.detectorMask;
    outcome(hc, c, feedBy, M_DISCARDED);
    out.feed(flow);
  };

  const allRows = (clear: boolean): CountRow[] => {
    const idOf = (i: number) => approvals.idOf(i);
    const rows: CountRow[] = [];
    for (const cs of carriers.values()) rows.push(...cs.counts.rows(idOf, clear));
    return rows;
  };

  return {
    process,
    sink: (out) => (rec) => process(rec, out),
    selectKey(kind, key, approvalId, criterionId, until) {
      const a = approvals.get(approvalId);
      if (!a) throw selectionError('GATE_NO_APPROVAL', `selectKey: approval ${approvalId} does not exist`, { status: 404 });
      if (a.approval.status !== 'approved') {
        throw selectionError('GATE_NO_APPROVAL', `selectKey: approval ${approvalId} is ${a.approval.status}, not approved`, { status: 409 });
      }
      const ci = a.approval.criteria.findIndex((x) => x.id === criterionId);
      const crit = a.approval.criteria[ci];
      if (!crit) throw selectionError('GATE_NO_CRITERION', `selectKey: approval ${approvalId} has no criterion ${criterionId}`, { status: 404 });
      if (crit.kind !== 'detector') {
        throw selectionError('GATE_NO_CRITERION', `selectKey: criterion ${criterionId} of approval ${approvalId} is a ${crit.kind} criterion, not a detector rule`);
      }
      keys.add(kind, key, { approvalId, criterionId, criterion: ci, ...(until !== undefined ? { until } : {}) });
    },
    criterionFor(approvalId, detector) {
      const a = approvals.get(approvalId);
      const ci = a?.criteria.detectorCriterion.get(detector);
      return ci === undefined ? null : (a?.approval.criteria[ci]?.id ?? null);
    },
    forgetApproval: (id) => keys.removeApproval(id),
    counts: () => allRows(false),
    takeCounts: () => allRows(true),
    totals() {
      const r = {} as Record<Metric, number>;
      METRICS.forEach((m, i) => (r[m] = totals[i]!));
      return r;
    },
  };
}
