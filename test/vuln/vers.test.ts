/** Version ranges (vers) at their boundaries, and version comparison (semver and generic). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compareGeneric, compareVersions, cveRangeToVers, formatVers, inRange, parseVers } from '../../src/vuln/index.js';

describe('vers ranges', () => {
  const r = parseVers('vers:semver/>=5.0.0|<5.2.4');
  const cases: Array<[string, boolean]> = [
    ['4.9.9', false],
    ['5.0.0', true], // >= includes its bound
    ['5.0.1-rc.1', true],
    ['5.2.3', true],
    ['5.2.4-rc.1', true], // a pre-release of the fix is before it
    ['5.2.4', false], // < excludes its bound
    ['5.2.5', false],
  ];
  for (const [v, want] of cases) test(`${v} in >=5.0.0|<5.2.4: ${want}`, () => assert.equal(inRange(v, r), want));

  test('<= and > bounds', () => {
    const x = parseVers('vers:generic/>2.4.0|<=2.4.58');
    assert.equal(inRange('2.4.0', x), false);
    assert.equal(inRange('2.4.1', x), true);
    assert.equal(inRange('2.4.58', x), true);
    assert.equal(inRange('2.4.59', x), false);
  });
  test('several intervals, exact versions and exclusions', () => {
    const x = parseVers('vers:generic/>=1.0|<1.5|>=2.0|<2.3|3.1.4|!=2.1');
    for (const [v, want] of [['0.9', false], ['1.0', true], ['1.4.9', true], ['1.5', false], ['1.9', false], ['2.0', true], ['2.1', false], ['2.2.9', true], ['2.3', false], ['3.1.4', true], ['3.1.5', false]] as const) {
      assert.equal(inRange(v, x), want, v);
    }
  });
  test('open ends and *', () => {
    assert.equal(inRange('0.1', parseVers('vers:generic/<1.0')), true);
    assert.equal(inRange('1.0', parseVers('vers:generic/<1.0')), false);
    assert.equal(inRange('99', parseVers('vers:generic/>=9.1.5')), true);
    assert.equal(inRange('9.1.4', parseVers('vers:generic/>=9.1.5')), false);
    assert.equal(inRange('whatever', parseVers('vers:generic/*')), true);
  });
  test('plain comparator lists as CSAF producers write them', () => {
    assert.equal(inRange('4.2.4', parseVers('<=4.2.4')), true);
    assert.equal(inRange('4.2.5', parseVers('<=4.2.4')), false);
  });
  test('malformed ranges are refused', () => {
    assert.throws(() => parseVers('vers:generic/'), { code: 'VULN_INVALID_VERS' });
    assert.throws(() => parseVers('vers:/>=1'), { code: 'VULN_INVALID_VERS' });
    assert.throws(() => parseVers('all versions before 4.2'), { code: 'VULN_INVALID_VERS' });
  });
  test('CVE JSON 5 ranges: 0 is the beginning, lessThan excludes, lessThanOrEqual includes', () => {
    const lt = cveRangeToVers({ version: '0', lessThan: '2.4.58', versionType: 'semver' });
    assert.equal(formatVers(lt), 'vers:semver/<2.4.58');
    assert.equal(inRange('2.4.57', lt), true);
    assert.equal(inRange('2.4.58', lt), false);
    const le = cveRangeToVers({ version: '2.0', lessThanOrEqual: '2.4', versionType: 'custom' });
    assert.equal(formatVers(le), 'vers:generic/>=2.0|<=2.4');
    assert.equal(inRange('2.4', le), true);
    assert.equal(inRange('1.9', le), false);
    assert.equal(formatVers(cveRangeToVers({ version: '1.2.3' })), 'vers:generic/1.2.3');
  });
});

describe('version comparison', () => {
  test('semantic versions by semver, pre-releases first', () => {
    assert.equal(compareVersions('1.2.3', '1.10.0'), -1);
    assert.equal(compareVersions('1.2.3-beta.2', '1.2.3'), -1);
    assert.equal(compareVersions('v2.0.0', '2.0.0'), 0);
  });
  test('generic versions: numbers as numbers, a missing segment is 0, letters before numbers', () => {
    assert.ok(compareGeneric('9.1.10', '9.1.9') > 0);
    assert.equal(compareGeneric('1.0', '1.0.0'), 0);
    assert.ok(compareGeneric('1.0rc1', '1.0') < 0);
    assert.ok(compareGeneric('10.2(1)e', '10.2(2)') < 0);
    assert.ok(compareGeneric('R2.1a', 'R2.1') < 0);
  });
});
