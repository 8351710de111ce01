/**
 * JSON lines of FlowRecord: one object per line, addresses as text in "src"/"dst", every other field
 * by its FlowRecord name (`acd analyze --json` writes it, tests and fixtures use it):
 *   {"exporter":"file:x","domain":0,"start":1,"end":2,"family":4,"src":"10.0.0.1","dst":"10.0.0.2",
 *    "srcPort":1234,"dstPort":80,"proto":6,"tcpFlags":27,"packets":5,"bytes":420,"inIf":0,"outIf":0}
 * Required: src, dst, start. Absent numbers are 0 (end: start; exporter: the importer's); "family", if
 * present, must match the addresses. Unknown keys are ignored; a key of the wrong type is malformed.
 */
import {
  FLOW_RECORD_FIELDS, dstAddrString, srcAddrString, type FlowRecord, type MutableFlowRecord,
} from '../record.js';
import { MAX_TIME_MS, setAddresses } from './fields.js';
import {
  LINE_MALFORMED, LINE_RECORD, LINE_SKIPPED, LINE_WRONG_FORMAT, type LineOutcome, type LineParser,
} from './types.js';

/** The JSON object of one record (same key order as FLOW_RECORD_FIELDS, addresses as text). */
export function flowRecordToJsonObject(r: FlowRecord): Record<string, string | number> {
  return {
    exporter: r.exporter, domain: r.domain, start: r.start, end: r.end, family: r.family,
    src: srcAddrString(r), dst: dstAddrString(r), srcPort: r.srcPort, dstPort: r.dstPort, proto: r.proto,
    tcpFlags: r.tcpFlags, packets: r.packets, bytes: r.bytes, inIf: r.inIf, outIf: r.outIf,
  };
}

/** One JSON line (no newline) for a record. */
export function flowRecordToJson(r: FlowRecord): string {
  return JSON.stringify(flowRecordToJsonObject(r));
}

/** [key, max] of the numeric fields; max is the largest value the field can hold */
const NUMERIC: ReadonlyArray<readonly [Exclude<(typeof FLOW_RECORD_FIELDS)[number], 'exporter' | 'family' | 'src4' | 'dst4' | 'src6' | 'dst6'>, number]> = [
  ['domain', 0xffffffff], ['start', MAX_TIME_MS - 1], ['end', MAX_TIME_MS - 1],
  ['srcPort', 65535], ['dstPort', 65535], ['proto', 255], ['tcpFlags', 0xffff],
  ['packets', Number.MAX_SAFE_INTEGER], ['bytes', Number.MAX_SAFE_INTEGER],
  ['inIf', 0xffffffff], ['outIf', 0xffffffff],
];

/**
 * Parses one JSON line into `rec` (reset first). Returns '' on success, else the reason word and sets
 * `why.detail`. `defaultExporter` is used when the line has none.
 */
export function parseFlowRecordJson(
  line: string, rec: MutableFlowRecord, defaultExporter = '', why: { detail: string } = { detail: '' },
): string {
  let o: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(line);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    o = v as Record<string, unknown>;
  } catch {
    why.detail = 'not a JSON object (truncated or garbled line?)';
    return 'json';
  }
  rec.reset();
  rec.domain = 0; // reset() keeps exporter and domain: a line without them must not inherit the last line's
  const src = o['src'];
  const dst = o['dst'];
  if (typeof src !== 'string' || typeof dst !== 'string') { why.detail = 'src or dst missing or not text'; return 'field'; }
  if (!setAddresses(rec, src, dst)) { why.detail = 'src or dst is not an IP address (or their families differ)'; return 'address'; }
  const fam = o['family'];
  if (fam !== undefined && fam !== rec.family) { why.detail = 'family does not match the addresses'; return 'field'; }
  if (o['start'] === undefined) { why.detail = 'start missing'; return 'field'; }
  for (const [k, max] of NUMERIC) {
    const v = o[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
      why.detail = `${k} is not an integer in 0..${max}`;
      return 'number';
    }
    rec[k] = v;
  }
  if (o['end'] === undefined) rec.end = rec.start;
  else if (rec.end < rec.start) { why.detail = 'end is before start'; return 'field'; }
  const ex = o['exporter'];
  if (ex !== undefined && (typeof ex !== 'string' || ex.length > 256)) { why.detail = 'exporter is not text of at most 256 characters'; return 'field'; }
  rec.exporter = typeof ex === 'string' && ex !== '' ? ex : defaultExporter;
  return '';
}

export class FlowJsonParser implements LineParser {
  readonly format = 'jsonl' as const;
  hasLabels = false;
  reason = '';
  detail = '';
  label = '';
  detailedLabel = '';
  private first = true;

  /** `forcedExporter` (the importer's --exporter) wins over the line's; `defaultExporter` fills a line without one */
  constructor(private readonly defaultExporter: string, private readonly forcedExporter: string | null) {}

  parse(line: string, rec: MutableFlowRecord): LineOutcome {
    if (line.length === 0 || (line.length < 64 && line.trim() === '')) { this.reason = 'blank'; return LINE_SKIPPED; }
    const bad = parseFlowRecordJson(line, rec, this.defaultExporter, this);
    if (this.first) {
      this.first = false;
      if (bad === 'json' || (bad === 'field' && !('src' in safeKeys(line)))) {
        this.detail = 'the first line is not a FlowRecord JSON object (no "src")';
        return LINE_WRONG_FORMAT;
      }
    }
    if (bad !== '') { this.reason = bad; return LINE_MALFORMED; }
    if (this.forcedExporter !== null) rec.exporter = this.forcedExporter;
    return LINE_RECORD;
  }
}

function safeKeys(line: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
