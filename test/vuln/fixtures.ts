/** Documents for the vuln tests, built with the part's CSAF / CVE builders (real formats, schema-valid). */
import { csafAdvisory, cveRecord, type CsafInput } from '../../src/vuln/index.js';

export const HMI_CPE = 'cpe:2.3:a:examplecontrols:gridview_hmi:*:*:*:*:*:*:*:*';
export const VPN_CPE = 'cpe:2.3:o:examplenetworks:securegate_os:*:*:*:*:*:*:*:*';

export function hmiAdvisory(over: Partial<CsafInput> = {}): Record<string, unknown> {
  return csafAdvisory({
    id: 'TEST-CSAF-2026-0001',
    version: '1',
    title: 'GridView HMI: authentication bypass',
    releasedAt: '2026-11-01T00:00:00.000Z',
    vendor: 'Example Controls',
    product: 'GridView HMI',
    cpe: HMI_CPE,
    affected: 'vers:semver/>=5.0.0|<5.2.4',
    cve: 'CVE-2026-900101',
    cvss: { score: 9.8, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', severity: 'CRITICAL' },
    fix: 'Update GridView HMI to 5.2.4 or later.',
    mitigation: 'Allow the HMI web port only from the OT engineering network.',
    ...over,
  });
}

export function vpnRecord(): Record<string, unknown> {
  return cveRecord({
    cve: 'CVE-2026-900102',
    vendor: 'Example Networks',
    product: 'SecureGate OS',
    cpe: VPN_CPE,
    from: '9.0',
    lessThan: '9.1.5',
    versionType: 'custom',
    title: 'SecureGate OS: path traversal in the VPN portal',
    score: 8.6,
    severity: 'HIGH',
    vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N',
    dateUpdated: '2026-11-02T00:00:00.000Z',
    solution: 'Upgrade SecureGate OS to 9.1.5.',
  });
}

export function kevCatalogue(cves: string[]): Record<string, unknown> {
  return {
    title: 'CISA Catalog of Known Exploited Vulnerabilities',
    catalogVersion: '2026.11.03',
    dateReleased: '2026-11-03T12:00:00.000Z',
    count: cves.length,
    vulnerabilities: cves.map((c) => ({
      cveID: c,
      vendorProject: 'Example',
      product: 'Example product',
      vulnerabilityName: `${c} test entry`,
      dateAdded: '2026-11-03',
      shortDescription: 'test',
      requiredAction: 'Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.',
      dueDate: '2026-11-24',
      knownRansomwareCampaignUse: 'Unknown',
      notes: '',
    })),
  };
}
