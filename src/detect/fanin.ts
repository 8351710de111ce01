/**
 * Fan-in: one external server (address, port, protocol) with beacon-like contact from many domestic
 * hosts: the botnet view, and the main "attacker server" finding. Fed by the beacon detector's
 * scored pairs (not by flows): a pair counts as a victim when its beacon score is at least
 * `memberScore` (0.75: below the beacon threshold, since many moderately regular hosts on one server
 * say more than one very regular host; above the ~90th percentile of Poisson traffic's score).
 *
 *   victims  = 1 − exp(−(n − 1) / victimScale)     (n distinct victims; 1 victim gives 0)
 *   regular  = mean beacon score of the victims
 *   score    = victims^0.5 · regular · the beacon detector's prevalence factor (a server most
 *              domestic hosts talk to is an update or telemetry service, not a botnet's)
 *
 * Memory: at most `capacity` servers (when full, the tenth with the fewest victims, then oldest, goes); per server at most
 * `victimCap` victims kept exactly (their scores, for the evidence) and beyond that a count.
 */
import type { BeaconScored } from './beacon.js';
import type { DetectorStats, Finding, FindingSink } from './finding.js';
import { findingKey } from './finding.js';
import { VENDOR_FLAG } from './tier.js';

/** rounds to 1/1000 (module level: a closure made per call costs, esp. under esbuild's keepNames) */
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

export interface FanInConfig {
  capacity: number;
  memberScore: number;
  minVictims: number;
  victimScale: number;
  victimCap: number;
  /** victims listed in a finding's `domestic` */
  listVictims: number;
  threshold: number;
  /**
   * a server in a vendor/cloud network (beacon.vendorAsns) reached by more than this share of the
   * domestic hosts is an update service: no finding. Below it the finding is flagged `cloud/vendor
   * network` and suspected (tier.ts) until corroborated (issue #21).
   */
  vendorMaxShare: number;
}

export const DEFAULT_FANIN_CONFIG: FanInConfig = {
  capacity: 20_000,
  memberScore: 0.75,
  minVictims: 3,
  victimScale: 10,
  victimCap: 1024,
  listVictims: 50,
  threshold: 0.5,
  vendorMaxShare: 0.2,
};

interface Server {
  external: string;
  port: number;
  proto: number;
  victims: Map<string, number>;
  /** victims beyond victimCap */
  overflow: number;
  first: number;
  last: number;
  prevalence: number;
  prevalenceFactor: number;
  /** each listed victim's median interval (seconds), by victim */
  intervals: Map<string, number>;
  vendor: boolean;
  /** domestic hosts seen in all, once the prevalence rule applies (0 before) */
  population: number;
}

export class FanInDetector {
  readonly config: FanInConfig;
  private readonly servers = new Map<string, Server>();
  private readonly dirty = new Set<string>();
  private readonly sink: FindingSink;
  evictions = 0;
  emitted = 0;
  scored = 0;

  constructor(config: Partial<FanInConfig>, sink: FindingSink) {
    this.config = { ...DEFAULT_FANIN_CONFIG, ...config };
    this.sink = sink;
  }

  /** one scored pair from the beacon detector */
  onScored(p: BeaconScored): void {
    this.scored++;
    if (p.score < this.config.memberScore) return;
    const id = `${p.external}|${p.port}/${p.proto}`;
    let s = this.servers.get(id);
    if (!s) {
      if (this.servers.size >= this.config.capacity) this.evict();
      s = { external: p.external, port: p.port, proto: p.proto, victims: new Map(), overflow: 0, first: p.firstSeen, last: p.lastSeen, prevalence: 0, prevalenceFactor: 1, intervals: new Map(), vendor: false, population: 0 };
      this.servers.set(id, s);
    }
    if (s.victims.has(p.domestic) || s.victims.size < this.config.victimCap) {
      s.victims.set(p.domestic, p.score);
      s.intervals.set(p.domestic, p.medianInterval);
    } else s.overflow++;
    s.first = Math.min(s.first, p.firstSeen);
    s.last = Math.max(s.last, p.lastSeen);
    s.prevalence = p.prevalence;
    s.prevalenceFactor = p.prevalenceFactor;
    if (p.vendor) s.vendor = true;
    s.population = p.population ?? 0;
    this.dirty.add(id);
  }

  /** drops the tenth of the servers with the fewest victims (then oldest): amortised O(1) per insert */
  private evict(): void {
    const all = [...this.servers.entries()].sort((x, y) => x[1].victims.size + x[1].overflow - (y[1].victims.size + y[1].overflow) || x[1].last - y[1].last);
    const n = Math.max(1, Math.floor(all.length / 10));
    for (let i = 0; i < n; i++) {
      const id = all[i]![0];
      this.servers.delete(id); this.dirty.delete(id); this.evictions++;
    }
  }

  /** emits a finding for each changed server with enough victims */
  flush(_now: number): void {
    const c = this.config;
    for (const id of this.dirty) {
      const s = this.servers.get(id);
      if (!s) continue;
      const n = s.victims.size + s.overflow;
      if (n < c.minVictims) continue;
      // summed in score order: the mean does not depend on the order pairs were scored in
      const scores = [...s.victims.values()].sort((a, b) => a - b);
      let sum = 0;
      for (const v of scores) sum += v;
      const regular = sum / Math.max(1, s.victims.size);
      const victims = 1 - Math.exp(-(n - 1) / c.victimScale);
      const prevFactor = s.prevalenceFactor;
      const score = r3(Math.sqrt(victims) * regular * prevFactor);
      if (score < c.threshold) continue;
      // its victims are distinct domestic hosts that reach it: the server's share is at least theirs
      // (the prevalence estimate reads 0 once the server's record was evicted from its table, #21)
      const victimShare = s.population > 0 ? Math.min(1, n / s.population) : 0;
      if (s.vendor && Math.max(s.prevalence, victimShare) > c.vendorMaxShare) continue;
      // highest scores first, ties by address: what is listed does not depend on the order pairs were scored in
      const listed = [...s.victims.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, c.listVictims);
      const mi = [...s.intervals.values()].sort((a, b) => a - b);
      const f: Finding = {
        type: 'fan-in',
        key: findingKey('fan-in', s.external, s.port, s.proto),
        external: s.external,
        port: s.port,
        proto: s.proto,
        direction: 'outbound',
        domestic: listed.map((e) => e[0]),
        domesticCount: n,
        firstSeen: s.first,
        lastSeen: s.last,
        score,
        subscores: { victims: r3(victims), regularity: r3(regular), prevalence: r3(prevFactor) },
        evidence: {
          victims: n,
          victimScores: listed.map(([d, sc]) => ({ domestic: d, beaconScore: sc })),
          medianIntervalSeconds: mi.length ? r3(mi[Math.floor(mi.length / 2)] ?? 0) : null,
          prevalenceShare: r3(s.prevalence),
          ...(s.population > 0 ? { victimShare: r3(victimShare) } : {}),
          // the prevalence table no longer holds the server (evicted): its share of hosts is unknown
          ...(s.prevalence === 0 ? { prevalenceUnknown: true } : {}),
        },
        updates: 1,
        ...(s.vendor ? { flags: [VENDOR_FLAG] } : {}),
      };
      this.emitted++;
      this.sink(f);
    }
    this.dirty.clear();
  }

  stats(): DetectorStats {
    return { tracked: this.servers.size, capacity: this.config.capacity, evictions: this.evictions, expired: 0, flows: this.scored, emitted: this.emitted, bytesPerKey: 0 };
  }
}
