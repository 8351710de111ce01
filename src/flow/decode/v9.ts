/**
 * NetFlow v9 (RFC 3954) and the data-set step it shares with IPFIX.
 * Header (20 bytes): version, count, sysUptime (ms), unix_secs, package sequence, source id.
 * FlowSets: 0 templates, 1 options templates, 2..255 reserved, ≥ 256 data (the template id).
 * The sequence number counts export packets (§5.1): one per datagram.
 */
import type { FlowSink } from '../record.js';
import type { DecoderCore, ExporterState } from './state.js';
import { decodeFlowRecords, decodeOptionsRecords, u32, type OptionsOut } from './records.js';
import { compileTemplate, readFieldSpecs, sameBytes, templateKey, T_TRUNCATED } from './template.js';

export const V9_HEADER = 20;

/**
 * Decodes one data set with template `key`; returns its records (flow and options), or -1 when the
 * template is unknown (counted).
 */
export function decodeDataSet(
  core: DecoderCore, ex: ExporterState, b: Uint8Array, p: number, end: number, key: number, domain: number, sink: FlowSink,
): number {
  const t = ex.templates.get(key);
  if (!t) {
    ex.stats.unknownTemplate++;
    core.unknownSets++;
    return -1;
  }
  if (t.options) {
    const n = decodeOptionsRecords(b, p, end, t, core.ctx, core.opts, (o: OptionsOut) => {
      ex.stats.optionsRecords++;
      if (o.samplingInterval > 0) core.setSampling(ex, domain, o.samplerId, o.samplingInterval);
      if (o.sysInitMs > 0 && (ex.sysInit.has(domain) || ex.sysInit.size < core.limits.maxDomainsPerExporter)) ex.sysInit.set(domain, o.sysInitMs);
    });
    return n;
  }
  const n = decodeFlowRecords(b, p, end, t, core.rec, sink, core.ctx);
  if (n < 0) { core.fail('bad_record'); return 0; }
  return n;
}

export function decodeV9(core: DecoderCore, b: Uint8Array, len: number, ex: ExporterState, sink: FlowSink): number {
  if (len < V9_HEADER) { core.fail('truncated'); return 0; }
  const uptime = u32(b, 4);
  const exportMs = u32(b, 8) * 1000;
  const seq = u32(b, 12);
  const domain = u32(b, 16);
  core.sequence(ex, 9 * 4294967296 + domain, seq, 1, true);
  const ctx = core.ctx;
  ctx.exportMs = exportMs;
  ctx.uptimeMs = uptime;
  ctx.hasUptime = true;
  core.rec.domain = domain;
  let flows = 0;
  let p = V9_HEADER;
  while (len - p >= 4) {
    const setId = (b[p]! << 8) | b[p + 1]!;
    const setLen = (b[p + 2]! << 8) | b[p + 3]!;
    if (setLen < 4) { core.fail('bad_length'); break; }
    const end = p + setLen;
    if (end > len) { core.fail('truncated'); break; }
    if (setId === 0) v9Templates(core, ex, b, p + 4, end, domain);
    else if (setId === 1) v9OptionsTemplates(core, ex, b, p + 4, end, domain);
    else if (setId < 256) core.fail('bad_set_id');
    else {
      const before = ctx.flows;
      decodeDataSet(core, ex, b, p + 4, end, templateKey(false, domain, setId), domain, sink);
      flows += ctx.flows - before;
    }
    p = end;
  }
  return flows;
}

/** RFC 3954 §5.2: template id, field count, then (type, length) pairs; ends with padding. */
function v9Templates(core: DecoderCore, ex: ExporterState, b: Uint8Array, p: number, end: number, domain: number): void {
  while (end - p >= 4) {
    const start = p;
    const id = (b[p]! << 8) | b[p + 1]!;
    const count = (b[p + 2]! << 8) | b[p + 3]!;
    if (id === 0 && count === 0) return; // padding
    if (id < 256) { core.fail('bad_template'); return; }
    const q = readFieldSpecs(b, p + 4, end, count, false, core.scratch);
    if (q < 0) { core.fail(q === T_TRUNCATED ? 'truncated' : 'bad_template'); return; }
    installTemplate(core, ex, b, start, q, false, domain, id, false, count);
    p = q;
  }
}

/**
 * RFC 3954 §6.1: template id, option scope length (bytes), option length (bytes), scope fields,
 * option fields. Scope field types are v9's own (system, interface, ...): never read as elements.
 */
function v9OptionsTemplates(core: DecoderCore, ex: ExporterState, b: Uint8Array, p: number, end: number, domain: number): void {
  while (end - p >= 6) {
    const start = p;
    const id = (b[p]! << 8) | b[p + 1]!;
    const scopeLen = (b[p + 2]! << 8) | b[p + 3]!;
    const optLen = (b[p + 4]! << 8) | b[p + 5]!;
    if (id === 0 && scopeLen === 0 && optLen === 0) return; // padding
    if (id < 256 || scopeLen % 4 !== 0 || optLen % 4 !== 0) { core.fail('bad_template'); return; }
    const count = (scopeLen + optLen) / 4;
    const q = readFieldSpecs(b, p + 6, end, count, false, core.scratch, scopeLen / 4);
    if (q < 0) { core.fail(q === T_TRUNCATED ? 'truncated' : 'bad_template'); return; }
    for (let i = 0; i < scopeLen / 4; i++) core.scratch.ids[i] = -1;
    installTemplate(core, ex, b, start, q, false, domain, id, true, count);
    p = q;
  }
}

/** Compiles and caches a template read into the scratch, unless an identical one is cached. */
export function installTemplate(
  core: DecoderCore, ex: ExporterState, b: Uint8Array, start: number, end: number,
  ipfix: boolean, domain: number, id: number, options: boolean, count: number,
): void {
  core.templatesSeen++;
  const key = templateKey(ipfix, domain, id);
  const old = ex.templates.get(key);
  if (old && sameBytes(old.raw, b, start, end)) { core.touchTemplate(ex, old); return; } // refresh: compiled already
  const t = compileTemplate(core.scratch, count, ipfix, domain, id, options, copyBytes(b, start, end));
  if (!t) { core.fail('bad_template'); return; }
  core.putTemplate(ex, t);
}

/** A copy (Buffer#slice would share memory and keep the whole datagram alive). */
function copyBytes(b: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  for (let i = 0; i < out.length; i++) out[i] = b[start + i]!;
  return out;
}
