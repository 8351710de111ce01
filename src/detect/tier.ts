/**
 * Finding tiers (issue #21): `suspected` is reported and ranked for a person, `confirmed` may also
 * select traffic for storage. One cut on one score selected every benign timer that happened to be
 * regular (a grammar checker's websocket, a password manager's poll); data minimisation allows
 * storage only on evidence that holds up. The rule, by principle and without lists of services:
 *
 * - Findings that carry corroboration of their own are confirmed: an indicator hit (a third party
 *   named the address), fan-in (≥ 3 domestic hosts beaconing to one server), a scan or a DDoS (their
 *   published thresholds are about many targets or sources, not one timer).
 * - A finding about ONE domestic host and one external address (beacon, strobe, long connection,
 *   exfiltration, repeated failures) is suspected until something independent agrees:
 *   1. corroboration: another finding of a different kind about the same external address that is
 *      itself evidence of intent (an indicator hit, fan-in, a scan, an exfiltration, repeated failed
 *      attempts); a long connection is the same behaviour seen another way and corroborates nothing;
 *   2. or population rarity with persistence and a new destination: at least `rarityMinPopulation`
 *      domestic hosts seen, the external reached by one of them only, the pair first seen after
 *      `warmupMs` of observation (so the destination is new to the whole population, not merely new
 *      to a freshly started detector), and the pair persisting `persistConnections` connections over
 *      `persistMs`. With one monitored host (a lab capture) rarity means nothing, so it never applies.
 * - A pair in a cloud/vendor network (Microsoft, Google, ... : `beacon.vendorAsns`) is flagged
 *   `cloud/vendor network` and confirmed only by corroboration (1.), never by rarity: the address may
 *   serve any customer, and the vendor's own timers are rare per address too.
 *
 * Each emission is tiered afresh on the evidence then (a fan-in that turned out to be a popular
 * service no longer confirms; a selection already made still ends unless renewed: pipeline/).
 * Promotion is symmetric and order-free: when a corroborating finding arrives, every suspected
 * finding on the same external address is re-tiered and, if promoted, emitted again.
 *
 * Memory: an index external address → finding keys, bounded by the finding store (rebuilt from the
 * store when it holds more than twice the store's capacity in keys).
 */
import type { Finding, FindingStore } from './finding.js';

export type FindingTier = 'confirmed' | 'suspected';
export const VENDOR_FLAG = 'cloud/vendor network';

export interface TierConfig {
  /** domestic hosts seen before rarity (one host reaching the external) can confirm a pair */
  rarityMinPopulation: number;
  /** observation time before a destination first seen counts as new (ms) */
  warmupMs: number;
  /** a single-host pair confirmed by rarity must have lasted this many connections... */
  persistConnections: number;
  /** ... over at least this long (ms) */
  persistMs: number;
}

export const DEFAULT_TIER_CONFIG: TierConfig = { rarityMinPopulation: 50, warmupMs: 24 * 3600_000, persistConnections: 24, persistMs: 6 * 3600_000 };

/** the kind of behaviour a finding shows: one pair's timing (beacon, strobe, long connection) is one kind */
function kindOf(f: Finding): string {
  if (f.type === 'beacon' || f.type === 'strobe' || f.type === 'long-connection') return 'timing';
  const kind = f.type === 'scan' ? String((f.evidence as { kind?: string }).kind ?? 'threshold') : '';
  // a program retrying a dead server on a timer makes both a beacon and repeated failures: one behaviour
  if (kind === 'repeated-failure') return 'timing';
  if (f.type === 'scan') return `scan:${kind}`;
  return f.type;
}

/** indicator, fan-in (outside vendor/cloud networks), DDoS and scans carry their own corroboration; outbound repeated failures to one host do not */
function selfCorroborated(f: Finding): boolean {
  if (f.type === 'indicator' || f.type === 'ddos') return true;
  // fan-in is corroboration when the server is rare: reached by at most 20 % of the domestic hosts
  // (beacon.prevalenceShare); most hosts polling one server is a popular service, not a botnet
  if (f.type === 'fan-in') return !f.flags?.includes(VENDOR_FLAG) && Number((f.evidence as { prevalenceShare?: number }).prevalenceShare ?? 0) <= 0.2;
  if (f.type === 'scan') return !((f.evidence as { kind?: string }).kind === 'repeated-failure' && f.direction === 'outbound');
  return false;
}

/** g, another finding on f's external address, corroborates f: a different kind of evidence, not a long connection */
function corroborates(g: Finding, f: Finding): boolean {
  if (g.type === 'long-connection') return false;
  // an indicator, fan-in, scan or DDoS corroborates only when it holds on its own (a popular
  // service's fan-in does not)
  if (g.type === 'indicator' || g.type === 'fan-in' || g.type === 'scan' || g.type === 'ddos') return selfCorroborated(g) && kindOf(g) !== kindOf(f);
  const kg = kindOf(g);
  const kf = kindOf(f);
  if (kg === kf) return false;
  // a chunked upload is regular too: a beacon corroborates an exfiltration (and back) only when it
  // ran for an hour before the upload began (C2 first, then the upload), not when the upload made it
  if ((kg === 'timing' && kf === 'exfiltration') || (kg === 'exfiltration' && kf === 'timing')) {
    const [timing, exfil] = kg === 'timing' ? [g, f] : [f, g];
    return timing.firstSeen <= exfil.firstSeen - 3600_000;
  }
  return true;
}

/** true when a finding may select traffic: confirmed (a finding without a tier, from older code, does not) */
export function selectsTraffic(f: Pick<Finding, 'tier'>): boolean {
  return f.tier === 'confirmed';
}

export class TierPolicy {
  readonly config: TierConfig;
  private readonly byExternal = new Map<string, Set<string>>();
  private keys = 0;
  /** event time of the first flow the detectors saw */
  start = Infinity;
  promoted = 0;

  constructor(config: Partial<TierConfig>, private readonly store: FindingStore) {
    this.config = { ...DEFAULT_TIER_CONFIG, ...config };
  }

  /** sets f.tier (and f.flags' vendor flag from the evidence), before f is stored */
  assign(f: Finding): void {
    f.tier = this.decide(f);
  }

  /**
   * After f is stored: the other findings on its external address whose tier f changes (promoted
   * to confirmed), already updated in the store; the caller tells its listeners of them.
   */
  after(f: Finding): Finding[] {
    if (!f.external) return [];
    let set = this.byExternal.get(f.external);
    if (!set) { set = new Set(); this.byExternal.set(f.external, set); }
    if (!set.has(f.key)) { set.add(f.key); this.keys++; }
    if (this.keys > 2 * this.store.capacity) this.rebuild();
    if (f.type === 'long-connection' || set.size < 2) return [];
    const out: Finding[] = [];
    for (const k of set) {
      if (k === f.key) continue;
      const g = this.store.get(k);
      if (!g) continue;
      if (g.tier === 'confirmed') continue;
      if (this.decide(g) === 'confirmed') { g.tier = 'confirmed'; this.promoted++; out.push(g); }
    }
    return out;
  }

  private decide(f: Finding): FindingTier {
    if (selfCorroborated(f)) return 'confirmed';
    if (f.external) {
      const set = this.byExternal.get(f.external);
      if (set) {
        for (const k of set) {
          if (k === f.key) continue;
          const g = this.store.get(k);
          if (g && corroborates(g, f)) return 'confirmed';
        }
      }
    }
    if (f.flags?.includes(VENDOR_FLAG)) return 'suspected';
    return this.rare(f) ? 'confirmed' : 'suspected';
  }

  /** population rarity + new destination + persistence (see the header) */
  private rare(f: Finding): boolean {
    const c = this.config;
    const ev = f.evidence as { prevalence?: { domesticHosts?: number; population?: number }; connections?: number };
    const pop = ev.prevalence?.population ?? 0;
    const hosts = ev.prevalence?.domesticHosts ?? Infinity;
    if (pop < c.rarityMinPopulation || hosts > 1) return false;
    if (!(f.firstSeen >= this.start + c.warmupMs)) return false;
    return (ev.connections ?? 0) >= c.persistConnections && f.lastSeen - f.firstSeen >= c.persistMs;
  }

  private rebuild(): void {
    this.byExternal.clear();
    this.keys = 0;
    for (const f of this.store.list()) {
      if (!f.external) continue;
      let set = this.byExternal.get(f.external);
      if (!set) { set = new Set(); this.byExternal.set(f.external, set); }
      set.add(f.key);
      this.keys++;
    }
  }
}
