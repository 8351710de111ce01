/**
 * `npm run eval`: the detectors on the labelled captures in ../shared/data/stratosphere/, each file
 * imported with importFlowFile (Zeek conn.log TSV/JSON, Argus binetflow), its records sorted by start
 * time (Zeek logs a connection when it ends) and given to createDetectors with the direction from the
 * capture's local networks (the scope "domestic"; flows inside it or outside it on both ends are
 * skipped, as the gate would). Per capture it prints: the infrastructure and hosts found, precision
 * and recall against the labels per external server and per flow (labelled captures), the rank of
 * the true C2 pair among all scored pairs with ours and with RITA's original score (rita.ts, RITA v5's
 * published formula and defaults) as the baseline, and the beacon findings on 008-zeek-mixed (all
 * false: its periodic traffic is benign).
 *
 * Thresholds are the detectors' defaults, chosen on synthetic traffic (test/detect/), not on these
 * captures: see the note in src/detect/README.md.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { copyFlowRecord, dstAddrString, importFlowFile, srcAddrString } from '../src/flow/index.js';
import type { FlowRecord } from '../src/flow/index.js';
import { AddressSet, createDetectors, INBOUND, OUTBOUND, ritaScore, VENDOR_UPDATE_ASNS } from '../src/detect/index.js';
import type { AsnLookup, DetectorsConfig, Direction, Finding } from '../src/detect/index.js';
import { loadAsnTable } from '../src/selection/index.js';

const DATA = process.env.ACD_DATA ?? join(import.meta.dirname, '..', '..', 'shared', 'data', 'stratosphere');
const S = join(DATA, 'stratosphere-security-datasets-for-testing');
const L = join(DATA, 'slips-dataset');
const LOCAL6 = ['fc00::/7', 'fe80::/10', 'ff00::/8'];

interface Capture {
  name: string;
  file: string;
  /** the capture's local networks: the "domestic" scope */
  domestic: string[];
  /** known C2 pairs: domestic host → external server:port/proto */
  c2?: { domestic: string; external: string; port: number; proto: number }[];
  /** known scanners (address as in the capture) */
  scanners?: string[];
  /** benign periodic traffic only: every beacon finding is false */
  benignPeriodic?: boolean;
  note: string;
}

const CAPTURES: Capture[] = [
  { name: '001 NjRAT', file: join(S, '001-zeek-scenario-malicious', 'labeled-conn.log'), domestic: ['192.168.0.0/16', ...LOCAL6], c2: [{ domestic: '192.168.1.115', external: '41.108.179.197', port: 1177, proto: 6 }], note: 'labelled; C2 per data/README' },
  { name: '002 port scan', file: join(S, '002-zeek-scenario-port-scanning', 'conn.log'), domestic: ['172.16.0.0/12', ...LOCAL6], scanners: ['172.16.1.11'], note: 'Zeek JSON, unlabelled; scanner per data/README' },
  { name: '003 RAT 1337', file: join(S, '003-zeek-scenario-malicious', 'conn.log'), domestic: ['10.0.0.0/8', ...LOCAL6], c2: [{ domestic: '10.8.0.61', external: '147.32.83.234', port: 1337, proto: 6 }], note: 'unlabelled; C2 per data/README' },
  { name: '005 Simda', file: join(S, '005-zeek-scenario-malicious', 'conn.log'), domestic: ['192.168.0.0/16', ...LOCAL6], note: 'unlabelled, no C2 pair named: findings listed only' },
  { name: '008 mixed (benign periodic)', file: join(S, '008-zeek-mixed', 'data', 'conn.log.labeled'), domestic: ['147.32.81.167/32', '192.168.0.0/16', '10.0.0.0/8', ...LOCAL6], benignPeriodic: true, note: 'labelled; malicious = external attacks to the device; no C2' },
  { name: 'CTU-SME-11 RemcosRAT', file: join(L, 'test18-malicious-ctu-sme-11-win', 'zeek-labeled', 'conn.log.labeled'), domestic: ['192.168.0.0/16', ...LOCAL6], c2: [{ domestic: '192.168.1.107', external: '66.63.168.35', port: 5888, proto: 6 }], note: 'labelled by hand (labels.config)' },
  { name: 'slips horizontal scan', file: join(L, 'port-scans', 'horizontal', 'conn.log'), domestic: ['10.0.0.0/8', ...LOCAL6], scanners: ['10.0.2.112'], note: 'unlabelled; scanner read off the capture' },
  { name: 'slips vertical scan', file: join(L, 'port-scans', 'vertical', 'conn.log'), domestic: ['192.168.0.0/16', ...LOCAL6], scanners: ['192.168.1.9'], note: 'unlabelled; scanner read off the capture' },
  { name: 'slips test11 portscan (Argus)', file: join(L, 'test11-portscan.binetflow'), domestic: ['10.0.0.0/8', ...LOCAL6], scanners: ['10.8.0.69'], note: 'binetflow; scanner read off the capture' },
];

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(0)} %` : 'n/a');

interface Summary { capture: string; config: string; c2: string; rita: string; falseBeacons: string; scanners: string }
const summary: Summary[] = [];

async function evaluate(c: Capture, configName: string, config: DetectorsConfig, asn: AsnLookup, quiet: boolean): Promise<void> {
  const log = quiet ? (): void => {} : (...a: unknown[]): void => console.log(...a);
  const sum: Summary = { capture: c.name, config: configName, c2: '', rita: '', falseBeacons: '', scanners: '' };
  summary.push(sum);
  log(`\n=== ${c.name}  (${c.note})`);
  if (!existsSync(c.file)) { log(`  missing: ${c.file}`); sum.c2 = 'file missing'; return; }
  const recs: { rec: FlowRecord; label: string }[] = [];
  let label = '';
  const st = await importFlowFile(c.file, { onLabel: (_n, l) => { label = l; }, sink: (r) => { recs.push({ rec: copyFlowRecord(r), label }); label = ''; } });
  recs.sort((a, b) => a.rec.start - b.rec.start);
  const dom = new AddressSet();
  for (const p of c.domestic) dom.add(p, true);
  const w = new Uint32Array(8);
  const isDom = (r: FlowRecord, src: boolean): boolean => {
    if (r.family === 4) { w[0] = 0; w[1] = 0; w[2] = 0; w[3] = src ? r.src4 : r.dst4; }
    else { const b = src ? r.src6 : r.dst6; for (let i = 0; i < 4; i++) w[i] = (((b[i * 4] ?? 0) << 24) | ((b[i * 4 + 1] ?? 0) << 16) | ((b[i * 4 + 2] ?? 0) << 8) | (b[i * 4 + 3] ?? 0)) >>> 0; }
    return dom.match(r.family, w, 0) !== undefined;
  };
  const det = createDetectors({ config, deps: { asn } });
  const rita = new Map<string, { ts: number[]; bytes: number[] }>();
  const dirs: (Direction | -1)[] = [];
  let minT = Infinity;
  let maxT = -Infinity;
  let out = 0; let inb = 0; let skipped = 0;
  for (const { rec } of recs) {
    const sd = isDom(rec, true);
    const dd = isDom(rec, false);
    let dir: Direction | -1 = -1;
    if (sd && !dd) { dir = OUTBOUND; out++; } else if (!sd && dd) { dir = INBOUND; inb++; } else skipped++;
    dirs.push(dir);
    if (dir === -1) continue;
    det.observe(rec, dir);
    minT = Math.min(minT, rec.start); maxT = Math.max(maxT, rec.end);
    if (dir === OUTBOUND) {
      const k = `${srcAddrString(rec)}|${dstAddrString(rec)}|${rec.dstPort}|${rec.proto}`;
      let e = rita.get(k);
      if (!e) { e = { ts: [], bytes: [] }; rita.set(k, e); }
      e.ts.push(Math.floor(rec.start / 1000)); e.bytes.push(rec.bytes);
    }
  }
  det.flush(maxT);
  log(`  ${st.records} records (${st.format}), ${out} outbound, ${inb} inbound, ${skipped} internal/transit skipped; span ${((maxT - minT) / 3600_000).toFixed(2)} h`);

  // our ranking of every scored pair, RITA's of every pair it scores (≥ 4 connections)
  // every scored pair, strobes included (a strobe's regularity score still ranks it)
  const ours = det.beacon.pairScores(maxT);
  const ritaRank: { key: string; score: number }[] = [];
  for (const [k, e] of rita) {
    const r = ritaScore(e.ts, e.bytes, Math.floor(minT / 1000), Math.ceil(maxT / 1000));
    if (r) ritaRank.push({ key: k, score: r.score });
  }
  ritaRank.sort((a, b) => b.score - a.score);
  const ritaOf = new Map(ritaRank.map((r) => [r.key, r.score]));

  const findings = det.findings.list();
  const byType = new Map<string, number>();
  for (const f of findings) byType.set(f.type, (byType.get(f.type) ?? 0) + 1);
  log(`  findings: ${[...byType].map(([t, n]) => `${t} ${n}`).join(', ') || 'none'}`);
  const show = (f: Finding): string => {
    const ext = f.external ? `${f.external}${f.port ? `:${f.port}/${f.proto === 6 ? 'tcp' : f.proto === 17 ? 'udp' : f.proto}` : ''}` : '(domestic)';
    let extra = '';
    if (f.type === 'beacon') {
      const rk = `${f.domestic[0]}|${f.external}|${f.port}|${f.proto}`;
      const r = ritaOf.get(rk);
      extra = `  RITA ${r === undefined ? '-' : r.toFixed(3)}`;
    }
    return `    ${f.type.padEnd(15)} ${ext.padEnd(34)} score ${f.score.toFixed(3)}  ${f.direction.padEnd(8)} domestic ${f.domestic.slice(0, 3).join(',')}${f.domesticCount > 3 ? ` (+${f.domesticCount - 3})` : ''}${extra}`;
  };
  for (const f of findings.slice(0, 12)) log(show(f));
  if (findings.length > 12) log(`    ... ${findings.length - 12} more`);

  // the C2 view: true C2 pairs, their rank with our score and with RITA's
  if (c.c2) {
    for (const t of c.c2) {
      const ri = ours.findIndex((p) => p.domestic === t.domestic && p.external === t.external && p.port === t.port && p.proto === t.proto);
      const k = `${t.domestic}|${t.external}|${t.port}|${t.proto}`;
      const rr = ritaRank.findIndex((r) => r.key === k);
      const found = findings.some((f) => (f.type === 'beacon' || f.type === 'strobe' || f.type === 'fan-in') && f.external === t.external && f.port === t.port);
      sum.c2 += `${found ? 'found' : 'MISSED'}, rank ${ri >= 0 ? `${ri + 1}/${ours.length}` : '-'}`;
      sum.rita += rr >= 0 ? `rank ${rr + 1}/${ritaRank.length} (${ritaRank[rr]!.score.toFixed(2)})` : 'not scored';
      log(`  C2 ${t.domestic} -> ${t.external}:${t.port}: ${found ? 'FOUND' : 'not found'} as beacon/strobe/fan-in; rank ${ri >= 0 ? `${ri + 1} of ${ours.length} (score ${ours[ri]!.score.toFixed(3)})` : 'not scored'}; RITA rank ${rr >= 0 ? `${rr + 1} of ${ritaRank.length} (score ${ritaRank[rr]!.score.toFixed(3)})` : 'not scored'}`);
    }
  }
  if (c.scanners) {
    for (const s of c.scanners) {
      const f = findings.find((x) => x.type === 'scan' && (x.external === s || x.domestic.includes(s)));
      sum.scanners += `${sum.scanners ? ', ' : ''}${f ? 'found' : 'MISSED'}`;
      log(`  scanner ${s}: ${f ? `FOUND (${f.direction}, trw ${f.subscores.trw}, address ${f.subscores.addressScan}, port ${f.subscores.portScan})` : 'not found'}`);
    }
  }
  if (c.benignPeriodic) {
    const b = findings.filter((f) => f.type === 'beacon' || f.type === 'fan-in');
    const top = ours.slice(0, 5).map((p) => `${p.external}:${p.port} ${p.score.toFixed(3)}`).join(', ');
    const rtop = ritaRank.slice(0, 5).map((r) => `${r.key.split('|')[1]}:${r.key.split('|')[2]} ${r.score.toFixed(3)}`).join(', ');
    sum.falseBeacons = `${b.length} (RITA ≥ 0.8: ${ritaRank.filter((r) => r.score >= 0.8).length})`;
    log(`  false beacon/fan-in findings on benign periodic traffic: ${b.length}; RITA pairs ≥ 0.8: ${ritaRank.filter((r) => r.score >= 0.8).length} of ${ritaRank.length}`);
    log(`    our top pairs: ${top}\n    RITA top pairs: ${rtop}`);
  }

  // against the labels: per external server and per flow
  const labelled = recs.some((r) => r.label !== '');
  if (labelled) {
    const malServers = new Set<string>();
    const flagged = new Set<string>();
    const flaggedDomestic = new Set<string>();
    for (const f of findings) {
      if (f.type === 'long-connection') continue;
      if (f.external) flagged.add(f.external);
      else for (const d of f.domestic) flaggedDomestic.add(d);
    }
    let tp = 0; let fp = 0; let fn = 0;
    recs.forEach(({ rec, label: l }, i) => {
      const dir = dirs[i];
      if (dir === -1 || dir === undefined) return;
      const ext = dir === OUTBOUND ? dstAddrString(rec) : srcAddrString(rec);
      const domA = dir === OUTBOUND ? srcAddrString(rec) : dstAddrString(rec);
      const mal = l.toLowerCase().startsWith('malicious');
      if (mal) malServers.add(ext);
      const pred = flagged.has(ext) || flaggedDomestic.has(domA);
      if (pred && mal) tp++; else if (pred) fp++; else if (mal) fn++;
    });
    const hit = [...flagged].filter((s) => malServers.has(s)).length;
    log(`  per external server: ${flagged.size} flagged, ${malServers.size} labelled malicious, ${hit} both: precision ${pct(hit / flagged.size)}, recall ${pct(hit / malServers.size)}`);
    log(`  per flow: precision ${pct(tp / (tp + fp))}, recall ${pct(tp / (tp + fn))} (${tp} true, ${fp} false positive, ${fn} missed malicious flows)`);
  }
}

const table = loadAsnTable();
const asn: AsnLookup = {
  asn4: (a) => { const i = table.v4.find(a); return i < 0 ? 0 : (table.v4asn[i] ?? 0); },
  asn6: (b) => { const i = table.v6.find(b); return i < 0 ? 0 : (table.v6asn[i] ?? 0); },
};
const CONFIGS: [string, DetectorsConfig][] = [
  ['defaults', {}],
  ['+ vendor AS allowlist', { beacon: { allowAsns: Object.keys(VENDOR_UPDATE_ASNS).map(Number) } }],
];
console.log('Detectors on the Stratosphere captures. Config "defaults": the shipped thresholds, no allowlist but NTP.');
console.log(`Config "+ vendor AS allowlist": an operator's allowlist of update/telemetry vendors' ASes (${Object.entries(VENDOR_UPDATE_ASNS).map(([a, n]) => `${n} AS${a}`).join(', ')}).`);
for (const [i, [name, cfg]] of CONFIGS.entries()) {
  if (i > 0) console.log(`\n##### config: ${name} (details for 008 only; all captures in the summary)`);
  for (const c of CAPTURES) await evaluate(c, name, cfg, asn, i > 0 && !c.benignPeriodic);
}
console.log('\n=== summary');
console.log(`${'capture'.padEnd(32)} ${'config'.padEnd(22)} ${'true C2: ours'.padEnd(22)} ${'true C2: RITA'.padEnd(24)} ${'false beacons (008)'.padEnd(22)} scanners`);
for (const s of summary) console.log(`${s.capture.padEnd(32)} ${s.config.padEnd(22)} ${(s.c2 || '-').padEnd(22)} ${(s.rita || '-').padEnd(24)} ${(s.falseBeacons || '-').padEnd(22)} ${s.scanners || '-'}`);
