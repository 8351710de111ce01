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
 *   2. or population rarity with persistence and a new destination (at least `rarityMinPopulation`
 *      domestic hosts seen, the external reached by one of them only, the pair first seen after
 *      `warmupMs` of observation, so the destination is new to the whole population and not merely
 *      new to a freshly started detector, and the pair persisting `persistConnections` connections
 *      over `persistMs`) TOGETHER WITH evidence about the same domestic host that stands on its own:
 *      the host hit an indicator, scanned, or sent a DDoS (any external address). Rarity, novelty and
 *      persistence all describe the one pair, so they are one signal, not three: in a population
 *      where hosts run their own applications, a new timer to an address no other host calls is
 *      ordinary (an app installed today: about 0.1 per host-day in the generated days, each one
 *      indistinguishable from a single-host C2 in flow metadata). Rarity alone therefore leaves the
 *      pair suspected (flagged `rare new destination` so a person sees it first), and a second, independent
 *      signal (the address, 1., or the host, 2.) confirms it. With one monitored host (a lab
 *      capture) rarity means nothing, so 2. never applies there.
 * - A pair in a cloud/vendor network (Microsoft, Google, ... : `beacon.vendorAsns`) is flagged
 *   `cloud/vendor network` and confirmed only by corroboration (1.), never by rarity: the address may
 *   serve any customer, and the vendor's own timers are rare per address too.
 *
 * Each emission is tiered afresh on the evidence then (a fan-in that turned out to be a popular
 * service no longer confirms; a selection already made still ends unless renewed: pipeline/).
 * Promotion is symmetric and order-free: when a corroborating finding arrives, every suspected
 * finding on the same external address is re-tiered and, if promoted, emitted again.
 *
 * Memory: indexes external address → finding keys and domestic host → keys of its single-host and
 * host-evidence findings, bounded by the finding store (rebuilt from the
 * store when it holds more than twice the store's capacity in keys).
 */
import type { Finding, FindingStore } from './finding.js';

export type FindingTier = 'confirmed' | 'suspected';
export const VENDOR_FLAG = 'cloud/vendor network';
/** a single-host pair to an address no other domestic host reaches, new to the population, persisting */
export const RARE_FLAG = 'rare new destination';

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
  // (beacon.prevalenceShare), its victims alone included (victimShare: the prevalence estimate reads 0
  // for a server whose record was evicted); most hosts polling one server is a popular service.
  // prevalenceUnknown: the server is untracked (0 hosts, yet its victims reach it): its rarity is
  // unknown, and a fan-in growing one victim at a time would confirm early on a lower bound
  if (f.type === 'fan-in') {
    const ev = f.evidence as { prevalenceShare?: number; victimShare?: number; prevalenceUnknown?: boolean };
    return !f.flags?.includes(VENDOR_FLAG) && ev.prevalenceUnknown !== true && Math.max(Number(ev.prevalenceShare ?? 0), Number(ev.victimShare ?? 0)) <= 0.2;
  }
  if (f.type === 'scan') return !((f.evidence as { kind?: string }).kind === 'repeated-failure' && f.direction === 'outbound');
  return false;
}

/** one domestic host and one external address: the evidence a single pair gives */
function singleHost(f: Finding): boolean {
  return f.type === 'beacon' || f.type === 'strobe' || f.type === 'long-connection' || f.type === 'exfiltration' || (f.type === 'scan' && !selfCorroborated(f));
}

/**
 * g, a finding about one of f's domestic hosts (any external), shows that host compromised on its own:
 * an indicator hit, or a scan or DDoS the host itself sent (outbound); an inbound scan of the host says
 * nothing about it.
 */
function hostEvidence(g: Finding): boolean {
  if (g.type === 'indicator') return true;
  if (g.direction !== 'outbound') return false;
  return (g.type === 'scan' || g.type === 'ddos') && selfCorroborated(g);
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
  // a fan-in is its members' beacons seen together: they do not corroborate it
  if (f.type === 'fan-in' && kg === 'timing') return false;
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
  /** domestic host → keys of the single-host findings about it and of the findings that show it compromised */
  private readonly byDomestic = new Map<string, Set<string>>();
  private keys = 0;
  /** event time of the first flow the detectors saw */
  start = Infinity;
  promoted = 0;

  constructor(config: Partial<TierConfig>, private readonly store: FindingStore) {
    this.config = { ...DEFAULT_TIER_CONFIG, ...config };
  }

  /** sets f.tier (and f.flags' vendor flag from the evidence), before f is stored */
  assign(f: Finding): void {
    if (singleHost(f) && !f.flags?.includes(VENDOR_FLAG) && !f.flags?.includes(RARE_FLAG) && this.rare(f)) f.flags = [...(f.flags ?? []), RARE_FLAG];
    f.tier = this.decide(f);
  }

  /**
   * After f is stored: the other findings on its external address whose tier f changes (promoted
   * to confirmed), already updated in the store; the caller tells its listeners of them.
   */
  after(f: Finding): Finding[] {
    this.index(f);
    if (this.keys > 2 * this.store.capacity) this.rebuild();
    if (f.type === 'long-connection') return [];
    const out: Finding[] = [];
    const retier = (set: Set<string> | undefined): void => {
      if (!set || set.size < 2) return;
      for (const k of set) {
        if (k === f.key) continue;
        const g = this.store.get(k);
        if (!g) continue;
        if (g.tier === 'confirmed') continue;
        if (this.decide(g) === 'confirmed') { g.tier = 'confirmed'; this.promoted++; out.push(g); }
      }
    };
    if (f.external) retier(this.byExternal.get(f.external));
    // a finding that shows its hosts compromised re-tiers their single-host findings
    if (hostEvidence(f)) for (const d of f.domestic) retier(this.byDomestic.get(d));
    return out;
  }

  private index(f: Finding): void {
    const add = (m: Map<string, Set<string>>, k: string): void => {
      let set = m.get(k);
      if (!set) { set = new Set(); m.set(k, set); }
      if (!set.has(f.key)) { set.add(f.key); this.keys++; }
    };
    if (f.external) add(this.byExternal, f.external);
    if (singleHost(f) || hostEvidence(f)) for (const d of f.domestic) add(this.byDomestic, d);
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
    return this.rare(f) && this.hostCompromised(f) ? 'confirmed' : 'suspected';
  }

  /** another finding shows f's domestic host compromised on its own (an indicator hit, its own scan or DDoS) */
  private hostCompromised(f: Finding): boolean {
    for (const d of f.domestic) {
      const set = this.byDomestic.get(d);
      if (!set) continue;
      for (const k of set) {
        if (k === f.key) continue;
        const g = this.store.get(k);
        if (g && hostEvidence(g)) return true;
      }
    }
    return false;
  }

  /** population rarity + new destination + persistence (see the header) */
  private rare(f: Finding): boolean {
    const c = this.config;
    const ev = f.evidence as { prevalence?: { domesticHosts?: number; population?: number }; connections?: number };
    const pop = ev.prevalence?.population ?? 0;
    const hosts = ev.prevalence?.domesticHosts ?? Infinity;
    // exactly one: the pair's own host (0 means the address's record was evicted: unknown, not rare)
    if (pop < c.rarityMinPopulation || hosts !== 1) return false;
    if (!(f.firstSeen >= this.start + c.warmupMs)) return false;
    return (ev.connections ?? 0) >= c.persistConnections && f.lastSeen - f.firstSeen >= c.persistMs;
  }

  private rebuild(): void {
    this.byExternal.clear();
    this.byDomestic.clear();
    this.keys = 0;
    for (const f of this.store.list()) this.index(f);
  }
}
