// Shared fixtures of the intel tests.
import type { Finding } from '../../src/detect/index.js';

/** A beacon finding like the NjRAT capture's C2 pair (domestic side pseudonymised). */
export function sampleFinding(over: Partial<Finding> = {}): Finding {
  return {
    type: 'beacon',
    key: 'beacon|41.108.179.197|1177/6',
    external: '41.108.179.197',
    port: 1177,
    proto: 6,
    direction: 'outbound',
    domestic: ['10.77.3.9', '10.77.120.4'],
    domesticCount: 2,
    firstSeen: Date.parse('2026-11-20T10:00:00Z'),
    lastSeen: Date.parse('2026-11-20T11:00:00Z'),
    score: 0.93,
    subscores: { interval: 0.95, size: 0.9 },
    evidence: { connections: 237, medianInterval: 15.2, topDomestic: '10.77.3.9' },
    updates: 12,
    ...over,
  };
}
