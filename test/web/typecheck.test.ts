/**
 * The dashboard (web/) has its own TypeScript configuration (DOM, JSX, bundler resolution), so the
 * root typecheck does not cover it: this checks it the same way (`npm run typecheck:web`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');

test('web/ typechecks with its own tsconfig (strict, noUncheckedIndexedAccess, react-jsx)', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'web/tsconfig.json')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `tsc -p web/tsconfig.json failed:\n${r.stdout}${r.stderr}`);
});
