/**
 * Where the log's signing key lives: a PKCS#8 PEM file (Ed25519), created with mode 0600 when missing.
 *   - ACD_AUDIT_LOG_KEY=/path/key.pem names it (required reading for PostgreSQL deployments: keep it
 *     off the database host, back it up; the heads it signed verify only under its public half);
 *   - otherwise <data dir>/audit-log-key.pem (the embedded store's folder, or ./.acd-data with PostgreSQL);
 *   - an in-memory store (data = memory://, tests and demos) gets a fresh key per process.
 * The log's name (origin of every checkpoint) is ACD_AUDIT_LOG_ORIGIN, default "acd/audit-log".
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateLogKey, logKeyFromPem, privateKeyPem, type LogKey } from './keys.js';

export const DEFAULT_LOG_ORIGIN = 'acd/audit-log';
export const KEY_FILE_NAME = 'audit-log-key.pem';

/** Reads the key file, or creates it (0600, parent folders too) when it does not exist. */
export function loadOrCreateLogKey(path: string, origin: string = DEFAULT_LOG_ORIGIN): { key: LogKey; created: boolean } {
  if (existsSync(path)) return { key: logKeyFromPem(origin, readFileSync(path, 'utf8')), created: false };
  const key = generateLogKey(origin);
  mkdirSync(dirname(path), { recursive: true });
  // 'wx': never overwrite a key another process wrote in the meantime
  try {
    writeFileSync(path, privateKeyPem(key), { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return { key: logKeyFromPem(origin, readFileSync(path, 'utf8')), created: false };
    throw e;
  }
  return { key, created: true };
}

export interface LogKeySource {
  /** null: an ephemeral key (in-memory store) */
  path: string | null;
  origin: string;
}

/** The key file the server uses for a configuration (see the header). */
export function logKeySource(config: { data: string; db?: string | undefined }, env: NodeJS.ProcessEnv = process.env): LogKeySource {
  const origin = env.ACD_AUDIT_LOG_ORIGIN ?? DEFAULT_LOG_ORIGIN;
  if (env.ACD_AUDIT_LOG_KEY) return { path: env.ACD_AUDIT_LOG_KEY, origin };
  if (!config.db && config.data.startsWith('memory://')) return { path: null, origin };
  return { path: join(config.data.startsWith('memory://') ? './.acd-data' : config.data, KEY_FILE_NAME), origin };
}

export function logKeyFor(src: LogKeySource): { key: LogKey; created: boolean } {
  return src.path === null ? { key: generateLogKey(src.origin), created: true } : loadOrCreateLogKey(src.path, src.origin);
}
