/**
 * One log appender per store in a process: the HTTP routes and the server's start/stop share it.
 * Routes get it lazily (tests build servers without starting timers); startAuditLog() also starts its
 * interval (head signing, appends) and is what `acd serve` calls.
 */
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { Database } from '../store/index.js';
import type { Logger } from '../shared/log.js';
import { createAuditLogAppender, type AuditLogAppender, type AuditLogAppenderConfig } from './appender.js';
import { logKeyFor, logKeySource } from './key-file.js';

export interface AuditLogContext {
  config: { data: string; db?: string | undefined };
  store: { db: Kysely<Database> };
  logger: Logger;
  registry: Registry;
}

const appenders = new WeakMap<object, Promise<AuditLogAppender>>();

export function auditLogOf(ctx: AuditLogContext, config: AuditLogAppenderConfig = {}): Promise<AuditLogAppender> {
  let p = appenders.get(ctx.store.db);
  if (!p) {
    p = (async () => {
      const src = logKeySource(ctx.config);
      const { key, created } = logKeyFor(src);
      if (created) ctx.logger.info({ path: src.path ?? '(memory: a new key for this process)', origin: src.origin }, 'audit log signing key created');
      return createAuditLogAppender({ store: ctx.store, key, config, registry: ctx.registry, logger: ctx.logger });
    })();
    appenders.set(ctx.store.db, p);
    p.catch(() => appenders.delete(ctx.store.db));
  }
  return p;
}

/** Starts the appender's interval (default 60 s: append, sign a head when grown); returns it for stop(). */
export async function startAuditLog(ctx: AuditLogContext, config: AuditLogAppenderConfig = {}): Promise<AuditLogAppender> {
  const log = await auditLogOf(ctx, config);
  log.start();
  return log;
}
