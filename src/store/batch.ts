/**
 * Batch writes: one INSERT … SELECT FROM unnest($1::t1[], $2::t2[], …) per batch, so a batch of
 * thousands of rows is one statement and one round trip on both engines (PGlite is slow per row).
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';

export interface BatchColumn {
  name: string;
  /** PostgreSQL element type: text, integer, bigint, double precision, timestamptz, boolean, jsonb … */
  type: string;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;
const TYPE = /^[a-z ]+(\[\])?$/;

export async function batchInsert(
  // any Kysely or transaction: the statement is raw SQL, so the table types do not matter here
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>,
  table: string,
  columns: BatchColumn[],
  rows: unknown[][],
  opts: { onConflict?: 'nothing'; chunk?: number } = {},
): Promise<number> {
  if (!IDENT.test(table)) throw new Error(`batchInsert: bad table name ${table}`);
  for (const c of columns) {
    if (!IDENT.test(c.name) || !TYPE.test(c.type)) throw new Error(`batchInsert: bad column ${c.name} ${c.type}`);
  }
  const chunk = opts.chunk ?? 10000;
  let written = 0;
  for (let from = 0; from < rows.length; from += chunk) {
    const part = rows.slice(from, from + chunk);
    // jsonb and array-valued columns travel as JSON text (unnest cannot take arrays of arrays) and
    // are cast back per element
    const asJson = (c: BatchColumn): boolean => c.type === 'jsonb' || c.type === 'json' || c.type.endsWith('[]');
    const arrays: RawBuilder<unknown>[] = columns.map((c, i) => {
      const values = part.map((r) => (asJson(c) && r[i] !== null && r[i] !== undefined ? JSON.stringify(r[i]) : r[i]));
      return sql`${values}::${sql.raw(asJson(c) ? 'text' : c.type)}[]`;
    });
    const select = columns
      .map((c, i) => {
        if (c.type === 'jsonb' || c.type === 'json') return `c${i}::${c.type}`;
        if (c.type.endsWith('[]')) return `case when c${i} is null then null else array(select jsonb_array_elements_text(c${i}::jsonb))::${c.type} end`;
        return `c${i}`;
      })
      .join(', ');
    const colNames = columns.map((c) => c.name).join(', ');
    const aliases = columns.map((_c, i) => `c${i}`).join(', ');
    const conflict = opts.onConflict === 'nothing' ? sql` on conflict do nothing` : sql``;
    const res = await sql`insert into ${sql.raw(table)} (${sql.raw(colNames)})
      select ${sql.raw(select)} from unnest(${sql.join(arrays)}) as t(${sql.raw(aliases)})${conflict}`.execute(db);
    written += Number(res.numAffectedRows ?? 0n);
  }
  return written;
}
