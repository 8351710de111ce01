/**
 * The three tiers built from a finding: what each contains and, above all, what it must not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TLP2_MARKING_IDS, findingToStix, producerIdentity, tlpOf, type StixObject } from '../../src/intel/index.js';
import { sampleFinding } from './fixtures.js';

const producer = producerIdentity('org-agency', 'Test agency');

const marked = (objs: StixObject[]) => objs.filter((o) => o.type !== 'marking-definition' && o.type !== 'identity');

test('shareable and public tiers name no domestic pseudonym anywhere; the full tier keeps them', () => {
  const f = sampleFinding({ domestic: ['10.77.3.9', '10.77.120.4', '192.0.2.77'], domesticCount: 40 });
  const full = JSON.stringify(findingToStix(f, { tier: 'full', producer, idSalt: 'test-salt' }).objects);
  for (const d of f.domestic) assert.ok(full.includes(d), `full tier lacks ${d}`);
  for (const tier of ['shareable', 'public'] as const) {
    const text = JSON.stringify(findingToStix(f, { tier, producer, idSalt: 'test-salt' }).objects);
    for (const d of f.domestic) assert.ok(!text.includes(d), `${tier} tier names the domestic address ${d}`);
    assert.ok(text.includes(f.external!), `${tier} tier lacks the indicator`);
  }
  const share = findingToStix(f, { tier: 'shareable', producer, idSalt: 'test-salt' }).objects;
  const sig = share.find((o) => o.type === 'sighting')!;
  assert.equal(sig.count, 40);
  assert.equal(sig.where_sighted_refs, undefined);
  assert.equal(share.filter((o) => o.type === 'ipv4-addr').length, 1);
});

test('the public alert holds the indicator and guidance only, all TLP:CLEAR', () => {
  const p = findingToStix(sampleFinding(), { tier: 'public', producer, idSalt: 'test-salt', comment: 'Patch the VPN gateways.' });
  assert.deepEqual([...new Set(p.objects.map((o) => o.type))].sort(), ['identity', 'indicator', 'marking-definition', 'note', 'report']);
  for (const o of marked(p.objects)) assert.equal(tlpOf(o.object_marking_refs as string[]), 'clear', o.id);
  const note = p.objects.find((o) => o.type === 'note')!;
  assert.match(String(note.content), /Patch the VPN gateways/);
  assert.doesNotMatch(JSON.stringify(p.objects), /score|subscore|domestic/i);
});

test('each tier carries only its TLP levels; every object of a product is marked', () => {
  assert.throws(() => findingToStix(sampleFinding(), { tier: 'public', producer, idSalt: 'test-salt', tlp: 'amber' }), /public tier cannot be marked TLP:AMBER/);
  assert.throws(() => findingToStix(sampleFinding(), { tier: 'full', producer, idSalt: 'test-salt', tlp: 'green' }), /INTEL_TIER_TLP|cannot be marked/);
  const red = findingToStix(sampleFinding(), { tier: 'full', producer, idSalt: 'test-salt', tlp: 'red' });
  for (const o of marked(red.objects)) assert.deepEqual(o.object_marking_refs && (o.object_marking_refs as string[])[0], TLP2_MARKING_IDS.red, o.id);
  assert.equal(findingToStix(sampleFinding(), { tier: 'shareable', producer, idSalt: 'test-salt' }).tlp, 'amber');
  assert.equal(findingToStix(sampleFinding(), { tier: 'full', producer, idSalt: 'test-salt' }).tlp, 'amber+strict');
});

test('promoting the same finding again gives new versions of the same objects', () => {
  const a = findingToStix(sampleFinding(), { tier: 'shareable', producer, idSalt: 'test-salt', now: new Date('2026-11-21T00:00:00Z') });
  const b = findingToStix(sampleFinding({ lastSeen: Date.parse('2026-11-21T05:00:00Z') }), { tier: 'shareable', producer, idSalt: 'test-salt', now: new Date('2026-11-22T00:00:00Z') });
  const ia = a.objects.find((o) => o.type === 'indicator')!;
  const ib = b.objects.find((o) => o.type === 'indicator')!;
  assert.equal(ia.id, ib.id);
  assert.equal(ia.created, ib.created);
  assert.ok(String(ib.modified) > String(ia.modified));
  const other = findingToStix(sampleFinding(), { tier: 'full', producer, idSalt: 'test-salt' });
  assert.notEqual(other.objects.find((o) => o.type === 'indicator')!.id, ia.id, 'tiers share an id');
});

test('a finding without an external address has no indicator to share', () => {
  assert.throws(() => findingToStix(sampleFinding({ external: null }), { tier: 'public', producer, idSalt: 'test-salt' }), /names no external address/);
});
