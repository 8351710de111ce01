/**
 * The demo operator's registered systems and a few advisories written for the demo in the real formats
 * (CSAF 2.0 and a CVE JSON 5 record, schema-valid; products, CVE numbers and vendors are made up and say
 * "demo"), plus a KEV entry, so a newcomer who logs in as the operator sees alerts at once: a
 * known-exploited VPN flaw first, a critical HMI flaw with its fix, and a system that is fine.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import { SYSTEM_ACTOR } from '../auth/index.js';
import { listSystems, registerSystem } from '../reports/index.js';
import { createRange, csafAdvisory, cveRecord, importDocument, listRanges } from '../vuln/index.js';
import { actorByUsername } from './approval.js';

const HMI = 'cpe:2.3:a:example_controls:gridview_hmi:*:*:*:*:*:*:*:*';
const VPN = 'cpe:2.3:o:example_networks:securegate_os:*:*:*:*:*:*:*:*';
const at = (cpe: string, v: string) => cpe.replace(':*:*:*:*:*:*:*:*', `:${v}:*:*:*:*:*:*:*`);

export function demoAdvisories(now = new Date()): unknown[] {
  const day = (d: number) => new Date(now.getTime() - d * 86400_000).toISOString().slice(0, 10) + 'T00:00:00.000Z';
  return [
    csafAdvisory({
      id: 'ACD-DEMO-2026-0001',
      version: '1',
      title: 'GridView HMI (demo product): authentication bypass in the web interface',
      releasedAt: day(3),
      vendor: 'Example Controls (demo)',
      product: 'GridView HMI',
      cpe: HMI,
      affected: 'vers:semver/>=5.0.0|<5.2.4',
      fixed: 'vers:semver/>=5.2.4',
      cve: 'CVE-2026-990001',
      cvss: { score: 9.8, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', severity: 'CRITICAL' },
      fix: 'Update GridView HMI to 5.2.4 or later.',
      mitigation: 'Until updated, allow the HMI web port (443/tcp) only from the engineering workstations.',
    }),
    csafAdvisory({
      id: 'ACD-DEMO-2026-0002',
      version: '1',
      title: 'SecureGate OS (demo product): path traversal in the SSL-VPN portal, exploited in the wild',
      releasedAt: day(1),
      vendor: 'Example Networks (demo)',
      product: 'SecureGate OS',
      cpe: VPN,
      affected: 'vers:generic/>=9.0|<9.1.5',
      fixed: 'vers:generic/>=9.1.5',
      cve: 'CVE-2026-990002',
      cvss: { score: 8.6, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N', severity: 'HIGH' },
      fix: 'Upgrade SecureGate OS to 9.1.5; then reset the passwords of VPN users and review the portal logs since the advisory date.',
      mitigation: 'Disable the SSL-VPN web portal (IPsec clients are not affected).',
    }),
    cveRecord({
      cve: 'CVE-2026-990003',
      vendor: 'Example Controls (demo)',
      product: 'GridView HMI',
      cpe: HMI,
      from: '0',
      lessThan: '6.0.0',
      title: 'GridView HMI (demo product): project file names disclosed to unauthenticated users',
      score: 5.3,
      severity: 'MEDIUM',
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N',
      dateUpdated: day(2),
      solution: 'Fixed in GridView HMI 6.0.0.',
    }),
    {
      title: 'Known Exploited Vulnerabilities (demo excerpt)',
      catalogVersion: 'demo',
      dateReleased: day(1),
      count: 1,
      vulnerabilities: [
        {
          cveID: 'CVE-2026-990002',
          vendorProject: 'Example Networks (demo)',
          product: 'SecureGate OS',
          vulnerabilityName: 'SecureGate OS SSL-VPN path traversal (demo)',
          dateAdded: day(1).slice(0, 10),
          shortDescription: 'Path traversal in the SSL-VPN portal lets an unauthenticated attacker read files (demo entry).',
          requiredAction: 'Apply the vendor update or disable the SSL-VPN portal.',
          dueDate: new Date(now.getTime() + 14 * 86400_000).toISOString().slice(0, 10),
          knownRansomwareCampaignUse: 'Unknown',
          notes: 'demo',
        },
      ],
    },
  ];
}

/** Registers the demo operator's systems (once) and imports the demo advisories (again: unchanged). */
export async function ensureDemoVuln(db: Kysely<Database>): Promise<void> {
  const operator = await actorByUsername(db, 'operator');
  const have = new Set((await listSystems(db, operator)).map((s) => s.name));
  const systems = [
    { name: 'Substation SCADA HMI', function: 'Operators supervise and switch the 66 kV substations', products: [{ vendor: 'Example Controls (demo)', product: 'GridView HMI', version: '5.2.1', cpe: at(HMI, '5.2.1') }], networkLocation: 'OT network, control centre' },
    { name: 'Remote access VPN', function: 'Staff and vendors reach the office network', products: [{ vendor: 'Example Networks (demo)', product: 'SecureGate OS', version: '9.1.3', cpe: at(VPN, '9.1.3') }], networkLocation: 'DMZ, head office' },
    { name: 'Billing web portal', function: 'Customers see and pay their bills', products: [{ vendor: 'Apache', product: 'HTTP Server', version: '2.4.62', cpe: 'cpe:2.3:a:apache:http_server:2.4.62:*:*:*:*:*:*:*' }], networkLocation: 'cloud hosting' },
  ];
  for (const s of systems) if (!have.has(s.name)) await registerSystem(db, operator, { ...s, carrierLinks: [] });
  for (const d of demoAdvisories()) await importDocument(db, SYSTEM_ACTOR, d);
}

/**
 * Registers the demo operator's network (once): the /24 of the domestic server the synthetic carrier's DDoS
 * hits, so the DDoS finding shows on the operator's open alerts as traffic that reached its exposed network.
 */
export async function ensureDemoRanges(db: Kysely<Database>, ddosTarget: string): Promise<void> {
  const operator = await actorByUsername(db, 'operator');
  if ((await listRanges(db, operator)).length) return;
  const cidr = `${ddosTarget.split('.').slice(0, 3).join('.')}.0/24`;
  await createRange(db, operator, { cidr, label: 'Head office and control centre (demo)' });
}
