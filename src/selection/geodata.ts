/**
 * Shipped address data: country ranges from @ip-location-db/dbip-country and AS numbers from
 * @ip-location-db/asn, both read from their `*-num.csv` files into typed arrays.
 *
 * The country loader scans the file's bytes and parses only the lines of the one country it is asked
 * for (about 14 k IPv4 and 9 k IPv6 lines for JP out of 700 k), so loading takes tens of milliseconds.
 * The ASN table is larger (515 k IPv4 ranges): each family's half is read once per process, when an
 * address of that family is first asked for (loadAsnTable4 / loadAsnTable6).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { RangeBuilder4, RangeBuilder6, RangeSet4, RangeSet6, bigToWords, wordsToBig } from './ranges.js';
import { cmp128, decimalToWords } from './cidr.js';
import { selectionError } from './errors.js';

/** Credit the data wherever it is used (UI footer, README, `acd --version`): CC BY 4.0 requires it. */
export const ATTRIBUTION = {
  country:
    'IP to Country Lite data by DB-IP (https://db-ip.com), CC BY 4.0, via @ip-location-db/dbip-country (https://github.com/sapics/ip-location-db)',
  asn: 'IP to ASN data by RouteViews (https://www.routeviews.org), NRO and DB-IP (https://db-ip.com), CC BY 4.0, via @ip-location-db/asn (https://github.com/sapics/ip-location-db)',
  html: "<a href='https://db-ip.com'>IP Geolocation by DB-IP</a>",
} as const;

const require = createRequire(import.meta.url);

function packageDir(name: string): string {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    throw selectionError('GEODATA_MISSING', `the npm package ${name} is not installed: run npm install`);
  }
}

function readData(pkg: string, file: string): Buffer {
  const path = join(packageDir(pkg), file);
  try {
    return readFileSync(path);
  } catch {
    throw selectionError('GEODATA_MISSING', `cannot read ${path}`);
  }
}

/** Calls `line(start, end)` with byte offsets [start, end) of each line whose last field equals `cc`. */
function eachCountryLine(buf: Buffer, cc: string, line: (start: number, end: number) => void): void {
  const c0 = cc.charCodeAt(0);
  const c1 = cc.charCodeAt(1);
  const n = buf.length;
  let start = 0;
  while (start < n) {
    let nl = buf.indexOf(10, start);
    if (nl < 0) nl = n;
    let e = nl;
    if (e > start && buf[e - 1] === 13) e--;
    if (e - start > 3 && buf[e - 1] === c1 && buf[e - 2] === c0 && buf[e - 3] === 44) line(start, e - 3);
    start = nl + 1;
  }
}

function parseUint(buf: Buffer, s: number, e: number): number {
  let v = 0;
  for (let i = s; i < e; i++) v = v * 10 + (buf[i]! - 48);
  return v;
}

/** The IPv4 ranges of country `cc` (ISO 3166-1 alpha-2), added to `into`. */
export function loadCountry4(cc: string, into: RangeBuilder4 = new RangeBuilder4()): RangeBuilder4 {
  const buf = readData('@ip-location-db/dbip-country', 'dbip-country-ipv4-num.csv');
  eachCountryLine(buf, cc.toUpperCase(), (s, e) => {
    const comma = buf.indexOf(44, s);
    into.add(parseUint(buf, s, comma), parseUint(buf, comma + 1, e));
  });
  return into;
}

/** The IPv6 ranges of country `cc`, added to `into`. */
export function loadCountry6(cc: string, into: RangeBuilder6 = new RangeBuilder6()): RangeBuilder6 {
  const buf = readData('@ip-location-db/dbip-country', 'dbip-country-ipv6-num.csv');
  eachCountryLine(buf, cc.toUpperCase(), (s, e) => {
    const comma = buf.indexOf(44, s);
    into.add(BigInt(buf.toString('latin1', s, comma)), BigInt(buf.toString('latin1', comma + 1, e)));
  });
  return into;
}

/** ASN lookup tables: ranges (not merged: neighbours differ in AS) and the AS number of each. */
export interface AsnTable {
  v4: RangeSet4;
  v4asn: Uint32Array;
  v6: RangeSet6;
  v6asn: Uint32Array;
}

/** The IPv4 half of the ASN table: ranges and the AS number of each. */
export interface AsnTable4 { v4: RangeSet4; v4asn: Uint32Array }
/** The IPv6 half of the ASN table. */
export interface AsnTable6 { v6: RangeSet6; v6asn: Uint32Array }

// The shipped data never changes while a process runs: each half is read once per process, when an
// address of its family is first looked up (an IPv4-only input never reads the IPv6 file), and shared
// by every scope, pipeline and detector set after (read-only typed arrays).
let cached4: AsnTable4 | null = null;
let cached6: AsnTable6 | null = null;

/** Reads asn-ipv4-num.csv (515 k ranges; ~0.1 s) into typed arrays, once per process. */
export function loadAsnTable4(): AsnTable4 {
  if (cached4) return cached4;
  const b4 = readData('@ip-location-db/asn', 'asn-ipv4-num.csv');
  const n4 = countLines(b4);
  const s4 = new Uint32Array(n4);
  const e4 = new Uint32Array(n4);
  const a4 = new Uint32Array(n4);
  let i4 = 0;
  eachField3(b4, (l, f1, f2, f3) => {
    s4[i4] = parseUint(b4, l, f1);
    e4[i4] = parseUint(b4, f1 + 1, f2);
    a4[i4++] = parseUint(b4, f2 + 1, f3);
  });
  // The shipped data has a few overlapping rows (its README warns of data bugs): where a row starts
  // inside the previous one, the previous one is cut short so the ranges stay sorted and disjoint.
  for (let i = 1; i < i4; i++) {
    if (s4[i]! <= s4[i - 1]!) throw selectionError('GEODATA_BAD', `asn-ipv4-num.csv is not sorted at row ${i + 1}`);
    if (s4[i]! <= e4[i - 1]!) e4[i - 1] = s4[i]! - 1;
  }
  cached4 = { v4: new RangeSet4(s4.subarray(0, i4), e4.subarray(0, i4)), v4asn: a4.subarray(0, i4) };
  return cached4;
}

/** Reads asn-ipv6-num.csv (decimal 128-bit bounds; ~0.2 s) into typed arrays, once per process. */
export function loadAsnTable6(): AsnTable6 {
  if (cached6) return cached6;
  const b6 = readData('@ip-location-db/asn', 'asn-ipv6-num.csv');
  const n6 = countLines(b6);
  const s6 = new Uint32Array(n6 * 4);
  const e6 = new Uint32Array(n6 * 4);
  const a6 = new Uint32Array(n6);
  let i6 = 0;
  eachField3(b6, (l, f1, f2, f3) => {
    decimalToWords(b6.toString('latin1', l, f1), s6, i6 * 4);
    decimalToWords(b6.toString('latin1', f1 + 1, f2), e6, i6 * 4);
    a6[i6++] = parseUint(b6, f2 + 1, f3);
  });
  for (let i = 1; i < i6; i++) {
    if (cmp128(s6, i * 4, s6, (i - 1) * 4) <= 0) throw selectionError('GEODATA_BAD', `asn-ipv6-num.csv is not sorted at row ${i + 1}`);
    if (cmp128(s6, i * 4, e6, (i - 1) * 4) <= 0) bigToWords(wordsToBig(s6, i * 4) - 1n, e6, (i - 1) * 4);
  }
  cached6 = { v6: new RangeSet6(s6.subarray(0, i6 * 4), e6.subarray(0, i6 * 4)), v6asn: a6.subarray(0, i6) };
  return cached6;
}

/** Both halves (each read once per process; see loadAsnTable4 / loadAsnTable6). */
export function loadAsnTable(): AsnTable {
  return { ...loadAsnTable4(), ...loadAsnTable6() };
}

/** The country of each address range (DB-IP country lite): ranges and the code of each, two ASCII letters as (c0 << 8) | c1. */
export interface CountryTable4 { v4: RangeSet4; v4cc: Uint16Array }
/** The IPv6 half of the country table. */
export interface CountryTable6 { v6: RangeSet6; v6cc: Uint16Array }

let country4: CountryTable4 | null = null;
let country6: CountryTable6 | null = null;

/** A two-letter code field [s, e) as (c0 << 8) | c1, or 0 when it is not two capital letters. */
function ccField(buf: Buffer, s: number, e: number): number {
  const c0 = buf[s]!;
  const c1 = buf[s + 1]!;
  let end = e;
  if (end > s && buf[end - 1] === 13) end--;
  return end - s === 2 && c0 >= 65 && c0 <= 90 && c1 >= 65 && c1 <= 90 ? (c0 << 8) | c1 : 0;
}

/** The code a country table holds, as text ('JP'). */
export function countryText(code: number): string {
  return String.fromCharCode(code >> 8, code & 255);
}

/**
 * Reads dbip-country-ipv4-num.csv (356 k ranges) into typed arrays, once per process: the country of
 * any IPv4 address (loadCountry4 instead reads one country's ranges only, for the gate's scope).
 */
export function loadCountryTable4(): CountryTable4 {
  if (country4) return country4;
  const b = readData('@ip-location-db/dbip-country', 'dbip-country-ipv4-num.csv');
  const n = countLines(b);
  const st = new Uint32Array(n);
  const en = new Uint32Array(n);
  const cc = new Uint16Array(n);
  let k = 0;
  eachField3(b, (l, f1, f2, f3) => {
    st[k] = parseUint(b, l, f1);
    en[k] = parseUint(b, f1 + 1, f2);
    cc[k++] = ccField(b, f2 + 1, f3);
  });
  for (let i = 1; i < k; i++) {
    if (st[i]! <= st[i - 1]!) throw selectionError('GEODATA_BAD', `dbip-country-ipv4-num.csv is not sorted at row ${i + 1}`);
    if (st[i]! <= en[i - 1]!) en[i - 1] = st[i]! - 1;
  }
  country4 = { v4: new RangeSet4(st.subarray(0, k), en.subarray(0, k)), v4cc: cc.subarray(0, k) };
  return country4;
}

/** Reads dbip-country-ipv6-num.csv (346 k ranges, decimal 128-bit bounds) into typed arrays, once per process. */
export function loadCountryTable6(): CountryTable6 {
  if (country6) return country6;
  const b = readData('@ip-location-db/dbip-country', 'dbip-country-ipv6-num.csv');
  const n = countLines(b);
  const st = new Uint32Array(n * 4);
  const en = new Uint32Array(n * 4);
  const cc = new Uint16Array(n);
  let k = 0;
  eachField3(b, (l, f1, f2, f3) => {
    decimalToWords(b.toString('latin1', l, f1), st, k * 4);
    decimalToWords(b.toString('latin1', f1 + 1, f2), en, k * 4);
    cc[k++] = ccField(b, f2 + 1, f3);
  });
  for (let i = 1; i < k; i++) {
    if (cmp128(st, i * 4, st, (i - 1) * 4) <= 0) throw selectionError('GEODATA_BAD', `dbip-country-ipv6-num.csv is not sorted at row ${i + 1}`);
    if (cmp128(st, i * 4, en, (i - 1) * 4) <= 0) bigToWords(wordsToBig(st, i * 4) - 1n, en, (i - 1) * 4);
  }
  country6 = { v6: new RangeSet6(st.subarray(0, k * 4), en.subarray(0, k * 4)), v6cc: cc.subarray(0, k) };
  return country6;
}

function countLines(buf: Buffer): number {
  let n = 0;
  let i = -1;
  while ((i = buf.indexOf(10, i + 1)) >= 0) n++;
  return n + 1;
}

/** Calls `f(lineStart, comma1, comma2, comma3OrEnd)` for each non-empty line (the 4th field, a name, is skipped). */
function eachField3(buf: Buffer, f: (l: number, c1: number, c2: number, c3: number) => void): void {
  const n = buf.length;
  let start = 0;
  while (start < n) {
    let nl = buf.indexOf(10, start);
    if (nl < 0) nl = n;
    if (nl > start) {
      const c1 = buf.indexOf(44, start);
      const c2 = buf.indexOf(44, c1 + 1);
      let c3 = buf.indexOf(44, c2 + 1);
      if (c3 < 0 || c3 > nl) c3 = nl;
      if (c1 > start && c2 > c1 && c2 < nl) f(start, c1, c2, c3);
    }
    start = nl + 1;
  }
}
