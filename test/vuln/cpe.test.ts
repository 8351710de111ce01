/**
 * CPE 2.3 matching against NISTIR 7696: every row of the attribute comparison table (Table 6-2), the
 * wildcard rules of compareStrings, the name relations, and the specification's worked examples.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compareAttribute, compareWfns, cpeMatches, nameRelation, parseCpe, type WfnValue } from '../../src/vuln/index.js';
import { unbindValueFs } from '../../src/vuln/cpe.js';

const v = (s: string): WfnValue => unbindValueFs(s);

describe('CPE 2.3: NISTIR 7696 attribute comparison (Table 6-2)', () => {
  const rows: Array<[number, string, string, string]> = [
    [1, '*', '*', 'EQUAL'],
    [2, '*', '-', 'SUPERSET'],
    [3, '*', 'foo', 'SUPERSET'],
    [4, '*', 'fo*', 'UNDEFINED'],
    [5, '-', '*', 'SUBSET'],
    [6, '-', '-', 'EQUAL'],
    [7, '-', 'foo', 'DISJOINT'],
    [8, '-', 'fo?', 'UNDEFINED'],
    [9, 'foo', '*', 'SUBSET'],
    [10, 'foo', '-', 'DISJOINT'],
    [11, 'foo', 'foo', 'EQUAL'],
    [12, 'foo', 'bar', 'DISJOINT'],
    [13, 'foo', '*oo', 'UNDEFINED'],
    [14, 'fo*', '*', 'SUBSET'],
    [15, 'fo*', '-', 'DISJOINT'],
    [16, 'fo*', 'foo', 'SUPERSET'],
    [16, 'fo*', 'bar', 'DISJOINT'],
    [17, 'fo*', 'f*', 'UNDEFINED'],
  ];
  for (const [row, s, t, want] of rows) {
    test(`row ${row}: source ${s} vs target ${t} is ${want}`, () => assert.equal(compareAttribute(v(s), v(t)), want));
  }
  test('matching is case-insensitive', () => assert.equal(compareAttribute(v('Microsoft'), v('microsoft')), 'EQUAL'));
});

describe('CPE 2.3: wildcards in the source (compareStrings)', () => {
  const cases: Array<[string, string, string]> = [
    ['8.*', '8.0.6001', 'SUPERSET'],
    ['8.*', '8', 'DISJOINT'],
    ['8.*', '8.', 'SUPERSET'],
    ['*ie', 'msie', 'SUPERSET'],
    ['*ie', 'msie8', 'DISJOINT'],
    ['sp?', 'sp1', 'SUPERSET'],
    ['sp?', 'sp', 'SUPERSET'], // a trailing ? matches zero or one character
    ['sp?', 'sp12', 'DISJOINT'],
    ['sp??', 'sp12', 'SUPERSET'],
    ['?.0', '8.0', 'SUPERSET'],
    ['?.0', '10.0', 'DISJOINT'],
    ['??.0', '10.0', 'SUPERSET'],
    ['*', 'anything', 'SUPERSET'],
  ];
  for (const [s, t, want] of cases) test(`${s} vs ${t}: ${want}`, () => assert.equal(compareAttribute(v(s), v(t)), want));
  test('quoted wildcards are literals', () => {
    assert.equal(compareAttribute(v('a\\*b'), v('a\\*b')), 'EQUAL');
    assert.equal(compareAttribute(v('a\\*b'), v('axb')), 'DISJOINT');
  });
  test('a wildcard inside a value is refused', () => assert.throws(() => v('a*b'), { code: 'VULN_INVALID_CPE' }));
});

describe('CPE 2.3: formatted strings and name relations', () => {
  test('unbinding: 13 parts, escapes, ANY and NA', () => {
    const w = parseCpe('cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*');
    assert.deepEqual(w.version, { kind: 'value', text: '7.4.0.1570', begins: 0, ends: 0 });
    assert.deepEqual(w.update, { kind: 'na' });
    assert.deepEqual(w.edition, { kind: 'any' });
    const e = parseCpe('cpe:2.3:a:foo\\:bar:big\\$money:2010:*:*:*:*:*:*:*');
    assert.deepEqual(e.vendor, { kind: 'value', text: 'foo:bar', begins: 0, ends: 0 });
    assert.deepEqual(e.product, { kind: 'value', text: 'big$money', begins: 0, ends: 0 });
    assert.throws(() => parseCpe('cpe:2.3:a:foo:bar'), { code: 'VULN_INVALID_CPE' });
    assert.throws(() => parseCpe('cpe:/a:foo:bar:1.0'), { code: 'VULN_INVALID_CPE' });
    assert.throws(() => parseCpe('cpe:2.3:x:foo:bar:1:*:*:*:*:*:*:*'), { code: 'VULN_INVALID_CPE' });
  });

  // NISTIR 7696 §6.1.2 example 1: target carries wildcards, so version and update are UNDEFINED
  test('NISTIR 7696 example 1 (wildcards in the target: UNDEFINED)', () => {
    const source = parseCpe('cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*');
    const target = parseCpe('cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:-:*:*:*:*:*');
    const r = compareWfns(source, target);
    assert.equal(r.part, 'EQUAL');
    assert.equal(r.vendor, 'EQUAL');
    assert.equal(r.product, 'EQUAL');
    assert.equal(r.version, 'UNDEFINED');
    assert.equal(r.update, 'UNDEFINED');
    assert.equal(r.edition, 'SUPERSET');
    assert.equal(r.language, 'EQUAL');
    assert.equal(nameRelation(r), 'CPE_UNDEFINED');
  });

  // NISTIR 7696 §6.1.2 example 2: a language that differs makes the names disjoint
  test('NISTIR 7696 example 2 (DISJOINT language)', () => {
    const source = parseCpe('cpe:2.3:a:adobe:*:9.*:*:*:en-us:*:*:*:*');
    const target = parseCpe('cpe:2.3:a:adobe:reader:9.3.2:-:*:-:*:*:*:*');
    const r = compareWfns(source, target);
    assert.equal(r.product, 'SUPERSET');
    assert.equal(r.version, 'SUPERSET');
    assert.equal(r.update, 'SUPERSET');
    assert.equal(r.edition, 'EQUAL');
    assert.equal(r.language, 'DISJOINT');
    assert.equal(nameRelation(r), 'CPE_DISJOINT');
    assert.equal(cpeMatches(source, target), false);
  });

  test('a vulnerable-product name covers the registered product: SUPERSET and EQUAL match, SUBSET does not', () => {
    const vuln = parseCpe('cpe:2.3:a:apache:http_server:2.4.*:*:*:*:*:*:*:*');
    const mine = parseCpe('cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*');
    assert.equal(nameRelation(compareWfns(vuln, mine)), 'CPE_SUPERSET');
    assert.equal(cpeMatches(vuln, mine), true);
    assert.equal(nameRelation(compareWfns(mine, mine)), 'CPE_EQUAL');
    assert.equal(nameRelation(compareWfns(mine, vuln)), 'CPE_UNDEFINED');
    const unversioned = parseCpe('cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*');
    assert.equal(nameRelation(compareWfns(mine, unversioned)), 'CPE_SUBSET');
    assert.equal(cpeMatches(mine, unversioned), false);
    assert.equal(cpeMatches(vuln, parseCpe('cpe:2.3:a:apache:http_server:2.2.34:*:*:*:*:*:*:*')), false);
    assert.equal(cpeMatches(vuln, parseCpe('cpe:2.3:a:apache:tomcat:2.4.1:*:*:*:*:*:*:*')), false);
    // the version left to a range: ignored in the name comparison
    assert.equal(cpeMatches(parseCpe('cpe:2.3:a:apache:http_server:2.2.0:*:*:*:*:*:*:*'), mine, ['version']), true);
  });
});
