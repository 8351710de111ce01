/**
 * STIX identifiers and timestamps (STIX 2.1 §2.9 identifier, §3.2 timestamp).
 * SDO/SRO ids are `type--UUIDv4`, or UUIDv5 under ACD's namespace where the same thing must keep one
 * id (an indicator for the same finding gets a new version, not a second object). SCO ids are UUIDv5
 * under the STIX namespace over the canonical JSON of the ID-contributing properties (§2.9).
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import canonicalizeModule from 'canonicalize';

// CommonJS with `export default` types: under NodeNext the default import is the function itself.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

/** STIX 2.1 §2.9: the namespace of deterministic SCO identifiers. */
export const STIX_SCO_NAMESPACE = '00abedb4-aa42-466c-9c01-fed23315a9b7';
/** ACD's own namespace for deterministic SDO identifiers (a fixed random UUID). */
export const ACD_NAMESPACE = '6f1f3b7e-2c1a-4f4e-9a55-0b6f0c0d4a31';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
/** The identifier pattern of the OASIS schemas (common/identifier.json). */
export const STIX_ID = /^[a-z][a-z0-9-]+[a-z0-9]--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$/;
/** STIX 2.1 §3.2: RFC 3339, UTC, `Z`, optional fraction. */
export const STIX_TIMESTAMP = /^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]|60)(\.[0-9]+)?Z$/;

/** RFC 4122 §4.3: name-based UUID with SHA-1 (version 5). */
export function uuidv5(name: string, namespace: string): string {
  if (!UUID.test(namespace)) throw new Error(`uuidv5: namespace ${namespace} is not a UUID`);
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** A random STIX id of this type. */
export function stixId(type: string): string {
  return `${type}--${randomUUID()}`;
}

/** A deterministic SDO/SRO id: the same `name` always gives the same id. */
export function stableId(type: string, name: string): string {
  return `${type}--${uuidv5(`${type}|${name}`, ACD_NAMESPACE)}`;
}

/**
 * A deterministic id that only the holder of `salt` can compute: UUIDv5 of the name under a namespace
 * derived from the secret (HMAC-SHA256). ACD's tier objects use it, so a partner that reads the
 * shareable tier cannot compute the ids of the full tier (and post a version of an object it cannot
 * see). The salt is intel's secret (`intel_secrets`, generated once per deployment).
 */
export function saltedId(salt: string, type: string, name: string): string {
  if (!salt) throw new Error('saltedId: the salt is empty');
  const h = createHmac('sha256', salt).update('acd-stix-id-namespace').digest('hex');
  const ns = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
  return `${type}--${uuidv5(`${type}|${name}`, ns)}`;
}

/** The id of an organisation's producer identity (public: the same in every deployment). */
export function orgIdentityId(orgId: string): string {
  return stableId('identity', `org|${orgId}`);
}

/** STIX 2.1 §2.9: a cyber-observable's deterministic id from its ID-contributing properties. */
export function scoId(type: string, contributing: Record<string, unknown>): string {
  const text = canonicalize(contributing);
  if (text === undefined) throw new Error(`scoId: cannot canonicalise the properties of ${type}`);
  return `${type}--${uuidv5(text, STIX_SCO_NAMESPACE)}`;
}

/** A STIX timestamp with millisecond precision (the precision STIX asks for created/modified). */
export function stixTime(t: Date | number = Date.now()): string {
  return new Date(t).toISOString();
}

export function isStixId(s: unknown, type?: string): s is string {
  return typeof s === 'string' && STIX_ID.test(s) && (type === undefined || s.startsWith(`${type}--`));
}

export function isStixTimestamp(s: unknown): s is string {
  return typeof s === 'string' && STIX_TIMESTAMP.test(s) && !Number.isNaN(Date.parse(s));
}

/** The type part of a STIX id. */
export function typeOfId(id: string): string {
  const i = id.indexOf('--');
  return i < 0 ? '' : id.slice(0, i);
}
