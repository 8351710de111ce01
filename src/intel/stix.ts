/**
 * The STIX 2.1 objects ACD emits, as typebox schemas (the contract; Static types type the builders),
 * and their builders. Every builder's output validates against the OASIS STIX 2.1 JSON schemas
 * (test/intel/stix-schema.test.ts checks a bundle of every type).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { scoId, stixId, stixTime } from './ids.js';
import { validatePattern } from './pattern.js';
import { TLP2_MARKING_IDS, type TlpLevel } from './tlp.js';

const Id = (type: string) => Type.String({ pattern: `^${type}--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$` });
const AnyId = Type.String({ pattern: '^[a-z][a-z0-9-]+[a-z0-9]--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$' });
const Timestamp = Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]|60)(\\.[0-9]+)?Z$' });
const Opt = <T extends TSchema>(t: T) => Type.Optional(t);

export const ExternalReference = Type.Object({
  source_name: Type.String(),
  description: Opt(Type.String()),
  url: Opt(Type.String()),
  external_id: Opt(Type.String()),
});

export const KillChainPhase = Type.Object({ kill_chain_name: Type.String(), phase_name: Type.String() });

/** STIX 2.1 §3.2 common properties of SDOs and SROs. */
const common = <T extends string>(type: T) => ({
  type: Type.Literal(type),
  spec_version: Type.Literal('2.1'),
  id: Id(type),
  created_by_ref: Opt(Id('identity')),
  created: Timestamp,
  modified: Timestamp,
  revoked: Opt(Type.Boolean()),
  labels: Opt(Type.Array(Type.String(), { minItems: 1 })),
  confidence: Opt(Type.Integer({ minimum: 0, maximum: 100 })),
  lang: Opt(Type.String()),
  external_references: Opt(Type.Array(ExternalReference, { minItems: 1 })),
  object_marking_refs: Opt(Type.Array(Id('marking-definition'), { minItems: 1 })),
});

export const Identity = Type.Object({
  ...common('identity'),
  name: Type.String(),
  description: Opt(Type.String()),
  roles: Opt(Type.Array(Type.String())),
  identity_class: Opt(Type.Union(['individual', 'group', 'system', 'organization', 'class', 'unknown'].map((v) => Type.Literal(v)))),
  sectors: Opt(Type.Array(Type.String())),
  contact_information: Opt(Type.String()),
});

export const Indicator = Type.Object({
  ...common('indicator'),
  name: Opt(Type.String()),
  description: Opt(Type.String()),
  indicator_types: Opt(Type.Array(Type.String(), { minItems: 1 })),
  pattern: Type.String(),
  pattern_type: Type.String(),
  pattern_version: Opt(Type.String()),
  valid_from: Timestamp,
  valid_until: Opt(Timestamp),
  kill_chain_phases: Opt(Type.Array(KillChainPhase)),
});

export const Infrastructure = Type.Object({
  ...common('infrastructure'),
  name: Type.String(),
  description: Opt(Type.String()),
  infrastructure_types: Opt(Type.Array(Type.String(), { minItems: 1 })),
  first_seen: Opt(Timestamp),
  last_seen: Opt(Timestamp),
});

export const ObservedData = Type.Object({
  ...common('observed-data'),
  first_observed: Timestamp,
  last_observed: Timestamp,
  number_observed: Type.Integer({ minimum: 1, maximum: 999999999 }),
  object_refs: Type.Array(AnyId, { minItems: 1 }),
});

export const Sighting = Type.Object({
  ...common('sighting'),
  description: Opt(Type.String()),
  first_seen: Opt(Timestamp),
  last_seen: Opt(Timestamp),
  count: Opt(Type.Integer({ minimum: 0, maximum: 999999999 })),
  sighting_of_ref: AnyId,
  observed_data_refs: Opt(Type.Array(Id('observed-data'), { minItems: 1 })),
  where_sighted_refs: Opt(Type.Array(AnyId, { minItems: 1 })),
  summary: Opt(Type.Boolean()),
});

export const Relationship = Type.Object({
  ...common('relationship'),
  relationship_type: Type.String({ pattern: '^[a-z0-9-]+$' }),
  description: Opt(Type.String()),
  source_ref: AnyId,
  target_ref: AnyId,
  start_time: Opt(Timestamp),
  stop_time: Opt(Timestamp),
});

export const Report = Type.Object({
  ...common('report'),
  name: Type.String(),
  description: Opt(Type.String()),
  report_types: Opt(Type.Array(Type.String())),
  published: Timestamp,
  object_refs: Type.Array(AnyId, { minItems: 1 }),
});

export const Note = Type.Object({
  ...common('note'),
  abstract: Opt(Type.String()),
  content: Type.String(),
  authors: Opt(Type.Array(Type.String())),
  object_refs: Type.Array(AnyId, { minItems: 1 }),
});

export const Malware = Type.Object({
  ...common('malware'),
  name: Type.String(),
  description: Opt(Type.String()),
  malware_types: Opt(Type.Array(Type.String())),
  is_family: Type.Boolean(),
  first_seen: Opt(Timestamp),
  last_seen: Opt(Timestamp),
});

export const AttackPattern = Type.Object({
  ...common('attack-pattern'),
  name: Type.String(),
  description: Opt(Type.String()),
  kill_chain_phases: Opt(Type.Array(KillChainPhase)),
});

export const TlpMarkingDefinitionSchema = Type.Object({
  type: Type.Literal('marking-definition'),
  spec_version: Type.Literal('2.1'),
  id: Id('marking-definition'),
  created: Timestamp,
  name: Type.String(),
  extensions: Type.Record(Type.String(), Type.Object({ extension_type: Type.Literal('property-extension'), tlp_2_0: Type.String() })),
});

export const StatementMarkingDefinitionSchema = Type.Object({
  type: Type.Literal('marking-definition'),
  spec_version: Type.Literal('2.1'),
  id: Id('marking-definition'),
  created: Timestamp,
  created_by_ref: Opt(Id('identity')),
  name: Opt(Type.String()),
  definition_type: Type.Literal('statement'),
  definition: Type.Object({ statement: Type.String() }),
});

const scoCommon = <T extends string>(type: T) => ({
  type: Type.Literal(type),
  spec_version: Opt(Type.Literal('2.1')),
  id: Id(type),
  object_marking_refs: Opt(Type.Array(Id('marking-definition'), { minItems: 1 })),
});

export const Ipv4Addr = Type.Object({ ...scoCommon('ipv4-addr'), value: Type.String() });
export const Ipv6Addr = Type.Object({ ...scoCommon('ipv6-addr'), value: Type.String() });
export const NetworkTraffic = Type.Object({
  ...scoCommon('network-traffic'),
  src_ref: Opt(AnyId),
  dst_ref: Opt(AnyId),
  src_port: Opt(Type.Integer({ minimum: 0, maximum: 65535 })),
  dst_port: Opt(Type.Integer({ minimum: 0, maximum: 65535 })),
  protocols: Type.Array(Type.String(), { minItems: 1 }),
  start: Opt(Timestamp),
  end: Opt(Timestamp),
  is_active: Opt(Type.Boolean()),
});

export type Identity = Static<typeof Identity>;
export type Indicator = Static<typeof Indicator>;
export type Infrastructure = Static<typeof Infrastructure>;
export type ObservedData = Static<typeof ObservedData>;
export type Sighting = Static<typeof Sighting>;
export type Relationship = Static<typeof Relationship>;
export type Report = Static<typeof Report>;
export type Note = Static<typeof Note>;
export type Malware = Static<typeof Malware>;
export type AttackPattern = Static<typeof AttackPattern>;
export type Ipv4Addr = Static<typeof Ipv4Addr>;
export type Ipv6Addr = Static<typeof Ipv6Addr>;
export type NetworkTraffic = Static<typeof NetworkTraffic>;

/** Any STIX object as stored and served: JSON with at least type and id. */
export type StixObject = { type: string; id: string; [k: string]: unknown };

export interface Bundle {
  type: 'bundle';
  id: string;
  objects: StixObject[];
}

/** Options every SDO/SRO builder takes. */
export interface CommonOpts {
  id?: string;
  createdBy?: string;
  created?: string;
  modified?: string;
  tlp?: TlpLevel;
  /** further marking definitions (e.g. a statement marking) */
  markings?: string[];
  confidence?: number;
  labels?: string[];
  externalReferences?: Array<Static<typeof ExternalReference>>;
}

function base<T extends string>(type: T, o: CommonOpts) {
  const now = stixTime();
  const created = o.created ?? now;
  const markings = [...(o.tlp ? [TLP2_MARKING_IDS[o.tlp]] : []), ...(o.markings ?? [])];
  return {
    type,
    spec_version: '2.1' as const,
    id: o.id ?? stixId(type),
    ...(o.createdBy ? { created_by_ref: o.createdBy } : {}),
    created,
    modified: o.modified ?? created,
    ...(o.labels?.length ? { labels: o.labels } : {}),
    ...(o.confidence !== undefined ? { confidence: o.confidence } : {}),
    ...(o.externalReferences?.length ? { external_references: o.externalReferences } : {}),
    ...(markings.length ? { object_marking_refs: markings } : {}),
  };
}

export function identity(o: CommonOpts & { name: string; identityClass?: Identity['identity_class']; description?: string; sectors?: string[]; contact?: string }): Identity {
  return {
    ...base('identity', o),
    name: o.name,
    ...(o.description ? { description: o.description } : {}),
    identity_class: o.identityClass ?? 'organization',
    ...(o.sectors?.length ? { sectors: o.sectors } : {}),
    ...(o.contact ? { contact_information: o.contact } : {}),
  };
}

/** An indicator; a STIX pattern is checked by the pattern parser first (a malformed one throws). */
export function indicator(o: CommonOpts & { pattern: string; name?: string; description?: string; types?: string[]; validFrom?: string; validUntil?: string; killChain?: Array<Static<typeof KillChainPhase>> }): Indicator {
  validatePattern(o.pattern);
  const b = base('indicator', o);
  return {
    ...b,
    ...(o.name ? { name: o.name } : {}),
    ...(o.description ? { description: o.description } : {}),
    indicator_types: o.types?.length ? o.types : ['malicious-activity'],
    pattern: o.pattern,
    pattern_type: 'stix',
    pattern_version: '2.1',
    valid_from: o.validFrom ?? b.created,
    ...(o.validUntil ? { valid_until: o.validUntil } : {}),
    ...(o.killChain?.length ? { kill_chain_phases: o.killChain } : {}),
  };
}

export function infrastructure(o: CommonOpts & { name: string; description?: string; types?: string[]; firstSeen?: string; lastSeen?: string }): Infrastructure {
  return {
    ...base('infrastructure', o),
    name: o.name,
    ...(o.description ? { description: o.description } : {}),
    infrastructure_types: o.types?.length ? o.types : ['unknown'],
    ...(o.firstSeen ? { first_seen: o.firstSeen } : {}),
    ...(o.lastSeen ? { last_seen: o.lastSeen } : {}),
  };
}

export function observedData(o: CommonOpts & { firstObserved: string; lastObserved: string; count: number; refs: string[] }): ObservedData {
  return {
    ...base('observed-data', o),
    first_observed: o.firstObserved,
    last_observed: o.lastObserved,
    number_observed: Math.max(1, Math.min(999999999, Math.round(o.count))),
    object_refs: o.refs,
  };
}

export function sighting(o: CommonOpts & { of: string; count?: number; firstSeen?: string; lastSeen?: string; observedData?: string[]; where?: string[]; description?: string; summary?: boolean }): Sighting {
  return {
    ...base('sighting', o),
    ...(o.description ? { description: o.description } : {}),
    ...(o.firstSeen ? { first_seen: o.firstSeen } : {}),
    ...(o.lastSeen ? { last_seen: o.lastSeen } : {}),
    ...(o.count !== undefined ? { count: Math.max(0, Math.min(999999999, Math.round(o.count))) } : {}),
    sighting_of_ref: o.of,
    ...(o.observedData?.length ? { observed_data_refs: o.observedData } : {}),
    ...(o.where?.length ? { where_sighted_refs: o.where } : {}),
    ...(o.summary !== undefined ? { summary: o.summary } : {}),
  };
}

export function relationship(o: CommonOpts & { type: string; source: string; target: string; description?: string }): Relationship {
  return {
    ...base('relationship', o),
    relationship_type: o.type,
    ...(o.description ? { description: o.description } : {}),
    source_ref: o.source,
    target_ref: o.target,
  };
}

export function report(o: CommonOpts & { name: string; description?: string; types?: string[]; published?: string; refs: string[] }): Report {
  const b = base('report', o);
  return {
    ...b,
    name: o.name,
    ...(o.description ? { description: o.description } : {}),
    report_types: o.types?.length ? o.types : ['threat-report'],
    published: o.published ?? b.modified,
    object_refs: o.refs,
  };
}

export function note(o: CommonOpts & { content: string; abstract?: string; authors?: string[]; refs: string[] }): Note {
  return {
    ...base('note', o),
    ...(o.abstract ? { abstract: o.abstract } : {}),
    content: o.content,
    ...(o.authors?.length ? { authors: o.authors } : {}),
    object_refs: o.refs,
  };
}

export function malware(o: CommonOpts & { name: string; description?: string; types?: string[]; isFamily?: boolean }): Malware {
  return {
    ...base('malware', o),
    name: o.name,
    ...(o.description ? { description: o.description } : {}),
    malware_types: o.types?.length ? o.types : ['unknown'],
    is_family: o.isFamily ?? true,
  };
}

export function attackPattern(o: CommonOpts & { name: string; description?: string; mitreId?: string }): AttackPattern {
  const refs = o.mitreId ? [{ source_name: 'mitre-attack', external_id: o.mitreId, url: `https://attack.mitre.org/techniques/${o.mitreId.replace('.', '/')}/` }] : undefined;
  return {
    ...base('attack-pattern', { ...o, externalReferences: o.externalReferences ?? refs }),
    name: o.name,
    ...(o.description ? { description: o.description } : {}),
  };
}

/** An address as a cyber-observable (deterministic id, so the same address is one object). */
export function addressObject(value: string, markings?: string[]): Ipv4Addr | Ipv6Addr {
  const type = value.includes(':') ? 'ipv6-addr' : 'ipv4-addr';
  return { type, spec_version: '2.1', id: scoId(type, { value }), value, ...(markings?.length ? { object_marking_refs: markings } : {}) } as Ipv4Addr | Ipv6Addr;
}

export function networkTraffic(o: { src?: string; dst?: string; dstPort?: number; protocols: string[]; start?: string; end?: string; markings?: string[] }): NetworkTraffic {
  // §6.12: id contributing properties are start, end, src_ref, dst_ref, src_port, dst_port, protocols, …
  const contributing: Record<string, unknown> = {
    ...(o.start ? { start: o.start } : {}),
    ...(o.end ? { end: o.end } : {}),
    ...(o.src ? { src_ref: o.src } : {}),
    ...(o.dst ? { dst_ref: o.dst } : {}),
    ...(o.dstPort !== undefined ? { dst_port: o.dstPort } : {}),
    protocols: o.protocols,
  };
  return {
    type: 'network-traffic',
    spec_version: '2.1',
    id: scoId('network-traffic', contributing),
    ...contributing,
    protocols: o.protocols,
    ...(o.markings?.length ? { object_marking_refs: o.markings } : {}),
  } as NetworkTraffic;
}

export function bundle(objects: StixObject[]): Bundle {
  return { type: 'bundle', id: stixId('bundle'), objects };
}

export const protocolName = (proto: number): string => (proto === 6 ? 'tcp' : proto === 17 ? 'udp' : proto === 1 ? 'icmp' : proto === 58 ? 'ipv6-icmp' : `ipproto-${proto}`);
