/**
 * The measure drivers of a running ACD, from the validated configuration (src/config/schema.ts, the
 * keys of issue #18): takedown notices always (to the outbox, and through the reports part's SMTP relay
 * when operationsTakedownSmtp is set), blocklists always (read from the measures in force), RPZ through
 * BIND when rpzZoneFile is set, blackholes and FlowSpec through gobgpd when gobgpApi is set.
 */
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { AcdConfig } from '../config/index.js';
import type { AnyDb } from './db.js';
import type { Drivers } from './measures.js';
import { createBlocklistDriver } from './blocklist.js';
import { createTakedownDriver } from './notice.js';
import { createRpzDriver } from './rpz.js';
import { createGobgpDriver } from './bgp.js';
import { AcdError } from '../shared/errors.js';

const hostPort = (v: string, key: string): { host: string; port: number } => {
  const m = /^(.+):(\d{1,5})$/.exec(v);
  if (!m || Number(m[2]) > 65535) throw new AcdError('CONFIG_INVALID', `config key "${key}" has value "${v}", which is not allowed: expected host:port`, { details: { key } });
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
};

const bad = (key: string, value: unknown, expected: string) =>
  new AcdError('CONFIG_INVALID', `config key "${key}" has value ${JSON.stringify(value)}, which is not allowed: expected ${expected}`, { details: { key, value } });

export type OperationsDriverConfig = Pick<AcdConfig,
  'data' | 'operationsOutbox' | 'operationsFrom' | 'operationsOrganisation' | 'operationsTakedownSmtp' | 'reportsSmtpHost' | 'reportsSmtpPort' | 'reportsSmtpFrom'
  | 'rpzZoneFile' | 'rpzZone' | 'rpzSinkhole' | 'rndcConf' | 'rndcBin' | 'rpzResolver' | 'gobgpApi' | 'gobgpBin' | 'bgpNexthop4' | 'bgpNexthop6' | 'bgpCommunities'
  | 'flowspecAction' | 'flowspecRate'>;

/** Checks what the schema cannot (address families, community ranges, the SMTP relay), naming the key. */
export function checkDriverConfig(c: OperationsDriverConfig): void {
  if (isIP(c.bgpNexthop4) !== 4) throw bad('bgpNexthop4', c.bgpNexthop4, 'an IPv4 address');
  if (isIP(c.bgpNexthop6) !== 6) throw bad('bgpNexthop6', c.bgpNexthop6, 'an IPv6 address');
  for (const x of c.bgpCommunities) {
    const [a, b] = x.split(':').map(Number);
    if (!(a! <= 65535 && b! <= 65535)) throw bad('bgpCommunities', x, 'ASN:VALUE with both parts 0-65535 (e.g. 64500:666)');
  }
  if (c.rpzResolver) hostPort(c.rpzResolver, 'rpzResolver');
  if (c.gobgpApi) hostPort(c.gobgpApi, 'gobgpApi');
  if (c.operationsTakedownSmtp && (!c.reportsSmtpHost || !c.reportsSmtpFrom)) {
    throw bad('operationsTakedownSmtp', true, 'reportsSmtpHost and reportsSmtpFrom set too (the relay takedown notices go through)');
  }
}

export function driversFromConfig(db: AnyDb, c: OperationsDriverConfig): Drivers {
  checkDriverConfig(c);
  const drivers: Drivers = {
    blocklist: createBlocklistDriver(db),
    takedown: createTakedownDriver({
      outbox: c.operationsOutbox ?? join(c.data, 'outbox'),
      from: c.operationsFrom,
      organisation: c.operationsOrganisation,
      ...(c.operationsTakedownSmtp ? { smtp: { host: c.reportsSmtpHost!, port: c.reportsSmtpPort, from: c.reportsSmtpFrom! } } : {}),
    }),
  };
  if (c.rpzZoneFile) {
    drivers.rpz = createRpzDriver({
      zoneFile: c.rpzZoneFile,
      zoneName: c.rpzZone,
      sinkhole: c.rpzSinkhole,
      rndc: { bin: c.rndcBin, args: c.rndcConf ? ['-c', c.rndcConf] : [] },
      ...(c.rpzResolver ? { resolver: hostPort(c.rpzResolver, 'rpzResolver') } : {}),
    });
  }
  if (c.gobgpApi) {
    const g = {
      ...hostPort(c.gobgpApi, 'gobgpApi'), bin: c.gobgpBin, nexthopV4: c.bgpNexthop4, nexthopV6: c.bgpNexthop6, extraCommunities: c.bgpCommunities,
      flowspecAction: c.flowspecAction, flowspecRate: c.flowspecRate,
    };
    drivers.bgp_blackhole = createGobgpDriver('bgp_blackhole', g);
    drivers.flowspec = createGobgpDriver('flowspec', g);
  }
  return drivers;
}
