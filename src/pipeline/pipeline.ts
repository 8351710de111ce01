/**
 * The pipeline in one process: decoded flows → the lawful gate → the detectors → findings, and the
 * detector rules' selections back into the gate.
 *
 *   FlowRecord ─► gate ─► selected (kept under approval + criterion) ─► onSelected, detectors
 *                    └──► detector feed (machine-only, discarded after) ─► detectors (by the approval's mask)
 *   detectors ─► finding ─► onFinding; a confirmed one at or above `selectScore` selects its server under the
 *                            detector-rule criterion of every approval in force that names the detector,
 *                            until `selectHoldMs` after its last seen (renewed by each update)
 *
 * Decisions:
 * - A feed flow reaches only the detectors its approval's mask names (DETECTOR_BIT): a detector the
 *   approval does not name keeps no state from it.
 * - Selected flows reach every detector: they are lawfully kept anyway, and the indicator detector
 *   is how an indicator-selected flow becomes a finding.
 * - Direction comes from the gate's scope class. Transit (foreign→foreign) is treated as outbound
 *   from its source: the "domestic" side of such a finding is a foreign address, not a pseudonym.
 */
import type { FlowRecord, FlowSink } from '../flow/index.js';
import {
  DETECTOR_BIT,
  createGate,
  type ApprovalSet,
  type DetectorName,
  type Gate,
  type GateConfig,
  type GateFlow,
  type Pseudonymiser,
  type Scope,
  type SelectedFlow,
} from '../selection/index.js';
import { INBOUND, OUTBOUND, createDetectionStage, type DetectionStage, type Detectors, type DetectorsConfig, type Finding, type FindingType } from '../detect/index.js';
import type { Registry } from '../shared/metrics.js';
import { silentLogger, type Logger } from '../shared/log.js';

export interface PipelineConfig {
  detectors?: DetectorsConfig;
  gate?: GateConfig;
  /** a confirmed finding (detect/tier.ts) at or above this score selects its server under the approvals' detector rules (default 0.7) */
  selectScore?: number;
  /** how long (event time, ms) a finding's selection lasts after its last seen unless renewed by an update (default 24 h) */
  selectHoldMs?: number;
  /** event-time period between detector flushes (default 60 s) */
  flushEveryMs?: number;
}

export interface PipelineDeps {
  registry?: Registry;
  logger?: Logger;
  /** each selected flow (a reused object: copy with copySelectedFlow to keep) */
  onSelected?: (f: SelectedFlow) => void;
  /** each new or updated finding */
  onFinding?: (f: Finding) => void;
}

export interface Pipeline {
  readonly gate: Gate;
  readonly detectors: Detectors;
  /** the detection stage (detect/stage.ts) the gate's flows go through */
  readonly stage: DetectionStage;
  /** the sink a decoder or importer feeds */
  readonly sink: FlowSink;
  /** scores everything pending as of event time `now` (default: the latest flow's time) */
  flush(now?: number): void;
  /** selections made by detector rules so far */
  readonly selections: number;
}

const DETECTOR_OF: Record<FindingType, DetectorName> = {
  beacon: 'beacon',
  strobe: 'strobe',
  'fan-in': 'fan-in',
  scan: 'scan',
  ddos: 'ddos',
  indicator: 'indicator',
  'long-connection': 'long-connection',
  exfiltration: 'exfiltration',
};

// every detector bit (DETECTOR_BIT): selected flows reach every detector
const ALL = Object.values(DETECTOR_BIT).reduce((a, b) => a | b, 0);

export function createPipeline(opts: {
  scope: Scope;
  approvals: ApprovalSet;
  pseudonymiser: Pseudonymiser;
  config?: PipelineConfig;
  deps?: PipelineDeps;
}): Pipeline {
  const config = opts.config ?? {};
  const deps = opts.deps ?? {};
  const logger = deps.logger ?? silentLogger;
  const selectScore = config.selectScore ?? 0.7;
  const selectHoldMs = config.selectHoldMs ?? 24 * 3600_000;
  let selections = 0;

  const gate = createGate({
    scope: opts.scope,
    approvals: opts.approvals,
    pseudonymiser: opts.pseudonymiser,
    ...(config.gate ? { config: config.gate } : {}),
    deps: { ...(deps.registry ? { registry: deps.registry } : {}), logger },
  });

  // the detection stage shared with the bus worker (detect/stage.ts): batches of flows, the detectors'
  // flush cadence, and a finding at or above selectScore selecting its server by the detector rules
  const stage = createDetectionStage({
    config: { ...(config.detectors ? { detectors: config.detectors } : {}), ...(config.flushEveryMs ? { flushEveryMs: config.flushEveryMs } : {}), selectScore },
    // the scope's ASN lookup: the beacon detector demotes update/telemetry vendors' networks with it (detect/README.md)
    deps: {
      onSelect: (f) => selectByDetectorRule(f),
      ...(deps.onFinding ? { onFinding: deps.onFinding } : {}),
      asn: opts.scope,
      ...(deps.registry ? { metrics: deps.registry } : {}),
    },
  });
  const detectors = stage.detectors;

  function selectByDetectorRule(f: Finding): void {
    const detector = DETECTOR_OF[f.type];
    const at = f.lastSeen;
    for (const a of opts.approvals.list()) {
      if (a.status !== 'approved') continue;
      const compiled = opts.approvals.get(a.id);
      if (!compiled || at < compiled.start || at >= compiled.end) continue;
      const criterionId = gate.criterionFor(a.id, detector);
      if (!criterionId) continue;
      try {
        gate.selectKey('server', { address: f.external!, pseudonym: false, port: f.port, proto: f.proto }, a.id, criterionId, at + selectHoldMs);
        selections++;
      } catch (e) {
        // the approval refused it (e.g. ended meanwhile): the finding stays, nothing is selected
        logger.warn({ approval: a.id, detector, code: (e as { code?: string }).code }, 'detector selection refused');
      }
    }
  }

  function observe(f: GateFlow, mask: number): void {
    stage.push(f, f.scope === 'foreign-domestic' ? INBOUND : OUTBOUND, mask);
  }

  const out = {
    selected: (f: SelectedFlow) => {
      deps.onSelected?.(f);
      observe(f, ALL);
    },
    feed: (f: GateFlow & { detectors: number }) => observe(f, f.detectors),
  };

  const sink: FlowSink = (rec: FlowRecord) => gate.process(rec, out);

  return {
    gate,
    detectors,
    stage,
    sink,
    flush(now?: number) {
      stage.flush(now);
    },
    get selections() {
      return selections;
    },
  };
}
