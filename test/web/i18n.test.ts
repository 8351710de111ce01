/**
 * Japanese throughout (#22): every English text the dashboard shows through i18next (t('…') calls and
 * the section titles, captions, empty states, button labels and "not available" names the shared
 * components translate) has its Japanese in web/src/locales/ja.ts, and every field of every request
 * body in the server's OpenAPI document has a label in both languages in web/src/locales/fields.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ja } from '../../web/src/locales/ja.js';
import { FIELD_LABELS } from '../../web/src/locales/fields.js';
import { createTestApp } from '../helpers/app.js';

const SRC = join(import.meta.dirname, '../../web/src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === 'locales' ? [] : sources(join(dir, e.name))) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []));
}

/** the English texts the sources hand to i18next */
export function englishTexts(code: string): string[] {
  const found = new Set<string>();
  const literal = `'((?:[^'\\\\]|\\\\.)*)'`;
  for (const re of [
    new RegExp(`\\bt\\(${literal}`, 'g'),
    new RegExp(`\\btr\\(${literal}`, 'g'),
    new RegExp(`\\bi18n\\.t\\(${literal}`, 'g'),
    /\b(?:title|empty|caption|submitLabel|what)="([^"]+)"/g,
    /\btitle: '([^']+)', roles/g,
  ]) {
    for (const m of code.matchAll(re)) found.add(m[1]!.replace(/\\'/g, "'"));
  }
  return [...found];
}

test('every text handed to i18next has its Japanese', () => {
  const missing: string[] = [];
  let seen = 0;
  for (const file of sources(SRC)) {
    for (const text of englishTexts(readFileSync(file, 'utf8'))) {
      seen++;
      if (!(text in ja)) missing.push(`${file.slice(SRC.length + 1)}: ${text}`);
    }
  }
  assert.ok(seen > 150, `only ${seen} texts found: the scan is broken`);
  assert.deepEqual(missing, []);
});

test('the scan finds what it should (it can fail)', () => {
  assert.deepEqual(englishTexts(`t('Log in'); <Section title="Findings" />; i18n.t('it\\'s', {}); tr('x')`).sort(), ['Findings', 'Log in', "it's", 'x']);
  assert.equal('No such text in the table' in ja, false);
});

test('every request field of the API has a label in English and Japanese', async () => {
  const t = await createTestApp();
  try {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/docs/json' })).json() as { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: unknown }> } }>>; components?: { schemas?: Record<string, unknown> } };
    type S = { $ref?: string; properties?: Record<string, S>; items?: S; anyOf?: S[]; oneOf?: S[] };
    const keys = new Set<string>();
    const walk = (s: S | undefined, depth: number): void => {
      if (!s || depth > 10) return;
      if (s.$ref) return walk(doc.components?.schemas?.[s.$ref.split('/').pop()!] as S, depth + 1);
      for (const [k, v] of Object.entries(s.properties ?? {})) {
        keys.add(k);
        walk(v, depth + 1);
      }
      walk(s.items, depth + 1);
      for (const a of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) walk(a, depth + 1);
    };
    for (const ops of Object.values(doc.paths)) for (const op of Object.values(ops)) walk(op.requestBody?.content?.['application/json']?.schema as S, 0);
    assert.ok(keys.size > 50, `only ${keys.size} request fields found`);
    const missing = [...keys].filter((k) => !FIELD_LABELS[k]?.en || !FIELD_LABELS[k]?.ja);
    assert.deepEqual(missing, [], 'request fields without a label (add them to web/src/locales/fields.ts)');
  } finally {
    await t.close();
  }
});
