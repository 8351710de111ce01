/**
 * Error codes per part (src/<part>/errors.ts): every code ACD can throw is declared in exactly one part's list,
 * the docs list them, a part's factory takes only its own codes, and the server says in its log when it
 * answers with a code no part declares. The checker fails on each kind of mistake it exists for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { ALL_LISTS, codeProblems, errorsMarkdown, thrownCodes } from '../../scripts/error-codes.js';
import { readSrc } from '../../scripts/floors.js';
import { errorCodeIndex, DECLARED_CODES } from '../../src/server/error-codes.js';
import { installErrorHandling } from '../../src/server/errors.js';
import { selectionError, SELECTION_ERRORS } from '../../src/selection/index.js';
import { operationsError } from '../../src/operations/index.js';
import { AcdError } from '../../src/shared/errors.js';

const root = resolve(import.meta.dirname, '../..');

test('the real tree: every thrown code is declared in exactly one part\'s list, and no code is made from a variable outside the relays', () => {
  assert.deepEqual(codeProblems(readSrc(root)), []);
  // the scan sees the errors it is about (a scan that found nothing would pass the line above)
  const codes = new Set(thrownCodes(readSrc(root)).map((t) => t.code));
  for (const c of ['GATE_NO_APPROVAL', 'REIDENTIFY_USED', 'ILLEGAL_TRANSITION', 'NO_DECISION_IN_FORCE', 'VERSION_CONFLICT', 'WEAK_PASSWORD', 'AUDIT_PROOF_INVALID', 'STIX_PATTERN']) assert.ok(codes.has(c), `the scan finds ${c}`);
});

test('a code thrown but declared nowhere is refused, naming the file, the line and the code', () => {
  const files = new Map([['reports/x.ts', "import { AcdError } from '../shared/errors.js';\n\nexport const f = () => { throw new AcdError('REPORT_MADE_UP', 'no'); };"]]);
  assert.deepEqual(codeProblems(files), ["src/reports/x.ts:3: REPORT_MADE_UP is declared in no part's list (add it to src/<part>/errors.ts)"]);
  // through a factory or an operations refusal alike
  const viaFactory = new Map([['operations/y.ts', "const refuse = (c: string) => c;\nrefuse('OPS_MADE_UP');\nselectionError('SEL_MADE_UP', 'x');"]]);
  assert.deepEqual(codeProblems(viaFactory).map((p) => p.split(': ')[1]), ['OPS_MADE_UP is declared in no part\'s list (add it to src/<part>/errors.ts)', 'SEL_MADE_UP is declared in no part\'s list (add it to src/<part>/errors.ts)']);
});

test('a code made from a variable is refused outside the factories and relays', () => {
  const files = new Map([['intel/z.ts', "const code = 'X_' + 'Y';\nthrow new AcdError(code, 'dynamic');"]]);
  const p = codeProblems(files);
  assert.equal(p.length, 1);
  assert.match(p[0]!, /^src\/intel\/z\.ts:2: an error whose code is not a literal/);
});

test('a code declared by two parts is refused, naming both', () => {
  const lists = { ...ALL_LISTS, intel: { ...ALL_LISTS.intel, GATE_NO_APPROVAL: { status: 404, doc: 'copied' } } };
  const d = errorCodeIndex(lists).duplicates;
  assert.deepEqual(d.map((x) => [x.code, [...x.parts].sort()]), [['GATE_NO_APPROVAL', ['intel', 'selection']]]);
  assert.ok(codeProblems(new Map(), lists).some((x) => /GATE_NO_APPROVAL is declared by more than one part/.test(x)));
});

test('docs/ERRORS.md is the lists as they are (run npx tsx scripts/error-codes.ts to write it)', () => {
  assert.equal(readFileSync(resolve(root, 'docs/ERRORS.md'), 'utf8'), errorsMarkdown());
});

test('a part\'s factory makes its code with the code\'s status; a thrower may name another; an undeclared code does not compile', () => {
  const e = selectionError('GATE_NO_APPROVAL', 'approval a does not exist');
  assert.ok(e instanceof AcdError);
  assert.deepEqual([e.code, e.status, e.message], ['GATE_NO_APPROVAL', SELECTION_ERRORS.GATE_NO_APPROVAL.status, 'approval a does not exist']);
  assert.equal(selectionError('GATE_NO_APPROVAL', 'x', { status: 409 }).status, 409);
  assert.equal(operationsError('ILLEGAL_TRANSITION', 'x', { status: 409, details: { state: 'draft' } }).details !== undefined, true);
  // (never called: tsc checks the line, and fails if it compiles)
  const _wrong = () =>
    // @ts-expect-error a code of another part is not a selection code
    selectionError('ILLEGAL_TRANSITION', 'x');
  void _wrong;
});

test('the server answers every declared code as its JSON body, and logs a code no part declares', async () => {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb(); } });
  const app = Fastify({ logger: { level: 'info', stream } });
  installErrorHandling(app);
  app.get('/declared', async () => { throw selectionError('REIDENTIFY_USED', 'resolved already', { status: 409 }); });
  app.get('/undeclared', async () => { throw new AcdError('MADE_UP_BY_A_DEFECT', 'a code nobody declared'); });
  try {
    const a = await app.inject({ url: '/declared' });
    assert.deepEqual([a.statusCode, a.json().error], [409, 'REIDENTIFY_USED']);
    assert.ok(!lines.some((l) => l.includes('declared in no part')), 'a declared code is not reported');
    const b = await app.inject({ url: '/undeclared' });
    assert.deepEqual([b.statusCode, b.json().error], [400, 'MADE_UP_BY_A_DEFECT'], 'the answer is unchanged');
    assert.ok(lines.some((l) => l.includes('declared in no part') && l.includes('MADE_UP_BY_A_DEFECT')), 'the undeclared code is in the log');
    const c = await app.inject({ url: '/no-such-route' });
    assert.ok(DECLARED_CODES.has(c.json().error), 'the not-found handler\'s code is declared');
  } finally {
    await app.close();
  }
});
