/** The bus's table (migration 080): the names of batches whose selected flows are written. */
import type { Generated } from 'kysely';

export interface BusBatchTable {
  producer: string;
  partition: number;
  seq: number;
  flows: number;
  written_at: Generated<Date>;
}

export interface BusTables {
  bus_batches: BusBatchTable;
}
