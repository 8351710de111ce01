/**
 * Zeek conn.log, as TSV (with its `#separator`, `#fields`, `#types` header) and as JSON lines.
 *
 * Mapping (one Zeek connection = one bidirectional FlowRecord, originator as src):
 * - start = ts, end = ts + duration (unset duration: end = start); both rounded to whole milliseconds.
 * - packets = orig_pkts + resp_pkts; bytes = orig_ip_bytes + resp_ip_bytes: IP-layer bytes (headers
 *   included) in both directions, which is what NetFlow/IPFIX exporters count, so a Zeek flow and an
 *   exported flow of the same traffic compare. orig_bytes/resp_bytes (TCP payload by sequence numbers,
 *   wrong under missed_bytes) are used only when a log has no *_ip_bytes columns.
 * - proto: tcp 6, udp 17, icmp 1 (58 when the addresses are IPv6), unknown_transport 255.
 * - ICMP: Zeek puts the type in id.orig_p and the counterpart type (not the code) in id.resp_p; the
 *   record gets NetFlow's convention srcPort 0, dstPort type·256 (code unknown: 0).
 * - tcpFlags (TCP only): the OR of the flags implied by conn_state and by the history letters, so the
 *   scan detector can tell success from failure: ACK is set only when a handshake completed or data
 *   flowed. See CONN_STATE_FLAGS and historyFlags.
 * - label/detailedlabel columns (Stratosphere `*.labeled` files) go to the parser's label side channel,
 *   never into the record.
 */
import type { MutableFlowRecord } from '../record.js';
import {
  FieldSplitter, MAX_TIME_MS, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN,
  parseSecondsMsAt, parseUintAt, protoNumber, setAddresses, setAddressesAt, setIcmpTypeCode, textIs,
} from './fields.js';
import {
  LINE_MALFORMED, LINE_RECORD, LINE_SKIPPED, LINE_WRONG_FORMAT, type LineOutcome, type LineParser,
} from './types.js';

/** conn_state → TCP flags (Zeek's base/protocols/conn/main.zeek describes each state). */
export const CONN_STATE_FLAGS: Readonly<Record<string, number>> = {
  S0: TCP_SYN, // attempt seen, no reply
  S1: TCP_SYN | TCP_ACK, // established, not terminated
  SF: TCP_SYN | TCP_ACK | TCP_FIN, // established and terminated normally
  REJ: TCP_SYN | TCP_RST, // attempt rejected
  S2: TCP_SYN | TCP_ACK | TCP_FIN, // established, originator closed
  S3: TCP_SYN | TCP_ACK | TCP_FIN, // established, responder closed
  RSTO: TCP_SYN | TCP_ACK | TCP_RST, // established, originator aborted
  RSTR: TCP_SYN | TCP_ACK | TCP_RST, // responder aborted
  RSTOS0: TCP_SYN | TCP_RST, // originator sent SYN then RST, no SYN-ACK
  RSTRH: TCP_SYN | TCP_ACK | TCP_RST, // responder sent SYN-ACK then RST, no SYN from originator
  SH: TCP_SYN | TCP_FIN, // originator sent SYN then FIN, no SYN-ACK
  SHR: TCP_SYN | TCP_ACK | TCP_FIN, // responder sent SYN-ACK then FIN, no SYN from originator
  OTH: 0, // no SYN seen: midstream traffic
};

const STATE_MAP: ReadonlyMap<string, number> = new Map(Object.entries(CONN_STATE_FLAGS));

/** TCP flags of a conn_state ('' or unknown: 0) */
export function connStateFlags(state: string): number {
  return STATE_MAP.get(state) ?? 0;
}

/** Flags per history letter (upper case: originator, lower case: responder; both count, the record is bidirectional). */
const HISTORY_FLAGS = new Uint8Array(128);
for (const [ch, f] of [
  ['s', TCP_SYN], ['h', TCP_SYN | TCP_ACK], ['a', TCP_ACK], ['d', TCP_ACK | TCP_PSH],
  ['f', TCP_FIN | TCP_ACK], ['r', TCP_RST],
] as const) {
  HISTORY_FLAGS[ch.charCodeAt(0)] = f;
  HISTORY_FLAGS[ch.toUpperCase().charCodeAt(0)] = f;
}

/** TCP flags implied by a Zeek history string; data (D/d) is taken as ACK+PSH, the usual flags of data segments. */
export function historyFlags(h: string, from = 0, to = h.length): number {
  let f = 0;
  for (let i = from; i < to; i++) {
    const c = h.charCodeAt(i);
    if (c < 128) f |= HISTORY_FLAGS[c] ?? 0;
  }
  return f;
}

/** Zeek's proto column: the three names it writes, without making a substring for them. */
function protoAt(s: string, a: number, b: number): number {
  if (textIs(s, a, b, 'tcp')) return 6;
  if (textIs(s, a, b, 'udp')) return 17;
  if (textIs(s, a, b, 'icmp')) return 1;
  return protoNumber(s.slice(a, b));
}

/** Fills the parts every Zeek variant shares; returns an error reason or '' when the record is complete. */
function finish(
  rec: MutableFlowRecord, p: { detail: string },
  startMs: number, durMs: number, origP: number, respP: number, proto: number,
): string {
  if (!(startMs >= 0 && startMs < MAX_TIME_MS)) { p.detail = 'ts is not a time between 1970 and 9999'; return 'time'; }
  if (!(durMs >= 0 && startMs + durMs < MAX_TIME_MS)) { p.detail = 'duration is not a number, or ends after 10000 AD'; return 'number'; }
  if (proto < 0) { p.detail = 'proto is not a known protocol'; return 'proto'; }
  if (origP < 0 || respP < 0 || origP > 65535 || respP > 65535) { p.detail = 'id.orig_p or id.resp_p is not a port'; return 'port'; }
  rec.start = Math.round(startMs);
  rec.end = Math.round(startMs + durMs);
  if (proto === 1) {
    rec.proto = rec.family === 6 ? 58 : 1;
    setIcmpTypeCode(rec, origP, 0);
  } else {
    rec.proto = proto;
    rec.srcPort = origP;
    rec.dstPort = respP;
  }
  return '';
}

const REQUIRED_FIELDS = ['ts', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto'] as const;

/** Turns `#separator \x09` into the character. */
function unescapeZeek(s: string): string {
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export class ZeekTsvParser implements LineParser {
  readonly format = 'zeek' as const;
  hasLabels = false;
  reason = '';
  detail = '';
  label = '';
  detailedLabel = '';

  private sep = '\t';
  private unset = '-';
  private empty = '(empty)';
  private path = '';
  private nFields = 0;
  private haveFields = false;
  private checked = false;
  // column indexes; -1 when absent
  private iTs = -1; private iOh = -1; private iOp = -1; private iRh = -1; private iRp = -1; private iProto = -1;
  private iDur = -1; private iOpk = -1; private iRpk = -1; private iOb = -1; private iRb = -1; private ipBytes = false;
  private iState = -1; private iHist = -1; private iLabel = -1; private iDLabel = -1;
  private fields = new FieldSplitter(8);

  /** null when the header read so far describes a conn.log, else why not */
  private headerProblem(): string | null {
    if (!this.haveFields) return 'no Zeek #fields header before the first data line';
    if (this.path !== '' && this.path !== 'conn') return `a Zeek ${this.path} log, not conn.log (#path ${this.path})`;
    if (this.iTs < 0 || this.iOh < 0 || this.iOp < 0 || this.iRh < 0 || this.iRp < 0 || this.iProto < 0) {
      return `Zeek #fields lacks ${REQUIRED_FIELDS.join(', ')}`;
    }
    if (this.path === '' && this.iState < 0 && this.iOpk < 0) return 'Zeek #fields has neither conn_state nor orig_pkts: not a conn.log';
    return null;
  }

  private header(line: string): void {
    // "#separator \x09" uses a space; every other header line uses the separator itself
    if (line.startsWith('#separator')) {
      const v = unescapeZeek(line.slice('#separator'.length).trim());
      if (v.length > 0) this.sep = v;
      return;
    }
    const at = line.indexOf(this.sep);
    const key = at < 0 ? line : line.slice(0, at);
    const rest = at < 0 ? '' : line.slice(at + this.sep.length);
    switch (key) {
      case '#unset_field': this.unset = rest; break;
      case '#empty_field': this.empty = rest; break;
      case '#path': this.path = rest; break;
      case '#fields': {
        const names = rest.split(this.sep);
        const ix = (n: string): number => names.indexOf(n);
        this.nFields = names.length;
        this.fields = new FieldSplitter(names.length);
        this.haveFields = true;
        this.checked = false; // a new header block (concatenated logs) is checked again
        this.iTs = ix('ts'); this.iOh = ix('id.orig_h'); this.iOp = ix('id.orig_p');
        this.iRh = ix('id.resp_h'); this.iRp = ix('id.resp_p'); this.iProto = ix('proto');
        this.iDur = ix('duration'); this.iOpk = ix('orig_pkts'); this.iRpk = ix('resp_pkts');
        this.iOb = ix('orig_ip_bytes'); this.iRb = ix('resp_ip_bytes'); this.ipBytes = this.iOb >= 0 && this.iRb >= 0;
        if (!this.ipBytes) { this.iOb = ix('orig_bytes'); this.iRb = ix('resp_bytes'); }
        this.iState = ix('conn_state'); this.iHist = ix('history');
        this.iLabel = ix('label'); this.iDLabel = ix('detailedlabel');
        if (this.iDLabel < 0) this.iDLabel = ix('detailed_label');
        this.hasLabels = this.iLabel >= 0;
        break;
      }
      default: break; // #set_separator, #open, #close, #types: nothing to keep
    }
  }

  /** the value of column i is unset or empty */
  private isNone(line: string, i: number): boolean {
    const a = this.fields.starts[i] ?? 0;
    const b = this.fields.ends[i] ?? 0;
    return textIs(line, a, b, this.unset) || textIs(line, a, b, this.empty);
  }

  /** An optional count: unset/empty/absent → 0; -1 when not a count. */
  private count(line: string, i: number): number {
    if (i < 0 || this.isNone(line, i)) return 0;
    return parseUintAt(line, this.fields.starts[i] ?? 0, this.fields.ends[i] ?? 0);
  }

  private text(line: string, i: number): string {
    if (i < 0 || this.isNone(line, i)) return '';
    return line.slice(this.fields.starts[i] ?? 0, this.fields.ends[i] ?? 0);
  }

  parse(line: string, rec: MutableFlowRecord): LineOutcome {
    if (line.length === 0) { this.reason = 'blank'; return LINE_SKIPPED; }
    if (line.charCodeAt(0) === 35 /* # */) {
      this.header(line);
      this.reason = 'header';
      return LINE_SKIPPED;
    }
    if (!this.checked) {
      const why = this.headerProblem();
      if (why !== null) { this.detail = why; return LINE_WRONG_FORMAT; }
      this.checked = true;
    }
    const n = this.fields.split(line, this.sep);
    if (n !== this.nFields) {
      this.reason = 'columns';
      this.detail = `${n > this.nFields ? 'more' : n} columns, the #fields header has ${this.nFields}`;
      return LINE_MALFORMED;
    }
    const st = this.fields.starts;
    const en = this.fields.ends;
    const oh = this.iOh, rh = this.iRh;
    if (!setAddressesAt(rec, line, st[oh] ?? 0, en[oh] ?? 0, st[rh] ?? 0, en[rh] ?? 0)) {
      this.reason = 'address';
      this.detail = 'id.orig_h or id.resp_h is not an IP address (or their families differ)';
      return LINE_MALFORMED;
    }
    const ts = this.iTs, dur = this.iDur, op = this.iOp, rp = this.iRp, pr = this.iProto;
    const proto = protoAt(line, st[pr] ?? 0, en[pr] ?? 0);
    const bad = finish(
      rec, this, parseSecondsMsAt(line, st[ts] ?? 0, en[ts] ?? 0),
      dur < 0 || this.isNone(line, dur) ? 0 : parseSecondsMsAt(line, st[dur] ?? 0, en[dur] ?? 0),
      parseUintAt(line, st[op] ?? 0, en[op] ?? 0), parseUintAt(line, st[rp] ?? 0, en[rp] ?? 0), proto,
    );
    if (bad !== '') { this.reason = bad; return LINE_MALFORMED; }
    if (proto === 6) {
      const h = this.iHist;
      rec.tcpFlags = connStateFlags(this.text(line, this.iState))
        | (h < 0 || this.isNone(line, h) ? 0 : historyFlags(line, st[h] ?? 0, en[h] ?? 0));
    }
    const opk = this.count(line, this.iOpk);
    const rpk = this.count(line, this.iRpk);
    const ob = this.count(line, this.iOb);
    const rb = this.count(line, this.iRb);
    if (opk < 0 || rpk < 0 || ob < 0 || rb < 0) {
      this.reason = 'number';
      this.detail = 'a packet or byte count is not a non-negative integer';
      return LINE_MALFORMED;
    }
    rec.packets = opk + rpk;
    rec.bytes = ob + rb;
    if (this.hasLabels) {
      this.label = this.text(line, this.iLabel);
      this.detailedLabel = this.text(line, this.iDLabel);
    }
    return LINE_RECORD;
  }
}

type Json = Record<string, unknown>;

function jsonCount(o: Json, k: string): number {
  const v = o[k];
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : -1;
}

function jsonPort(o: Json, k: string): number {
  const v = o[k];
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535 ? v : -1;
}

function jsonText(o: Json, k: string): string {
  const v = o[k];
  return typeof v === 'string' && v !== '-' && v !== '(empty)' ? v : '';
}

/** Zeek's ts in JSON: epoch seconds, or an ISO 8601 string with LogAscii::json_timestamps = JSON::TS_ISO8601. */
function jsonTime(v: unknown): number {
  if (typeof v === 'number') return v >= 0 ? v : NaN;
  if (typeof v === 'string' && v.length <= 40) {
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? NaN : ms / 1000;
  }
  return NaN;
}

export class ZeekJsonParser implements LineParser {
  readonly format = 'zeek-json' as const;
  hasLabels = false;
  reason = '';
  detail = '';
  label = '';
  detailedLabel = '';

  private first = true;

  parse(line: string, rec: MutableFlowRecord): LineOutcome {
    if (line.length === 0 || (line.length < 64 && line.trim() === '')) { this.reason = 'blank'; return LINE_SKIPPED; }
    let o: Json;
    try {
      const v: unknown = JSON.parse(line);
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
      o = v as Json;
    } catch {
      this.reason = 'json';
      this.detail = 'not a JSON object (truncated or garbled line?)';
      if (this.first) { this.detail = 'the first line is not a JSON object'; return LINE_WRONG_FORMAT; }
      return LINE_MALFORMED;
    }
    if (this.first) {
      this.first = false;
      if (!('id.orig_h' in o) || !('conn_state' in o || 'orig_pkts' in o || 'duration' in o)) {
        this.detail = 'the first JSON object has no id.orig_h and conn_state: not a Zeek conn.log';
        return LINE_WRONG_FORMAT;
      }
    }
    const oh = o['id.orig_h'];
    const rh = o['id.resp_h'];
    if (typeof oh !== 'string' || typeof rh !== 'string') {
      this.reason = 'field';
      this.detail = 'id.orig_h or id.resp_h missing: not a Zeek conn record';
      return LINE_MALFORMED;
    }
    if (!setAddresses(rec, oh, rh)) {
      this.reason = 'address';
      this.detail = 'id.orig_h or id.resp_h is not an IP address (or their families differ)';
      return LINE_MALFORMED;
    }
    const dv = o['duration'];
    const dur = dv === undefined || dv === null ? 0 : typeof dv === 'number' && dv >= 0 ? dv : NaN;
    const proto = protoNumber(typeof o['proto'] === 'string' ? o['proto'] : '');
    const bad = finish(rec, this, jsonTime(o['ts']) * 1000, dur * 1000, jsonPort(o, 'id.orig_p'), jsonPort(o, 'id.resp_p'), proto);
    if (bad !== '') { this.reason = bad; return LINE_MALFORMED; }
    if (proto === 6) rec.tcpFlags = connStateFlags(jsonText(o, 'conn_state')) | historyFlags(jsonText(o, 'history'));
    const opk = jsonCount(o, 'orig_pkts');
    const rpk = jsonCount(o, 'resp_pkts');
    const ipBytes = o['orig_ip_bytes'] !== undefined || o['resp_ip_bytes'] !== undefined;
    const ob = jsonCount(o, ipBytes ? 'orig_ip_bytes' : 'orig_bytes');
    const rb = jsonCount(o, ipBytes ? 'resp_ip_bytes' : 'resp_bytes');
    if (opk < 0 || rpk < 0 || ob < 0 || rb < 0) {
      this.reason = 'number';
      this.detail = 'a packet or byte count is not a non-negative integer';
      return LINE_MALFORMED;
    }
    rec.packets = opk + rpk;
    rec.bytes = ob + rb;
    this.hasLabels = o['label'] !== undefined;
    if (this.hasLabels) {
      this.label = jsonText(o, 'label');
      this.detailedLabel = o['detailedlabel'] !== undefined ? jsonText(o, 'detailedlabel') : jsonText(o, 'detailed_label');
    }
    return LINE_RECORD;
  }
}
