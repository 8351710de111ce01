export { ConfigSchema, type AcdConfig } from './schema.js';
export { loadConfig, validateConfig, configFromEnv, type ConfigInput, type LoadConfigOptions } from './load.js';
export { CONFIG_ERRORS, configError, type ConfigErrorCode } from './errors.js';
