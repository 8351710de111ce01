/**
 * Every STIX object type ACD emits validates against the OASIS STIX 2.1 JSON schemas (ajv 2020-12,
 * the copy in vendor/stix2-json-schemas), as one bundle; and the schemas do catch a
 * broken object (so the check can fail).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { sampleFinding } from './fixtures.js';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import * as S from '../../src/intel/stix.js';
import {
  TLP_LEVELS,
  attackPattern,
  bundle,
  findingToStix,
  identity,
  malware,
  producerIdentity,
  relationship,
  statementMarking,
  tlpMarking,
  type StixObject,
} from '../../src/intel/index.js';

const Ajv2020 = Ajv2020Module as unknown as typeof Ajv2020Module.default;
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const ROOT = new URL('../../vendor/stix2-json-schemas/schemas/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.json') ? [p] : [];
  });
}

const BASE = 'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/';

function validators() {
  const ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: false, logger: false });
  addFormats(ajv);
  let bundleSchema: unknown;
  for (const f of files(ROOT)) {
    const schema = JSON.parse(readFileSync(f, 'utf8')) as { $id: string };
    if (f.endsWith('common/bundle.json')) bundleSchema = schema;
    else ajv.addSchema(schema);
  }
  const bundleV = ajv.compile(bundleSchema as object);
  const dirOf = (type: string): string =>
    type === 'marking-definition' ? 'common' : type === 'relationship' || type === 'sighting' ? 'sros' : ['ipv4-addr', 'ipv6-addr', 'network-traffic'].includes(type) ? 'observables' : 'sdos';
  const one = (o: StixObject): string | null => {
    const v = ajv.getSchema(`${BASE}${dirOf(o.type)}/${o.type}.json`);
    if (!v) return `no OASIS schema for ${o.type}`;
    return v(o) ? null : `${o.id}: ${JSON.stringify(v.errors?.slice(0, 3))}`;
  };
  return { bundleV, one };
}

/** The errors of a bundle, naming the objects that failed. */
function bundleErrors(v: ReturnType<typeof validators>['bundleV'], b: { objects: StixObject[] }): string | null {
  const ok: boolean = v(b);
  if (ok) return null;
  const bad = [...new Set((v.errors ?? []).map((e) => Number(e.instancePath.split('/')[2])))].map((i) => b.objects[i]?.id);
  return `objects failing: ${bad.join(', ')}; ${JSON.stringify(v.errors?.filter((e) => e.keyword === 'required' || e.keyword === 'pattern').slice(0, 4))}`;
}

test('a bundle of every STIX type ACD produces validates against the OASIS STIX 2.1 schemas', () => {
  const producer = producerIdentity('org-agency', 'Test agency');
  const objects: StixObject[] = [];
  const seen = new Map<string, StixObject>();
  const add = (o: StixObject): void => {
    if (!seen.has(o.id)) objects.push(o);
    seen.set(o.id, o);
  };
  for (const l of TLP_LEVELS) add(tlpMarking(l));
  add(statementMarking('Terms of use: ACD test', producer.id));
  add(producer);
  add(identity({ name: 'An operator', identityClass: 'organization', sectors: ['utilities'], tlp: 'green' }));
  add(malware({ name: 'njRAT', types: ['remote-access-trojan'], tlp: 'amber' }));
  add(attackPattern({ name: 'Network Service Discovery', mitreId: 'T1046' }));
  const v6 = sampleFinding({ type: 'scan', key: 'scan|2001:db8::7|0/6', external: '2001:db8::7', port: 0, direction: 'inbound' });
  for (const f of [sampleFinding(), v6]) {
    for (const tier of ['full', 'shareable', 'public'] as const) for (const o of findingToStix(f, { tier, producer, idSalt: 'test-salt' }).objects) add(o);
  }
  add(relationship({ type: 'related-to', source: objects.find((o) => o.type === 'malware')!.id, target: objects.find((o) => o.type === 'infrastructure')!.id }));
  const types = new Set(objects.map((o) => o.type));
  for (const t of ['identity', 'indicator', 'infrastructure', 'observed-data', 'sighting', 'relationship', 'report', 'note', 'malware', 'attack-pattern', 'marking-definition', 'ipv4-addr', 'ipv6-addr', 'network-traffic']) {
    assert.ok(types.has(t), `the sample bundle has no ${t}`);
  }
  const { bundleV, one } = validators();
  // Every object against its own type's schema …
  for (const o of objects) assert.equal(one(o), null);
  // … and as one bundle against common/bundle.json. That schema's list of object types lacks `note`
  // (and grouping, location, opinion), so a note falls to its "custom object" branch, where it matches
  // both core.json and cyber-observable-core.json and fails the oneOf — a defect of the schema, shown
  // by the next test. Notes are checked above against sdos/note.json; the bundle goes without them.
  const b = bundle(objects.filter((o) => o.type !== 'note'));
  // and each against ACD's own typebox schema of its type (the contract the builders are typed by)
  const typebox: Record<string, TSchema[]> = {
    identity: [S.Identity], indicator: [S.Indicator], infrastructure: [S.Infrastructure], 'observed-data': [S.ObservedData], sighting: [S.Sighting],
    relationship: [S.Relationship], report: [S.Report], note: [S.Note], malware: [S.Malware], 'attack-pattern': [S.AttackPattern],
    'marking-definition': [S.TlpMarkingDefinitionSchema, S.StatementMarkingDefinitionSchema], 'ipv4-addr': [S.Ipv4Addr], 'ipv6-addr': [S.Ipv6Addr], 'network-traffic': [S.NetworkTraffic],
  };
  for (const o of objects) assert.ok(typebox[o.type]!.some((sch) => Value.Check(sch, o)), `${o.id} does not match ACD's typebox schema of ${o.type}`);
  assert.equal(Value.Check(S.Indicator, { ...objects.find((o) => o.type === 'indicator'), valid_from: 'soon' }), false);
  assert.equal(bundleErrors(bundleV, b), null);
});

test('the OASIS bundle schema refuses any note, even the smallest valid one (why notes are checked on their own)', () => {
  const { bundleV, one } = validators();
  const n = { type: 'note', spec_version: '2.1', id: 'note--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061', created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z', content: 'x', object_refs: ['indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'] };
  assert.equal(one(n), null);
  assert.notEqual(bundleErrors(bundleV, bundle([n])), null);
});

test('the OASIS schemas refuse a broken object (the check can fail)', () => {
  const { bundleV: validate, one } = validators();
  const producer = producerIdentity('org-agency', 'Test agency');
  const { objects } = findingToStix(sampleFinding(), { tier: 'shareable', producer, idSalt: 'test-salt' });
  const noNotes = objects.filter((o) => o.type !== 'note');
  assert.equal(validate(bundle(noNotes)), true);
  const broken = noNotes.map((o) => (o.type === 'indicator' ? { ...o, valid_from: 'yesterday' } : o));
  assert.equal(validate(bundle(broken)), false);
  const noName = objects.filter((o) => o.type !== 'note').map((o) => (o.type === 'report' ? { ...o, name: undefined } : o));
  assert.equal(validate(JSON.parse(JSON.stringify(bundle(noName)))), false);
  const note = objects.find((o) => o.type === 'note')!;
  assert.notEqual(one({ ...note, object_refs: [] }), null);
});
