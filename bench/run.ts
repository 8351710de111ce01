/**
 * `npm run bench [-- FILTER]`: runs every bench/**\/*.bench.ts in its own process, one after another
 * (so one benchmark's heap and JIT state do not colour the next), printing what each prints.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (p.endsWith('.bench.ts')) out.push(p);
  }
  return out.sort();
}

const filter = process.argv[2];
const root = new URL('.', import.meta.url).pathname;
const files = find(root).filter((f) => !filter || f.includes(filter));
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${relative(root, f)} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', f], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`!!! ${relative(root, f)} exited with ${r.status}`);
  }
}
if (files.length === 0) console.log(`no benchmark matches ${filter ?? ''}`);
process.exit(failed ? 1 : 0);
