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
 * The Argus files are read as binetflow; the C2 pcaps are exported to NetFlow v9 by Debian's
 * softflowd (`softflowd -r PCAP -n 127.0.0.1:PORT -v 9 -c SOCK`, started and flushed through
 * softflowctl) into ACD's own UDP collector and decoder, then analysed like the files; without
 * softflowd those captures are skipped with a message. Captures without labels are scored against
 * the C2 servers and scanners named in ../shared/data/README.md or read off the capture (said per
 * capture).
 *
 * Thresholds are the detectors' defaults, chosen on synthetic traffic (test/detect/), not on these
 * captures: see the note in src/detect/README.md.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { copyFlowRecord, dstAddrString, importFlowFile, srcAddrString } from '../src/flow/index.js';
import type { FlowRecord } from '../src/flow/index.js';
import { AddressSet, createDetectors, groupInfrastructure, INBOUND, OUTBOUND, RARE_FLAG, ritaScore, VENDOR_UPDATE_ASNS } from '../src/detect/index.js';
import type { AsnLookup, DetectorsConfig, Direction, Finding } from '../src/detect/index.js';
import { loadAsnTable } from '../src/selection/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { createFlowDecoder } from '../src/flow/decode/index.js';
import { createUdpCollector } from '../src/flow/collector.js';
import { silentLogger } from '../src/shared/log.js';
import { hasBinary, runSoftflowd } from '../test/flow/fixtures/peers.js';
import { thirdParty, thirdPartySkip } from '../test/helpers/third-party.js';

// the GPL-2.0 captures stay outside the repository: ACD_THIRD_PARTY_DATA (default ../shared/data), see test/helpers/third-party.ts
const DATA = thirdParty('stratosphere');
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
  /** a pcap exported through softflowd to NetFlow v9 (not a flow file) */
  pcap?: boolean;
  /** held out (issue #21): never looked at while tuning the tiers and the new detectors */
  heldOut?: boolean;
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
  { name: 'slips test3 mixed (Argus)', file: join(L, 'test3-mixed.binetflow'), domestic: ['147.32.0.0/16', '2001:718::/32', ...LOCAL6], scanners: ['216.73.23.146'], note: 'binetflow, unlabelled; SYNs to 445 across 147.32/16: scanner read off the capture' },
  { name: 'slips test4 malicious (Argus)', file: join(L, 'test4-malicious.binetflow'), domestic: ['192.168.0.0/16', ...LOCAL6], note: 'binetflow, unlabelled, no C2 named: findings listed only' },
  { name: 'slips test5 mixed (Argus)', file: join(L, 'test5-mixed.binetflow'), domestic: ['10.0.0.0/8', ...LOCAL6], note: 'binetflow, labelled flow=Malware-* / Background-*' },
  { name: 'slips test-cc C2 (pcap→softflowd v9)', file: join(L, 'test-cc', 'test-cc-capture-1.pcap'), pcap: true, domestic: ['147.32.0.0/16', ...LOCAL6], c2: [{ domestic: '147.32.80.37', external: '141.193.213.21', port: 443, proto: 6 }], note: 'pcap, unlabelled; C2 read off the capture (~70 short TLS sessions of ~6.7 kB to one server)' },
  // held out (issue #21): chosen before any tuning, results read only for the report
  { name: 'slips test9 mixed (Zeek JSON)', file: join(L, 'test9-mixed-zeek-dir', 'conn.log'), domestic: ['10.0.0.0/8', '192.168.0.0/16', ...LOCAL6], heldOut: true, note: 'HELD OUT; unlabelled, nothing named: findings listed only' },
  { name: 'slips test19 SSH brute force (pcap→softflowd v9)', file: join(L, 'test19-malicious-ssh', 'malicious-ssh-bruteforce.pcap'), pcap: true, domestic: ['147.32.80.37/32'], heldOut: true, note: 'HELD OUT; nmap ssh-brute against 147.32.80.37:902 (README): the target is the domestic side, every finding about another host is false' },
  { name: 'slips test12 ICMP sweep (pcap→softflowd v9)', file: join(L, 'test12-icmp-portscan.pcap'), pcap: true, domestic: ['192.168.1.109/32'], scanners: ['192.168.1.109'], note: 'pcap; a sweep of its own LAN: the sweeping host is taken as the domestic side' },
];

/** the pcap exported by softflowd (NetFlow v9) into ACD's collector: the records, or a reason it could not be */
async function pcapRecords(file: string, sink: (r: FlowRecord) => void): Promise<{ records: number } | { skip: string }> {
  if (!hasBinary('softflowd') || !hasBinary('softflowctl')) return { skip: 'softflowd is not installed (apt-get install softflowd): capture skipped' };
  const dir = mkdtempSync(join(tmpdir(), 'acd-eval-'));
  const decoder = createFlowDecoder();
  let records = 0;
  const collector = createUdpCollector({ listen: 'udp://127.0.0.1:0', decoder, sink: (r) => { records++; sink(r); }, logger: silentLogger });
  await collector.start();
  try {
    const rep = await runSoftflowd(file, collector.address().port, 9, dir);
    for (let i = 0; i < 200 && collector.received < rep.datagrams; i++) await sleep(20);
    if (collector.received < rep.datagrams) console.log(`  softflowd sent ${rep.datagrams} datagrams, ${collector.received} arrived`);
  } finally {
    await collector.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return { records };
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(0)} %` : 'n/a');

interface Summary { capture: string; config: string; c2: string; rita: string; falseBeacons: string; scanners: string; found: string; server: string; flow: string; tiers: string; falsePerHostDay: string; heldOut: boolean }
const summary: Summary[] = [];

async function evaluate(c: Capture, configName: string, config: DetectorsConfig, asn: AsnLookup, quiet: boolean): Promise<void> {
  const log = quiet ? (): void => {} : (...a: unknown[]): void => console.log(...a);
  const sum: Summary = { capture: c.name, config: configName, c2: '', rita: '', falseBeacons: '', scanners: '', found: '', server: '', flow: '', tiers: '', falsePerHostDay: '', heldOut: c.heldOut === true };
  summary.push(sum);
  log(`\n=== ${c.name}  (${c.note})`);
  if (!existsSync(c.file)) { log(`  missing: ${c.file}`); sum.c2 = 'file missing'; return; }
  const recs: { rec: FlowRecord; label: string }[] = [];
  let label = '';
  let st: { records: number; format: string };
  if (c.pcap) {
    const p = await pcapRecords(c.file, (r) => recs.push({ rec: copyFlowRecord(r), label: '' }));
    if ('skip' in p) { log(`  ${p.skip}`); sum.c2 = 'skipped (no softflowd)'; return; }
    st = { records: p.records, format: 'netflow v9 via softflowd' };
  } else {
    st = await importFlowFile(c.file, { onLabel: (_n, l) => { label = l; }, sink: (r) => { recs.push({ rec: copyFlowRecord(r), label }); label = ''; } });
  }
  recs.sort((a, b) => a.rec.start - b.rec.start);
  const dom = new AddressSet();
  for (const p of c.domestic) dom.add(p, true);
  const w = new Uint32Array(8);
  const isDom = (r: FlowRecord, src: boolean): boolean => {
    if (r.family === 4) { w[0] = 0; w[1] = 0; w[2] = 0; w[3] = src ? r.src4 : r.dst4; }
    else { const b = src ? r.src6 : r.dst6; for (let i = 0; i < 4; i++) w[i] = (((b[i * 4] ?? 0) << 24) | ((b[i * 4 + 1] ?? 0) << 16) | ((b[i * 4 + 2] ?? 0) << 8) | (b[i * 4 + 3] ?? 0)) >>> 0; }
    return dom.match(r.family, w, 0) !== undefined;
  };
  // every finding key ever emitted at the confirmed tier (a later emission may demote it; it selected meanwhile)
  const everConfirmed = new Set<string>();
  const det = createDetectors({ config, deps: { asn, onFinding: (f) => { if (f.tier === 'confirmed') everConfirmed.add(f.key); } } });
  const confirmed = (f: Finding): boolean => f.tier === 'confirmed' || everConfirmed.has(f.key);
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
  const conf = findings.filter(confirmed).length;
  sum.tiers = `${conf} C / ${findings.length - conf} S`;
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
    return `    ${f.type.padEnd(15)} ${(f.tier ?? '-').padEnd(9)} ${ext.padEnd(34)} score ${f.score.toFixed(3)}${f.flags ? ` [${f.flags.join(',')}]` : ''}  ${f.direction.padEnd(8)} domestic ${f.domestic.slice(0, 3).join(',')}${f.domesticCount > 3 ? ` (+${f.domesticCount - 3})` : ''}${extra}`;
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
      // when it is not first, what outranks it (a person checking the miss wants to see those pairs)
      if (ri > 0) log(`    ranked above it: ${ours.slice(0, Math.min(ri, 6)).map((p) => `${p.external}:${p.port}/${p.proto} ${p.score.toFixed(3)}`).join(', ')}`);
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

  // against the truth: the labels where the capture has them, else the named C2 servers and scanners
  const labelled = recs.some((r) => r.label !== '');
  const named = new Set<string>([...(c.c2 ?? []).map((t) => t.external), ...(c.scanners ?? [])]);
  const flagged = new Set<string>();
  const flaggedDomestic = new Set<string>();
  for (const f of findings) {
    if (f.type === 'long-connection') continue;
    if (f.external) flagged.add(f.external);
    else for (const d of f.domestic) flaggedDomestic.add(d);
  }
  sum.found = [...flagged].slice(0, 3).join(' ') + (flagged.size > 3 ? ` +${flagged.size - 3}` : '') + (flaggedDomestic.size ? `${flagged.size ? '; ' : ''}hosts ${[...flaggedDomestic].slice(0, 2).join(' ')}${flaggedDomestic.size > 2 ? ` +${flaggedDomestic.size - 2}` : ''}` : '');
  if (labelled || named.size > 0) {
    // Stratosphere labels: "Malicious..." (Zeek), "flow=Malware-..." / "flow=From-Botnet..." (Argus); Background and Normal are benign
    const isMal = (l: string, ext: string, domA: string): boolean => (labelled ? /malicious|malware|botnet/i.test(l) && !/background|normal/i.test(l) : named.has(ext) || named.has(domA));
    const malServers = new Set<string>();
    let tp = 0; let fp = 0; let fn = 0;
    recs.forEach(({ rec, label: l }, i) => {
      const dir = dirs[i];
      if (dir === -1 || dir === undefined) return;
      const ext = dir === OUTBOUND ? dstAddrString(rec) : srcAddrString(rec);
      const domA = dir === OUTBOUND ? srcAddrString(rec) : dstAddrString(rec);
      const mal = isMal(l, ext, domA);
      if (mal && !named.has(domA)) malServers.add(ext);
      const pred = flagged.has(ext) || flaggedDomestic.has(domA);
      if (pred && mal) tp++; else if (pred) fp++; else if (mal) fn++;
    });
    const hit = [...flagged].filter((x) => malServers.has(x)).length;
    const truth = labelled ? 'labelled malicious' : 'named (README / read off the capture)';
    log(`  per external server: ${flagged.size} flagged, ${malServers.size} ${truth}, ${hit} both: precision ${pct(hit / flagged.size)}, recall ${pct(hit / malServers.size)}`);
    log(`  per flow: precision ${pct(tp / (tp + fp))}, recall ${pct(tp / (tp + fn))} (${tp} true, ${fp} false positive, ${fn} missed malicious flows)`);
    // false findings per host-day (issue #21), by tier: a finding about no malicious (or named) address
    const malExt = new Set<string>([...malServers, ...named]);
    recs.forEach(({ rec, label: l }, i) => {
      const dir = dirs[i];
      if (dir === -1 || dir === undefined) return;
      const ext = dir === OUTBOUND ? dstAddrString(rec) : srcAddrString(rec);
      if (isMal(l, ext, dir === OUTBOUND ? srcAddrString(rec) : dstAddrString(rec))) malExt.add(ext);
    });
    const isTrue = (f: Finding): boolean => (f.external !== null && malExt.has(f.external)) || f.domestic.some((d) => named.has(d))
      || ((f.evidence as { sources?: string[] }).sources ?? []).some((x) => malExt.has(x));
    const hostsSeen = new Set<string>();
    recs.forEach(({ rec }, i) => { const dir = dirs[i]; if (dir === OUTBOUND) hostsSeen.add(srcAddrString(rec)); else if (dir === INBOUND) hostsSeen.add(dstAddrString(rec)); });
    const hostDays = Math.max(1, hostsSeen.size) * Math.max(1 / 24, (maxT - minT) / 86400_000);
    const fc = findings.filter((f) => confirmed(f) && !isTrue(f)).length;
    const fs = findings.filter((f) => !confirmed(f) && !isTrue(f)).length;
    sum.falsePerHostDay = `C ${(fc / hostDays).toFixed(2)} (${fc}) S ${(fs / hostDays).toFixed(2)} (${fs}) /${hostDays.toFixed(1)} hd`;
    log(`  false findings: confirmed ${fc}, suspected ${fs} over ${hostDays.toFixed(2)} host-days (${hostsSeen.size} domestic hosts)`);
    for (const f of findings.filter((x) => !isTrue(x)).slice(0, 8)) log(`    false? ${show(f)}`);
    sum.server = `${pct(hit / flagged.size)}/${pct(hit / malServers.size)}`;
    sum.flow = `${pct(tp / (tp + fp))}/${pct(tp / (tp + fn))}`;
  }
}

/**
 * Generated network days (scripts/eval-scenarios.ts). Split, fixed before each round of tuning:
 * seeds 1 and 2 are the tuning part; 101 and 102 are held out (their final numbers were read by the
 * session before, never while tuning), and 201, 202, 203 were added held out before the second round
 * of tuning (issue #21, the ≤ 0.1 target) and never run before its design was fixed. Their first
 * run showed a fault, not a threshold (a popular server's prevalence record evicted by churn read as
 * "reached by nobody", so its fan-in confirmed its 30 pollers); after that fix they count as seen,
 * and 301, 302, 303 were the held-out part never run before that fix. Their run showed (on 303, as
 * on the seen 201/203) a second fault: a fan-in about an untracked server confirmed on a lower bound
 * of its share while it grew a victim at a time; after that fix (fan-in evidence prevalenceUnknown)
 * 401, 402, 403 are the held-out part never run before. Per scenario:
 * each attack found (and its tier), false findings per host-day by tier, and RITA's pairs at 0.8 or
 * more (single-host periodic pairs it would report). A finding counts as confirmed when it was
 * confirmed at ANY emission (it selected traffic then), not only at the end; the members of a
 * distributed scan (sources inside the attacking /24) are the attack, not false findings.
 */
async function evaluateScenarios(): Promise<void> {
  const { generateScenario, fillRecord } = await import('./eval-scenarios.js');
  const { MutableFlowRecord } = await import('../src/flow/index.js');
  for (const [seed, heldOut] of [[1, false], [2, false], [101, true], [102, true], [201, true], [202, true], [203, true], [301, true], [302, true], [303, true], [401, true], [402, true], [403, true]] as const) {
    if (heldOut && process.env.ACD_EVAL_TUNING === '1') continue;
    const t0 = Date.UTC(2026, 5, 1);
    const sc = generateScenario(seed, t0);
    const lookup: AsnLookup = { asn4: sc.asn, asn6: () => 0 };
    // every finding key ever emitted at the confirmed tier (a later emission may demote it; it selected meanwhile)
    const everConfirmed = new Set<string>();
    const det = createDetectors({ config: { beacon: { capacity: 200_000 } }, deps: { asn: lookup, onFinding: (f) => { if (f.tier === 'confirmed') everConfirmed.add(f.key); } } });
    const r = new MutableFlowRecord();
    const rita = new Map<string, { ts: number[]; bytes: number[] }>();
    for (const e of sc.events) {
      det.observe(fillRecord(r, e), e.dir as Direction);
      if (e.dir === 0) {
        const k = `${e.src}|${e.dst}|${e.dp}`;
        let x = rita.get(k);
        if (!x) { x = { ts: [], bytes: [] }; rita.set(k, x); }
        x.ts.push(Math.floor(e.t / 1000)); x.bytes.push(e.bytes);
      }
    }
    const last = sc.events[sc.events.length - 1]!.t;
    det.flush(last);
    const findings = det.findings.list();
    // an attack named by a network (a /24 ending in .0) covers every address in it
    const inAttack = (ext: string, a: { external: string }): boolean => ext === a.external || (a.external.endsWith('.0') && ext.startsWith(a.external.slice(0, -1)));
    const truth = (f: Finding): string | undefined => sc.attacks.find((a) => f.external !== null && inAttack(f.external, a))?.name;
    const confirmed = (f: Finding): boolean => f.tier === 'confirmed' || everConfirmed.has(f.key);
    const hostDays = sc.hosts * sc.days;
    const fc = findings.filter((f) => confirmed(f) && !truth(f));
    const fs = findings.filter((f) => !confirmed(f) && !truth(f));
    let ritaHigh = 0;
    for (const x of rita.values()) { const rs = ritaScore(x.ts, x.bytes, Math.floor(t0 / 1000), Math.ceil(last / 1000)); if (rs && rs.score >= 0.8) ritaHigh++; }
    const name = `generated seed ${seed} (${sc.hosts} hosts, ${sc.days} d)`;
    const found = sc.attacks.map((a) => {
      const fa = findings.filter((f) => truth(f) === a.name && (f.type === a.expect || a.expect === 'beacon' && f.type === 'fan-in'));
      const tier = fa.some((f) => f.tier === 'confirmed') ? 'C' : fa.length ? 'S' : 'MISSED';
      // a suspected attack: its place in the list a person reads (same type; rare new destinations first, then score)
      let rank = '';
      if (tier === 'S') {
        const rare = (f: Finding): number => (f.flags?.includes(RARE_FLAG) ? 1 : 0);
        const same = findings.filter((f) => f.type === fa[0]!.type).sort((x, y) => rare(y) - rare(x) || y.score - x.score);
        rank = ` #${same.indexOf(fa[0]!) + 1}/${same.length}`;
      }
      return `${a.name}: ${tier}${rank}`;
    });
    if (!heldOut) {
      console.log(`\n=== ${name}: ${sc.events.length} flows`);
      for (const l of found) console.log(`  ${l}`);
      console.log(`  false findings: confirmed ${fc.length}, suspected ${fs.length} over ${hostDays} host-days; RITA pairs >= 0.8: ${ritaHigh}`);
      for (const f of fc.slice(0, 6)) console.log(`    false confirmed: ${f.type} ${f.external}:${f.port} ${f.score} ${JSON.stringify(f.flags ?? [])}`);
      // infrastructure groups (detect/infra.ts): servers of one /24 or AS acting together
      const groups = groupInfrastructure(findings, { asn: lookup });
      console.log(`  infrastructure groups: ${groups.length}${groups.length ? `; largest: ${groups.slice(0, 3).map((g) => `${g.by} ${g.key} ${g.kind} ${g.servers.length} servers (${g.tier})`).join(', ')}` : ''}`);
    }
    summary.push({ capture: name, config: 'defaults', c2: '', rita: `${ritaHigh} pairs >= 0.8`, falseBeacons: '', scanners: '', found: found.join('; '), server: '', flow: '', tiers: `${findings.filter(confirmed).length} C / ${findings.filter((f) => !confirmed(f)).length} S`, falsePerHostDay: `C ${(fc.length / hostDays).toFixed(3)} (${fc.length}) S ${(fs.length / hostDays).toFixed(3)} (${fs.length}) /${hostDays} hd`, heldOut });
  }
}

const table = loadAsnTable();
const asn: AsnLookup = {
  asn4: (a) => { const i = table.v4.find(a); return i < 0 ? 0 : (table.v4asn[i] ?? 0); },
  asn6: (b) => { const i = table.v6.find(b); return i < 0 ? 0 : (table.v6asn[i] ?? 0); },
};
const CONFIGS: [string, DetectorsConfig][] = [
  ['defaults', {}],
  ['no vendor AS list', { beacon: { vendorAsns: [] } }],
];
console.log('Detectors on the Stratosphere captures. Config "defaults": the shipped thresholds and lists (NTP not tracked; update/telemetry');
console.log(`vendors' own ASes demoted: no single-pair beacon finding, still fan-in: ${Object.entries(VENDOR_UPDATE_ASNS).map(([a, n]) => `${n} AS${a}`).join(', ')}).`);
console.log('Config "no vendor AS list": the same with vendorAsns: [] (every network scored alike).');
// ACD_EVAL_TUNING=1: the development part only (held-out captures and seeds skipped); ACD_EVAL_SCENARIOS=1: generated days only
// the captures are GPL-2.0 and stay outside the repository: without them only the generated days run, and it says so
const capturesAbsent = thirdPartySkip('stratosphere');
if (capturesAbsent) console.log(`\ncaptures skipped: ${capturesAbsent}; only the generated days are evaluated`);
for (const [i, [name, cfg]] of CONFIGS.entries()) {
  if (process.env.ACD_EVAL_SCENARIOS === '1' || capturesAbsent) break;
  if (i > 0) console.log(`\n##### config: ${name} (details for 008 only; all captures in the summary)`);
  for (const c of CAPTURES) if (!(c.heldOut && process.env.ACD_EVAL_TUNING === '1')) await evaluate(c, name, cfg, asn, i > 0 && !c.benignPeriodic);
}
await evaluateScenarios();
console.log('\n=== summary (P/R: precision/recall against the labels, or the named C2 servers and scanners where a capture has none;');
console.log('    tiers: findings confirmed (C, may select) / suspected (S, reported only); false per host-day: findings about no malicious or named address)');
const line = (s: Summary): string => `${s.capture.padEnd(48)} ${s.config.padEnd(18)} ${(s.c2 || '-').padEnd(20)} ${(s.rita || '-').padEnd(22)} ${(s.server || '-').padEnd(11)} ${(s.flow || '-').padEnd(11)} ${(s.falseBeacons || '-').padEnd(20)} ${(s.scanners || '-').padEnd(9)} ${(s.tiers || '-').padEnd(12)} ${(s.falsePerHostDay || '-').padEnd(36)} ${s.found || '-'}`;
const head = `${'capture'.padEnd(48)} ${'config'.padEnd(18)} ${'true C2: ours'.padEnd(20)} ${'true C2: RITA'.padEnd(22)} ${'server P/R'.padEnd(11)} ${'flow P/R'.padEnd(11)} ${'false beacons (008)'.padEnd(20)} ${'scanners'.padEnd(9)} ${'tiers'.padEnd(12)} ${'false/host-day'.padEnd(36)} infrastructure found`;
console.log('--- tuned on (development part)');
console.log(head);
for (const s of summary.filter((x) => !x.heldOut)) console.log(line(s));
console.log('--- HELD OUT (not looked at while tuning)');
console.log(head);
for (const s of summary.filter((x) => x.heldOut)) console.log(line(s));
