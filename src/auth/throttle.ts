/**
 * Login rate limit: failed attempts are counted per account and per client address in a fixed
 * window; past the limit, logins for that key are refused until the window ends. Bounded: the oldest
 * keys are dropped when the table is full, so a flood of usernames cannot grow memory.
 */
import type { Kysely } from 'kysely';
import { withTables, type Database } from '../store/index.js';

export interface LoginThrottle {
  /** seconds to wait when any of the keys is blocked, else 0 */
  retryAfter(keys: string[], now?: number): number;
  fail(keys: string[], now?: number): void;
  succeed(keys: string[]): void;
}

export function createLoginThrottle(opts: { maxAttempts: number; windowSeconds: number; maxKeys?: number }): LoginThrottle {
  const windowMs = opts.windowSeconds * 1000;
  const maxKeys = opts.maxKeys ?? 100_000;
  const table = new Map<string, { count: number; windowStart: number }>();

  return {
    retryAfter(keys, now = Date.now()) {
      let wait = 0;
      for (const k of keys) {
        const e = table.get(k);
        if (!e) continue;
        if (now - e.windowStart >= windowMs) {
          table.delete(k);
          continue;
        }
        if (e.count >= opts.maxAttempts) wait = Math.max(wait, Math.ceil((e.windowStart + windowMs - now) / 1000));
      }
      return wait;
    },
    fail(keys, now = Date.now()) {
      for (const k of keys) {
        const e = table.get(k);
        if (!e || now - e.windowStart >= windowMs) {
          if (table.size >= maxKeys) {
            const oldest = table.keys().next().value;
            if (oldest !== undefined) table.delete(oldest);
          }
          table.set(k, { count: 1, windowStart: now });
        } else {
          e.count++;
        }
      }
    },
    succeed(keys) {
      // Only the account's counter is cleared: an address that guesses many accounts stays counted.
      for (const k of keys) if (k.startsWith('account:')) table.delete(k);
    },
  };
}

/**
 * Issue #20: the login throttle kept in the store, so a restart does not reset it, and built so that
 * nobody can lock the owner out.
 *
 * Failures are counted per key within `windowSeconds` of the last failure:
 * - `pair:<account>|<address>` and `address:<address>`: from `maxAttempts` failures on, each further
 *   failure holds the key back for a delay that doubles (1 s, 2 s, 4 s, … up to the window): the
 *   guessing address is slowed down, whichever accounts it tries.
 * - `account:<account>`: failures from every address together; from `4 × maxAttempts` on, the account
 *   is held back the same way (exponential back-off, never a fixed lock), and a correct password from
 *   a device the person logged in from before (the device cookie, see login_devices) passes it.
 * A success clears the pair and the account, not the address.
 */
export interface StoredLoginThrottle {
  /** seconds to wait before another attempt for this account from this address, or 0 */
  retryAfter(account: string, address: string, opts?: { knownDevice?: boolean; now?: number }): Promise<number>;
  fail(account: string, address: string, now?: number): Promise<void>;
  succeed(account: string, address: string): Promise<void>;
}

interface ThrottleRow {
  key: string;
  failures: number;
  last_failure_at: Date | string;
  blocked_until: Date | string | null;
}

interface ThrottleTables {
  login_throttle: ThrottleRow;
}

export function createStoredLoginThrottle(db: Kysely<Database>, opts: { maxAttempts: number; windowSeconds: number }): StoredLoginThrottle {
  const windowMs = opts.windowSeconds * 1000;
  const t = withTables<ThrottleTables>(db);
  const keysOf = (account: string, address: string) => {
    const a = account.toLowerCase();
    return { pair: `pair:${a}|${address}`, address: `address:${address}`, account: `account:${a}` };
  };
  const limitOf = (key: string): number => (key.startsWith('account:') ? 4 * opts.maxAttempts : opts.maxAttempts);
  return {
    async retryAfter(account, address, o = {}) {
      const now = o.now ?? Date.now();
      const k = keysOf(account, address);
      const wanted = o.knownDevice ? [k.pair, k.address] : [k.pair, k.address, k.account];
      const rows = await t.selectFrom('login_throttle').selectAll().where('key', 'in', wanted).execute();
      let wait = 0;
      for (const r of rows) {
        if (!r.blocked_until) continue;
        const until = new Date(r.blocked_until).getTime();
        if (until > now) wait = Math.max(wait, Math.ceil((until - now) / 1000));
      }
      return wait;
    },
    async fail(account, address, now = Date.now()) {
      const k = keysOf(account, address);
      const keys = [k.pair, k.address, k.account];
      const rows = await t.selectFrom('login_throttle').selectAll().where('key', 'in', keys).execute();
      const byKey = new Map(rows.map((r) => [r.key, r]));
      for (const key of keys) {
        const old = byKey.get(key);
        const failures = old && now - new Date(old.last_failure_at).getTime() < windowMs ? old.failures + 1 : 1;
        const over = failures - limitOf(key);
        const blockedUntil = over >= 0 ? new Date(now + Math.min(windowMs, 1000 * 2 ** Math.min(over, 30))) : null;
        await t
          .insertInto('login_throttle')
          .values({ key, failures, last_failure_at: new Date(now), blocked_until: blockedUntil })
          .onConflict((oc) => oc.column('key').doUpdateSet({ failures, last_failure_at: new Date(now), blocked_until: blockedUntil }))
          .execute();
      }
      // what is past its window is forgotten: the table holds only recent failures
      await t.deleteFrom('login_throttle').where('last_failure_at', '<', new Date(now - windowMs)).execute();
    },
    async succeed(account, address) {
      const k = keysOf(account, address);
      await t.deleteFrom('login_throttle').where('key', 'in', [k.pair, k.account]).execute();
    },
  };
}
