/**
 * Offline analysis (`acd analyze`): flow files through the whole pipeline — decode → gate → detect —
 * under evaluation approvals that select by every detector rule, with one pseudonym key.
 */
import { readFileSync } from 'node:fs';
import { importFlowFile, type ImportFormat, type ImportLineError, type ImportStats } from '../flow/index.js';
import {
  ApprovalSet,
  createPseudonymiser,
  createScope,
  COUNT_CATEGORIES,
  evaluationApprovals,
  generatePseudonymKey,
  METRICS,
  parseKeyHex,
  type CountCategory,
  type Metric,
  type Scope,
} from '../selection/index.js';
import { indicatorsFromFile } from './indicators.js';
import type { Finding } from '../detect/index.js';
import { createPipeline, type PipelineConfig } from './pipeline.js';

/** The carrier id every imported record carries in an offline run. */
export const OFFLINE_CARRIER = 'offline';

export interface AnalyzeOptions {
  files: string[];
  format?: ImportFormat;
  /** domestic prefixes; without them the country data (JP) decides */
  domestic?: string[];
  country?: string;
  /** path of a file with 64 hex digits; without it a random key is used */
  pseudonymKeyFile?: string;
  pipeline?: PipelineConfig;
  /** every 250 ms and at the end of each file: bytes read, records so far in this file, ms since it started */
  onProgress?: (file: string, bytesRead: number, size: number, records: number, elapsedMs: number) => void;
  /** a STIX bundle whose address indicators the indicator detector matches (pipeline/indicators.ts) */
  indicatorsFile?: string;
  /** per line with a label column (evaluations only) */
  onLabel?: (file: string, lineNo: number, label: string, detailedLabel: string) => void;
  /** sees every flow as it enters the gate, e.g. to pair it with its label (evaluations only) */
  onFlow?: Parameters<typeof importFlowFile>[1]['sink'];
  /** per malformed line: "FILE:LINE: reason: detail" (never the line's content); the analysis goes on */
  onError?: (err: ImportLineError) => void;
}

export interface AnalyzeResult {
  findings: Finding[];
  imports: ImportStats[];
  gate: Record<Metric, number>;
  /**
   * The gate's totals per category: foreign-domestic and transit (cross-border), out-of-scope
   * (domestic↔domestic, dropped at the door). For each, received = outOfScope + noApproval + noKey +
   * selected + discarded.
   */
  gateByCategory: Record<CountCategory, Record<Metric, number>>;
  selections: number;
  scope: Scope;
}

export async function analyzeFiles(o: AnalyzeOptions): Promise<AnalyzeResult> {
  const scope = o.domestic?.length
    ? createScope({ useCountryData: false, domesticPrefixes: o.domestic, localIsDomestic: true })
    : createScope({ useCountryData: true, country: o.country ?? 'JP', localIsDomestic: true });
  const FOREVER = Date.UTC(9999, 0, 1);
  const key = o.pseudonymKeyFile
    ? { id: 'offline-key', key: parseKeyHex(readFileSync(o.pseudonymKeyFile, 'utf8')), validFrom: 0, validTo: FOREVER }
    : generatePseudonymKey('offline-key', 0, FOREVER);
  const approvals = new ApprovalSet({ approvals: evaluationApprovals([OFFLINE_CARRIER], 0, FOREVER) });
  // --indicators: the bundle's address indicators feed the indicator detector (issue #21)
  const inds = o.indicatorsFile ? indicatorsFromFile(o.indicatorsFile) : [];
  const pcfg: PipelineConfig | undefined = inds.length > 0 ? { ...o.pipeline, detectors: { ...o.pipeline?.detectors, indicator: { ...o.pipeline?.detectors?.indicator, indicators: [...(o.pipeline?.detectors?.indicator?.indicators ?? []), ...inds] } } } : o.pipeline;
  const pipeline = createPipeline({ scope, approvals, pseudonymiser: createPseudonymiser({ keys: [key] }), ...(pcfg ? { config: pcfg } : {}) });
  const imports: ImportStats[] = [];
  for (const file of o.files) {
    const onFlow = o.onFlow;
    const stats = await importFlowFile(file, {
      ...(o.format ? { format: o.format } : {}),
      exporter: OFFLINE_CARRIER,
      sink: onFlow ? (r) => { onFlow(r); pipeline.sink(r); } : pipeline.sink,
      ...(o.onProgress ? { onProgress: (p) => o.onProgress!(file, p.bytesRead, p.totalBytes, p.records, p.elapsedMs) } : {}),
      ...(o.onLabel ? { onLabel: (n, l, d) => o.onLabel!(file, n, l, d) } : {}),
      ...(o.onError ? { onError: o.onError } : {}),
    });
    imports.push(stats);
  }
  pipeline.flush();
  const findings = pipeline.detectors.findings.list();
  const gateByCategory = Object.fromEntries(
    COUNT_CATEGORIES.map((c) => [c, Object.fromEntries(METRICS.map((m) => [m, 0]))]),
  ) as Record<CountCategory, Record<Metric, number>>;
  // the carrier's rows per category and hour (approvalId null) hold every flow once
  for (const row of pipeline.gate.counts()) {
    if (row.approvalId !== null) continue;
    for (const m of METRICS) gateByCategory[row.category][m] += row[m];
  }
  return { findings, imports, gate: pipeline.gate.totals(), gateByCategory, selections: pipeline.selections, scope };
}
