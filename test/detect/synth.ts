/** Synthetic flows for the detector tests and benchmarks: seeded, so every run sees the same traffic. */
import { MutableFlowRecord, parseIpv4 } from '../../src/flow/index.js';
import type { FlowRecord } from '../../src/flow/index.js';

/** mulberry32: a small seeded PRNG */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ACK = 0x10;
export const SYN = 0x02;
export const RST = 0x04;
export const FIN = 0x01;

export interface FlowSpec {
  src: string | number;
  dst: string | number;
  srcPort?: number;
  dstPort?: number;
  proto?: number;
  start: number;
  durationMs?: number;
  bytes?: number;
  packets?: number;
  flags?: number;
}

const ip = (a: string | number): number => (typeof a === 'number' ? a >>> 0 : parseIpv4(a));

/** the next ephemeral port: each synthetic connection gets its own, as an OS gives them (the beacon detector takes a repeated domestic TCP port for the same connection) */
let ephemeral = 0;

export function flow(s: FlowSpec, r: MutableFlowRecord = new MutableFlowRecord()): MutableFlowRecord {
  r.reset();
  r.family = 4;
  r.src4 = ip(s.src);
  r.dst4 = ip(s.dst);
  r.srcPort = s.srcPort ?? 49152 + (ephemeral++ % 16384);
  r.dstPort = s.dstPort ?? 443;
  r.proto = s.proto ?? 6;
  r.start = s.start;
  r.end = s.start + (s.durationMs ?? 100);
  r.bytes = s.bytes ?? 500;
  r.packets = s.packets ?? 5;
  r.tcpFlags = s.flags ?? (r.proto === 6 ? SYN | ACK | FIN : 0);
  return r;
}

/** start times of a beacon: period ± jitter (a fraction of the period, uniform) */
export function beaconTimes(rand: () => number, t0: number, periodMs: number, jitter: number, n: number): number[] {
  const out: number[] = [];
  let t = t0;
  for (let i = 0; i < n; i++) {
    out.push(Math.round(t));
    t += periodMs * (1 + jitter * (2 * rand() - 1));
  }
  return out;
}

/** start times of a Poisson process with the given mean interval */
export function poissonTimes(rand: () => number, t0: number, meanMs: number, n: number): number[] {
  const out: number[] = [];
  let t = t0;
  for (let i = 0; i < n; i++) {
    out.push(Math.round(t));
    t += -Math.log(1 - rand()) * meanMs;
  }
  return out;
}

export type Observed = { rec: FlowRecord; dir: 0 | 1 };
