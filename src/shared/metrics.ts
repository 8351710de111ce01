/**
 * Prometheus metrics. Each part registers its own counters on the registry it is given (so tests get
 * a fresh one), next to the code that counts; `/metrics` serves the process registry.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';

export { Registry };

export function createMetricsRegistry(opts: { defaults?: boolean } = {}): Registry {
  const registry = new Registry();
  if (opts.defaults) collectDefaultMetrics({ register: registry, prefix: 'acd_' });
  return registry;
}
