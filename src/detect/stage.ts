/**
 * The detection stage: the one way flows reach the detectors, shared by the in-process pipeline
 * (pipeline/pipeline.ts), the bus worker (bus/worker.ts) and whatever else feeds them (#23). It owns:
 *
 * - observe-by-mask: each flow carries the DETECTOR_MASK bits its approval names (a selected flow:
 *   all); a detector outside the mask keeps no state from it, a detector in `disable` none at all.
 * - batching: flows are gathered into chunks of PREFETCH_BATCH and observed with the detectors'
 *   observeBatch (their table lines prefetched first, so the cache misses overlap: table.ts).
 * - flush cadence: the detectors' own event-time flush every `flushEveryMs` (scoring at checkpoints,
 *   what the pipeline always did; the worker used to re-score every changed pair at each), and a
 *   complete flush on `flush()` (end of a file, a bus batch's flushAt, a report).
 * - finding → selection: a finding at or above `selectScore` about an external server is handed to
 *   `onSelect` (the pipeline selects the server under the approvals' detector rules; the worker sends
 *   the selection to the collectors). Default 0.7 on every path.
 *
 * Latency the batch adds: a flow waits in the chunk until PREFETCH_BATCH flows are gathered or the
 * current task ends (a microtask drains a partial chunk: the end of a datagram's decode, of a file
 * chunk's parse, of a bus batch), whichever is first, and any flush drains it first. So a finding
 * that selects its server does so at most PREFETCH_BATCH − 1 = 63 flows, and never a task, after the
 * flow that made it; flows gated in between are gated without that selection (as flows already in
 * flight would be). A caller that needs no lag at all sets `batch: false`.
 */
import type { FlowRecord } from '../flow/index.js';
import { MutableFlowRecord } from '../flow/index.js';
import { createDetectors } from './detectors.js';
import { selectsTraffic } from './tier.js';
import type { Detectors, DetectorsConfig, DetectorsDeps } from './detectors.js';
import type { Finding } from './finding.js';
import type { Direction } from './hash.js';
import { PREFETCH_BATCH } from './table.js';

export interface StageConfig {
  detectors?: DetectorsConfig;
  /** event-time period between automatic flushes (default: detectors.flushEveryMs, else 60 s) */
  flushEveryMs?: number;
  /** a finding at or above this score about an external server is handed to onSelect (default 0.7) */
  selectScore?: number;
  /** gather flows into chunks for observeBatch (default true) */
  batch?: boolean;
}

export interface StageDeps extends Omit<DetectorsDeps, 'onFinding'> {
  /** each new or updated finding (after onSelect, when it selects) */
  onFinding?: (f: Finding) => void;
  /** a finding at or above selectScore about an external server: select that server */
  onSelect?: (f: Finding) => void;
}

export interface DetectionStage {
  readonly detectors: Detectors;
  readonly selectScore: number;
  /**
   * One flow, its direction and DETECTOR_MASK bits. The record is copied into the stage's ring
   * (decoders and the gate reuse theirs) unless `stable`: the caller keeps it intact until the
   * chunk is observed (the bus decoder's ring of PREFETCH_BATCH flows does).
   */
  push(rec: FlowRecord, direction: Direction, mask: number, stable?: boolean): void;
  /** observes the flows gathered so far */
  drain(): void;
  /** drains, then scores everything pending as of event time `now` (default: the latest flow's); complete by default */
  flush(now?: number, complete?: boolean): void;
  /** the latest event time pushed */
  readonly latest: number;
  /** flows waiting in the chunk */
  readonly pending: number;
}

function copyInto(d: MutableFlowRecord, r: FlowRecord): MutableFlowRecord {
  d.exporter = r.exporter; d.domain = r.domain; d.start = r.start; d.end = r.end; d.family = r.family;
  d.src4 = r.src4; d.dst4 = r.dst4;
  if (r.family === 6) { d.src6.set(r.src6); d.dst6.set(r.dst6); }
  d.srcPort = r.srcPort; d.dstPort = r.dstPort; d.proto = r.proto; d.tcpFlags = r.tcpFlags;
  d.packets = r.packets; d.bytes = r.bytes; d.inIf = r.inIf; d.outIf = r.outIf;
  return d;
}

export function createDetectionStage({ config = {}, deps = {} }: { config?: StageConfig; deps?: StageDeps } = {}): DetectionStage {
  const selectScore = config.selectScore ?? 0.7;
  const { onSelect, onFinding, ...detDeps } = deps;
  const detectors = createDetectors({
    config: { ...config.detectors, ...(config.flushEveryMs !== undefined ? { flushEveryMs: config.flushEveryMs } : {}) },
    deps: {
      ...detDeps,
      onFinding: (f) => {
        // only a confirmed finding selects (issue #21, tier.ts): a suspected one is reported and stores nothing
        if (onSelect && f.score >= selectScore && f.external && selectsTraffic(f)) onSelect(f);
        onFinding?.(f);
      },
    },
  });
  const batch = config.batch ?? true;
  const ring = Array.from({ length: PREFETCH_BATCH }, () => new MutableFlowRecord());
  const recs: FlowRecord[] = new Array<FlowRecord>(PREFETCH_BATCH);
  const dirs = new Uint8Array(PREFETCH_BATCH);
  const masks = new Uint32Array(PREFETCH_BATCH);
  let n = 0;
  let latest = 0;
  let scheduled = false;

  const drain = (): void => {
    if (n === 0) return;
    const m = n;
    // reset first: a finding's onSelect may re-enter (push) in principle; it then starts a new chunk
    n = 0;
    detectors.observeBatch(recs, dirs, m, masks);
  };
  const drainLater = (): void => {
    scheduled = false;
    drain();
  };

  return {
    detectors,
    selectScore,
    push(rec, direction, mask, stable = false) {
      const t = rec.end > rec.start ? rec.end : rec.start;
      if (t > latest) latest = t;
      if (!batch) { detectors.observe(rec, direction, mask); return; }
      recs[n] = stable ? rec : copyInto(ring[n]!, rec);
      dirs[n] = direction;
      masks[n] = mask;
      n++;
      if (n === PREFETCH_BATCH) drain();
      else if (!scheduled) { scheduled = true; queueMicrotask(drainLater); }
    },
    drain,
    flush(now?: number, complete = true) {
      drain();
      detectors.flush(now, complete);
    },
    get latest() { return latest; },
    get pending() { return n; },
  };
}
