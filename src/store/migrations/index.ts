/**
 * Every migration, in order of version. Version blocks by part (so parts can grow in parallel):
 * 1–9 foundation · 10–19 reports · 20–29 intel · 30–39 operations · 40–49 selection (approvals, gate)
 * · 50–59 oversight (Merkle log) · 60–69 detect (findings) · 70–79 flow · 80–89 bus. Each part of ACD adds its tables with a new file here; a migration,
 * once released, is never edited (the version table records which ran).
 */
import type { Kysely } from 'kysely';
import * as m001 from './001-foundation.js';
import * as m010 from './010-reports.js';
import * as m020 from './020-intel.js';
import * as m021 from './021-intel-pages.js';
import * as m022 from './022-intel-object-text.js';
import * as m030 from './030-operations.js';
import * as m040 from './040-selection.js';
import * as m041 from './041-reidentification.js';
import * as m060 from './060-findings.js';
import * as m061 from './061-findings-by-external.js';
import * as m050 from './050-oversight.js';
import * as m171 from './171-dashboard-changes.js';
import * as m080 from './080-bus.js';

export interface Migration {
  version: number;
  name: string;
  up: (db: Kysely<unknown>) => Promise<void>;
}

export const migrations: Migration[] = [
  { version: 1, name: 'foundation', up: m001.up },
  { version: 10, name: 'reports', up: m010.up },
  { version: 20, name: 'intel', up: m020.up },
  { version: 21, name: 'intel-pages', up: m021.up },
  { version: 22, name: 'intel-object-text', up: m022.up },
  { version: 30, name: 'operations', up: m030.up },
  { version: 40, name: 'selection', up: m040.up },
  { version: 41, name: 'reidentification', up: m041.up },
  { version: 60, name: 'findings', up: m060.up },
  { version: 61, name: 'findings-by-external', up: m061.up },
  { version: 50, name: 'oversight', up: m050.up },
  { version: 80, name: 'bus', up: m080.up },
  { version: 171, name: 'dashboard-changes', up: m171.up },
].sort((a, b) => a.version - b.version);
