/**
 * The checks an incoming STIX object must pass before it is stored (TAXII POST, bundle import, feed
 * pull): the common properties of STIX 2.1 §3, the OASIS STIX 2.1 JSON schema of its type (schemas.ts)
 * and the pattern grammar for STIX indicators — as strict as what ACD emits. Each refusal is a sentence
 * naming the object and the property.
 */
import { isStixId, isStixTimestamp } from './ids.js';
import { validatePattern } from './pattern.js';
import { schemaFault } from './schemas.js';
import type { StixObject } from './stix.js';

/** STIX 2.1 §6: the cyber-observable types (no created/modified). */
export const SCO_TYPES = new Set([
  'artifact', 'autonomous-system', 'directory', 'domain-name', 'email-addr', 'email-message', 'file', 'ipv4-addr',
  'ipv6-addr', 'mac-addr', 'mutex', 'network-traffic', 'process', 'software', 'url', 'user-account',
  'windows-registry-key', 'x509-certificate',
]);

const TYPE_NAME = /^[a-z0-9][a-z0-9-]{1,248}[a-z0-9]$/;

export interface CheckedObject {
  object: StixObject;
  type: string;
  id: string;
  specVersion: string;
  /** the object's version for TAXII (modified, else created; null for objects with neither) */
  version: string | null;
  markingRefs: string[];
  /** the marking_ref of every granular marking (STIX 2.1 §7.2.3) */
  granularRefs: string[];
}

/** Checks one object; returns it with its version, or throws nothing and returns the refusal. */
export function checkStixObject(x: unknown): CheckedObject | { error: string } {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return { error: 'an object in the envelope is not a JSON object' };
  const o = x as Record<string, unknown>;
  const type = o.type;
  const id = o.id;
  const name = typeof id === 'string' ? id : '(no id)';
  if (typeof type !== 'string' || !TYPE_NAME.test(type) || type.includes('--')) return { error: `${name}: type ${JSON.stringify(type)} is not a STIX type name` };
  if (type === 'bundle') return { error: `${name}: a bundle cannot be stored as an object (send its objects)` };
  if (!isStixId(id)) return { error: `${name}: id is not a STIX identifier (type--UUID)` };
  if (!id.startsWith(`${type}--`)) return { error: `${id}: the id does not begin with its type ${type}--` };
  const sco = SCO_TYPES.has(type);
  const spec = o.spec_version ?? (sco ? '2.1' : undefined);
  if (spec !== '2.1') return { error: `${id}: spec_version must be "2.1"${sco ? '' : ' (it is required on SDOs, SROs and markings)'}` };
  let version: string | null = null;
  if (!sco) {
    if (!isStixTimestamp(o.created)) return { error: `${id}: created must be a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z)` };
    if (type !== 'marking-definition') {
      if (!isStixTimestamp(o.modified)) return { error: `${id}: modified must be a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z)` };
      if (Date.parse(o.modified) < Date.parse(o.created)) return { error: `${id}: modified ${o.modified} is earlier than created ${o.created}` };
      version = o.modified;
    } else version = o.created;
  }
  const refs = o.object_marking_refs;
  if (refs !== undefined) {
    if (!Array.isArray(refs) || refs.length === 0 || !refs.every((r) => isStixId(r, 'marking-definition'))) {
      return { error: `${id}: object_marking_refs must be a non-empty list of marking-definition ids` };
    }
  }
  if (o.created_by_ref !== undefined && !isStixId(o.created_by_ref, 'identity')) return { error: `${id}: created_by_ref must be an identity id` };
  const granular: string[] = [];
  if (o.granular_markings !== undefined) {
    const g = o.granular_markings;
    if (!Array.isArray(g) || g.length === 0) return { error: `${id}: granular_markings must be a non-empty list` };
    for (const m of g as unknown[]) {
      const ref = (m as { marking_ref?: unknown } | null)?.marking_ref;
      const sel = (m as { selectors?: unknown } | null)?.selectors;
      if (!Array.isArray(sel) || sel.length === 0 || !sel.every((x) => typeof x === 'string')) return { error: `${id}: every granular marking needs a non-empty list of selectors` };
      if (ref !== undefined && !isStixId(ref, 'marking-definition')) return { error: `${id}: a granular marking's marking_ref must be a marking-definition id` };
      if (typeof ref === 'string') granular.push(ref);
    }
  }
  if (type === 'indicator') {
    if (typeof o.pattern !== 'string' || typeof o.pattern_type !== 'string') return { error: `${id}: an indicator needs pattern and pattern_type` };
    if (!isStixTimestamp(o.valid_from)) return { error: `${id}: valid_from must be a STIX timestamp` };
    if (o.pattern_type === 'stix') {
      try {
        validatePattern(o.pattern);
      } catch (e) {
        return { error: `${id}: ${(e as Error).message}` };
      }
    }
  }
  if (type === 'relationship' && (!isStixId(o.source_ref) || !isStixId(o.target_ref) || typeof o.relationship_type !== 'string')) {
    return { error: `${id}: a relationship needs relationship_type, source_ref and target_ref` };
  }
  if (type === 'sighting' && !isStixId(o.sighting_of_ref)) return { error: `${id}: a sighting needs sighting_of_ref` };
  // what is stored is the JSON text, in which a property set to undefined does not exist
  const fault = schemaFault(type, Object.values(o).includes(undefined) ? JSON.parse(JSON.stringify(o)) : o);
  if (fault) return { error: `${id}: ${fault}` };
  return { object: o as StixObject, type, id, specVersion: spec, version, markingRefs: (refs as string[] | undefined) ?? [], granularRefs: granular };
}
