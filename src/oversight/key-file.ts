/**
 * Where the log's signing key lives: a PKCS#8 PEM file (Ed25519), created with mode 0600 when missing.
 *   - auditLogKey (ACD_AUDIT_LOG_KEY=/path/key.pem) names it (required reading for PostgreSQL deployments: keep it
 *     off the database host, back it up; the heads it signed verify only under its public half);
 *   - otherwise <data dir>/audit-log-key.pem (the embedded store's folder, or ./.acd-data with PostgreSQL);
 *   - an in-memory store (data = memory://, tests and demos) gets a fresh key per process.
 * The log's name (origin of every checkpoint) is auditLogOrigin (ACD_AUDIT_LOG_ORIGIN), default "acd/audit-log".
 * checkKeyCustody() is what the server checks at start (permissions, and whether the key sits in the data folder).
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { auditError } from './errors.js';
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

export interface LogKeyConfig {
  data: string;
  db?: string | undefined;
  auditLogKey?: string | undefined;
  auditLogOrigin?: string | undefined;
}

/**
 * The key file the server uses for a configuration (see the header). `env` is read only when given
 * (older callers); the configuration's auditLogKey / auditLogOrigin (ACD_AUDIT_LOG_KEY / _ORIGIN) win.
 */
export function logKeySource(config: LogKeyConfig, env: Record<string, string | undefined> = {}): LogKeySource {
  const origin = config.auditLogOrigin ?? env.ACD_AUDIT_LOG_ORIGIN ?? DEFAULT_LOG_ORIGIN;
  const explicit = config.auditLogKey ?? env.ACD_AUDIT_LOG_KEY;
  if (explicit) return { path: explicit, origin };
  if (!config.db && config.data.startsWith('memory://')) return { path: null, origin };
  return { path: join(config.data.startsWith('memory://') ? './.acd-data' : config.data, KEY_FILE_NAME), origin };
}

export function logKeyFor(src: LogKeySource): { key: LogKey; created: boolean } {
  return src.path === null ? { key: generateLogKey(src.origin), created: true } : loadOrCreateLogKey(src.path, src.origin);
}

/**
 * Key custody, checked at start: the key file must be readable by its owner only (else AUDIT_KEY_CUSTODY:
 * the server does not start), and should not live in the data folder, beside the database an insider
 * can truncate (returned as a warning to log).
 */
export function checkKeyCustody(path: string, dataDir: string | null): { warnings: string[] } {
  const st = statSync(path);
  if ((st.mode & 0o077) !== 0) {
    throw auditError('AUDIT_KEY_CUSTODY', `the audit log key ${path} is readable or writable by others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}): chmod 600 ${path}`);
  }
  const warnings: string[] = [];
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) warnings.push(`the audit log key ${path} belongs to uid ${st.uid}, not to this process (uid ${process.getuid()})`);
  if (dataDir !== null) {
    const d = resolve(dataDir);
    const p = resolve(path);
    if (p === d || p.startsWith(d + sep)) {
      warnings.push(`the audit log key ${path} lives in the data folder ${dataDir}: whoever can truncate the store can re-sign it. Set auditLogKey (ACD_AUDIT_LOG_KEY) to a file outside it, on another volume or host, and run a witness`);
    }
  }
  return { warnings };
}
