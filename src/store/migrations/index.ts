/**
 * Every migration, in order. Each part of ACD adds its tables with a new file here; a migration,
 * once released, is never edited (the version table records which ran).
 */
import type { Kysely } from 'kysely';
import * as m001 from './001-foundation.js';

export interface Migration {
  version: number;
  name: string;
  up: (db: Kysely<unknown>) => Promise<void>;
}

export const migrations: Migration[] = [{ version: 1, name: 'foundation', up: m001.up }];
