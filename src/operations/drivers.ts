/**
 * The measure drivers of a running ACD, from the environment until the configuration file has an
 * operations section:
 *   ACD_OPERATIONS_OUTBOX (default <data>/outbox), ACD_OPERATIONS_FROM, ACD_OPERATIONS_ORGANISATION — takedown notices
 *   ACD_RPZ_ZONE_FILE, ACD_RPZ_ZONE (default rpz.acd), ACD_RPZ_SINKHOLE, ACD_RNDC_CONF, ACD_RPZ_RESOLVER (host:port) — RPZ
 *   ACD_GOBGP_API (host:port), ACD_BGP_NEXTHOP4 (default 192.0.2.1), ACD_BGP_NEXTHOP6 (default 100::1) — blackhole, FlowSpec
 * Blocklists need nothing: they are read from the measures in force.
 */
import { join } from 'node:path';
import type { AnyDb } from './db.js';
import type { Drivers } from './measures.js';
import { createBlocklistDriver } from './blocklist.js';
import { createTakedownDriver } from './notice.js';
import { createRpzDriver } from './rpz.js';
import { createGobgpDriver } from './bgp.js';
import { AcdError } from '../shared/errors.js';

const hostPort = (v: string, name: string): { host: string; port: number } => {
  const m = /^(.+):(\d{1,5})$/.exec(v);
  if (!m || Number(m[2]) > 65535) throw new AcdError('BAD_ENV', `${name}: "${v}" is not host:port`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
};

export function driversFromEnv(db: AnyDb, dataDir: string, env: NodeJS.ProcessEnv = process.env): Drivers {
  const drivers: Drivers = {
    blocklist: createBlocklistDriver(db),
    takedown: createTakedownDriver({
      outbox: env.ACD_OPERATIONS_OUTBOX ?? join(dataDir, 'outbox'),
      from: env.ACD_OPERATIONS_FROM ?? 'ACD abuse desk <abuse-desk@acd.invalid>',
      organisation: env.ACD_OPERATIONS_ORGANISATION ?? 'the national cyber defence agency (ACD)',
    }),
  };
  if (env.ACD_RPZ_ZONE_FILE) {
    drivers.rpz = createRpzDriver({
      zoneFile: env.ACD_RPZ_ZONE_FILE,
      zoneName: env.ACD_RPZ_ZONE ?? 'rpz.acd',
      sinkhole: env.ACD_RPZ_SINKHOLE ?? 'sinkhole.acd.invalid',
      rndc: { args: env.ACD_RNDC_CONF ? ['-c', env.ACD_RNDC_CONF] : [] },
      ...(env.ACD_RPZ_RESOLVER ? { resolver: hostPort(env.ACD_RPZ_RESOLVER, 'ACD_RPZ_RESOLVER') } : {}),
    });
  }
  if (env.ACD_GOBGP_API) {
    const api = hostPort(env.ACD_GOBGP_API, 'ACD_GOBGP_API');
    const c = { ...api, nexthopV4: env.ACD_BGP_NEXTHOP4 ?? '192.0.2.1', nexthopV6: env.ACD_BGP_NEXTHOP6 ?? '100::1' };
    drivers.bgp_blackhole = createGobgpDriver('bgp_blackhole', c);
    drivers.flowspec = createGobgpDriver('flowspec', c);
  }
  return drivers;
}
