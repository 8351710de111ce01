import type { AcdConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import type { Logger } from '../shared/log.js';
import type { Registry } from '../shared/metrics.js';
import type { LoginThrottle } from '../auth/index.js';
import type { LivePipeline } from '../pipeline/index.js';
import type { BackgroundJobs } from './jobs.js';

/** What every route module gets: configuration and the parts it may call. */
export interface AppContext {
  config: AcdConfig;
  store: Store;
  logger: Logger;
  registry: Registry;
  throttle: LoginThrottle;
  /** when the process started (for /healthz) */
  startedAt: Date;
  /** the gate and detectors running in this process, when they do */
  pipeline?: LivePipeline;
  /** the process's background jobs: a route module adds its jobs here; the server starts them when ready and stops them when it closes */
  jobs: BackgroundJobs;
}

/** What a server is built from: the context, its jobs made by the server when not given. */
export type ServerContext = Omit<AppContext, 'jobs'> & { jobs?: BackgroundJobs };
