/**
 * Finding: what a detector reports, plain JSON. One finding per stable `key` (type + the
 * infrastructure it is about), so a later observation updates the finding instead of adding one.
 *
 * Addresses are text as the detectors were given them: the domestic side is already pseudonymised by
 * the gate (selection/), and the detectors treat it as opaque.
 */
export type FindingType = 'beacon' | 'strobe' | 'fan-in' | 'scan' | 'ddos' | 'indicator' | 'long-connection' | 'exfiltration';

export const FINDING_TYPES: readonly FindingType[] = ['beacon', 'strobe', 'fan-in', 'scan', 'ddos', 'indicator', 'long-connection', 'exfiltration'];

export interface Finding {
  type: FindingType;
  /** stable identity: the same thing seen again updates this finding */
  key: string;
  /**
   * The external address the finding is about (C2 server, scanner, indicator hit, DDoS target abroad);
   * null when the finding concerns domestic hosts only (an outbound scan over many external hosts,
   * a DDoS on a domestic target with many sources).
   */
  external: string | null;
  /** the external side's port and protocol when the finding is about a service (0 when not) */
  port: number;
  proto: number;
  /** 'outbound': the domestic side initiated; 'inbound': the external side did */
  direction: 'outbound' | 'inbound';
  /** domestic addresses involved (pseudonyms as given), bounded by the detector's config */
  domestic: string[];
  /** how many domestic addresses are involved in all (may exceed domestic.length; estimated when large) */
  domesticCount: number;
  /** event time, ms since the epoch */
  firstSeen: number;
  lastSeen: number;
  /** [0, 1]; higher is more certain */
  score: number;
  /** the named parts the score is made of, each in [0, 1] */
  subscores: Record<string, number>;
  /** what a person can check: counts, bytes, histograms, progress; JSON values only */
  evidence: Record<string, unknown>;
  /** times this finding was updated */
  updates: number;
  /**
   * `confirmed` findings may select traffic for storage; `suspected` ones are reported only
   * (tier.ts). Set by the detector set when the finding is stored.
   */
  tier?: 'confirmed' | 'suspected';
  /** qualifiers a person should see, e.g. `cloud/vendor network` (the external is in a vendor's/cloud AS) */
  flags?: string[];
  /** the TLP marking the finding inherits from what made it (an indicator's), when it has one */
  tlp?: string;
}

/** `type|external|port/proto` (+ `|extra` when the type needs a domestic side in its identity). */
export function findingKey(type: FindingType, external: string | null, port: number, proto: number, extra?: string): string {
  const base = `${type}|${external ?? '-'}|${port}/${proto}`;
  return extra === undefined ? base : `${base}|${extra}`;
}

export interface FindingStoreOptions {
  /** the most findings held; when full, the lowest-scoring, oldest twentieth is dropped (default 100 000) */
  capacity?: number;
}

/**
 * The findings of a detector set, upserted by key: first seen is kept, the rest replaced. Bounded:
 * beyond capacity the finding with the lowest score (then oldest last seen) goes.
 */
export class FindingStore {
  private readonly map = new Map<string, Finding>();
  readonly capacity: number;
  dropped = 0;

  constructor(o: FindingStoreOptions = {}) {
    this.capacity = o.capacity ?? 100_000;
  }

  /** inserts or updates; returns the stored finding */
  upsert(f: Finding): Finding {
    const old = this.map.get(f.key);
    if (old) {
      f.firstSeen = Math.min(old.firstSeen, f.firstSeen);
      f.updates = old.updates + 1;
      this.map.set(f.key, f);
      return f;
    }
    if (this.map.size >= this.capacity) this.dropWorst();
    f.updates = Math.max(f.updates, 1);
    this.map.set(f.key, f);
    return f;
  }

  /** drops the lowest-scoring (then oldest) twentieth: amortised O(1) per insert */
  private dropWorst(): void {
    const all = [...this.map.values()].sort((a, b) => a.score - b.score || a.lastSeen - b.lastSeen);
    const n = Math.max(1, Math.floor(all.length / 20));
    for (let i = 0; i < n; i++) { this.map.delete(all[i]!.key); this.dropped++; }
  }

  get(key: string): Finding | undefined {
    return this.map.get(key);
  }

  get size(): number {
    return this.map.size;
  }

  /** all findings, highest score first (optionally of one type) */
  list(type?: FindingType): Finding[] {
    const out: Finding[] = [];
    for (const f of this.map.values()) if (!type || f.type === type) out.push(f);
    return out.sort((a, b) => b.score - a.score || b.lastSeen - a.lastSeen);
  }
}

/** What every detector reports about its memory. */
export interface DetectorStats {
  /** keys (pairs, servers, sources, destinations) held now */
  tracked: number;
  /** keys the table can hold */
  capacity: number;
  /** keys dropped to make room (least useful first) */
  evictions: number;
  /** keys dropped because they went idle */
  expired: number;
  /** flows the detector looked at */
  flows: number;
  /** findings emitted (including updates) */
  emitted: number;
  /** bytes of state per tracked key (typed arrays, fixed) */
  bytesPerKey: number;
}

export type FindingSink = (f: Finding) => void;

/** The key a finding asks the gate to select (selection's KeyKind/KeyOf shapes, written out here). */
export type SelectionKey =
  | { kind: 'address'; key: { address: string; pseudonym: boolean } }
  | { kind: 'pair'; key: { a: { address: string; pseudonym: boolean }; b: { address: string; pseudonym: boolean } } }
  | { kind: 'server'; key: { address: string; pseudonym: boolean; port: number; proto: number } };

/**
 * What to select when a finding fires (gate.selectKey(kind, key, approvalId, criterionId)): the
 * pair for beacons, strobes and long connections, the server for fan-in and port indicators, the
 * external address for inbound scans, DDoS sources and address indicators, the domestic pseudonym
 * for outbound scans and DDoS on a domestic target. null when the finding names nothing to select.
 */
export function selectionKeyOf(f: Finding): SelectionKey | null {
  const dom = f.domestic[0];
  switch (f.type) {
    case 'beacon':
    case 'strobe':
    case 'long-connection':
    case 'exfiltration':
      return f.external && dom ? { kind: 'pair', key: { a: { address: dom, pseudonym: true }, b: { address: f.external, pseudonym: false } } } : null;
    case 'fan-in':
      return f.external ? { kind: 'server', key: { address: f.external, pseudonym: false, port: f.port, proto: f.proto } } : null;
    case 'indicator':
      if (!f.external) return null;
      return (f.evidence as { indicator?: { port?: number | null } }).indicator?.port != null
        ? { kind: 'server', key: { address: f.external, pseudonym: false, port: f.port, proto: f.proto } }
        : { kind: 'address', key: { address: f.external, pseudonym: false } };
    case 'scan':
    case 'ddos':
      if (f.external) return { kind: 'address', key: { address: f.external, pseudonym: false } };
      return dom ? { kind: 'address', key: { address: dom, pseudonym: true } } : null;
  }
}
