/** Options shared by the commands that open the store or start the server. */
import type { Command } from 'commander';
import { loadConfig, type AcdConfig } from '../config/index.js';

export function addStoreOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'configuration file (default ./acd.config.json when present)')
    .option('--data <dir>', 'folder of the embedded store (default ./.acd-data)')
    .option('--db <url>', 'PostgreSQL URL, e.g. postgres://user@127.0.0.1:5432/acd (instead of the embedded store)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent');
}

export function addServerOptions(cmd: Command): Command {
  return addStoreOptions(cmd)
    .option('--host <host>', 'HTTP listen address (default 127.0.0.1)')
    .option('--port <port>', 'HTTP port (default 8080)')
    .option('--collector <url>', 'UDP flow collector, e.g. udp://0.0.0.0:2055')
    .option('--domestic <cidrs>', 'extra domestic prefixes, comma-separated');
}

/** Flags → config (flags are the strongest source); commander's names map to config keys. */
export function configFromOptions(opts: Record<string, unknown>, overrides: Record<string, unknown> = {}): AcdConfig {
  const flags: Record<string, unknown> = {};
  const map: Record<string, string> = { data: 'data', db: 'db', logLevel: 'logLevel', host: 'host', port: 'port', collector: 'collector', domestic: 'domestic' };
  for (const [opt, key] of Object.entries(map)) if (opts[opt] !== undefined) flags[key] = opts[opt];
  return loadConfig({ ...(typeof opts.config === 'string' ? { file: opts.config } : {}), flags: { ...flags, ...overrides } });
}
