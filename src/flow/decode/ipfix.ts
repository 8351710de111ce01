/**
 * IPFIX (RFC 7011). Message header (16 bytes): version 10, length, export time (s), sequence number,
 * observation domain id. Sets: 2 templates, 3 options templates, ≥ 256 data; 0, 1, 4..255 reserved.
 * The sequence number counts data records sent before this message in the domain (§3.1), so the
 * lost counter here counts data records.
 */
import type { FlowSink } from '../record.js';
import type { DecoderCore, ExporterState } from './state.js';
import { u32 } from './records.js';
import { readFieldSpecs, templateKey, T_TRUNCATED } from './template.js';
import { decodeDataSet, installTemplate } from './v9.js';

export const IPFIX_HEADER = 16;

export function decodeIpfix(core: DecoderCore, b: Uint8Array, len: number, ex: ExporterState, sink: FlowSink): number {
  if (len < IPFIX_HEADER) { core.fail('truncated'); return 0; }
  const msgLen = (b[2]! << 8) | b[3]!;
  if (msgLen < IPFIX_HEADER) { core.fail('bad_length'); return 0; }
  if (msgLen > len) { core.fail('truncated'); return 0; }
  const exportSecs = u32(b, 4);
  const seq = u32(b, 8);
  const domain = u32(b, 12);
  const ctx = core.ctx;
  ctx.exportMs = exportSecs * 1000;
  const init = ex.sysInit.get(domain);
  ctx.hasUptime = init !== undefined;
  ctx.uptimeMs = init !== undefined ? (ctx.exportMs - init) >>> 0 : 0;
  core.rec.domain = domain;
  let flows = 0;
  let records = 0;
  let countable = true;
  let p = IPFIX_HEADER;
  while (msgLen - p >= 4) {
    const setId = (b[p]! << 8) | b[p + 1]!;
    const setLen = (b[p + 2]! << 8) | b[p + 3]!;
    if (setLen < 4) { core.fail('bad_length'); countable = false; break; }
    const end = p + setLen;
    if (end > msgLen) { core.fail('truncated'); countable = false; break; }
    if (setId === 2 || setId === 3) ipfixTemplates(core, ex, b, p + 4, end, domain, setId);
    else if (setId < 256) core.fail('bad_set_id');
    else {
      const before = ctx.flows;
      const n = decodeDataSet(core, ex, b, p + 4, end, templateKey(true, domain, setId), domain, sink);
      if (n < 0) countable = false;
      else records += n;
      flows += ctx.flows - before;
    }
    p = end;
  }
  if (p !== msgLen) { core.fail('bad_length'); countable = false; }
  core.sequence(ex, 10 * 4294967296 + domain, seq, records, countable, flows);
  return flows;
}

/**
 * RFC 7011 §3.4.1-3.4.2: template id, field count [, scope field count], field specifiers (with a
 * 4-byte enterprise number when bit 15 of the id is set). Field count 0 withdraws the template
 * (§8.1); a withdrawal with the set's own id (2 or 3) withdraws every template of that kind.
 */
function ipfixTemplates(core: DecoderCore, ex: ExporterState, b: Uint8Array, p: number, end: number, domain: number, setId: number): void {
  const options = setId === 3;
  while (end - p >= 4) {
    const start = p;
    const id = (b[p]! << 8) | b[p + 1]!;
    const count = (b[p + 2]! << 8) | b[p + 3]!;
    if (count === 0) {
      if (id === setId) withdrawAll(core, ex, domain, options);
      else if (id >= 256) core.dropTemplate(ex, templateKey(true, domain, id));
      else if (id !== 0) core.fail('bad_template');
      else return; // padding
      p += 4;
      continue;
    }
    if (id < 256) { core.fail('bad_template'); return; }
    let q = p + 4;
    if (options) {
      if (end - p < 6) { core.fail('truncated'); return; }
      const scope = (b[p + 4]! << 8) | b[p + 5]!;
      if (scope === 0 || scope > count) { core.fail('bad_template'); return; }
      q = p + 6;
    }
    q = readFieldSpecs(b, q, end, count, true, core.scratch);
    if (q < 0) { core.fail(q === T_TRUNCATED ? 'truncated' : 'bad_template'); return; }
    installTemplate(core, ex, b, start, q, true, domain, id, options, count);
    p = q;
  }
}

function withdrawAll(core: DecoderCore, ex: ExporterState, domain: number, options: boolean): void {
  for (const [key, t] of ex.templates) {
    if (t.domain === domain && t.options === options && key >= templateKey(true, 0, 0)) core.dropTemplate(ex, key);
  }
}
