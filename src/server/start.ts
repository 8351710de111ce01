/**
 * Starting and stopping ACD as a server: store, HTTP API and (as the parts land) collector and workers.
 */
import type { FastifyInstance } from 'fastify';
import type { AcdConfig } from '../config/index.js';
import { openStore, type Store } from '../store/index.js';
import { createLogger, type Logger } from '../shared/log.js';
import { createMetricsRegistry, type Registry } from '../shared/metrics.js';
import { createLoginThrottle } from '../auth/index.js';
import { buildServer, type RouteModule } from './app.js';
import type { AppContext } from './context.js';
import { startAuditLog } from '../oversight/index.js';
import { createLivePipeline, type LivePipeline } from '../pipeline/index.js';

export interface RunningAcd {
  app: FastifyInstance;
  pipeline: LivePipeline | undefined;
  store: Store;
  registry: Registry;
  logger: Logger;
  url: string;
  close(): Promise<void>;
}

export async function startAcd(config: AcdConfig, opts: { logger?: Logger; extraModules?: RouteModule[] } = {}): Promise<RunningAcd> {
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  const store = await openStore({ ...(config.db ? { db: config.db } : { data: config.data }), logger });
  const registry = createMetricsRegistry({ defaults: true });
  const pipeline: LivePipeline | undefined = config.pipeline ? await createLivePipeline({ config, db: store.db, registry, logger }) : undefined;
  const ctx: AppContext = {
    config,
    store,
    logger,
    registry,
    throttle: createLoginThrottle({ maxAttempts: config.loginMaxAttempts, windowSeconds: config.loginWindowSeconds }),
    startedAt: new Date(),
    ...(pipeline ? { pipeline } : {}),
  };
  const { app } = await buildServer(ctx, opts.extraModules);
  // the Merkle audit log: appends audit rows and signs a tree head every minute when the log grew
  const auditLog = await startAuditLog(ctx);
  await app.listen({ host: config.host, port: config.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  logger.info({ url, engine: store.engine }, 'ACD is listening');
  return {
    app,
    pipeline,
    store,
    registry,
    logger,
    url,
    async close() {
      await app.close();
      await auditLog.stop();
      await pipeline?.stop();
      await store.close();
    },
  };
}

/** Stops cleanly on SIGINT/SIGTERM (a second signal forces the exit). */
export function stopOnSignals(running: { close(): Promise<void> }, logger: Logger): void {
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    logger.info({ signal: sig }, 'stopping');
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
