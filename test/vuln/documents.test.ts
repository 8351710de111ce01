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

/** The CVE Program's own example record (cve-schema, schema/docs/full-record-basic-example.json), unchanged. */
const CVE_PROGRAM_BASIC_EXAMPLE = {
  dataType: 'CVE_RECORD',
  dataVersion: '5.1',
  cveMetadata: { cveId: 'CVE-1900-1234', assignerOrgId: 'b3476cb9-2e3d-41a6-98d0-0f47421a65b6', state: 'PUBLISHED' },
  containers: {
    cna: {
      providerMetadata: { orgId: 'b3476cb9-2e3d-41a6-98d0-0f47421a65b6' },
      problemTypes: [{ descriptions: [{ lang: 'en', description: 'CWE-78 OS Command Injection' }] }],
      affected: [
        {
          vendor: 'Example.org',
          product: 'Example Enterprise',
          versions: [{ version: '1.0.0', status: 'affected', lessThan: '1.0.6', versionType: 'semver' }],
          defaultStatus: 'unaffected',
        },
      ],
      descriptions: [
        {
          lang: 'en',
          value:
            'OS Command Injection vulnerability parseFilename function of example.php in the Web Management Interface of Example.org Example Enterprise on Windows, MacOS and XT-4500 allows remote unauthenticated attackers to escalate privileges.\n\nThis issue affects:\n  *  1.0 versions before 1.0.6\n  *  2.1 versions from 2.16 until 2.1.9.',
        },
      ],
      references: [{ url: 'https://example.org/ESA-22-11-CVE-1900-1234' }],
    },
  },
};

function rejectedRecord(): AnyObj {
  return {
    dataType: 'CVE_RECORD',
    dataVersion: '5.1',
    cveMetadata: { cveId: 'CVE-2026-900109', assignerOrgId: '8254265b-2729-46b6-b9e3-3dfca2d5bfca', state: 'REJECTED', dateRejected: '2026-11-05T00:00:00.000Z' },
    containers: {
      cna: {
        providerMetadata: { orgId: '8254265b-2729-46b6-b9e3-3dfca2d5bfca' },
        rejectedReasons: [{ lang: 'en', value: 'DO NOT USE THIS CVE ID NUMBER. Reason: a duplicate of CVE-2026-900102.' }],
        replacedBy: ['CVE-2026-900102'],
      },
    },
  };
}

describe('CVE JSON 5 against the CVE Program\'s record schema (vendor/cve/CVE_Record_Format.json)', () => {
  test('the CVE Program\'s own basic example passes and is read', () => {
    const a = parseCveRecord(structuredClone(CVE_PROGRAM_BASIC_EXAMPLE));
    assert.equal(a.id, 'CVE-1900-1234');
    assert.deepEqual(a.cves, ['CVE-1900-1234']);
    assert.equal(a.rules.length, 1);
    assert.deepEqual(a.rules[0]!.range, { scheme: 'semver', constraints: [{ comparator: '>=', version: '1.0.0' }, { comparator: '<', version: '1.0.6' }] });
  });
  test('a rejected record passes as Rejected and gives nothing to match', () => {
    const a = parseCveRecord(rejectedRecord());
    assert.equal(a.rules.length, 0);
    assert.match(a.notes.join('\n'), /REJECTED/);
  });
  test('CVSS 4.0 (FIRST schema the record schema imports) and x_ extensions are accepted', () => {
    const d = clone(vpnRecord());
    d.containers.cna.metrics.push({ cvssV4_0: { version: '4.0', vectorString: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N', baseScore: 8.7, baseSeverity: 'HIGH' } });
    d.containers.cna.x_acdNote = { seen: true };
    d.containers.cna.references[0].tags = ['vendor-advisory', 'x_acd'];
    assert.equal(parseCveRecord(d).id, 'CVE-2026-900102');
  });
  const bad: Array<[string, () => AnyObj, (d: AnyObj) => void, RegExp]> = [
    ['rejected without its reasons', rejectedRecord, (d) => delete d.containers.cna.rejectedReasons, /\/containers\/cna\/rejectedReasons/],
    ['rejected, replacedBy not a CVE id', rejectedRecord, (d) => (d.containers.cna.replacedBy = ['GHSA-1234']), /\/containers\/cna\/replacedBy\/0/],
    ['CVSS 4.0 vector', () => clone(vpnRecord()), (d) => d.containers.cna.metrics.push({ cvssV4_0: { version: '4.0', vectorString: 'CVSS:4.0/AV:N', baseScore: 8.7, baseSeverity: 'HIGH' } }), /\/containers\/cna\/metrics\/1\/cvssV4_0\/vectorString/],
    ['CVSS 3.1 severity that does not fit the score', () => clone(vpnRecord()), (d) => (d.containers.cna.metrics[0].cvssV3_1.baseSeverity = 'LOW'), /\/containers\/cna\/metrics\/0\/cvssV3_1\/baseS/],
    ['reference tag not in the CVE list', () => clone(vpnRecord()), (d) => (d.containers.cna.references[0].tags = ['rumour']), /\/containers\/cna\/references\/0\/tags\/0/],
    ['a field the format does not have', () => clone(vpnRecord()), (d) => (d.containers.cna.severity = 'high'), /\/containers\/cna\/severity/],
    ['no English description', () => clone(vpnRecord()), (d) => (d.containers.cna.descriptions = [{ lang: 'ja', value: 'パストラバーサル' }]), /\/containers\/cna\/descriptions/],
    ['timestamp without time', () => clone(vpnRecord()), (d) => (d.cveMetadata.dateUpdated = '2026-11-02'), /\/cveMetadata\/dateUpdated/],
  ];
  for (const [what, make, spoil, field] of bad) {
    test(`refused, naming the field: ${what}`, () => {
      const d = make();
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
