/**
 * A short-lived, in-process memory of which API token is which person, so that a client making many
 * requests (an operator's reporting system, a TAXII poller) does not cost one database round trip per
 * request just to learn who it is. Measured: the token lookup was the largest part of a report
 * submission and of a TAXII page (bench `reports`, `taxii`).
 *
 * What it can get wrong, and how far:
 * - a token revoked in THIS process is forgotten at once (`forgetCachedTokens`, called by revokeToken);
 * - a token revoked, a person disabled or a role changed by ANOTHER process (a second `acd serve`, SQL
 *   by hand) is honoured for at most `ttlMs` more (default 5 s; `tokenCacheSeconds: 0` turns the cache
 *   off);
 * - a token's own expiry is checked on every hit, never cached past.
 * Unknown tokens are never cached, so guessing costs a database query each time as before.
 */
import type { Actor } from '../shared/roles.js';

export interface CachedToken {
  actor: Actor;
  tokenId: string;
  /** the token's own expiry, ms since epoch, or null */
  expiresAt: number | null;
  /** when this entry stops being trusted, ms since epoch */
  until: number;
  generation: number;
}

/** Bounded so a flood of distinct valid tokens cannot grow memory without limit. */
const MAX_ENTRIES = 10_000;

let ttlMs = 5_000;
/** Bumped by every revocation in this process: every cache forgets everything it knew before. */
let generation = 0;

/** One cache per store, so two apps in one process (tests) never answer for each other's tokens. */
const caches = new WeakMap<object, Map<string, CachedToken>>();

export function setTokenCacheTtl(seconds: number): void {
  ttlMs = Math.max(0, seconds) * 1000;
}

export function tokenCacheTtlMs(): number {
  return ttlMs;
}

export function getCachedToken(store: object, tokenHash: string, now: number): CachedToken | undefined {
  if (ttlMs === 0) return undefined;
  const map = caches.get(store);
  const hit = map?.get(tokenHash);
  if (!hit) return undefined;
  if (hit.generation !== generation || hit.until <= now || (hit.expiresAt !== null && hit.expiresAt <= now)) {
    map!.delete(tokenHash);
    return undefined;
  }
  return hit;
}

/** The revocation generation now: read it BEFORE the database lookup whose answer is to be cached. */
export function tokenCacheGeneration(): number {
  return generation;
}

/**
 * `seenGeneration` is the generation read before the lookup: if a revocation committed while the
 * lookup was in flight, its answer may predate the revocation and is not kept.
 */
export function putCachedToken(store: object, tokenHash: string, entry: Omit<CachedToken, 'until' | 'generation'>, now: number, seenGeneration: number): void {
  if (ttlMs === 0 || seenGeneration !== generation) return;
  let map = caches.get(store);
  if (!map) caches.set(store, (map = new Map()));
  if (map.size >= MAX_ENTRIES) {
    // Map iterates in insertion order: drop the oldest entry
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(tokenHash, { ...entry, until: now + ttlMs, generation });
}

/** Called after a revocation commits: no cache of this process may answer for any token it saw before. */
export function forgetCachedTokens(): void {
  generation++;
}
