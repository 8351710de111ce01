import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { ipv4ToString, ipv6ToString, parseIpv4, parseIpv6 } from '../../src/flow/index.js';
import { CryptoPan, createPseudonymiser, depseudonymise, generatePseudonymKey, parseKeyHex } from '../../src/selection/index.js';
import { AcdError } from '../../src/shared/errors.js';

const VECTORS = new URL('./fixtures/cryptopan-vectors.json', import.meta.url);
const vectors = JSON.parse(readFileSync(VECTORS, 'utf8')) as {
  key_bytes: number[];
  ipv4_sample: [string, string][];
  ipv6: [string, string][];
};
const KEY = Uint8Array.from(vectors.key_bytes);

for (const cache of [true, false]) {
  test(`Crypto-PAn: every IPv4 reference vector (cache ${cache ? 'on' : 'off'}), and back`, () => {
    assert.ok(vectors.ipv4_sample.length >= 9);
    const pan = new CryptoPan(KEY, { cache });
    for (const [orig, anon] of vectors.ipv4_sample) {
      assert.equal(ipv4ToString(pan.encrypt4(parseIpv4(orig))), anon, `${orig} → ${anon}`);
      // again, so a cached result is checked too
      assert.equal(ipv4ToString(pan.encrypt4(parseIpv4(orig))), anon, `${orig} → ${anon} (second time)`);
      assert.equal(ipv4ToString(pan.decrypt4(parseIpv4(anon))), orig, `${anon} ← ${orig}`);
    }
  });

  test(`Crypto-PAn: every IPv6 reference vector (cache ${cache ? 'on' : 'off'}), and back`, () => {
    assert.ok(vectors.ipv6.length >= 5);
    const pan = new CryptoPan(KEY, { cache });
    for (const [orig, anon] of vectors.ipv6) {
      for (let i = 0; i < 2; i++) assert.equal(ipv6ToString(pan.encrypt6(parseIpv6(orig)!)), anon, `${orig} → ${anon}`);
      assert.equal(ipv6ToString(pan.decrypt6(parseIpv6(anon)!)), orig, `${anon} ← ${orig}`);
    }
  });
}

const commonPrefix32 = (a: number, b: number): number => Math.clz32((a ^ b) >>> 0);
const commonPrefix128 = (a: Uint8Array, b: Uint8Array): number => {
  for (let i = 0; i < 16; i++) {
    const x = a[i]! ^ b[i]!;
    if (x) return i * 8 + Math.clz32(x) - 24;
  }
  return 128;
};

test('Crypto-PAn IPv4 preserves prefixes exactly, and the cache agrees with the cipher (fast-check, seed 11)', () => {
  const cached = new CryptoPan(KEY, { cacheBits: 8 });
  const plain = new CryptoPan(KEY, { cache: false });
  // pairs sharing a random prefix length, so long shared prefixes are common
  const pair = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(
    ([a, r, k]) => [a >>> 0, ((a & (k === 0 ? 0 : ~0 << (32 - k))) | (r & (k === 32 ? 0 : ~0 >>> k))) >>> 0] as const,
  );
  fc.assert(
    fc.property(pair, ([a, b]) => {
      const pa = cached.encrypt4(a);
      const pb = cached.encrypt4(b);
      assert.equal(commonPrefix32(pa, pb), commonPrefix32(a, b));
      assert.equal(pa, plain.encrypt4(a));
      assert.equal(plain.decrypt4(pa), a);
    }),
    { seed: 11, numRuns: 2000 },
  );
});

test('Crypto-PAn IPv6 preserves prefixes exactly, and the cache agrees with the cipher (fast-check, seed 12)', () => {
  const cached = new CryptoPan(KEY, { cacheBits: 6 });
  const plain = new CryptoPan(KEY, { cache: false });
  const pair = fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 128 })).map(([a, r, k]) => {
    const b = a.slice();
    for (let bit = k; bit < 128; bit++) {
      const m = 0x80 >> (bit & 7);
      b[bit >> 3] = (b[bit >> 3]! & ~m) | (r[bit >> 3]! & m);
    }
    return [a, b] as const;
  });
  fc.assert(
    fc.property(pair, ([a, b]) => {
      const pa = cached.encrypt6(a);
      const pb = cached.encrypt6(b);
      assert.equal(commonPrefix128(pa, pb), commonPrefix128(a, b));
      assert.deepEqual(pa, plain.encrypt6(a));
    }),
    { seed: 12, numRuns: 300 },
  );
});

test('Crypto-PAn: different keys give different pseudonyms; a key is 32 bytes', () => {
  const a = new CryptoPan(KEY);
  const other = KEY.slice();
  other[0] = other[0]! ^ 1;
  const b = new CryptoPan(other);
  assert.notEqual(a.encrypt4(parseIpv4('133.11.0.1')), b.encrypt4(parseIpv4('133.11.0.1')));
  assert.throws(() => new CryptoPan(new Uint8Array(16)), (e: AcdError) => e.code === 'CRYPTOPAN_BAD_KEY' && /32 bytes/.test(e.message));
});

test('pseudonym keys rotate by period; overlapping periods and bad keys are rejected naming the field', () => {
  const day = 86_400_000;
  const k1 = generatePseudonymKey('k1', 0, 10 * day);
  const k2 = generatePseudonymKey('k2', 10 * day, 20 * day);
  const kA = generatePseudonymKey('kA', 0, 20 * day, 'appr-A');
  const p = createPseudonymiser({ keys: [k1] });
  assert.equal(p.keyFor(5 * day)?.id, 'k1');
  assert.equal(p.keyFor(15 * day), null, 'no key after k1 ends until rotation');
  p.addKey(k2);
  assert.equal(p.keyFor(15 * day)?.id, 'k2');
  assert.equal(p.keyFor(5 * day)?.id, 'k1');
  p.addKey(kA);
  assert.equal(p.keyFor(5 * day, 'appr-A')?.id, 'kA', 'a key bound to an approval wins for it');
  assert.equal(p.keyFor(5 * day, 'appr-B')?.id, 'k1');
  assert.throws(() => p.addKey(generatePseudonymKey('k3', 19 * day, 30 * day)), (e: AcdError) => /pseudonymKey.validFrom: .*overlaps key k2/.test(e.message));
  assert.throws(() => p.addKey({ id: 'k4', key: new Uint8Array(31), validFrom: 30 * day, validTo: 40 * day }), (e: AcdError) => /pseudonymKey.key: must be 32 bytes/.test(e.message));
  assert.throws(() => p.addKey(generatePseudonymKey('k1', 50 * day, 60 * day)), (e: AcdError) => /pseudonymKey.id: 'k1' exists already/.test(e.message));
  assert.deepEqual(p.keys().map((k) => k.id), ['k1', 'k2', 'kA']);
  assert.ok(!JSON.stringify(p.keys()).includes('key":'), 'key listings carry no key bytes');
  assert.equal(p.removeKey('k2'), true);
  assert.equal(p.keyFor(15 * day), null);
});

test('depseudonymise needs a decision id and returns what the caller audits', () => {
  const p = createPseudonymiser({ keys: [{ id: 'ref', key: KEY, validFrom: 0, validTo: 1e15 }] });
  const [orig4, anon4] = vectors.ipv4_sample[0]!;
  const [orig6, anon6] = vectors.ipv6[3]!;
  assert.deepEqual(depseudonymise(p, { keyId: 'ref', pseudonym: anon4, decisionId: 'D-2026-17' }), {
    address: orig4,
    pseudonym: anon4,
    keyId: 'ref',
    decisionId: 'D-2026-17',
  });
  assert.equal(depseudonymise(p, { keyId: 'ref', pseudonym: anon6, decisionId: 'D-2026-17' }).address, orig6);
  assert.throws(() => depseudonymise(p, { keyId: 'ref', pseudonym: anon4, decisionId: ' ' }), (e: AcdError) => e.code === 'REIDENTIFY_NO_DECISION' && e.status === 403);
  assert.throws(() => depseudonymise(p, { keyId: 'nope', pseudonym: anon4, decisionId: 'D-1' }), (e: AcdError) => e.code === 'REIDENTIFY_NO_KEY');
  assert.throws(() => depseudonymise(p, { keyId: 'ref', pseudonym: 'x.y', decisionId: 'D-1' }), (e: AcdError) => e.code === 'REIDENTIFY_BAD_ADDRESS');
});

test('parseKeyHex reads 64 hex digits and rejects anything else', () => {
  const hex = Buffer.from(KEY).toString('hex');
  assert.deepEqual(parseKeyHex(`${hex.slice(0, 32)}\n${hex.slice(32)}\n`), KEY);
  assert.throws(() => parseKeyHex(hex.slice(2)), (e: AcdError) => e.code === 'PSEUDONYM_BAD_KEY');
  assert.throws(() => parseKeyHex(`zz${hex.slice(2)}`), (e: AcdError) => e.code === 'PSEUDONYM_BAD_KEY');
});

test('Crypto-PAn IPv4 cache under eviction: a tiny two-way table, busy /24s sharing sets, agrees with the cipher (seed 13)', () => {
  for (const cacheBits of [1, 2, 3]) {
    const cached = new CryptoPan(KEY, { cacheBits });
    const plain = new CryptoPan(KEY, { cache: false });
    // 12 /24s fighting over 1–4 sets: hits in either slot, moves and drops all happen
    const nets = Array.from({ length: 12 }, (_, i) => (((i * 2654435761) >>> 0) & 0xffffff00) >>> 0);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 255 })), { minLength: 50, maxLength: 200 }), (xs) => {
        for (const [n, host] of xs) {
          const a = (nets[n]! | host) >>> 0;
          assert.equal(cached.encrypt4(a), plain.encrypt4(a), `cacheBits ${cacheBits}: ${a}`);
        }
      }),
      { seed: 13, numRuns: 100 },
    );
  }
});
