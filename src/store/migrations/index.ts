/**
 * Every migration, in the order it was released: a version is the next number when a migration lands, so a
 * fresh install and an upgrade apply them in the same order. A migration, once released, is never edited
 * (the version table records which ran) and imports nothing but kysely and other migrations
 * (scripts/floors.ts checks it).
 *
 * Until December 2026 versions were blocks by part (10 reports, 20 intel, …), which a fresh install applied in
 * another order than an upgrade had: RENUMBERED maps those old versions to the release order, and the migrator
 * rewrites an old store's version table once before it applies anything (store.ts, renumber).
 */
import type { Kysely } from 'kysely';
import * as m001 from './001-foundation.js';
import * as m002 from './002-reports.js';
import * as m003 from './003-intel.js';
import * as m004 from './004-oversight.js';
import * as m005 from './005-selection.js';
import * as m006 from './006-findings.js';
import * as m007 from './007-operations.js';
import * as m008 from './008-bus.js';
import * as m009 from './009-reidentification.js';
import * as m010 from './010-intel-pages.js';
import * as m011 from './011-findings-by-external.js';
import * as m012 from './012-intel-object-text.js';
import * as m131 from './131-audit-log-cosigned.js';
import * as m111 from './111-intel-integrity.js';
import * as m161 from './161-vuln.js';
import * as m101 from './101-login-throttle.js';
import * as m102 from './102-idempotency.js';
import * as m171 from './171-dashboard-changes.js';
import * as m177 from './177-carrier-orgs.js';
import * as m181 from './181-operator-ranges.js';

export interface Migration {
  version: number;
  name: string;
  up: (db: Kysely<unknown>) => Promise<void>;
}

export const migrations: Migration[] = [
  { version: 1, name: 'foundation', up: m001.up },
  { version: 2, name: 'reports', up: m002.up },
  { version: 3, name: 'intel', up: m003.up },
  { version: 4, name: 'oversight', up: m004.up },
  { version: 5, name: 'selection', up: m005.up },
  { version: 6, name: 'findings', up: m006.up },
  { version: 7, name: 'operations', up: m007.up },
  { version: 8, name: 'bus', up: m008.up },
  { version: 9, name: 'reidentification', up: m009.up },
  { version: 10, name: 'intel-pages', up: m010.up },
  { version: 11, name: 'findings-by-external', up: m011.up },
  { version: 12, name: 'intel-object-text', up: m012.up },
  { version: 131, name: 'audit-log-cosigned', up: m131.up },
  { version: 111, name: 'intel-integrity', up: m111.up },
  { version: 161, name: 'vuln', up: m161.up },
  { version: 101, name: 'login-throttle', up: m101.up },
  { version: 102, name: 'idempotency', up: m102.up },
  { version: 171, name: 'dashboard-changes', up: m171.up },
  { version: 177, name: 'carrier-orgs', up: m177.up },
  { version: 181, name: 'operator-ranges', up: m181.up },
].sort((a, b) => a.version - b.version);

/** name → [old block version, release-order version] of the migrations released before the renumbering */
export const RENUMBERED: ReadonlyArray<readonly [name: string, from: number, to: number]> = [
  ['foundation', 1, 1], ['reports', 10, 2], ['intel', 20, 3], ['oversight', 50, 4], ['selection', 40, 5],
  ['findings', 60, 6], ['operations', 30, 7], ['bus', 80, 8], ['reidentification', 41, 9],
  ['intel-pages', 21, 10], ['findings-by-external', 61, 11], ['intel-object-text', 22, 12],
];
