/**
 * Table sizes for a detector set that sees one of `shares` equal parts of the traffic (a bus
 * partition: flows are partitioned by external address, so each part holds about 1/shares of the
 * pairs, servers and destinations). Without this a worker running eight partitions holds eight
 * full-size sets (about 720 MB of typed arrays each, bench `detect`), and misses the CPU caches
 * eight times as often.
 *
 * Each table gets 2× its fair share (partitions are not perfectly even), never more than the
 * one-process default and never less than FLOOR; a size the configuration sets is kept as given.
 * Scan state is keyed by the scanning source, which is not the partition key, but a source's flows to
 * one partition's servers are still 1/shares of its flows, so the same share applies.
 */
import { DEFAULT_BEACON_CONFIG } from './beacon.js';
import { DEFAULT_DDOS_CONFIG } from './ddos.js';
import { DEFAULT_EXFIL_CONFIG } from './exfil.js';
import type { DetectorsConfig } from './detectors.js';
import { DEFAULT_FANIN_CONFIG } from './fanin.js';
import { DEFAULT_INDICATOR_CONFIG } from './indicator.js';
import { DEFAULT_LONGCONN_CONFIG } from './longconn.js';
import { DEFAULT_SCAN_CONFIG } from './scan.js';

const FLOOR = 4096;

export function sizeForShare(full: number, shares: number): number {
  if (!Number.isInteger(shares) || shares < 1) throw new RangeError(`shares must be a positive integer, not ${shares}`);
  return Math.min(full, Math.max(FLOOR, Math.ceil((2 * full) / shares)));
}

export function configForShare(config: DetectorsConfig, shares: number): DetectorsConfig {
  const s = (given: number | undefined, full: number): number => given ?? sizeForShare(full, shares);
  return {
    ...config,
    // prevalenceCapacity follows capacity (capacity / 4) unless it is given
    beacon: { ...config.beacon, capacity: s(config.beacon?.capacity, DEFAULT_BEACON_CONFIG.capacity) },
    fanIn: { ...config.fanIn, capacity: s(config.fanIn?.capacity, DEFAULT_FANIN_CONFIG.capacity) },
    scan: {
      ...config.scan,
      sourceCapacity: s(config.scan?.sourceCapacity, DEFAULT_SCAN_CONFIG.sourceCapacity),
      thresholdCapacity: s(config.scan?.thresholdCapacity, DEFAULT_SCAN_CONFIG.thresholdCapacity),
    },
    ddos: { ...config.ddos, capacity: s(config.ddos?.capacity, DEFAULT_DDOS_CONFIG.capacity) },
    indicator: { ...config.indicator, capacity: s(config.indicator?.capacity, DEFAULT_INDICATOR_CONFIG.capacity) },
    longConnection: { ...config.longConnection, capacity: s(config.longConnection?.capacity, DEFAULT_LONGCONN_CONFIG.capacity) },
    // pair ages are keyed by (domestic, external): a partition sees its externals' pairs only
    exfiltration: { ...config.exfiltration, pairCapacity: s(config.exfiltration?.pairCapacity, DEFAULT_EXFIL_CONFIG.pairCapacity) },
  };
}
