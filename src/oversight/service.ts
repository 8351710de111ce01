/**
 * One log appender per store in a process: the HTTP routes and the server's start/stop share it.
 * Routes get it lazily (tests build servers without starting timers); startAuditLog() also starts its
 * interval (head signing, appends) and is what `acd serve` calls.
 *
 * From the configuration: the key file (auditLogKey, its custody checked: see key-file.ts), the signer's
 * memory beside it (auditLogState, default <key file>.last-head), the skew (auditLogMaxSkewSeconds), the
 * head interval (auditLogHeadIntervalSeconds) and the witness (auditWitnessUrl + auditWitnessKey).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import { Type, type Static } from '@sinclair/typebox';
import type { Registry } from 'prom-client';
import type { Database } from '../store/index.js';
import type { Logger } from '../shared/log.js';
import { createAuditLogAppender, type AuditLogAppender, type AuditLogAppenderConfig } from './appender.js';
import { checkKeyCustody, logKeyFor, logKeySource, type LogKeyConfig } from './key-file.js';
import { fileSignerState, memorySignerState } from './signer-state.js';
import { createWitnessClient } from './witness-client.js';
import { importCosignerVerifier } from './cosignature.js';
import { auditError } from './errors.js';
import { openPkcs11LogKey } from './pkcs11-key.js';
import type { LogKey } from './keys.js';
import { join } from 'node:path';

export interface AuditLogServiceConfig extends LogKeyConfig {
  auditLogState?: string | undefined;
  auditLogMaxSkewSeconds?: number | undefined;
  auditLogHeadIntervalSeconds?: number | undefined;
  auditWitnessUrl?: string | undefined;
  auditWitnessKey?: string | undefined;
  auditLogPkcs11Module?: string | undefined;
  auditLogPkcs11Token?: string | undefined;
  auditLogPkcs11KeyLabel?: string | undefined;
  auditLogPkcs11Pin?: string | undefined;
}

export interface AuditLogContext {
  config: AuditLogServiceConfig;
  store: { db: Kysely<Database> };
  logger: Logger;
  registry: Registry;
}

const appenders = new WeakMap<object, Promise<AuditLogAppender>>();

export function auditLogOf(ctx: AuditLogContext, config: AuditLogAppenderConfig = {}): Promise<AuditLogAppender> {
  let p = appenders.get(ctx.store.db);
  if (!p) {
    p = (async () => {
      const c = ctx.config;
      const src = logKeySource(c);
      let key: LogKey;
      let statePath: string | null;
      if (c.auditLogPkcs11Module) {
        // the key on a token: it never enters this process
        if (!c.auditLogPkcs11Token || !c.auditLogPkcs11Pin) throw auditError('AUDIT_KEY_INVALID', 'auditLogPkcs11Module needs auditLogPkcs11Token and auditLogPkcs11Pin');
        ({ key } = await openPkcs11LogKey({ module: c.auditLogPkcs11Module, token: c.auditLogPkcs11Token, pin: c.auditLogPkcs11Pin, keyLabel: c.auditLogPkcs11KeyLabel ?? 'acd-audit-log', origin: src.origin }));
        statePath = c.auditLogState ?? (c.db || !c.data.startsWith('memory://') ? join(c.db ? './.acd-data' : c.data, 'audit-log-signer.last-head') : null);
        ctx.logger.info({ module: c.auditLogPkcs11Module, token: c.auditLogPkcs11Token, keyLabel: c.auditLogPkcs11KeyLabel }, 'audit log signing key on a PKCS#11 token');
      } else {
        const made = logKeyFor(src);
        key = made.key;
        if (made.created) ctx.logger.info({ path: src.path ?? '(memory: a new key for this process)', origin: src.origin }, 'audit log signing key created');
        if (src.path !== null) {
          const { warnings } = checkKeyCustody(src.path, c.db ? null : c.data);
          for (const w of warnings) ctx.logger.warn({ path: src.path }, w);
        }
        statePath = c.auditLogState ?? (src.path !== null ? `${src.path}.last-head` : null);
      }
      let witness;
      if (c.auditWitnessUrl) {
        if (!c.auditWitnessKey) throw auditError('AUDIT_KEY_INVALID', 'auditWitnessUrl needs auditWitnessKey (the witness vkey) beside it');
        const vk = existsSync(c.auditWitnessKey) ? readFileSync(c.auditWitnessKey, 'utf8').trim() : c.auditWitnessKey;
        witness = createWitnessClient({ url: c.auditWitnessUrl, verifier: importCosignerVerifier(vk) });
      }
      return createAuditLogAppender({
        store: ctx.store,
        key,
        config: {
          ...(c.auditLogMaxSkewSeconds !== undefined ? { maxSkewMs: c.auditLogMaxSkewSeconds * 1000 } : {}),
          ...(c.auditLogHeadIntervalSeconds !== undefined ? { intervalMs: c.auditLogHeadIntervalSeconds * 1000 } : {}),
          ...config,
        },
        registry: ctx.registry,
        logger: ctx.logger,
        signerState: statePath ? fileSignerState(statePath) : memorySignerState(),
        ...(witness ? { witness } : {}),
      });
    })();
    appenders.set(ctx.store.db, p);
    p.catch(() => appenders.delete(ctx.store.db));
  }
  return p;
}

/** The appender of a store if one was made in this process (for /healthz: no key is created just to answer it). */
export function existingAuditLog(db: object): Promise<AuditLogAppender> | undefined {
  return appenders.get(db);
}

/** Starts the appender's interval (default 60 s: append, sign a head when grown); returns it for stop(). */
export async function startAuditLog(ctx: AuditLogContext, config: AuditLogAppenderConfig = {}): Promise<AuditLogAppender> {
  const log = await auditLogOf(ctx, config);
  log.start();
  return log;
}

/** The audit log's part of /healthz: failing while the appender refuses to sign. */
export const AuditLogCheck = Type.Object({
  ok: Type.Boolean(),
  refusal: Type.Union([Type.Object({ code: Type.String(), message: Type.String(), at: Type.String(), lastSignedSize: Type.Integer(), candidateSize: Type.Integer() }), Type.Null()]),
  backdatedRows: Type.Integer({ description: 'rows flagged as backdated since start' }),
  witness: Type.Union([Type.Object({ url: Type.String(), lastCosignedSize: Type.Integer(), lastError: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
});

export async function auditLogCheck(db: object): Promise<Static<typeof AuditLogCheck> | undefined> {
  const p = existingAuditLog(db);
  if (!p) return undefined;
  const h = (await p).health();
  return {
    ok: h.ok,
    refusal: h.refusal ? { code: h.refusal.code, message: h.refusal.message, at: h.refusal.at, lastSignedSize: h.refusal.lastSigned.treeSize, candidateSize: h.refusal.candidate.treeSize } : null,
    backdatedRows: h.backdatedRows,
    witness: h.witness,
  };
}
