import type { AcdConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import type { Logger } from '../shared/log.js';
import type { Registry } from '../shared/metrics.js';
import type { LoginThrottle } from '../auth/index.js';
import type { LivePipeline } from '../pipeline/index.js';

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
}
