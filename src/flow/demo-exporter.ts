/**
 * The demo's synthetic carrier: a NetFlow v9 exporter (RFC 3954) that sends, over UDP, the traffic of
 * a small country as a carrier would see it — domestic hosts (addresses the scope calls domestic, from
 * the country data) talking to foreign servers — with the attacks the detectors should find:
 *   - a botnet: many domestic hosts beaconing to one foreign C2 with jitter,
 *   - a scanner probing domestic hosts on telnet,
 *   - a DDoS burst against one domestic server,
 *   - benign periodic update traffic (many hosts, one foreign update server, hourly),
 *   - background browsing, some domestic↔domestic (dropped at the gate's door) and some transit.
 * Time is simulated: the exporter's clock runs `speed` times faster than the wall clock, so an hour
 * of beaconing shows within a minute. Records carry the simulated times.
 */
import { createSocket, type Socket } from 'node:dgram';
import { ipv4ToString, type MutableFlowRecord } from './record.js';

/** What the exporter needs of the scope: whether an address is domestic. */
export interface DomesticTest {
  isDomestic4(a: number): boolean;
}

export interface DemoScenarioOptions {
  seed?: number;
  /** simulated seconds per wall-clock second */
  speed?: number;
  domesticHosts?: number;
  botnetSize?: number;
  c2IntervalSeconds?: number;
  /** ± fraction of the interval */
  c2Jitter?: number;
  updateClients?: number;
  backgroundFlowsPerSimSecond?: number;
}

export interface DemoActors {
  c2: string;
  updateServer: string;
  scanner: string;
  ddosTarget: string;
  bots: string[];
}

interface ScheduledHost {
  addr: number;
  next: number;
}

/** One flow as the scenario makes it, before encoding; times in simulated ms since the epoch. */
export interface DemoFlow {
  src: number;
  dst: number;
  srcPort: number;
  dstPort: number;
  proto: number;
  tcpFlags: number;
  packets: number;
  bytes: number;
  start: number;
  end: number;
}

/** Writes a scenario flow into a (reused) FlowRecord, as a decoder would: for tests and benchmarks. */
export function fillFlowRecord(rec: MutableFlowRecord, f: DemoFlow): MutableFlowRecord {
  rec.reset();
  rec.src4 = f.src;
  rec.dst4 = f.dst;
  rec.srcPort = f.srcPort;
  rec.dstPort = f.dstPort;
  rec.proto = f.proto;
  rec.tcpFlags = f.tcpFlags;
  rec.packets = f.packets;
  rec.bytes = f.bytes;
  rec.start = f.start;
  rec.end = f.end;
  return rec;
}

// mulberry32: small, fast, seeded: the scenario is the same at every run with the same seed
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// /8s that hold much Japanese address space (the scope decides which addresses really are domestic)
const DOMESTIC_CANDIDATE_8 = [126, 133, 153, 180, 182, 210, 219, 220, 221];
// /8s that hold much foreign address space
const FOREIGN_CANDIDATE_8 = [5, 31, 37, 45, 62, 77, 91, 185, 193, 195];

function pickAddresses(rand: () => number, count: number, firsts: number[], accept: (a: number) => boolean): number[] {
  const out = new Set<number>();
  let tries = 0;
  while (out.size < count) {
    if (++tries > count * 10_000) throw new Error('demo exporter: cannot find enough addresses in the scope');
    const first = firsts[Math.floor(rand() * firsts.length)]!;
    const a = ((first << 24) | Math.floor(rand() * 0xffffff)) >>> 0;
    if ((a & 255) === 0 || (a & 255) === 255) continue;
    if (accept(a)) out.add(a);
  }
  return [...out];
}

/** The scenario: generates the flows of a simulated time window, in time order per actor. */
export class DemoScenario {
  readonly actors: DemoActors;
  private readonly rand: () => number;
  private readonly domestic: number[];
  private readonly foreign: number[];
  private readonly bots: ScheduledHost[];
  private readonly updaters: ScheduledHost[];
  private readonly c2: number;
  private readonly updateServer: number;
  private readonly scanner: number;
  private readonly ddosTarget: number;
  private readonly ddosSources: number[];
  /** foreign servers of the background traffic (none of them an actor) */
  private readonly webServers: number[];
  private readonly o: Required<DemoScenarioOptions>;
  readonly simStart: number;
  private scanNext: number;
  private ddosNext: number;
  private backgroundCarry = 0;

  constructor(scope: DomesticTest, simStart: number, opts: DemoScenarioOptions = {}) {
    this.o = {
      seed: opts.seed ?? 20261125,
      speed: opts.speed ?? 60,
      domesticHosts: opts.domesticHosts ?? 400,
      botnetSize: opts.botnetSize ?? 40,
      c2IntervalSeconds: opts.c2IntervalSeconds ?? 60,
      c2Jitter: opts.c2Jitter ?? 0.15,
      updateClients: opts.updateClients ?? 150,
      backgroundFlowsPerSimSecond: opts.backgroundFlowsPerSimSecond ?? 40,
    };
    this.rand = prng(this.o.seed);
    this.simStart = simStart;
    this.domestic = pickAddresses(this.rand, this.o.domesticHosts, DOMESTIC_CANDIDATE_8, (a) => scope.isDomestic4(a));
    this.foreign = pickAddresses(this.rand, 400, FOREIGN_CANDIDATE_8, (a) => !scope.isDomestic4(a));
    const [c2, updateServer, scanner, ...rest] = this.foreign;
    this.c2 = c2!;
    this.updateServer = updateServer!;
    this.scanner = scanner!;
    this.ddosSources = rest.slice(0, 300);
    this.webServers = rest.slice(310);
    this.ddosTarget = this.domestic[0]!;
    const iv = this.o.c2IntervalSeconds * 1000;
    this.bots = this.domestic.slice(1, 1 + this.o.botnetSize).map((addr) => ({ addr, next: simStart + this.rand() * iv }));
    this.updaters = this.domestic.slice(1 + this.o.botnetSize, 1 + this.o.botnetSize + this.o.updateClients).map((addr) => ({
      addr,
      next: simStart + this.rand() * 3_600_000,
    }));
    this.scanNext = simStart + 5 * 60_000;
    this.ddosNext = simStart + 10 * 60_000;
    this.actors = {
      c2: ipv4ToString(this.c2),
      updateServer: ipv4ToString(this.updateServer),
      scanner: ipv4ToString(this.scanner),
      ddosTarget: ipv4ToString(this.ddosTarget),
      bots: this.bots.map((b) => ipv4ToString(b.addr)),
    };
  }

  get speed(): number {
    return this.o.speed;
  }

  private ephemeral(): number {
    return 32768 + Math.floor(this.rand() * 28000);
  }

  private any<T>(list: T[]): T {
    return list[Math.floor(this.rand() * list.length)]!;
  }

  /** Every flow that ends in [from, to) of simulated time. */
  window(from: number, to: number, emit: (f: DemoFlow) => void): void {
    const iv = this.o.c2IntervalSeconds * 1000;
    for (const b of this.bots) {
      while (b.next < to) {
        if (b.next >= from) {
          const bytes = 1180 + Math.floor(this.rand() * 60);
          emit({ src: b.addr, dst: this.c2, srcPort: this.ephemeral(), dstPort: 443, proto: 6, tcpFlags: 0x1b, packets: 7, bytes, start: b.next - 800, end: b.next });
        }
        b.next += iv * (1 + this.o.c2Jitter * (2 * this.rand() - 1));
      }
    }
    for (const u of this.updaters) {
      while (u.next < to) {
        if (u.next >= from) {
          emit({ src: u.addr, dst: this.updateServer, srcPort: this.ephemeral(), dstPort: 443, proto: 6, tcpFlags: 0x1b, packets: 40, bytes: 38_000 + Math.floor(this.rand() * 4000), start: u.next - 2000, end: u.next });
        }
        u.next += 3_600_000 * (1 + 0.02 * (2 * this.rand() - 1));
      }
    }
    // the scanner: 20 probes a simulated second for 10 simulated minutes, SYN without answer
    const scanEnd = this.simStart + 15 * 60_000;
    while (this.scanNext < to && this.scanNext < scanEnd) {
      if (this.scanNext >= from) {
        emit({ src: this.scanner, dst: this.any(this.domestic), srcPort: this.ephemeral(), dstPort: 23, proto: 6, tcpFlags: 0x02, packets: 1, bytes: 44, start: this.scanNext, end: this.scanNext });
      }
      this.scanNext += 50;
    }
    // the DDoS: 300 sources × 100 packets/s of UDP for 90 simulated seconds, one record per source-second
    const ddosEnd = this.simStart + 10 * 60_000 + 90_000;
    while (this.ddosNext < to && this.ddosNext < ddosEnd) {
      if (this.ddosNext >= from) {
        for (const s of this.ddosSources) {
          emit({ src: s, dst: this.ddosTarget, srcPort: 53, dstPort: 80, proto: 17, tcpFlags: 0, packets: 100, bytes: 120_000, start: this.ddosNext - 1000, end: this.ddosNext });
        }
      }
      this.ddosNext += 1000;
    }
    // background: browsing to random foreign servers, some domestic↔domestic, some transit
    const expected = ((to - from) / 1000) * this.o.backgroundFlowsPerSimSecond + this.backgroundCarry;
    const n = Math.floor(expected);
    this.backgroundCarry = expected - n;
    for (let i = 0; i < n; i++) {
      const t = from + this.rand() * (to - from);
      const r = this.rand();
      const src = r < 0.05 ? this.any(this.webServers) : this.any(this.domestic);
      const dst = r < 0.15 && r >= 0.05 ? this.any(this.domestic) : this.any(this.webServers);
      const packets = 5 + Math.floor(this.rand() * 200);
      emit({ src, dst, srcPort: this.ephemeral(), dstPort: this.rand() < 0.8 ? 443 : 80, proto: 6, tcpFlags: 0x1b, packets, bytes: packets * (200 + Math.floor(this.rand() * 1200)), start: t - this.rand() * 20_000, end: t });
    }
  }
}

// NetFlow v9 template for the demo's IPv4 records (field type, length)
const TEMPLATE_ID = 256;
const FIELDS: Array<[number, number]> = [
  [8, 4], // IPV4_SRC_ADDR
  [12, 4], // IPV4_DST_ADDR
  [7, 2], // L4_SRC_PORT
  [11, 2], // L4_DST_PORT
  [4, 1], // PROTOCOL
  [6, 1], // TCP_FLAGS
  [2, 4], // IN_PKTS
  [1, 4], // IN_BYTES
  [22, 4], // FIRST_SWITCHED
  [21, 4], // LAST_SWITCHED
  [10, 2], // INPUT_SNMP
  [14, 2], // OUTPUT_SNMP
];
const RECORD_LEN = FIELDS.reduce((s, [, l]) => s + l, 0);
const MAX_RECORDS = Math.floor((1400 - 20 - 4 - 4 - 4 * FIELDS.length - 4) / RECORD_LEN);

/** Encodes flows as NetFlow v9 export packets: header, the template every `templateEvery` packets, one data set. */
export class V9Encoder {
  private seq = 0;
  private readonly buf = Buffer.alloc(1500);

  constructor(
    private readonly sourceId: number,
    private readonly bootTime: number,
    private readonly templateEvery = 20,
  ) {}

  static readonly maxRecords = MAX_RECORDS;

  encode(flows: DemoFlow[], exportTime: number): Buffer {
    const b = this.buf;
    const withTemplate = this.seq % this.templateEvery === 0;
    let o = 20;
    let count = 0;
    if (withTemplate) {
      b.writeUInt16BE(0, o); // template flowset
      b.writeUInt16BE(8 + 4 * FIELDS.length, o + 2);
      b.writeUInt16BE(TEMPLATE_ID, o + 4);
      b.writeUInt16BE(FIELDS.length, o + 6);
      o += 8;
      for (const [t, l] of FIELDS) {
        b.writeUInt16BE(t, o);
        b.writeUInt16BE(l, o + 2);
        o += 4;
      }
      count++;
    }
    const setStart = o;
    b.writeUInt16BE(TEMPLATE_ID, o);
    o += 4;
    const up = (t: number) => Math.max(0, Math.round(t - this.bootTime)) >>> 0;
    for (const f of flows) {
      b.writeUInt32BE(f.src >>> 0, o);
      b.writeUInt32BE(f.dst >>> 0, o + 4);
      b.writeUInt16BE(f.srcPort, o + 8);
      b.writeUInt16BE(f.dstPort, o + 10);
      b.writeUInt8(f.proto, o + 12);
      b.writeUInt8(f.tcpFlags, o + 13);
      b.writeUInt32BE(Math.min(f.packets, 0xffffffff), o + 14);
      b.writeUInt32BE(Math.min(f.bytes, 0xffffffff), o + 18);
      b.writeUInt32BE(up(f.start), o + 22);
      b.writeUInt32BE(up(f.end), o + 26);
      b.writeUInt16BE(1, o + 30);
      b.writeUInt16BE(2, o + 32);
      o += RECORD_LEN;
      count++;
    }
    // pad the data flowset to a 4-byte boundary (RFC 3954 §5.3)
    while ((o - setStart) % 4 !== 0) b.writeUInt8(0, o++);
    b.writeUInt16BE(o - setStart, setStart + 2);
    b.writeUInt16BE(9, 0);
    b.writeUInt16BE(count, 2);
    b.writeUInt32BE(up(exportTime), 4);
    b.writeUInt32BE(Math.floor(exportTime / 1000) >>> 0, 8);
    b.writeUInt32BE(this.seq >>> 0, 12);
    b.writeUInt32BE(this.sourceId >>> 0, 16);
    this.seq++;
    return Buffer.from(b.subarray(0, o));
  }
}

export interface DemoExporter {
  readonly scenario: DemoScenario;
  /** simulated now */
  simNow(): number;
  stats(): { datagrams: number; flows: number; simSeconds: number };
  start(): void;
  stop(): Promise<void>;
}

export function createDemoExporter(opts: {
  target: { host: string; port: number };
  scope: DomesticTest;
  scenario?: DemoScenarioOptions;
  /** wall-clock ms between sends */
  tickMs?: number;
  sourceId?: number;
}): DemoExporter {
  const realStart = Date.now();
  const scenario = new DemoScenario(opts.scope, realStart, opts.scenario);
  const encoder = new V9Encoder(opts.sourceId ?? 1, realStart - 3_600_000);
  const tickMs = opts.tickMs ?? 200;
  let socket: Socket | null = null;
  let timer: NodeJS.Timeout | null = null;
  let simCursor = realStart;
  let datagrams = 0;
  let flows = 0;
  const simNow = () => realStart + (Date.now() - realStart) * scenario.speed;

  const tick = () => {
    const to = simNow();
    const batch: DemoFlow[] = [];
    scenario.window(simCursor, to, (f) => batch.push(f));
    simCursor = to;
    batch.sort((a, b) => a.end - b.end);
    for (let i = 0; i < batch.length; i += V9Encoder.maxRecords) {
      const part = batch.slice(i, i + V9Encoder.maxRecords);
      socket?.send(encoder.encode(part, to), opts.target.port, opts.target.host);
      datagrams++;
      flows += part.length;
    }
  };

  return {
    scenario,
    simNow,
    stats: () => ({ datagrams, flows, simSeconds: Math.round((simCursor - realStart) / 1000) }),
    start() {
      socket = createSocket('udp4');
      socket.unref();
      timer = setInterval(tick, tickMs);
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      const s = socket;
      socket = null;
      if (s) await new Promise<void>((r) => s.close(() => r()));
    },
  };
}
