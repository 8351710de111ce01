/**
 * `npm run bench -- links`: linking stored findings to operators' registered ranges (src/vuln/links.ts) on
 * the embedded store. LINKS_BENCH_FINDINGS findings (default 50 000, 1-8 domestic pseudonyms each, 2 % of
 * them in a registered range) and 40 operators' /16 ranges under one pseudonym key; the reads that narrow
 * the findings in the store by the text prefix of each range's pseudonym block, against the same read
 * forced to consider every finding (an IPv6 range in the set turns the narrowing off) in the same run.
 * Both must find the same links. Also one operator's read (one range), as its alerts are read.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { SYSTEM_ACTOR, createOrganisation } from '../../src/auth/index.js';
import type { Finding } from '../../src/detect/index.js';
import { createFindingWriter } from '../../src/findings/index.js';
import { ipv4ToString } from '../../src/flow/index.js';
import { CryptoPan } from '../../src/selection/index.js';
import { openStore, type Database } from '../../src/store/index.js';
import { linksOfOrgs } from '../../src/vuln/index.js';
import { measure, report } from '../lib.js';

const FINDINGS = Number(process.env.LINKS_BENCH_FINDINGS ?? 50_000);
const OPERATORS = 40;
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = (n: number) => Math.floor(rnd() * n);

const store = await openStore({ data: 'memory://' });
const db = store.db as Kysely<Database>;
const key = randomBytes(32);
const pan = new CryptoPan(new Uint8Array(key), { cache: false });
const at = Date.parse('2026-11-20T00:00:00Z');
await sql`insert into pseudonym_keys (id, key_bytes, valid_from, valid_to) values ('bench', ${key}, ${new Date(at - 86_400_000)}, ${new Date(at + 86_400_000)})`.execute(db);
const nets: number[] = [];
const orgIds: string[] = [];
for (let i = 0; i < OPERATORS; i++) {
  const org = await createOrganisation(db, SYSTEM_ACTOR, { name: `bench operator ${i}`, kind: 'operator', sector: 'electricity' });
  orgIds.push(org.id);
  const net = ((133 << 24) | ((i + 1) << 16)) >>> 0;
  nets.push(net);
  await sql`insert into operator_ranges (id, org_id, cidr, family, prefix_length, first_hex, last_hex, created_by, created_at, updated_at)
    values (${`r${i}`}, ${org.id}, ${`133.${i + 1}.0.0/16`}, 4, 16, ${'0'.repeat(20) + 'ffff' + net.toString(16).padStart(8, '0')}, ${'0'.repeat(20) + 'ffff' + ((net | 0xffff) >>> 0).toString(16).padStart(8, '0')}, 'bench', now(), now())`.execute(db);
}
const w = createFindingWriter(db, { maxPending: FINDINGS + 1 });
let expected = 0;
for (let i = 0; i < FINDINGS; i++) {
  const n = 1 + pick(8);
  const hit = rnd() < 0.02;
  if (hit) expected++;
  const domestic = Array.from({ length: n }, (_, j) => {
    const a = hit && j === 0 ? (nets[pick(OPERATORS)]! | pick(0xffff)) >>> 0 : (((126 + pick(2)) << 24) | pick(0xffffff)) >>> 0;
    return ipv4ToString(pan.encrypt4(a));
  });
  const f: Finding = { type: 'scan', key: `scan|${i}`, external: `45.${pick(256)}.${pick(256)}.${pick(256)}`, port: 22, proto: 6, direction: 'inbound', domestic, domesticCount: n, firstSeen: at, lastSeen: at + 60_000, score: 0.9, subscores: {}, evidence: {}, updates: 1 };
  w.push(f);
  // the writer sends its pending findings in one statement: more than ~4 300 overflow the protocol's
  // 65 535 parameters (findings/writer.ts; reported), so the bench flushes in steps
  if (i % 4000 === 3999) await w.flush();
}
await w.flush();

const count = (m: Map<string, unknown[]>) => [...m.values()].reduce((s, l) => s + l.length, 0);
let narrowed = new Map<string, unknown[]>();
const sub = await measure(async () => {
  narrowed = await linksOfOrgs(db);
  return FINDINGS;
});
// one operator's read (its alerts): only its own range narrows the findings
let one = new Map<string, unknown[]>();
const single = await measure(async () => {
  one = await linksOfOrgs(db, [orgIds[0]!]);
  return FINDINGS;
});
// the baseline: one IPv6 range (matching nothing) turns the narrowing off, so every finding is read and compared
const org = await createOrganisation(db, SYSTEM_ACTOR, { name: 'bench v6', kind: 'operator', sector: 'electricity' });
await sql`insert into operator_ranges (id, org_id, cidr, family, prefix_length, first_hex, last_hex, created_by, created_at, updated_at)
  values ('range-v6', ${org.id}, '2400:4000::/32', 6, 32, '24004000000000000000000000000000', '24004000ffffffffffffffffffffffff', 'bench', now(), now())`.execute(db);
let full = new Map<string, unknown[]>();
const base = await measure(async () => {
  full = await linksOfOrgs(db);
  return FINDINGS;
});
assert.equal(count(narrowed), expected, 'every planted link is found');
assert.equal(count(full), count(narrowed), 'the narrowed read finds what the full one does');
console.log(`${FINDINGS} findings, ${OPERATORS} operators' /16 ranges, ${expected} findings in a range`);
report('links: narrowed by pseudonym block prefixes', sub, base, 'findings', 'every finding read');
report("links: one operator's read", single, base, 'findings', 'every finding read');
assert.ok(count(one) <= count(narrowed));
await store.close();
