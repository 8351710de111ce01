/**
 * The contract between the file reader and one format's line parser.
 */
import type { FlowSink, MutableFlowRecord } from '../record.js';

export type ImportFormat = 'zeek' | 'zeek-json' | 'binetflow' | 'jsonl';
export const IMPORT_FORMATS: readonly ImportFormat[] = ['zeek', 'zeek-json', 'binetflow', 'jsonl'];

/** What a parser made of one line. */
export const LINE_RECORD = 0;
export const LINE_SKIPPED = 1;
export const LINE_MALFORMED = 2;
/** the file is not in this format (e.g. no header before the first data line): the import is rejected */
export const LINE_WRONG_FORMAT = 3;
export type LineOutcome = typeof LINE_RECORD | typeof LINE_SKIPPED | typeof LINE_MALFORMED | typeof LINE_WRONG_FORMAT;

/**
 * One format's parser. `parse` fills `rec` (already reset by the caller) and returns LINE_RECORD, or
 * returns LINE_SKIPPED / LINE_MALFORMED and sets `reason` (a short machine word) and `detail` (a human
 * message that never quotes the line: a malformed line may still hold addresses).
 * When the line carried a ground-truth label, `label`/`detailedLabel` hold it until the next call.
 */
export interface LineParser {
  readonly format: ImportFormat;
  /** true when the file has label columns (set once its header has been read) */
  hasLabels: boolean;
  reason: string;
  detail: string;
  label: string;
  detailedLabel: string;
  /** LINE_WRONG_FORMAT (with `detail` saying why) only for the first data line of a file in another format */
  parse(line: string, rec: MutableFlowRecord): LineOutcome;
}

export interface ImportLineError {
  file: string;
  /** 1-based line number */
  line: number;
  /** machine word: columns, address, number, port, proto, time, json, field, too-long, decompress ... */
  reason: string;
  /** "FILE:LINE: reason: detail" (never quotes the line's content) */
  message: string;
}

export interface ImportProgress {
  file: string;
  /** bytes read from the file (compressed bytes for .gz) */
  bytesRead: number;
  totalBytes: number;
  lines: number;
  records: number;
  elapsedMs: number;
}

export interface ImportOptions {
  /** skip detection and read the file in this format (a file whose header does not fit is still rejected) */
  format?: ImportFormat;
  /** FlowRecord.exporter for every record; default "file:BASENAME" (jsonl: the line's own exporter, else that) */
  exporter?: string;
  /** receives each record; the record object is reused: copy it with copyFlowRecord to keep it */
  sink: FlowSink;
  /** one call per malformed line (and per decompression error) */
  onError?: (err: ImportLineError) => void;
  /** called at most every `progressIntervalMs` (default 250) and once at the end */
  onProgress?: (p: ImportProgress) => void;
  progressIntervalMs?: number;
  /**
   * Ground truth for evaluations only (labels never enter FlowRecord). For files with label columns
   * (Zeek `*.labeled` label/detailedlabel; binetflow Label), called synchronously right BEFORE the sink
   * receives that same line's record, with the line number; `(empty)`, `-` and blank become ''.
   */
  onLabel?: (lineNo: number, label: string, detailedLabel: string) => void;
  /** a longer line is dropped as malformed (reason too-long) without being buffered whole; default 1 MiB */
  maxLineBytes?: number;
}

export interface ImportStats {
  file: string;
  format: ImportFormat;
  gzip: boolean;
  /** bytes read from the file (compressed size for .gz) */
  bytes: number;
  /** every line, including headers, blank lines and a last line without a newline */
  lines: number;
  records: number;
  /** header, comment and blank lines and non-IP records (Argus arp/llc/man) */
  skipped: number;
  skippedBy: Record<string, number>;
  malformed: number;
  malformedBy: Record<string, number>;
  packets: number;
  bytesInFlows: number;
  elapsedMs: number;
}

