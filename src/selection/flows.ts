/**
 * What leaves the gate. Both shapes are FlowRecord's numbers plus the approval that allowed the flow
 * through, the scope class, and flags saying which addresses are pseudonyms (and under which key).
 * Domestic addresses are always pseudonyms here: the gate never writes a domestic address into one.
 * Like FlowRecord, the gate reuses one object of each per sink call: copy to keep.
 */
import { MutableFlowRecord, type FlowRecord } from '../flow/index.js';
import type { Category, ScopeClass } from './scope.js';

export interface GateFlow extends FlowRecord {
  readonly approvalId: string;
  readonly category: Category;
  readonly scope: ScopeClass;
  /** the address is a Crypto-PAn pseudonym (it was domestic) */
  readonly srcPseudonym: boolean;
  readonly dstPseudonym: boolean;
  /** the key the pseudonyms were made with; null when no address needed one (transit) */
  readonly pseudonymKeyId: string | null;
}

/** A selected flow: kept (stored, put on the bus) under the approval and criterion it names. */
export interface SelectedFlow extends GateFlow {
  readonly criterionId: string;
}

/**
 * An in-scope flow under an approval that names detector rules, not (yet) selected: it feeds the
 * detectors' machine-only summaries and is then discarded. `detectors` is the mask (DETECTOR_BIT) of
 * the detector rules the approval names: a detector outside it must not keep state from this flow.
 */
export interface DetectorFeedFlow extends GateFlow {
  readonly detectors: number;
}

export type SelectedSink = (f: SelectedFlow) => void;
export type DetectorFeedSink = (f: DetectorFeedFlow) => void;

// FlowRecord's fields come from MutableFlowRecord; the gate adds what it decided
export class MutableGateFlow extends MutableFlowRecord implements SelectedFlow, DetectorFeedFlow {
  approvalId = '';
  criterionId = '';
  category: Category = 'transit';
  scope: ScopeClass = 'foreign-foreign';
  srcPseudonym = false;
  dstPseudonym = false;
  pseudonymKeyId: string | null = null;
  detectors = 0;
  /** the v6 buffers hold a previous IPv6 flow's addresses (cleared lazily) */
  private had6 = false;

  /** copies the record's fields (addresses as they are: the gate pseudonymises after) */
  from(r: FlowRecord): this {
    this.exporter = r.exporter;
    this.domain = r.domain;
    this.start = r.start;
    this.end = r.end;
    this.family = r.family;
    this.src4 = r.src4;
    this.dst4 = r.dst4;
    if (r.family === 6) {
      this.src6.set(r.src6);
      this.dst6.set(r.dst6);
      this.had6 = true;
    } else if (this.had6) {
      this.src6.fill(0);
      this.dst6.fill(0);
      this.had6 = false;
    }
    this.srcPort = r.srcPort;
    this.dstPort = r.dstPort;
    this.proto = r.proto;
    this.tcpFlags = r.tcpFlags;
    this.packets = r.packets;
    this.bytes = r.bytes;
    this.inIf = r.inIf;
    this.outIf = r.outIf;
    return this;
  }
}

/** A plain copy of a selected flow, for sinks that keep it. */
export function copySelectedFlow(f: SelectedFlow): SelectedFlow {
  return {
    exporter: f.exporter,
    domain: f.domain,
    start: f.start,
    end: f.end,
    family: f.family,
    src4: f.src4,
    dst4: f.dst4,
    src6: f.src6.slice(),
    dst6: f.dst6.slice(),
    srcPort: f.srcPort,
    dstPort: f.dstPort,
    proto: f.proto,
    tcpFlags: f.tcpFlags,
    packets: f.packets,
    bytes: f.bytes,
    inIf: f.inIf,
    outIf: f.outIf,
    approvalId: f.approvalId,
    criterionId: f.criterionId,
    category: f.category,
    scope: f.scope,
    srcPseudonym: f.srcPseudonym,
    dstPseudonym: f.dstPseudonym,
    pseudonymKeyId: f.pseudonymKeyId,
  };
}

export function copyDetectorFeedFlow(f: DetectorFeedFlow): DetectorFeedFlow {
  const { criterionId: _unused, ...rest } = copySelectedFlow({ ...f, criterionId: '' });
  return { ...rest, detectors: f.detectors };
}
