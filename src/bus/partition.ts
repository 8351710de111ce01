/**
 * Partitioning by the external address, so one partition's detectors see all traffic of a server:
 * inbound (foreign→domestic) flows by their source, outbound (domestic→foreign) and transit
 * (foreign→foreign, treated as outbound from its source, as the pipeline does) by their destination.
 * The hash is murmur3's fmix32 over the address words: stable across processes and machines.
 */
import type { GateFlow } from '../selection/index.js';

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function externalIsSource(f: GateFlow): boolean {
  return f.scope === 'foreign-domestic';
}

export function partitionOf(f: GateFlow, partitions: number): number {
  const src = externalIsSource(f);
  let h: number;
  if (f.family === 4) {
    h = fmix32((src ? f.src4 : f.dst4) ^ 0x9e3779b9);
  } else {
    const a = src ? f.src6 : f.dst6;
    h = 0x9e3779b9;
    for (let i = 0; i < 16; i += 4) h = fmix32(h ^ ((a[i]! << 24) | (a[i + 1]! << 16) | (a[i + 2]! << 8) | a[i + 3]!));
  }
  return h % partitions;
}
