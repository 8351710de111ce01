/**
 * File import throughput: records/s for Zeek TSV, Zeek JSON, binetflow and FlowRecord JSON lines, over
 * the largest files in ../shared/data repeated in memory (~32 MB each, imported again and again for at least
 * a second per figure, best of 3 interleaved rounds),
 * against a baseline on the same bytes in the same run: node:readline counting lines. Also the
 * importer's own line splitter counting lines, which is what chose it over readline.
 *
 *   npm run bench -- flow/import
 */
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { measure, report, type Measurement } from '../lib.js';
import { thirdParty, thirdPartySkip } from '../../test/helpers/third-party.js';
import { importFlowBuffer, flowRecordToJson, type ImportFormat } from '../../src/flow/import/index.js';
import { LineSplitter } from '../../src/flow/import/lines.js';
import { copyFlowRecord, type FlowRecord } from '../../src/flow/record.js';

const DATA = thirdParty('stratosphere') + '/';
const TARGET = 32 * 1024 * 1024;
const CHUNK = 256 * 1024;

if (!existsSync(DATA)) {
  console.log(`${thirdPartySkip('stratosphere')}: nothing to measure`);
  process.exit(0);
}

/** The file's header lines once, then its data lines repeated up to TARGET bytes. */
function inflate(text: string, isHeader: (line: string) => boolean): Buffer {
  const lines = text.split('\n').filter((l) => l !== '');
  const head = lines.filter(isHeader);
  const body = `${lines.filter((l) => !isHeader(l)).join('\n')}\n`;
  const times = Math.max(1, Math.ceil(TARGET / body.length));
  return Buffer.from(`${head.join('\n')}\n${body.repeat(times)}`);
}

function chunks(buf: Buffer): Readable {
  return Readable.from((function* () {
    for (let i = 0; i < buf.length; i += CHUNK) yield buf.subarray(i, i + CHUNK);
  })(), { objectMode: false });
}

async function readlineCount(buf: Buffer): Promise<number> {
  let n = 0;
  const rl = createInterface({ input: chunks(buf), crlfDelay: Infinity });
  for await (const _line of rl) n++;
  return n;
}

/** The importer's splitter, decoding each line to a string as the importer does (readline does too). */
function splitterCount(buf: Buffer): number {
  let n = 0;
  let chars = 0;
  const s = new LineSplitter(1 << 20, (b, from, to) => { n++; chars += b.toString('utf8', from, to).length; }, () => { n++; });
  for (let i = 0; i < buf.length; i += CHUNK) s.push(buf.subarray(i, i + CHUNK));
  s.end();
  if (chars < 0) throw new Error('unreachable');
  return n;
}

async function importRecords(buf: Buffer, name: string, format: ImportFormat): Promise<number> {
  let packets = 0;
  const s = await importFlowBuffer(buf, name, { format, sink: (r) => { packets += r.packets; } });
  if (s.malformed !== 0) throw new Error(`${name}: ${s.malformed} malformed lines in the benchmark input`);
  if (packets !== s.packets) throw new Error('sink did not see every record');
  return s.records;
}

interface Both { wall: Measurement; cpu: Measurement }

/**
 * Runs `fn` over and over until at least `minMs` have passed; ops summed. Gives wall time (the
 * convention of bench/lib) and this process' CPU time (user + system), which a busy shared machine
 * disturbs far less: on 2 cores shared by several jobs, wall-time rates swing by 3x from run to run.
 */
async function loop(fn: () => Promise<number> | number, minMs: number): Promise<Both> {
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = Date.now();
  const c0 = process.cpuUsage();
  const wall = await measure(async () => {
    let ops = 0;
    do ops += await fn(); while (Date.now() - t0 < minMs);
    return ops;
  });
  const c = process.cpuUsage(c0);
  return { wall, cpu: { ops: wall.ops, ms: (c.user + c.system) / 1000 } };
}

const faster = (a: Measurement | undefined, b: Measurement): Measurement => (a && a.ops / a.ms >= b.ops / b.ms ? a : b);

/**
 * Measures the functions in turn, ROUNDS times (≥ 1 s each time), keeping each one's best round: on a
 * shared, busy machine interleaving and best-of keep the ratios meaningful.
 */
const ROUNDS = 3;
async function interleaved(fns: Array<() => Promise<number> | number>): Promise<Both[]> {
  for (const f of fns) await f(); // warm-up
  const best: Array<Partial<Both>> = fns.map(() => ({}));
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < fns.length; i++) {
      const m = await loop(fns[i] as () => Promise<number> | number, 1000);
      const b = best[i] as Partial<Both>;
      b.wall = faster(b.wall, m.wall);
      b.cpu = faster(b.cpu, m.cpu);
    }
  }
  return best as Both[];
}

async function bench(label: string, buf: Buffer, format: ImportFormat): Promise<void> {
  const [rl, sp, im] = await interleaved([() => readlineCount(buf), () => splitterCount(buf), () => importRecords(buf, label, format)]) as [Both, Both, Both];
  const mb = (buf.length / 1048576).toFixed(1);
  report(`${label}: readline line count (${mb} MB)`, rl.wall, null, 'lines');
  report(`${label}: LineSplitter line count + decode`, sp.wall, rl.wall, 'lines', 'readline');
  report(`${label}: import`, im.wall, rl.wall, 'records', 'readline line count');
  report(`${label}: import, per CPU-second`, im.cpu, rl.cpu, 'records', 'readline line count per CPU-second');
}

const S4T = `${DATA}stratosphere-security-datasets-for-testing/`;
const zeekTsv = inflate(readFileSync(`${S4T}008-zeek-mixed/data/conn.log.labeled`, 'utf8'), (l) => l.startsWith('#'));
const zeekJson = inflate(readFileSync(`${S4T}002-zeek-scenario-port-scanning/conn.log`, 'utf8'), () => false);
const binet = inflate(readFileSync(`${DATA}slips-dataset/test4-malicious.binetflow`, 'utf8'), (l) => l.startsWith('StartTime'));

console.log(`sources: 008-zeek-mixed conn.log.labeled (Zeek TSV), 002 conn.log (Zeek JSON), test4-malicious.binetflow; each repeated to ~${TARGET / 1048576} MB in memory`);
await bench('Zeek TSV', zeekTsv, 'zeek');
await bench('binetflow', binet, 'binetflow');
await bench('Zeek JSON', zeekJson, 'zeek-json');

// FlowRecord JSON lines made from the Zeek TSV records
const recs: FlowRecord[] = [];
await importFlowBuffer(zeekTsv.subarray(0, 2 * 1024 * 1024), 'seed', { format: 'zeek', sink: (r) => recs.push(copyFlowRecord(r)) });
const jsonl = inflate(recs.map(flowRecordToJson).join('\n'), () => false);
await bench('FlowRecord jsonl', jsonl, 'jsonl');

// gzip: the same Zeek TSV compressed (zlib in the loop)
const gz = gzipSync(zeekTsv, { level: 6 });
const [gzm, plain] = await interleaved([() => importRecords(gz, 'gz', 'zeek'), () => importRecords(zeekTsv, 'plain', 'zeek')]) as [Both, Both];
report(`Zeek TSV .gz (${(gz.length / 1048576).toFixed(1)} MB compressed): import`, gzm.wall, plain.wall, 'records', 'plain import');
report('Zeek TSV .gz: import, per CPU-second', gzm.cpu, plain.cpu, 'records', 'plain import per CPU-second');

const heap = process.memoryUsage();
console.log(`heap used ${(heap.heapUsed / 1048576).toFixed(0)} MiB, rss ${(heap.rss / 1048576).toFixed(0)} MiB (inputs held in memory: ${((zeekTsv.length + zeekJson.length + binet.length + jsonl.length + gz.length) / 1048576).toFixed(0)} MB)`);
