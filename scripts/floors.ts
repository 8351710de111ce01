/**
 * The floors of the house, checked on every `npm run lint` (docs/ARCHITECTURE.md):
 *  1. a part (a folder of src/) is entered only through its index.ts: an import from another part that names
 *     any other file of it is refused (src/shared/ is the kernel of errors, log and metrics every part uses and
 *     has no index: its files are imported by name);
 *  2. no cycle between parts (a → b → … → a through their imports, type-only imports included);
 *  3. a migration (src/store/migrations/) imports nothing but kysely and other migrations: a released migration
 *     must not change when live code does;
 *  4. no new module-level singleton keyed by a handle (a top-level `new WeakMap<object, …>`, the pattern of state
 *     kept per store handle outside the composition root): the ones of KNOWN_SINGLETONS are the debt #24 lists.
 * `checkFloors` is a pure function of the files' texts, so a test can hand it a deliberately wrong import.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

export interface FloorViolation { rule: 'index-only' | 'part-cycle' | 'migration-imports' | 'module-singleton'; file: string; message: string }

/** Module-level state per store handle that predates the rule (#24): to be built by the composition root instead. No new entry. */
export const KNOWN_SINGLETONS = new Set(['auth/token-cache.ts', 'store/store.ts', 'reports/filing.ts', 'reports/rules.ts', 'oversight/service.ts', 'oversight/audit-queue.ts']);

/** top-level `const x = new WeakMap<…>()` statements of a file keyed by a store handle (`<Kysely…>`, `<Store…>`, or `<object>` looked up with db/store) */
function moduleSingletons(file: string, text: string): string[] {
  if (!text.includes('WeakMap')) return [];
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) {
      const init = d.initializer;
      if (!init || !ts.isNewExpression(init) || init.expression.getText(sf) !== 'WeakMap') continue;
      const key = init.typeArguments?.[0]?.getText(sf) ?? '';
      const name = d.name.getText(sf);
      // keyed by a store handle: typed so, or looked up with one (`x.get(db)`, `x.set(ctx.store.db, …)`); a map keyed by
      // an error or a request object is not state per handle
      const byHandle = new RegExp(`\\b${name}\\.(get|set|has)\\(\\s*([\\w.]*\\.)?(db|store|trx|pool|handle)\\b`).test(text);
      if (/^(Kysely|Store|Database)\b/.test(key) || (key === 'object' && byHandle)) out.push(name);
    }
  }
  return out;
}

const KERNEL = 'shared';

function partOf(srcRel: string): string | null {
  const parts = srcRel.split('/');
  return parts.length > 1 ? parts[0]! : null;
}

/** files: path relative to src/ (with '/') → source text. */
export function checkFloors(files: Map<string, string>): FloorViolation[] {
  const out: FloorViolation[] = [];
  const edges = new Map<string, Map<string, string>>(); // part → part → first file seen making the edge
  for (const [file, text] of files) {
    const from = partOf(file);
    const isMigration = file.startsWith('store/migrations/');
    if (!KNOWN_SINGLETONS.has(file)) {
      for (const name of moduleSingletons(file, text)) {
        out.push({ rule: 'module-singleton', file, message: `${file}: '${name}' is module-level state keyed by a handle (a WeakMap<object, …>): build it in the composition root (server/start.ts, createX({config, deps})) and pass it` });
      }
    }
    for (const imp of ts.preProcessFile(text, true, true).importedFiles) {
      const spec = imp.fileName;
      if (!spec.startsWith('.')) {
        if (isMigration && spec !== 'kysely') out.push({ rule: 'migration-imports', file, message: `${file} imports '${spec}': a migration may import only kysely and other migrations` });
        continue;
      }
      const target = join(dirname(file), spec).split(sep).join('/').replace(/\.js$/, '.ts');
      if (target.startsWith('..')) continue; // outside src/
      if (isMigration && !target.startsWith('store/migrations/')) {
        out.push({ rule: 'migration-imports', file, message: `${file} imports '${spec}' (src/${target}): a migration may import only kysely and other migrations, never live code` });
      }
      const to = partOf(target);
      if (!from || !to || from === to) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      if (!edges.get(from)!.has(to)) edges.get(from)!.set(to, file);
      if (to !== KERNEL && target !== `${to}/index.ts`) {
        out.push({ rule: 'index-only', file, message: `${file} imports '${spec}' (src/${target}): import part ${to}/ through ${to}/index.ts` });
      }
    }
  }
  // part cycles: every strongly connected component of more than one part (Tarjan)
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const nodes = new Set<string>([...edges.keys(), ...[...edges.values()].flatMap((m) => [...m.keys()])]);
  const strong = (v: string): void => {
    idx.set(v, index); low.set(v, index); index++; stack.push(v); on.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1) {
        const inside = new Set(comp);
        const via = comp.flatMap((a) => [...(edges.get(a) ?? [])].filter(([b]) => inside.has(b)).map(([b, f]) => `${a} → ${b} (${f})`));
        out.push({ rule: 'part-cycle', file: comp.sort().join(', '), message: `parts import each other in a cycle: ${via.join('; ')}` });
      }
    }
  };
  for (const v of [...nodes].sort()) if (!idx.has(v)) strong(v);
  return out;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : /\.tsx?$/.test(n) && !n.endsWith('.d.ts') ? [p] : [];
  });
}

export function readSrc(root: string): Map<string, string> {
  const src = resolve(root, 'src');
  return new Map(walk(src).map((f) => [relative(src, f).split(sep).join('/'), readFileSync(f, 'utf8')]));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const v = checkFloors(readSrc(resolve(import.meta.dirname, '..')));
  for (const x of v) console.error(`floors: [${x.rule}] ${x.message}`);
  if (v.length) {
    console.error(`floors: ${v.length} violation(s); see scripts/floors.ts and docs/ARCHITECTURE.md`);
    process.exit(1);
  }
  console.log('floors: every import goes through a part\'s index.ts, no part cycle, migrations import no live code, no new module-level singleton');
}
