/**
 * Login rate limit: failed attempts are counted per account and per client address in a fixed
 * window; past the limit, logins for that key are refused until the window ends. Bounded: the oldest
 * keys are dropped when the table is full, so a flood of usernames cannot grow memory.
 */
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
