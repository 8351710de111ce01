/**
 * Aligned text tables for the list-style commands: a header line, then one line per row, columns
 * padded to the widest cell (cli-table3, without borders or colours, so the output stays plain text a
 * pipe or a test can read). Machines use each command's `--json`.
 */
import Table from 'cli-table3';

export type Cell = string | number | boolean | null | undefined;

/** `headers` over `rows`; a null or undefined cell prints as "-". Ends without a newline. */
export function renderTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const t = new Table({
    head: [...headers],
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
      bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '',
      right: '', 'right-mid': '', middle: '  ',
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
  for (const r of rows) t.push(r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  // cli-table3 pads the last column too: trailing blanks help no one
  return t.toString().split('\n').map((l) => l.trimEnd()).join('\n');
}
