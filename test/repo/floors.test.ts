/**
 * The floors checker (scripts/floors.ts) fails on each kind of wrong import it exists for, and passes the
 * same files once the import is right.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { checkFloors, readSrc } from '../../scripts/floors.js';

const base = (): Map<string, string> => new Map([
  ['flow/index.ts', "export { decode } from './decode.js';"],
  ['flow/decode.ts', "import { AcdError } from '../shared/errors.js';\nexport const decode = 1;"],
  ['shared/errors.ts', 'export class AcdError {}'],
  ['detect/index.ts', "import { decode } from '../flow/index.js';\nexport const d = decode;"],
  ['store/migrations/001-x.ts', "import type { Kysely } from 'kysely';\nimport { y } from './002-y.js';\nexport const up = (_: Kysely<unknown>) => y;"],
  ['store/migrations/002-y.ts', 'export const y = 1;'],
]);

test('a tree that keeps the floors passes', () => {
  assert.deepEqual(checkFloors(base()), []);
});

test('an import past a part\'s index.ts is refused, naming the file and the part', () => {
  const f = base();
  f.set('detect/beacon.ts', "import { decode } from '../flow/decode.js';");
  const v = checkFloors(f);
  assert.equal(v.length, 1);
  assert.equal(v[0]!.rule, 'index-only');
  assert.match(v[0]!.message, /detect\/beacon\.ts imports '\.\.\/flow\/decode\.js'.*through flow\/index\.ts/);
});

test('a cycle between parts is refused (also through type-only imports), naming its edges', () => {
  const f = base();
  f.set('flow/record.ts', "import type { X } from '../detect/index.js';\nexport type R = X;");
  const v = checkFloors(f);
  assert.deepEqual(v.map((x) => x.rule), ['part-cycle']);
  assert.match(v[0]!.message, /detect → flow \(detect\/index\.ts\); flow → detect \(flow\/record\.ts\)|flow → detect \(flow\/record\.ts\); detect → flow \(detect\/index\.ts\)/);
});

test('a migration importing live code, or any package but kysely, is refused', () => {
  const f = base();
  f.set('store/migrations/003-z.ts', "import { decode } from '../../flow/index.js';\nimport pg from 'pg';\nexport const up = () => decode + pg;");
  const v = checkFloors(f).filter((x) => x.rule === 'migration-imports');
  assert.equal(v.length, 2);
  assert.ok(v.some((x) => /never live code/.test(x.message)));
  assert.ok(v.some((x) => /imports 'pg'/.test(x.message)));
});

test('the real tree keeps the floors: no import past an index.ts, no part cycle, no migration importing live code', () => {
  const v = checkFloors(readSrc(resolve(import.meta.dirname, '../..')));
  assert.deepEqual(v.map((x) => `[${x.rule}] ${x.message}`), []);
});
