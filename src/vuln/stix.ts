/**
 * An advisory's CVEs as STIX 2.1 `vulnerability` objects (STIX 2.1 §4.18: name = the CVE id, an external
 * reference with source_name "cve"), marked with the advisory's TLP (CSAF distribution/tlp; a public CVE
 * record is CLEAR), shared through the intel part's collections like the rest of ACD's intelligence. Ids
 * are stable per CVE (the same CVE from two advisories is one object), so alerts link to them without
 * storing anything, and sharing again adds nothing twice.
 */
import type { Actor } from '../auth/index.js';
import { TLP2_MARKING_IDS, addObjects, getCollection, membershipOf, producerIdentity, rightsOf, stixTime, tlpMarking, type AddResult, type StixObject, type TlpLevel } from '../intel/index.js';
import { AcdError, notFound } from '../shared/errors.js';
import { vulnDb, type AnyDb } from './service.js';
import { vulnerabilityId } from './ids.js';

export { vulnerabilityId };


export function vulnerabilityObject(o: { cve: string; description: string; tlp: TlpLevel; createdBy: string; created: string; advisoryId: string }): StixObject {
  return {
    type: 'vulnerability',
    spec_version: '2.1',
    id: vulnerabilityId(o.cve),
    created_by_ref: o.createdBy,
    created: o.created,
    modified: o.created,
    name: o.cve,
    description: o.description.slice(0, 2000),
    external_references: [{ source_name: 'cve', external_id: o.cve }, { source_name: 'advisory', external_id: o.advisoryId }],
    object_marking_refs: [TLP2_MARKING_IDS[o.tlp]],
  };
}

export interface AdvisoryStixResult {
  collectionId: string;
  tlp: TlpLevel;
  vulnerabilityIds: string[];
  added: number;
  failures: AddResult['failures'];
}

/** Shares an advisory's CVEs into an intel collection the analyst may write to, under the advisory's TLP. */
export async function shareAdvisoryStix(db: AnyDb, actor: Actor, advisoryId: string, target: { collectionId: string; apiRoot?: string }, agency: { orgId: string; name: string }): Promise<AdvisoryStixResult> {
  const a = await vulnDb(db).selectFrom('vuln_advisories').select(['id', 'title', 'cves', 'tlp', 'imported_at']).where('id', '=', advisoryId).executeTakeFirst();
  if (!a) throw notFound('advisory', advisoryId);
  const c = await getCollection(db, target.apiRoot ?? 'acd', target.collectionId);
  if (!c) throw notFound('collection', target.collectionId);
  if (!rightsOf(actor, c, await membershipOf(db, actor.orgId)).canWrite) throw new AcdError('FORBIDDEN', `collectionId: you may not add to collection ${c.id}`, { status: 403 });
  const tlp = ((a.tlp ?? 'clear') as TlpLevel) in TLP2_MARKING_IDS ? ((a.tlp ?? 'clear') as TlpLevel) : 'amber';
  const who = producerIdentity(agency.orgId, agency.name);
  const created = stixTime(new Date(a.imported_at));
  const vulns = (a.cves as string[]).map((cve) => vulnerabilityObject({ cve, description: a.title, tlp, createdBy: who.id, created, advisoryId: a.id }));
  const r = await addObjects(db, c, [tlpMarking(tlp) as unknown as StixObject, who as unknown as StixObject, ...vulns], {
    actor,
    ...(tlp === 'red' ? { recipientOrgs: [actor.orgId], recipientUsers: [actor.userId] } : tlp === 'amber+strict' ? { recipientOrgs: [actor.orgId] } : {}),
    action: 'vuln.advisory.share',
    details: { advisoryId: a.id, tlp, cves: (a.cves as string[]).slice(0, 50) },
  });
  return { collectionId: c.id, tlp, vulnerabilityIds: vulns.map((v) => v.id), added: r.added, failures: r.failures };
}
