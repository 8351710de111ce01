/**
 * Loads and validates the configuration. A wrong value stops start-up with an AcdError that names the
 * key, the value and what is allowed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { ConfigSchema, LIST_KEYS, NUMERIC_KEYS, type AcdConfig } from './schema.js';
import { AcdError } from '../shared/errors.js';

export type ConfigInput = Record<string, unknown>;

const ENV_PREFIX = 'ACD_';

/** ACD_LOG_LEVEL → logLevel, ACD_BODY_LIMIT → bodyLimit */
function envKeyToConfigKey(envKey: string): string {
  return envKey
    .slice(ENV_PREFIX.length)
    .toLowerCase()
    .replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Text from the environment or a flag, turned into the type the schema expects for that key. */
function coerce(key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (NUMERIC_KEYS.has(key)) return /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (LIST_KEYS.has(key)) return value.split(',').map((s) => s.trim()).filter(Boolean);
  return value;
}

export function configFromEnv(env: NodeJS.ProcessEnv): ConfigInput {
  const known = new Set(Object.keys(ConfigSchema.properties));
  const out: ConfigInput = {};
  for (const [k, v] of Object.entries(env)) {
    if (!k.startsWith(ENV_PREFIX) || v === undefined) continue;
    const key = envKeyToConfigKey(k);
    if (!known.has(key)) continue; // ACD_* variables that are not config (e.g. ACD_TEST_PG) are ignored
    out[key] = coerce(key, v);
  }
  return out;
}

export function configFromFile(path: string): ConfigInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new AcdError('CONFIG_FILE', `cannot read config file ${path}: ${(e as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new AcdError('CONFIG_FILE', `config file ${path} must hold a JSON object`);
    }
    return parsed as ConfigInput;
  } catch (e) {
    if (e instanceof AcdError) throw e;
    throw new AcdError('CONFIG_FILE', `config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

function describeAllowed(schema: Record<string, unknown>): string {
  const parts: string[] = [];
  if (Array.isArray(schema.anyOf)) return `one of ${(schema.anyOf as Array<{ const?: unknown }>).map((s) => JSON.stringify(s.const)).join(', ')}`;
  if (schema.type) parts.push(String(schema.type));
  if (schema.minimum !== undefined || schema.maximum !== undefined) parts.push(`from ${schema.minimum ?? '-∞'} to ${schema.maximum ?? '∞'}`);
  if (schema.pattern) parts.push(`matching ${String(schema.pattern)}`);
  if (schema.minLength) parts.push(`at least ${String(schema.minLength)} characters`);
  return parts.join(' ');
}

export interface LoadConfigOptions {
  /** explicit config file; default ./acd.config.json when it exists */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** values from command-line flags (strongest) */
  flags?: ConfigInput;
  cwd?: string;
}

export function loadConfig(opts: LoadConfigOptions = {}): AcdConfig {
  const cwd = opts.cwd ?? process.cwd();
  const filePath = opts.file ? resolve(cwd, opts.file) : resolve(cwd, 'acd.config.json');
  const fromFile = opts.file || existsSync(filePath) ? configFromFile(filePath) : {};
  const fromEnv = configFromEnv(opts.env ?? process.env);
  const fromFlags: ConfigInput = {};
  for (const [k, v] of Object.entries(opts.flags ?? {})) if (v !== undefined) fromFlags[k] = coerce(k, v);
  return validateConfig({ ...fromFile, ...fromEnv, ...fromFlags });
}

export function validateConfig(input: ConfigInput): AcdConfig {
  const known = Object.keys(ConfigSchema.properties);
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) {
      throw new AcdError('CONFIG_INVALID', `config key "${key}" is unknown; allowed keys: ${known.join(', ')}`, {
        details: { key },
      });
    }
  }
  const withDefaults = Value.Default(ConfigSchema, structuredClone(input)) as ConfigInput;
  const firstError = Value.Errors(ConfigSchema, withDefaults).First();
  if (firstError) {
    const key = firstError.path.replace(/^\//, '').split('/')[0] ?? '';
    const propSchema = (ConfigSchema.properties as Record<string, Record<string, unknown>>)[key] ?? firstError.schema;
    throw new AcdError(
      'CONFIG_INVALID',
      `config key "${key}" has value ${JSON.stringify(firstError.value)}, which is not allowed: expected ${describeAllowed(propSchema)}`,
      { details: { key, value: firstError.value, path: firstError.path } },
    );
  }
  return withDefaults as AcdConfig;
}
