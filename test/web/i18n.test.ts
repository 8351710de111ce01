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
  const quoted = `"((?:[^"\\\\]|\\\\.)*)"`;
  for (const re of [
    new RegExp(`\\b(?:i18n\\.)?t\\(${quoted}`, 'g'),
    new RegExp(`\\bt\\(${literal}`, 'g'),
    new RegExp(`\\btr\\(${literal}`, 'g'),
    new RegExp(`\\bi18n\\.t\\(${literal}`, 'g'),
    /\b(?:title|empty|caption|submitLabel|what)="([^"]+)"/g,
    /\btitle: '([^']+)', roles/g,
  ]) {
    for (const m of code.matchAll(re)) found.add(m[1]!.replace(/\\'/g, "'").replace(/\\"/g, '"'));
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

// ---- #22: keys in both locales; no English left in the JSX of the views #22 touched ----

import ts from 'typescript';
import { en } from '../../web/src/locales/en.js';
import { MEASURE_KINDS } from '../../src/operations/index.js';

/** words that are the same in every language: protocol and format names, codes, paths, commands */
const SAME_IN_EVERY_LANGUAGE = /\b(TCP|UDP|ICMP|ACD|API|NL|CC BY 4\.0|Ed25519|JSON|STIX|TLP|CSV)\b|https?:\/\/\S+|\/api\/\S*|acd [a-z -]+/g;
const english = (text: string): boolean => /[A-Za-z]{2,}/.test(text.replace(/\$\{[^}]*\}/g, '').replace(SAME_IN_EVERY_LANGUAGE, ''));

/** English a person would read, left in JSX: text between tags, aria-label/placeholder/alt strings, string children and their ternaries */
export function englishInJsx(code: string, file = 'x.tsx'): string[] {
  const src = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const isText = (e: ts.Expression): boolean => ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isTemplateExpression(e);
  const branches = (e: ts.Expression): ts.Expression[] => (ts.isConditionalExpression(e) ? [...branches(e.whenTrue), ...branches(e.whenFalse)] : ts.isParenthesizedExpression(e) ? branches(e.expression) : [e]);
  const walk = (n: ts.Node): void => {
    const at = () => `${file}:${src.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
    if (ts.isJsxText(n) && english(n.text.trim())) found.push(`${at()} ${n.text.trim()}`);
    if (ts.isJsxAttribute(n) && n.initializer && ts.isStringLiteral(n.initializer) && ['aria-label', 'placeholder', 'alt'].includes(n.name.getText()) && english(n.initializer.text)) found.push(`${at()} ${n.name.getText()}="${n.initializer.text}"`);
    // aria-label={`… ${x}`} and aria-label={x ? 'A' : 'B'}: text in an expression is text too
    if (ts.isJsxAttribute(n) && n.initializer && ts.isJsxExpression(n.initializer) && n.initializer.expression && ['aria-label', 'placeholder', 'alt'].includes(n.name.getText())) {
      for (const b of branches(n.initializer.expression)) if (isText(b) && english(b.getText().slice(1, -1))) found.push(`${at()} ${n.name.getText()}={${b.getText()}}`);
    }
    if (ts.isJsxExpression(n) && n.expression && (ts.isJsxElement(n.parent) || ts.isJsxFragment(n.parent))) {
      for (const b of branches(n.expression)) if (isText(b) && english(b.getText().slice(1, -1))) found.push(`${at()} ${b.getText()}`);
    }
    ts.forEachChild(n, walk);
  };
  walk(src);
  return found;
}

test('the keys that are not English sentences (kinds of measure, counts, decisions) exist in English and in Japanese', () => {
  const prefixed = (table: Record<string, string>) => Object.keys(table).filter((k) => /^(measure|count|decision):/.test(k)).sort();
  assert.deepEqual(prefixed(en), prefixed(ja), 'the same prefixed keys in both tables');
  // every kind of measure the server plans has its name, and the form offers exactly the server's kinds
  for (const k of MEASURE_KINDS) assert.ok(en[`measure:${k}`] && ja[`measure:${k}`], `measure:${k}`);
  const offered = /export const MEASURE_KINDS = \[([^\]]+)\] as const/.exec(readFileSync(join(SRC, 'views/Operations.tsx'), 'utf8'))?.[1]?.match(/'[^']+'/g)?.map((x) => x.slice(1, -1));
  assert.deepEqual(offered, [...MEASURE_KINDS]);
  for (const d of ['approve', 'reject', 'ratify', 'order_lift']) assert.ok(en[`decision:${d}`] && ja[`decision:${d}`], `decision:${d}`);
  for (const k of Object.keys(en)) assert.ok(k in ja, `${k} is in en.ts but not in ja.ts`);
});

test('no English literal is left in the JSX of the views #22 touched', () => {
  const files = ['App.tsx', 'views/Operations.tsx', 'views/Carrier.tsx', 'views/Checkpoint.tsx', 'views/Admin.tsx', 'views/Commission.tsx', 'views/Analyst.tsx', 'views/Infrastructure.tsx', 'views/Approvals.tsx'];
  const left = files.flatMap((f) => englishInJsx(readFileSync(join(SRC, f), 'utf8'), f));
  assert.deepEqual(left, []);
});

test('the JSX scan finds English where it is (it can fail)', () => {
  const found = englishInJsx(`const a = <p>Hello world {t('ok')}</p>; const b = <input aria-label="Close it" placeholder="NL" />; const c = <div>{x ? 'Yes please' : t('No')}</div>; const d = <b>{\`\${n} entries\`}</b>; const e = <i>TCP · /api/docs</i>; const f = <a aria-label={\`Page of \${x}\`} alt={t('Fine')} placeholder={y ? 'Some text' : '443'}>{z}</a>;`);
  assert.equal(found.length, 6, found.join('\n'));
  assert.deepEqual(found.map((f) => f.replace(/^x\.tsx:\d+ /, '')), ['Hello world', 'aria-label="Close it"', "'Yes please'", '`${n} entries`', 'aria-label={`Page of ${x}`}', "placeholder={'Some text'}"]);
});
