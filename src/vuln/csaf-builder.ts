/**
 * Builds CSAF 2.0 documents (csaf_security_advisory) for one product with affected and fixed version
 * ranges: the demo's advisories and the tests' are written with it, so they are real-format documents
 * that pass the CSAF 2.0 schema.
 */

export interface CsafInput {
  id: string;
  version: string;
  title: string;
  publisher?: { name: string; namespace: string };
  releasedAt: string;
  initialReleasedAt?: string;
  tlp?: 'WHITE' | 'GREEN' | 'AMBER' | 'RED';
  vendor: string;
  product: string;
  /** CPE of the product without a version (the ranges say which) */
  cpe: string;
  /** vers ranges */
  affected: string;
  fixed?: string;
  cve: string;
  cvss: { score: number; vector: string; severity: 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL' };
  fix: string;
  mitigation?: string;
  notes?: string;
}

export function csafAdvisory(i: CsafInput): Record<string, unknown> {
  const pubName = i.publisher?.name ?? 'ACD demo CERT';
  const revisions = [{ date: i.initialReleasedAt ?? i.releasedAt, number: '1', summary: 'Initial version' }];
  if (i.version !== '1') revisions.push({ date: i.releasedAt, number: i.version, summary: 'Fixed versions added' });
  const affectedId = `${i.id}-AFFECTED`;
  const fixedId = `${i.id}-FIXED`;
  const ranges = [
    { category: 'product_version_range', name: i.affected, product: { product_id: affectedId, name: `${i.vendor} ${i.product} ${i.affected}`, product_identification_helper: { cpe: i.cpe } } },
    ...(i.fixed ? [{ category: 'product_version_range', name: i.fixed, product: { product_id: fixedId, name: `${i.vendor} ${i.product} ${i.fixed}`, product_identification_helper: { cpe: i.cpe } } }] : []),
  ];
  return {
    document: {
      category: 'csaf_security_advisory',
      csaf_version: '2.0',
      title: i.title,
      publisher: { category: 'coordinator', name: pubName, namespace: i.publisher?.namespace ?? 'https://acd.example/demo-cert' },
      distribution: { tlp: { label: i.tlp ?? 'WHITE' } },
      aggregate_severity: { text: i.cvss.severity.toLowerCase() },
      notes: [{ category: 'summary', text: i.notes ?? i.title, title: 'Summary' }],
      tracking: {
        id: i.id,
        version: i.version,
        status: 'final',
        initial_release_date: i.initialReleasedAt ?? i.releasedAt,
        current_release_date: i.releasedAt,
        revision_history: revisions,
      },
    },
    product_tree: {
      branches: [{ category: 'vendor', name: i.vendor, branches: [{ category: 'product_name', name: i.product, branches: ranges }] }],
    },
    vulnerabilities: [
      {
        cve: i.cve,
        title: i.title,
        product_status: { known_affected: [affectedId], ...(i.fixed ? { fixed: [fixedId] } : {}) },
        remediations: [
          { category: 'vendor_fix', details: i.fix, product_ids: [affectedId] },
          ...(i.mitigation ? [{ category: 'mitigation', details: i.mitigation, product_ids: [affectedId] }] : []),
        ],
        scores: [{ cvss_v3: { version: '3.1', vectorString: i.cvss.vector, baseScore: i.cvss.score, baseSeverity: i.cvss.severity }, products: [affectedId] }],
      },
    ],
  };
}

/** A CVE JSON 5 record for one product with one affected range. */
export function cveRecord(i: { cve: string; vendor: string; product: string; cpe?: string; from: string; lessThan: string; versionType?: string; title: string; score: number; severity: 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL'; vector: string; dateUpdated: string; solution?: string }): Record<string, unknown> {
  return {
    dataType: 'CVE_RECORD',
    dataVersion: '5.1',
    cveMetadata: { cveId: i.cve, assignerOrgId: '8254265b-2729-46b6-b9e3-3dfca2d5bfca', assignerShortName: 'acd-demo', state: 'PUBLISHED', datePublished: i.dateUpdated, dateUpdated: i.dateUpdated },
    containers: {
      cna: {
        providerMetadata: { orgId: '8254265b-2729-46b6-b9e3-3dfca2d5bfca', shortName: 'acd-demo', dateUpdated: i.dateUpdated },
        title: i.title,
        descriptions: [{ lang: 'en', value: i.title }],
        affected: [
          {
            vendor: i.vendor,
            product: i.product,
            ...(i.cpe ? { cpes: [i.cpe] } : {}),
            defaultStatus: 'unaffected',
            versions: [{ version: i.from, lessThan: i.lessThan, status: 'affected', versionType: i.versionType ?? 'semver' }],
          },
        ],
        references: [{ url: `https://acd.example/advisories/${i.cve}` }],
        metrics: [{ cvssV3_1: { version: '3.1', vectorString: i.vector, baseScore: i.score, baseSeverity: i.severity } }],
        ...(i.solution ? { solutions: [{ lang: 'en', value: i.solution }] } : {}),
      },
    },
  };
}
