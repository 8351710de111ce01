/**
 * Argus bidirectional flows as the Stratosphere `.binetflow` files carry them: a header line naming the
 * columns (StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes
 * [,SrcPkts],Label), comma- or tab-separated; columns are found by name, so their order and the optional
 * ones do not matter.
 *
 * Mapping: start = StartTime (Argus prints local time without a zone; read as UTC), end = start + Dur;
 * packets = TotPkts, bytes = TotBytes (both directions, as Argus counted them: link-layer headers
 * included); ports are decimal or hex ("0x0303"). ICMP: Argus keeps type and code in Sport (low byte
 * type, high byte code, as a little-endian host prints them); the record gets NetFlow's convention
 * srcPort 0, dstPort type·256 + code. Non-IP records (arp, llc, Argus' own "man" records) are skipped,
 * reason non-ip. Label goes to the label side channel (detailed label ''), never into the record.
 */
import type { MutableFlowRecord } from '../record.js';
import {
  FieldSplitter, MAX_TIME_MS, NON_IP_PROTOS, TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG,
  parsePortAt, parseSecondsMsAt, parseUintAt, protoNumber, setAddressesAt, setIcmpTypeCode, textIs,
} from './fields.js';
import { connStateFlags } from './zeek.js';
import {
  LINE_MALFORMED, LINE_RECORD, LINE_SKIPPED, LINE_WRONG_FORMAT, type LineOutcome, type LineParser,
} from './types.js';

const LETTER_FLAGS = new Uint8Array(128);
for (const [ch, f] of [
  ['S', TCP_SYN], ['A', TCP_ACK], ['P', TCP_PSH], ['F', TCP_FIN], ['R', TCP_RST],
  ['U', TCP_URG], ['E', TCP_ECE], ['C', TCP_CWR],
] as const) LETTER_FLAGS[ch.charCodeAt(0)] = f;

function letterFlags(s: string, from: number, to: number): number {
  let f = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) f |= LETTER_FLAGS[c] ?? 0;
  }
  return f;
}

/** Argus' named TCP states (ra without -Z) */
const NAMED_STATE_FLAGS: ReadonlyMap<string, number> = new Map([
  ['REQ', TCP_SYN], ['ACC', TCP_SYN | TCP_ACK], ['CON', TCP_SYN | TCP_ACK], ['CLO', TCP_SYN | TCP_ACK | TCP_FIN],
  ['FIN', TCP_FIN | TCP_ACK], ['RST', TCP_RST],
]);

/**
 * TCP flags from an Argus State. "SRC_DST" lists the flags seen each way ("S_RA", "FSPA_FSPA"); the
 * responder's ACK counts only when it came with its SYN (a SYN-ACK) or the originator acknowledged too,
 * so a rejected attempt (S_RA) reads SYN+RST as Zeek's REJ does and ACK keeps meaning "the responder
 * accepted or data flowed". Named states (CON, REQ ...) and Zeek-style states (S0, REJ ...) map by table.
 */
export function argusStateFlags(state: string, from = 0, to = state.length): number {
  const us = state.indexOf('_', from);
  if (us >= 0 && us < to) {
    const src = letterFlags(state, from, us);
    let dst = letterFlags(state, us + 1, to);
    if ((dst & TCP_SYN) === 0 && (src & TCP_ACK) === 0) dst &= ~TCP_ACK;
    return src | dst;
  }
  const name = from === 0 && to === state.length ? state : state.slice(from, to);
  return NAMED_STATE_FLAGS.get(name) ?? connStateFlags(name);
}

/** Digits s[from..to) as a number; NaN when one is not a digit. (Module-level: no closure per call in the hot path.) */
function digits(s: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

// Date.UTC is the costly part of a line; lines come in time order, so the last minute is remembered.
let minutePrefix = '';
let minuteMs = 0;

/**
 * "2019/04/04 16:24:47.672448", "2019-04-04 16:24:47", "2019-04-04T16:24:47.5" (read as UTC) or epoch
 * seconds, in s[a..b), to milliseconds; NaN when none of these.
 */
export function parseArgusTime(s: string, a = 0, b = s.length): number {
  const n = b - a;
  const c0 = s.charCodeAt(a + 4);
  if (n >= 19 && (c0 === 47 || c0 === 45)) {
    const t = s.charCodeAt(a + 10);
    if (s.charCodeAt(a + 7) !== c0 || (t !== 32 && t !== 84) || s.charCodeAt(a + 13) !== 58 || s.charCodeAt(a + 16) !== 58) return NaN;
    let base: number;
    if (minutePrefix.length === 16 && s.startsWith(minutePrefix, a)) base = minuteMs;
    else {
      const y = digits(s, a, a + 4), mo = digits(s, a + 5, a + 7), d = digits(s, a + 8, a + 10);
      const h = digits(s, a + 11, a + 13), mi = digits(s, a + 14, a + 16);
      if (!(y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59)) return NaN;
      base = Date.UTC(y, mo - 1, d, h, mi, 0);
      minutePrefix = s.slice(a, a + 16);
      minuteMs = base;
    }
    // seconds with their fraction: "47.672448"
    const secMs = parseSecondsMsAt(s, a + 17, b);
    if (!(secMs < 61000)) return NaN;
    return base + secMs;
  }
  return parseSecondsMsAt(s, a, b);
}

const REQUIRED = ['StartTime', 'Proto', 'SrcAddr', 'Sport', 'DstAddr', 'Dport', 'TotPkts', 'TotBytes'] as const;

/** true when a line is a binetflow header (comma or tab separated, with the required column names). */
export function isBinetflowHeader(line: string): boolean {
  const sep = line.indexOf('\t') >= 0 ? '\t' : ',';
  const names = line.split(sep).map((n) => n.trim());
  return REQUIRED.every((r) => names.includes(r));
}

export class BinetflowParser implements LineParser {
  readonly format = 'binetflow' as const;
  hasLabels = false;
  reason = '';
  detail = '';
  label = '';
  detailedLabel = '';

  private headerLine: string | null = null;
  private sep = ',';
  private nCols = 0;
  private iStart = -1; private iDur = -1; private iProto = -1; private iSrc = -1; private iSport = -1;
  private iDst = -1; private iDport = -1; private iState = -1; private iPkts = -1; private iBytes = -1; private iLabel = -1;

  private fields = new FieldSplitter(16);

  private setHeader(line: string): void {
    this.headerLine = line;
    this.sep = line.indexOf('\t') >= 0 ? '\t' : ',';
    const names = line.split(this.sep).map((n) => n.trim());
    const ix = (n: string): number => names.indexOf(n);
    this.nCols = names.length;
    this.fields = new FieldSplitter(names.length);
    this.iStart = ix('StartTime'); this.iDur = ix('Dur'); this.iProto = ix('Proto'); this.iSrc = ix('SrcAddr');
    this.iSport = ix('Sport'); this.iDst = ix('DstAddr'); this.iDport = ix('Dport'); this.iState = ix('State');
    this.iPkts = ix('TotPkts'); this.iBytes = ix('TotBytes'); this.iLabel = ix('Label');
    this.hasLabels = this.iLabel >= 0;
  }

  parse(line: string, rec: MutableFlowRecord): LineOutcome {
    if (line.length === 0) { this.reason = 'blank'; return LINE_SKIPPED; }
    if (this.headerLine === null) {
      if (!isBinetflowHeader(line)) {
        this.detail = `the first line is not a binetflow header (naming ${REQUIRED.join(', ')})`;
        return LINE_WRONG_FORMAT;
      }
      this.setHeader(line);
      this.reason = 'header';
      return LINE_SKIPPED;
    }
    if (line === this.headerLine) { this.reason = 'header'; return LINE_SKIPPED; }
    const n = this.fields.split(line, this.sep);
    if (n !== this.nCols) {
      this.reason = 'columns';
      this.detail = `${n > this.nCols ? 'more' : n} columns, the header has ${this.nCols}`;
      return LINE_MALFORMED;
    }
    const st = this.fields.starts;
    const en = this.fields.ends;
    const ip = this.iProto;
    const pa = st[ip] ?? 0, pb = en[ip] ?? 0;
    const proto = textIs(line, pa, pb, 'tcp') ? 6 : textIs(line, pa, pb, 'udp') ? 17 : textIs(line, pa, pb, 'icmp') ? 1
      : protoNumber(line.slice(pa, pb));
    if (proto < 0) {
      if (NON_IP_PROTOS.has(line.slice(pa, pb).toLowerCase())) { this.reason = 'non-ip'; return LINE_SKIPPED; }
      this.reason = 'proto';
      this.detail = 'Proto is not a known protocol';
      return LINE_MALFORMED;
    }
    const is = this.iSrc, id = this.iDst;
    if (!setAddressesAt(rec, line, st[is] ?? 0, en[is] ?? 0, st[id] ?? 0, en[id] ?? 0)) {
      this.reason = 'address';
      this.detail = 'SrcAddr or DstAddr is not an IP address (or their families differ)';
      return LINE_MALFORMED;
    }
    const start = parseArgusTime(line, st[this.iStart] ?? 0, en[this.iStart] ?? 0);
    if (!(start >= 0 && start < MAX_TIME_MS)) { this.reason = 'time'; this.detail = 'StartTime is not a time'; return LINE_MALFORMED; }
    const idur = this.iDur;
    const durMs = idur < 0 || st[idur] === en[idur] ? 0 : parseSecondsMsAt(line, st[idur] ?? 0, en[idur] ?? 0);
    const pkts = parseUintAt(line, st[this.iPkts] ?? 0, en[this.iPkts] ?? 0);
    const bytes = parseUintAt(line, st[this.iBytes] ?? 0, en[this.iBytes] ?? 0);
    if (!(start + durMs < MAX_TIME_MS) || pkts < 0 || bytes < 0) {
      this.reason = 'number';
      this.detail = 'Dur, TotPkts or TotBytes is not a non-negative number (or Dur ends after 10000 AD)';
      return LINE_MALFORMED;
    }
    const portless = proto !== 6 && proto !== 17 && proto !== 132;
    const spa = st[this.iSport] ?? 0, spb = en[this.iSport] ?? 0, dpa = st[this.iDport] ?? 0, dpb = en[this.iDport] ?? 0;
    const sp = spa === spb && portless ? 0 : parsePortAt(line, spa, spb);
    const dp = dpa === dpb && portless ? 0 : parsePortAt(line, dpa, dpb);
    if (sp < 0 || dp < 0) { this.reason = 'port'; this.detail = 'Sport or Dport is not a port'; return LINE_MALFORMED; }
    rec.start = Math.round(start);
    rec.end = Math.round(start + durMs);
    rec.proto = proto === 1 && rec.family === 6 ? 58 : proto;
    if (proto === 1 || proto === 58) setIcmpTypeCode(rec, sp & 255, sp >>> 8);
    else {
      rec.srcPort = sp;
      rec.dstPort = dp;
      const ist = this.iState;
      if (proto === 6 && ist >= 0) rec.tcpFlags = argusStateFlags(line, st[ist] ?? 0, en[ist] ?? 0);
    }
    rec.packets = pkts;
    rec.bytes = bytes;
    if (this.hasLabels) {
      const la = st[this.iLabel] ?? 0, lb = en[this.iLabel] ?? 0;
      this.label = textIs(line, la, lb, '-') || textIs(line, la, lb, '(empty)') ? '' : line.slice(la, lb);
      this.detailedLabel = '';
    }
    return LINE_RECORD;
  }
}
