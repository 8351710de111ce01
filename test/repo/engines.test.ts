/**
 * The project's Node range says what it runs on; no installed dependency may contradict it (`npm ci` warned
 * EBADENGINE when @nats-io/nuid 3 required Node >= 22 while package.json allowed 20). Every package the
 * lockfile records with an `engines.node` must accept every Node version the project's range accepts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import semver from 'semver';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[] }>;
};

test('the running Node is inside the project range', () => {
  assert.ok(semver.satisfies(process.version, pkg.engines.node), `${process.version} is outside ${pkg.engines.node}`);
});

test("no locked dependency's engines.node contradicts the project's range", () => {
  const contradicting: string[] = [];
  let checked = 0;
  for (const [path, entry] of Object.entries(lock.packages)) {
    const node = !path || Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (!node) continue;
    checked++;
    if (!semver.subset(pkg.engines.node, node)) contradicting.push(`${path} requires ${node}`);
  }
  assert.ok(checked > 20, `only ${checked} packages declare engines: is the lockfile read right?`);
  assert.deepEqual(contradicting, [], `the project allows ${pkg.engines.node}`);
});

test('the check catches a contradiction (a range that is not a subset)', () => {
  assert.equal(semver.subset('^20.19.0 || ^22.13.0', '>= 22.x'), false);
  assert.equal(semver.subset('^20.19.0 || ^22.13.0', '^18.18.0 || ^20.9.0 || >=21.1.0'), true);
});
