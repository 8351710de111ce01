/**
 * Scope: which flows cross the border. "Domestic" is an address set built from
 *   (the country's ranges from DB-IP, when `useCountryData`)  ∪ domesticPrefixes ∪ extraPrefixes
 *   − foreignPrefixes
 * so `--domestic 147.32.0.0/16` alone (useCountryData false) describes a university capture, and a
 * national deployment can add its own prefixes or carve ranges out. Lookups run on typed arrays.
 */
import type { FlowRecord } from '../flow/index.js';
import { AcdError } from '../shared/errors.js';
import { parsePrefix } from './cidr.js';
import { loadAsnTable4, loadAsnTable6, loadCountry4, loadCountry6, type AsnTable, type AsnTable4, type AsnTable6 } from './geodata.js';
import { RangeBuilder4, RangeBuilder6, type RangeSet4, type RangeSet6 } from './ranges.js';

export type ScopeClass = 'domestic-domestic' | 'foreign-domestic' | 'domestic-foreign' | 'foreign-foreign';

/** Classification codes for the hot path: bit 1 = source domestic, bit 0 = destination domestic. */
export const SCOPE_FOREIGN_FOREIGN = 0;
export const SCOPE_FOREIGN_DOMESTIC = 1;
export const SCOPE_DOMESTIC_FOREIGN = 2;
export const SCOPE_DOMESTIC_DOMESTIC = 3;
export const SCOPE_CLASSES: readonly ScopeClass[] = ['foreign-foreign', 'foreign-domestic', 'domestic-foreign', 'domestic-domestic'];

/** The approval category a classification falls under; domestic-domestic has none (dropped at the door). */
export type Category = 'foreign-domestic' | 'transit';

export function categoryOf(c: ScopeClass): Category | null {
  if (c === 'domestic-domestic') return null;
  return c === 'foreign-foreign' ? 'transit' : 'foreign-domestic';
}

export interface ScopeConfig {
  /** ISO 3166-1 alpha-2 country whose address space is domestic; default 'JP' */
  country?: string;
  /** load the country's ranges from the shipped DB-IP data */
  useCountryData: boolean;
  /** domestic prefixes (CIDR), e.g. from `--domestic` */
  domesticPrefixes?: readonly string[];
  /** more domestic prefixes (e.g. a configuration file's list on top of the command line's) */
  extraPrefixes?: readonly string[];
  /** prefixes that are never domestic, whatever the country data says */
  foreignPrefixes?: readonly string[];
  /**
   * count the addresses that are not globally routable (RFC 6890: private, loopback, link-local,
   * CGN, multicast, ULA…) as domestic: traffic to them never crosses a border, so a flow between a
   * domestic host and one of them is domestic↔domestic, and multicast is never "a foreign server"
   */
  localIsDomestic?: boolean;
}

/** Special-purpose ranges that are not globally reachable (RFC 6890 and its IANA registries). */
export const NON_GLOBAL_PREFIXES: readonly string[] = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24',
  '192.0.2.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
  '::/127', '::ffff:0:0/96', '100::/64', '2001:db8::/32', 'fc00::/7', 'fe80::/10', 'ff00::/8',
];

export interface Scope {
  readonly country: string | null;
  /** numbers of merged domestic ranges */
  readonly size: { v4: number; v6: number };
  isDomestic4(a: number): boolean;
  isDomestic6(b: Uint8Array): boolean;
  /** SCOPE_* code, allocation-free */
  classifyCode(rec: FlowRecord): number;
  classify(rec: FlowRecord): ScopeClass;
  /** AS number of an address (0 when unknown); loads the ASN table on first use */
  asn4(a: number): number;
  asn6(b: Uint8Array): number;
}

export function createScope(config: ScopeConfig, deps: { asnTable?: () => AsnTable } = {}): Scope {
  const country = (config.country ?? 'JP').toUpperCase();
  if (config.useCountryData && !/^[A-Z]{2}$/.test(country)) {
    throw new AcdError('SCOPE_BAD_CONFIG', `scope.country: '${config.country}' is not an ISO 3166-1 alpha-2 code`);
  }
  const b4 = new RangeBuilder4();
  const b6 = new RangeBuilder6();
  if (config.useCountryData) {
    loadCountry4(country, b4);
    loadCountry6(country, b6);
  }
  const lists: [string, readonly string[] | undefined, boolean][] = [
    ['domesticPrefixes', config.domesticPrefixes, true],
    ['extraPrefixes', config.extraPrefixes, true],
    ['localIsDomestic', config.localIsDomestic ? NON_GLOBAL_PREFIXES : undefined, true],
    ['foreignPrefixes', config.foreignPrefixes, false],
  ];
  for (const [field, list, add] of lists) {
    (list ?? []).forEach((text, i) => {
      const p = parsePrefix(text.trim());
      if (!p) throw new AcdError('SCOPE_BAD_CONFIG', `scope.${field}[${i}]: '${text}' is not a CIDR prefix`);
      if (p.family === 4) {
        if (add) b4.add(p.first, p.last);
        else b4.remove(p.first, p.last);
      } else if (add) b6.addWords(p.first, p.last);
      else b6.removeWords(p.first, p.last);
    });
  }
  if (!config.useCountryData && !config.domesticPrefixes?.length && !config.extraPrefixes?.length) {
    throw new AcdError('SCOPE_BAD_CONFIG', 'scope: no domestic address space: enable the country data or give domestic prefixes');
  }
  const d4: RangeSet4 = b4.build({ map24: true });
  const d6: RangeSet6 = b6.build();

  const { asn4, asn6 } = createAsnLookup(deps.asnTable);

  const isDomestic4 = (a: number): boolean => d4.has(a);
  const isDomestic6 = (b: Uint8Array): boolean => d6.find(b) >= 0;
  const classifyCode = (rec: FlowRecord): number =>
    rec.family === 4
      ? ((d4.has(rec.src4) ? 2 : 0) | (d4.has(rec.dst4) ? 1 : 0))
      : ((d6.find(rec.src6) >= 0 ? 2 : 0) | (d6.find(rec.dst6) >= 0 ? 1 : 0));

  return {
    country: config.useCountryData ? country : null,
    size: { v4: d4.size, v6: d6.size },
    isDomestic4,
    isDomestic6,
    classifyCode,
    classify: (rec) => SCOPE_CLASSES[classifyCode(rec)]!,
    asn4,
    asn6,
  };
}

/**
 * The AS lookup, loading the table on first use: the scope's own, and alone for a detector worker
 * (the gate ran at the collector, so it needs no domestic address space, only the AS numbers the
 * beacon detector demotes vendors by).
 */
const CACHE4 = 4096;

export function createAsnLookup(load?: () => AsnTable): Pick<Scope, 'asn4' | 'asn6'> {
  // default: each family's half of the shipped table, read once per process on first use (geodata.ts)
  let t4: AsnTable4 | null = null;
  let t6: AsnTable6 | null = null;
  let full: AsnTable | null = null;
  const cacheAddr = new Uint32Array(CACHE4);
  const cacheAsn = new Float64Array(CACHE4);
  const given = (): AsnTable => (full ??= load!());
  return {
    asn4(a) {
      // a direct-mapped cache of recent answers: a server is looked up once per new pair that reaches it
      const c = (Math.imul(a, 0x9e3779b1) >>> 20) & (CACHE4 - 1);
      if (cacheAsn[c] !== 0 && cacheAddr[c] === a >>> 0) return cacheAsn[c]! - 1;
      t4 ??= load ? given() : loadAsnTable4();
      const i = t4.v4.find(a);
      const as = i < 0 ? 0 : t4.v4asn[i]!;
      cacheAddr[c] = a; cacheAsn[c] = as + 1;
      return as;
    },
    asn6(b) {
      t6 ??= load ? given() : loadAsnTable6();
      const i = t6.v6.find(b);
      return i < 0 ? 0 : t6.v6asn[i]!;
    },
  };
}
