// The server part's public interface: start ACD (store, audit log, pipeline, HTTP API) and stop it on signals.
export { startAcd, stopOnSignals, type RunningAcd } from './start.js';
export { buildServer, routeModules, type BuiltServer, type RouteModule } from './app.js';
export type { AppContext } from './context.js';
