/**
 * The indicators an operator reports (addresses, domains, URLs, e-mail addresses, file hashes and
 * names, AS numbers) as STIX 2.1 indicators, marked with the report's TLP. Built with the intel part's
 * public builders (patterns checked by its parser) and stored through its collections, so they can be
 * shared over TAXII and their addresses become candidate selection criteria (which selection's
 * approval process must still adopt). The agency does this at triage, on the analyst's say.
 *
 * Privacy: the objects name neither the operator nor the report's title or text; the description says
 * only the sector and the report id (which the agency and the sector's ministry can resolve).
 */
import { isIP } from 'node:net';
import type { Actor } from '../auth/index.js';
import {
  TLP_LEVELS,
  addObjects,
  addressPattern,
  getCollection,
  indicator,
  membershipOf,
  producerIdentity,
  quote,
  rightsOf,
  stableId,
  stixTime,
  tlpMarking,
  type AddResult,
  type Collection,
  type StixObject,
  type TlpLevel,
} from '../intel/index.js';
import { notFound, commonError } from '../shared/errors.js';
import type { AnyDb } from './scope.js';
import { reportsError } from './errors.js';

/** What a report is marked when its operator said nothing: only the recipient organisations. */
export const DEFAULT_REPORT_TLP: TlpLevel = 'amber+strict';

export interface ReportedIndicator {
  type: string;
  value: string;
  note?: string;
}

const DOMAIN = /^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,253}$/;

/**
 * The STIX pattern of one reported indicator; a value that is not what its type says is refused with
 * the reason (the caller names the field).
 */
export function indicatorPattern(ind: ReportedIndicator): string {
  const v = ind.value.trim();
  const bad = (why: string): never => {
    throw reportsError('INVALID_INDICATOR', `value ${JSON.stringify(ind.value.slice(0, 100))} ${why}`);
  };
  switch (ind.type) {
    case 'ipv4-addr':
    case 'ipv6-addr': {
      const addr = v.split('/')[0] ?? '';
      if (isIP(addr) !== (ind.type === 'ipv4-addr' ? 4 : 6)) bad(`is not an ${ind.type === 'ipv4-addr' ? 'IPv4' : 'IPv6'} address or prefix`);
      return addressPattern(v);
    }
    case 'domain-name':
      if (!DOMAIN.test(v) || !v.includes('.')) bad('is not a domain name');
      return `[domain-name:value = ${quote(v.replace(/\.$/, '').toLowerCase())}]`;
    case 'url': {
      let u: URL | null = null;
      try {
        u = new URL(v);
      } catch {
        bad('is not an absolute URL');
      }
      if (!u || !/^[a-z][a-z0-9+.-]*:$/.test(u.protocol)) bad('is not an absolute URL');
      return `[url:value = ${quote(v)}]`;
    }
    case 'email-addr':
      if (!EMAIL.test(v)) bad('is not an e-mail address');
      return `[email-addr:value = ${quote(v)}]`;
    case 'file-sha256':
      if (!/^[0-9a-fA-F]{64}$/.test(v)) bad('is not a SHA-256 hex digest (64 hex digits)');
      return `[file:hashes.'SHA-256' = ${quote(v.toLowerCase())}]`;
    case 'file-md5':
      if (!/^[0-9a-fA-F]{32}$/.test(v)) bad('is not an MD5 hex digest (32 hex digits)');
      return `[file:hashes.MD5 = ${quote(v.toLowerCase())}]`;
    case 'file-name':
      if (v.length === 0 || v.length > 255 || [...v].some((ch) => ch.charCodeAt(0) < 0x20)) bad('is not a file name (1 to 255 characters, no control characters)');
      return `[file:name = ${quote(v)}]`;
    case 'asn': {
      const m = /^(?:AS)?(\d{1,10})$/i.exec(v);
      const n = m ? Number(m[1]) : NaN;
      if (!(Number.isInteger(n) && n >= 0 && n <= 4294967295)) bad('is not an AS number (e.g. AS64500)');
      return `[autonomous-system:number = ${n}]`;
    }
    default:
      return bad(`has type ${JSON.stringify(ind.type)}, which has no STIX pattern here`);
  }
}

export interface IndicatorFailure {
  /** index in content/indicators */
  index: number;
  type: string;
  message: string;
}

export interface ReportStix {
  tlp: TlpLevel;
  /** the TLP marking definition, the producer identity and one indicator per distinct reported indicator */
  objects: StixObject[];
  indicatorIds: string[];
  failures: IndicatorFailure[];
}

/**
 * The STIX objects for a report's indicators. Ids are stable per (report, type, value) and the
 * version is the report's filing time, so converting again adds nothing new.
 */
export function reportToStix(r: { id: string; sector: string; createdAt: Date | string; indicators: readonly ReportedIndicator[]; tlp: TlpLevel }, producer: { orgId: string; name: string }): ReportStix {
  const created = stixTime(new Date(r.createdAt));
  const who = producerIdentity(producer.orgId, producer.name);
  const objects: StixObject[] = [];
  const failures: IndicatorFailure[] = [];
  const seen = new Set<string>();
  r.indicators.forEach((ind, index) => {
    let pattern: string;
    try {
      pattern = indicatorPattern(ind);
    } catch (e) {
      failures.push({ index, type: ind.type, message: `content/indicators/${index}/value: ${(e as Error).message}` });
      return;
    }
    if (seen.has(pattern)) return;
    seen.add(pattern);
    try {
      objects.push(
        indicator({
          id: stableId('indicator', `report|${r.id}|${pattern}`),
          createdBy: who.id,
          created,
          modified: created,
          tlp: r.tlp,
          pattern,
          name: `${ind.type} reported by an operator (sector ${r.sector})`,
          description: `From incident report ${r.id} of the ${r.sector} sector${ind.note ? `; the operator's note: ${ind.note.slice(0, 2000)}` : ''}`,
          types: ['malicious-activity'],
          validFrom: created,
        }),
      );
    } catch (e) {
      // the intel part's pattern parser refused what was built: said, not crashed
      failures.push({ index, type: ind.type, message: `content/indicators/${index}/value: ${(e as Error).message}` });
    }
  });
  const indicatorIds = objects.map((o) => o.id);
  if (objects.length) objects.unshift(tlpMarking(r.tlp) as unknown as StixObject, who as unknown as StixObject);
  return { tlp: r.tlp, objects, indicatorIds, failures };
}

/** The TLP a report's latest submission carries (its operator's marking), else the default. */
export function reportTlp(content: unknown): TlpLevel {
  const t = (content as { tlp?: unknown } | null)?.tlp;
  return typeof t === 'string' && (TLP_LEVELS as readonly string[]).includes(t) ? (t as TlpLevel) : DEFAULT_REPORT_TLP;
}

export interface ShareTarget {
  collectionId: string;
  apiRoot?: string;
}

export interface SharingResult extends Pick<AddResult, 'added' | 'candidates'> {
  collectionId: string;
  tlp: TlpLevel;
  indicatorIds: string[];
  failures: IndicatorFailure[];
}

/** The collection the indicators go to, checked before anything is written: it exists and the analyst may add to it. */
export async function shareableCollection(db: AnyDb, actor: Actor, t: ShareTarget): Promise<Collection> {
  const c = await getCollection(db, t.apiRoot ?? 'acd', t.collectionId);
  if (!c) throw notFound('collection', t.collectionId);
  if (!rightsOf(actor, c, await membershipOf(db, actor.orgId)).canWrite) {
    throw commonError('FORBIDDEN', `shareIndicatorsTo.collectionId: you may not add to collection ${c.id}`, { status: 403 });
  }
  return c;
}

/**
 * Stores the STIX objects in the collection, honouring the marking: AMBER+STRICT goes to the agency and
 * the reporting operator only, RED to the analyst only, AMBER and below to the collection's audience.
 * Address indicators become candidate selection criteria (source `report:<id>`), except under RED. Audited by the intel
 * part's store as `report.indicators.share`.
 */
export async function storeReportStix(db: AnyDb, actor: Actor, c: Collection, reportId: string, reportOrgId: string, s: ReportStix): Promise<SharingResult> {
  const recipients =
    s.tlp === 'red' ? { recipientOrgs: [actor.orgId], recipientUsers: [actor.userId] } : s.tlp === 'amber+strict' ? { recipientOrgs: [...new Set([actor.orgId, reportOrgId])], recipientUsers: [actor.userId] } : {};
  const r = s.objects.length
    ? await addObjects(db, c, s.objects, {
        actor,
        ...recipients,
        // a RED indicator is for the named people only: it does not become a criterion others see
        ...(s.tlp === 'red' ? {} : { candidates: `report:${reportId}` }),
        action: 'report.indicators.share',
        details: { reportId, tlp: s.tlp, indicators: s.indicatorIds.length, refused: s.failures.length },
      })
    : { added: 0, candidates: 0, failures: [] as AddResult['failures'] };
  const stored = r.failures.map((f) => ({ index: -1, type: 'stix', message: `${f.id}: ${f.message}` }));
  return { collectionId: c.id, tlp: s.tlp, added: r.added, candidates: r.candidates ?? 0, indicatorIds: s.indicatorIds, failures: [...s.failures, ...stored] };
}
