/** CSAF 2.0 and CVE JSON 5 documents, valid and invalid, against the schemas in vendor/; the KEV catalogue. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument, parseCsaf, parseCveRecord, parseKev, detectFormat } from '../../src/vuln/index.js';
import { hmiAdvisory, kevCatalogue, vpnRecord } from './fixtures.js';

type AnyObj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const clone = (x: unknown): AnyObj => structuredClone(x) as AnyObj;

describe('CSAF 2.0', () => {
  test('a valid advisory: rules per product status with the range, CVE, severity, remediation, TLP', () => {
    const a = parseCsaf(hmiAdvisory({ fixed: 'vers:semver/>=5.2.4', tlp: 'GREEN' }));
    assert.equal(a.id, 'TEST-CSAF-2026-0001');
    assert.equal(a.severity, 'critical');
    assert.equal(a.cvss, 9.8);
    assert.equal(a.tlp, 'green');
    assert.deepEqual(a.cves, ['CVE-2026-900101']);
    assert.deepEqual(a.rules.map((r) => [r.status, r.key, r.cve]), [
      ['affected', 'examplecontrols:gridview_hmi', 'CVE-2026-900101'],
      ['fixed', 'examplecontrols:gridview_hmi', 'CVE-2026-900101'],
    ]);
    assert.equal(a.rules[0]!.remediations[0]!.category, 'vendor_fix');
    assert.deepEqual(a.notes, []);
  });
  const bad: Array<[string, (d: AnyObj) => void, RegExp]> = [
    ['missing tracking id', (d) => delete d.document.tracking.id, /\/document\/tracking\/id/],
    ['wrong csaf_version', (d) => (d.document.csaf_version = '1.2'), /\/document\/csaf_version/],
    ['empty product status list', (d) => (d.vulnerabilities[0].product_status.known_affected = []), /\/vulnerabilities\/0\/product_status\/known_affected/],
    ['missing document category', (d) => delete d.document.category, /\/document\/category/],
    ['CVE id malformed', (d) => (d.vulnerabilities[0].cve = 'CVE-26-1'), /\/vulnerabilities\/0\/cve/],
    ['CVSS score out of range', (d) => (d.vulnerabilities[0].scores[0].cvss_v3.baseScore = 11), /\/vulnerabilities\/0\/scores\/0\/cvss_v3\/baseScore/],
    ['remediation category unknown', (d) => (d.vulnerabilities[0].remediations[0].category = 'pray'), /\/vulnerabilities\/0\/remediations\/0\/category/],
    ['CPE malformed', (d) => (d.product_tree.branches[0].branches[0].branches[0].product.product_identification_helper.cpe = 'cpe:hmi'), /product_identification_helper\/cpe/],
  ];
  for (const [what, spoil, field] of bad) {
    test(`refused, naming the field: ${what}`, () => {
      const d = clone(hmiAdvisory());
      spoil(d);
      assert.throws(() => parseDocument(d), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'VULN_INVALID_CSAF');
        assert.match(e.message, field);
        return true;
      });
    });
  }
  test('a range that is not vers is kept as a note, not matched', () => {
    const a = parseCsaf(hmiAdvisory({ affected: 'all versions before 5.2.4' }));
    assert.equal(a.rules.length, 0);
    assert.match(a.notes.join('\n'), /product_version_range/);
  });
});

describe('CVE JSON 5', () => {
  test('a valid record: range from versions/lessThan, CPE, CVSS, solution', () => {
    const a = parseCveRecord(vpnRecord());
    assert.equal(a.id, 'CVE-2026-900102');
    assert.equal(a.format, 'cve');
    assert.equal(a.severity, 'high');
    assert.equal(a.rules.length, 1);
    assert.equal(a.rules[0]!.cpe, 'cpe:2.3:o:examplenetworks:securegate_os:*:*:*:*:*:*:*:*');
    assert.deepEqual(a.rules[0]!.range, { scheme: 'generic', constraints: [{ comparator: '>=', version: '9.0' }, { comparator: '<', version: '9.1.5' }] });
    assert.equal(a.rules[0]!.remediations[0]!.details, 'Upgrade SecureGate OS to 9.1.5.');
  });
  const bad: Array<[string, (d: AnyObj) => void, RegExp]> = [
    ['dataType', (d) => (d.dataType = 'CVE'), /\/dataType/],
    ['cveId pattern', (d) => (d.cveMetadata.cveId = 'CVE-2026-1'), /\/cveMetadata\/cveId/],
    ['assigner not a UUID', (d) => (d.cveMetadata.assignerOrgId = 'acd'), /\/cveMetadata\/assignerOrgId/],
    ['no affected products', (d) => delete d.containers.cna.affected, /\/containers\/cna\/affected/],
    ['version status', (d) => (d.containers.cna.affected[0].versions[0].status = 'maybe'), /\/containers\/cna\/affected\/0\/versions\/0\/status/],
    ['lessThan without versionType', (d) => delete d.containers.cna.affected[0].versions[0].versionType, /versions\/0/],
    ['CPE', (d) => (d.containers.cna.affected[0].cpes = ['cpe:2.3:a:x']), /\/containers\/cna\/affected\/0\/cpes\/0/],
    ['reference URL', (d) => (d.containers.cna.references[0].url = 'not a url'), /\/containers\/cna\/references\/0\/url/],
  ];
  for (const [what, spoil, field] of bad) {
    test(`refused, naming the field: ${what}`, () => {
      const d = clone(vpnRecord());
      spoil(d);
      assert.throws(() => parseDocument(d), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'VULN_INVALID_CVE');
        assert.match(e.message, field);
        return true;
      });
    });
  }
});

describe('CISA KEV and format detection', () => {
  test('a catalogue is read; a bad due date is refused naming it', () => {
    const k = parseKev(kevCatalogue(['CVE-2026-900102']));
    assert.equal(k.entries[0]!.cveId, 'CVE-2026-900102');
    const bad = clone(kevCatalogue(['CVE-2026-900102']));
    bad.vulnerabilities[0].dueDate = 'soon';
    assert.throws(() => parseDocument(bad), /VULN_INVALID_KEV|\/vulnerabilities\/0\/dueDate/);
    assert.throws(() => parseDocument(bad), { code: 'VULN_INVALID_KEV' });
  });
  test('something else is refused', () => {
    assert.throws(() => detectFormat({ hello: 'world' }), { code: 'VULN_UNKNOWN_FORMAT' });
    assert.equal(detectFormat(vpnRecord()), 'cve');
  });
});
