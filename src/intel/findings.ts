/**
 * Findings → intelligence, in the three tiers of the law's analysis products:
 *  - full: everything the finding says, domestic pseudonyms included — the agency only (TLP:AMBER+STRICT
 *    to the agency by default, or RED to named people);
 *  - shareable: to operators and partners — no domestic pseudonym anywhere, victims only as a count,
 *    evidence reduced to its numeric figures (TLP:AMBER by default, or GREEN);
 *  - public alert: the indicator and guidance only, TLP:CLEAR.
 * Ids are stable per (tier, finding), so promoting the same finding again makes a new version of the
 * same objects (created stays the finding's first sighting, modified moves on).
 */
import type { Finding, FindingType } from '../detect/index.js';
import { AcdError } from '../shared/errors.js';
import { orgIdentityId, saltedId, stixTime } from './ids.js';
import { addressPattern } from './pattern.js';
import {
  addressObject,
  attackPattern,
  identity,
  indicator,
  infrastructure,
  networkTraffic,
  note,
  observedData,
  protocolName,
  relationship,
  report,
  sighting,
  type Identity,
  type StixObject,
} from './stix.js';
import { statementMarking, tlpMarking, type TlpLevel } from './tlp.js';

export const TIERS = ['full', 'shareable', 'public'] as const;
export type Tier = (typeof TIERS)[number];

/** The TLP levels each tier may carry; the first is the default. */
export const TIER_TLP: Record<Tier, readonly TlpLevel[]> = {
  full: ['amber+strict', 'red'],
  shareable: ['amber', 'green', 'amber+strict'],
  public: ['clear'],
};

const STATEMENT: Record<Tier, string> = {
  full: 'ACD analysis product, full tier: for the agency only. Contains pseudonymised domestic addresses; not for onward sharing.',
  shareable: 'ACD analysis product, shareable tier: for operators and partners. Domestic addresses removed; victims aggregated.',
  public: 'ACD public alert: indicators and guidance only.',
};

interface Technique {
  name: string;
  mitre: string;
  infra: string;
  indicatorType: string;
  guidance: string;
}

const TECHNIQUE: Record<FindingType, Technique> = {
  beacon: { name: 'Application Layer Protocol (command and control beaconing)', mitre: 'T1071', infra: 'command-and-control', indicatorType: 'malicious-activity', guidance: 'Block or alert on connections to this address and port; look for hosts that contact it at regular intervals and examine them for malware.' },
  strobe: { name: 'Application Layer Protocol (high-rate command and control)', mitre: 'T1071', infra: 'command-and-control', indicatorType: 'malicious-activity', guidance: 'Block connections to this address; hosts contacting it at a very high rate are likely compromised.' },
  'fan-in': { name: 'Application Layer Protocol (shared command and control server)', mitre: 'T1071', infra: 'command-and-control', indicatorType: 'malicious-activity', guidance: 'Many hosts contact this address in the same way: block it and examine the hosts that reached it.' },
  scan: { name: 'Network Service Discovery', mitre: 'T1046', infra: 'attack', indicatorType: 'anomalous-activity', guidance: 'This address scans networks: filter it at the edge and check exposed services for weaknesses it may have found.' },
  ddos: { name: 'Network Denial of Service', mitre: 'T1498', infra: 'botnet', indicatorType: 'malicious-activity', guidance: 'Denial-of-service traffic: coordinate filtering with your upstream provider; rate-limit the service named.' },
  indicator: { name: 'Contact with known malicious infrastructure', mitre: 'T1071', infra: 'command-and-control', indicatorType: 'malicious-activity', guidance: 'A known malicious address was contacted: block it and examine the hosts that reached it.' },
  'long-connection': { name: 'Non-Standard Port / long-lived command and control session', mitre: 'T1571', infra: 'command-and-control', indicatorType: 'anomalous-activity', guidance: 'A long-lived session to this address: check the hosts holding it for remote-access tools.' },
  exfiltration: { name: 'Exfiltration Over Alternative Protocol (large upload to a new destination)', mitre: 'T1048', infra: 'exfiltration', indicatorType: 'anomalous-activity', guidance: 'A host sent a large volume to an address it had not contacted before: check what was sent and from which process.' },
};

/** How long a promoted indicator is valid (valid_until), unless the promotion says otherwise. */
export const DEFAULT_VALID_MS = 30 * 86_400_000;

export interface PromoteOptions {
  tier: Tier;
  /** the producing organisation's identity (created_by_ref of every object) */
  producer: Identity;
  /** the deployment's secret salt of tier object ids (store.ts idSalt): ids no reader can compute */
  idSalt: string;
  /** indicators are valid until this long after promotion (default 30 days) */
  validForMs?: number;
  tlp?: TlpLevel;
  /** the analyst's words added to the report (and, for a public alert, the guidance) */
  comment?: string;
  now?: Date;
}

export interface TierProduct {
  tier: Tier;
  tlp: TlpLevel;
  /** every object of the product, markings and producer first, the report last */
  objects: StixObject[];
  reportId: string;
}

/** The producer identity of an organisation (stable id per organisation). */
export function producerIdentity(orgId: string, name: string, created = '2026-01-01T00:00:00.000Z'): Identity {
  // public (TLP:CLEAR), so every object's created_by_ref resolves for every reader of every tier
  return identity({ id: orgIdentityId(orgId), name, identityClass: 'organization', created, modified: created, tlp: 'clear' });
}

/** Builds the STIX objects of one tier for a finding. */
export function findingToStix(f: Finding, o: PromoteOptions): TierProduct {
  const allowed = TIER_TLP[o.tier];
  const tlp = o.tlp ?? allowed[0]!;
  if (!allowed.includes(tlp)) throw new AcdError('INTEL_TIER_TLP', `the ${o.tier} tier cannot be marked TLP:${tlp.toUpperCase()} (allowed: ${allowed.map((l) => `TLP:${l.toUpperCase()}`).join(', ')})`);
  if (!f.external && f.type !== 'ddos') throw new AcdError('INTEL_NO_INDICATOR', `finding ${f.key} names no external address: there is no indicator to share`);
  const now = stixTime(o.now ?? new Date());
  const first = stixTime(f.firstSeen);
  // created is the first sighting, so versions of the same object keep one created (§3.6)
  const created = first <= now ? first : now;
  const last = stixTime(Math.max(f.lastSeen, f.firstSeen));
  const tech = TECHNIQUE[f.type];
  const marking = tlpMarking(tlp);
  const statement = statementMarking(STATEMENT[o.tier], o.producer.id);
  const markings = [statement.id];
  const id = (type: string, part = ''): string => saltedId(o.idSalt, type, `${o.tier}|${f.key}${part}`);
  const common = { createdBy: o.producer.id, created, modified: now, tlp, markings };

  const proto = protocolName(f.proto);
  const service = f.port ? ` ${proto}/${f.port}` : '';
  if (!f.external) return ddosWithoutIndicator(f, o, { tlp, now, created, first, last, tech, marking, statement, common, id });

  const ind = indicator({
    ...common,
    id: id('indicator'),
    name: `${f.type} ${f.external}${service}`,
    description: `${tech.name}: ${f.external}${service}, ${f.direction}, seen ${first} – ${last}.`,
    pattern: addressPattern(f.external, f.port && (f.type === 'beacon' || f.type === 'strobe' || f.type === 'fan-in' || f.type === 'long-connection' || f.type === 'indicator') ? { port: f.port, protocol: proto } : {}),
    types: [tech.indicatorType],
    validFrom: created,
    validUntil: stixTime(Date.parse(now) + (o.validForMs ?? DEFAULT_VALID_MS)),
    confidence: Math.round(f.score * 100),
  });
  // the producer identity is TLP:CLEAR: its marking definition travels with every tier
  const head: StixObject[] = [marking, ...(tlp === 'clear' ? [] : [tlpMarking('clear')]), statement, o.producer];

  if (o.tier === 'public') {
    const guidance = note({
      ...common,
      id: id('note'),
      abstract: 'What to do',
      content: o.comment ? `${tech.guidance}\n\n${o.comment}` : tech.guidance,
      refs: [ind.id],
    });
    const rep = report({ ...common, id: id('report'), name: `ACD alert: ${tech.name} (${f.external})`, types: ['threat-report'], published: now, refs: [ind.id, guidance.id] });
    return { tier: o.tier, tlp, objects: [...head, ind, guidance, rep], reportId: rep.id };
  }

  const ap = attackPattern({ ...common, id: saltedId(o.idSalt, 'attack-pattern', `${o.tier}|${tech.mitre}|${tech.name}`), created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z', name: tech.name, mitreId: tech.mitre });
  const infra = infrastructure({ ...common, id: id('infrastructure'), name: `${tech.infra} ${f.external}${service}`, types: [tech.infra], firstSeen: first, lastSeen: last });
  const ext = addressObject(f.external, [marking.id, statement.id]);
  const rels = [
    relationship({ ...common, id: id('relationship', '|ind-infra'), type: 'indicates', source: ind.id, target: infra.id }),
    relationship({ ...common, id: id('relationship', '|ind-ap'), type: 'indicates', source: ind.id, target: ap.id }),
    relationship({ ...common, id: id('relationship', '|infra-addr'), type: 'consists-of', source: infra.id, target: ext.id }),
  ];
  const numbers: Record<string, number> = {};
  for (const [k, v] of Object.entries(f.evidence)) if (typeof v === 'number' && Number.isFinite(v)) numbers[k] = v;
  for (const [k, v] of Object.entries(f.subscores)) numbers[`score.${k}`] = v;

  if (o.tier === 'shareable') {
    const sig = sighting({
      ...common,
      id: id('sighting'),
      of: ind.id,
      count: Math.max(1, f.domesticCount),
      firstSeen: first,
      lastSeen: last,
      summary: true,
      description: `${f.domesticCount} domestic host(s) involved (aggregated; no host is named).`,
    });
    const facts = note({
      ...common,
      id: id('note'),
      abstract: 'Figures',
      content: `Score ${f.score.toFixed(2)}. Domestic hosts involved: ${f.domesticCount}. ${Object.entries(numbers).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(3)}`).join(', ')}.${o.comment ? `\n\n${o.comment}` : ''}\n\n${tech.guidance}`,
      refs: [ind.id, infra.id],
    });
    const objs: StixObject[] = [ind, ap, infra, ext, ...rels, sig, facts];
    const rep = report({ ...common, id: id('report'), name: `ACD: ${tech.name} (${f.external})`, types: ['threat-report'], published: now, refs: objs.map((x) => x.id) });
    return { tier: o.tier, tlp, objects: [...head, ...objs, rep], reportId: rep.id };
  }

  // full: with the domestic side (pseudonyms as the gate gave them) and the whole evidence
  const domestic = f.domestic.map((a) => addressObject(a, [marking.id, statement.id]));
  const traffic = domestic.map((d) =>
    networkTraffic({
      src: f.direction === 'outbound' ? d.id : ext.id,
      dst: f.direction === 'outbound' ? ext.id : d.id,
      ...(f.port ? { dstPort: f.port } : {}),
      protocols: [proto],
      markings: [marking.id, statement.id],
    }),
  );
  const od = observedData({
    ...common,
    id: id('observed-data'),
    firstObserved: first,
    lastObserved: last,
    count: Math.max(1, f.updates),
    refs: [ext.id, ...domestic.map((d) => d.id), ...traffic.map((t) => t.id)],
  });
  const sig = sighting({ ...common, id: id('sighting'), of: ind.id, count: Math.max(1, f.domesticCount), firstSeen: first, lastSeen: last, observedData: [od.id] });
  const facts = note({
    ...common,
    id: id('note'),
    abstract: 'Evidence',
    content: JSON.stringify({ key: f.key, score: f.score, subscores: f.subscores, evidence: f.evidence, domesticCount: f.domesticCount, updates: f.updates }) + (o.comment ? `\n\n${o.comment}` : ''),
    refs: [ind.id, od.id],
  });
  const objs: StixObject[] = [ind, ap, infra, ext, ...domestic, ...traffic, od, ...rels, sig, facts];
  const rep = report({ ...common, id: id('report'), name: `ACD analysis: ${tech.name} (${f.external})`, types: ['threat-report'], published: now, refs: objs.map((x) => x.id) });
  return { tier: o.tier, tlp, objects: [...head, ...objs, rep], reportId: rep.id };
}

interface TierParts {
  tlp: TlpLevel;
  now: string;
  created: string;
  first: string;
  last: string;
  tech: Technique;
  marking: StixObject;
  statement: StixObject;
  common: { createdBy: string; created: string; modified: string; tlp: TlpLevel; markings: string[] };
  id: (type: string, part?: string) => string;
}

/**
 * A denial of service on a domestic target from many sources names no external address, so there is
 * no indicator to block; what is shared is the attack itself: the technique, the figures (rates, peak,
 * distinct sources) and, in the full tier only, the domestic target (a pseudonym) and the evidence.
 */
function ddosWithoutIndicator(f: Finding, o: PromoteOptions, p: TierParts): TierProduct {
  const { tlp, now, first, last, tech, marking, statement, common, id } = p;
  const head: StixObject[] = [marking, ...(tlp === 'clear' ? [] : [tlpMarking('clear')]), statement, o.producer];
  const ap = attackPattern({ ...common, id: saltedId(o.idSalt, 'attack-pattern', `${o.tier}|${tech.mitre}|${tech.name}`), created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z', name: tech.name, mitreId: tech.mitre });
  const ev = f.evidence as { rates?: Record<string, number>; peak?: Record<string, number>; distinctSources?: number };
  const figures = `Denial of service on a domestic target, ${first} – ${last}: peak ${ev.peak?.pps ?? '?'} packets/s, ${ev.peak?.bps ?? '?'} bits/s, about ${ev.distinctSources ?? '?'} distinct sources. Score ${f.score.toFixed(2)}.`;
  const title = `ACD${o.tier === 'public' ? ' alert' : o.tier === 'full' ? ' analysis' : ''}: ${tech.name} (domestic target, ${ev.distinctSources ?? 'many'} sources)`;
  if (o.tier !== 'full') {
    const facts = note({ ...common, id: id('note'), abstract: o.tier === 'public' ? 'What to do' : 'Figures', content: `${figures}${o.comment ? `\n\n${o.comment}` : ''}\n\n${tech.guidance}`, refs: [ap.id] });
    const rep = report({ ...common, id: id('report'), name: title, types: ['threat-report'], published: now, refs: [ap.id, facts.id] });
    return { tier: o.tier, tlp, objects: [...head, ap, facts, rep], reportId: rep.id };
  }
  const domestic = f.domestic.map((a) => addressObject(a, [marking.id, statement.id]));
  const objs: StixObject[] = [ap, ...domestic];
  let od: StixObject | undefined;
  if (domestic.length) {
    od = observedData({ ...common, id: id('observed-data'), firstObserved: first, lastObserved: last, count: Math.max(1, f.updates), refs: domestic.map((d) => d.id) });
    objs.push(od);
  }
  const sig = sighting({ ...common, id: id('sighting'), of: ap.id, count: Math.max(1, f.updates), firstSeen: first, lastSeen: last, ...(od ? { observedData: [od.id] } : {}) });
  const facts = note({
    ...common,
    id: id('note'),
    abstract: 'Evidence',
    content: JSON.stringify({ key: f.key, score: f.score, subscores: f.subscores, evidence: f.evidence, domesticCount: f.domesticCount, updates: f.updates }) + (o.comment ? `\n\n${o.comment}` : ''),
    refs: [ap.id, ...(od ? [od.id] : [])],
  });
  objs.push(sig, facts);
  const rep = report({ ...common, id: id('report'), name: title, types: ['threat-report'], published: now, refs: objs.map((x) => x.id) });
  return { tier: o.tier, tlp, objects: [...head, ...objs, rep], reportId: rep.id };
}
