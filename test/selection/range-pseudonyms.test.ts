/**
 * Ranges in pseudonym space (selection/range-pseudonyms.ts): Crypto-PAn maps every address of a prefix
 * into the prefix's pseudonym block and no address outside it there, for IPv4 and IPv6, under several
 * random keys; the blocks of the keys in the store are those whose validity meets the window asked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { sql } from 'kysely';
import { CryptoPan, parsePrefix, pseudonymisePrefix, pseudonymisedRanges, type Prefix } from '../../src/selection/index.js';
import { openStore } from '../../src/store/index.js';

const inBlock4 = (p: Prefix, a: number) => p.family === 4 && p.first <= a && a <= p.last;

test('IPv4: every address of a prefix, and only those, lands in its pseudonym block', () => {
  for (let k = 0; k < 4; k++) {
    const pan = new CryptoPan(new Uint8Array(randomBytes(32)), { cache: false });
    for (const text of ['133.1.0.0/16', '133.1.16.0/20', '133.1.7.0/24', '133.1.7.9/32', '160.0.0.0/12']) {
      const p = parsePrefix(text)! as Extract<Prefix, { family: 4 }>;
      const block = pseudonymisePrefix(pan, p);
      assert.equal(block.length, p.length);
      const size = p.last - p.first + 1;
      for (let i = 0; i < 300; i++) {
        const inside = (p.first + randomInt(0, size)) >>> 0;
        assert.ok(inBlock4(block, pan.encrypt4(inside)), `${text}: an inside address`);
        // an address just outside (either side) or anywhere else in the space
        const outside = [(p.first - 1 - randomInt(0, 1 << 16)) >>> 0, (p.last + 1 + randomInt(0, 1 << 16)) >>> 0][i % 2]!;
        if (outside >= p.first && outside <= p.last) continue;
        assert.ok(!inBlock4(block, pan.encrypt4(outside)), `${text}: an outside address`);
      }
    }
  }
});

test('IPv6: the same for a /32 and a /48', () => {
  const pan = new CryptoPan(new Uint8Array(randomBytes(32)), { cache: false });
  for (const text of ['2400:4000::/32', '2400:4000:12::/48']) {
    const p = parsePrefix(text)! as Extract<Prefix, { family: 6 }>;
    const block = pseudonymisePrefix(pan, p) as Extract<Prefix, { family: 6 }>;
    const within = (w: Uint32Array) => [0, 1, 2, 3].every((i) => block.first[i]! <= w[i]! && w[i]! <= block.last[i]!);
    for (let i = 0; i < 200; i++) {
      const b = new Uint8Array(randomBytes(16));
      const pb = new Uint8Array(16);
      // inside: the prefix's bits, random host bits; outside: flip one bit of the prefix
      for (let j = 0; j < 16; j++) {
        const bits = Math.max(0, Math.min(8, p.length - j * 8));
        const m = bits === 0 ? 0 : (0xff << (8 - bits)) & 0xff;
        const pw = (p.first[j >> 2]! >>> (24 - (j & 3) * 8)) & 0xff;
        pb[j] = (pw & m) | (b[j]! & ~m & 0xff);
      }
      const enc = (x: Uint8Array) => {
        const o = pan.encrypt6(x);
        return new Uint32Array([0, 1, 2, 3].map((w) => ((o[w * 4]! << 24) | (o[w * 4 + 1]! << 16) | (o[w * 4 + 2]! << 8) | o[w * 4 + 3]!) >>> 0));
      };
      assert.ok(within(enc(pb)), `${text}: inside`);
      const out = new Uint8Array(pb);
      const bit = randomInt(0, p.length);
      out[bit >> 3] = out[bit >> 3]! ^ (0x80 >> (bit & 7));
      assert.ok(!within(enc(out)), `${text}: outside`);
    }
  }
});

test('the blocks are made under the stored keys whose validity meets the window', async () => {
  const store = await openStore({ data: 'memory://' });
  try {
    const k1 = randomBytes(32);
    const k2 = randomBytes(32);
    await sql`insert into pseudonym_keys (id, key_bytes, valid_from, valid_to) values ('k1', ${k1}, '2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z'), ('k2', ${k2}, '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z')`.execute(store.db);
    const p = parsePrefix('133.1.0.0/16')!;
    const all = await pseudonymisedRanges(store.db, [p]);
    assert.deepEqual(all.map((k) => k.keyId), ['k1', 'k2']);
    const nov = await pseudonymisedRanges(store.db, [p], { from: new Date('2026-11-10T00:00:00Z'), to: new Date('2026-11-11T00:00:00Z') });
    assert.deepEqual(nov.map((k) => k.keyId), ['k2']);
    assert.deepEqual(nov[0]!.prefixes[0], pseudonymisePrefix(new CryptoPan(new Uint8Array(k2), { cache: false }), p));
    assert.deepEqual(await pseudonymisedRanges(store.db, []), []);
  } finally {
    await store.close();
  }
});
