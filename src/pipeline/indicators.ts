/**
 * Indicators for the indicator detector from STIX 2.1 (issue #21): every `indicator` object whose
 * pattern names addresses (ipv4-addr / ipv6-addr values, network-traffic dst/src refs, CIDRs; the
 * destination port when the observation names one) becomes detector indicators that carry the STIX
 * id, the source (created_by_ref, else the given source name) and the TLP of its markings, so a hit
 * names them and the finding inherits the marking. Indicators past `valid_until` or revoked are left
 * out; patterns of other kinds stay intelligence only (intel/pattern.ts addressTerms).
 */
import { readFileSync } from 'node:fs';
import type { Indicator } from '../detect/index.js';
import { addressTerms, tlpOf } from '../intel/index.js';
import { AcdError } from '../shared/errors.js';

interface StixLike { type?: unknown; id?: unknown; pattern?: unknown; pattern_type?: unknown; created_by_ref?: unknown; object_marking_refs?: unknown; valid_until?: unknown; revoked?: unknown; confidence?: unknown }

/** detector indicators of STIX objects (a bundle's `objects`, or objects read from a store) */
export function indicatorsFromStix(objects: readonly unknown[], source: string, now = Date.now()): Indicator[] {
  const out: Indicator[] = [];
  for (const raw of objects) {
    const o = raw as StixLike;
    if (o?.type !== 'indicator' || typeof o.id !== 'string' || typeof o.pattern !== 'string') continue;
    if (o.pattern_type !== undefined && o.pattern_type !== 'stix') continue;
    if (o.revoked === true) continue;
    if (typeof o.valid_until === 'string' && Date.parse(o.valid_until) <= now) continue;
    let terms;
    try { terms = addressTerms(o.pattern); } catch { continue; }
    const tlp = tlpOf(Array.isArray(o.object_marking_refs) ? (o.object_marking_refs as string[]) : undefined) ?? null;
    const src = typeof o.created_by_ref === 'string' ? o.created_by_ref : source;
    const confidence = typeof o.confidence === 'number' ? Math.max(0, Math.min(1, o.confidence / 100)) : undefined;
    for (const t of terms) {
      out.push({ id: o.id, address: t.address, ...(t.port !== null ? { port: t.port } : {}), source: src, tlp, ...(confidence !== undefined ? { confidence } : {}) });
    }
  }
  return out;
}

/** `acd analyze --indicators BUNDLE.json`: a STIX bundle (or a JSON array of objects) from a file */
export function indicatorsFromFile(path: string): Indicator[] {
  let doc: unknown;
  try { doc = JSON.parse(readFileSync(path, 'utf8')); } catch (e) {
    throw new AcdError('BAD_INDICATORS', `--indicators ${path}: not readable JSON (${(e as Error).message})`);
  }
  const objects = Array.isArray(doc) ? doc : (doc as { objects?: unknown }).objects;
  if (!Array.isArray(objects)) throw new AcdError('BAD_INDICATORS', `--indicators ${path}: neither a STIX bundle nor an array of objects`);
  return indicatorsFromStix(objects, `file:${path}`);
}
