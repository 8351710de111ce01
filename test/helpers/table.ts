/**
 * Reads the aligned tables of the CLI (src/cli/table.ts): the header line gives each column's start
 * (headers are separated by two blanks or more), every row is cut at those starts. A row whose cell
 * does not begin at its column's start (misaligned) fails, so the reader also checks the alignment.
 */
export function parseTable(text: string): Record<string, string>[] {
  const lines = text.replace(/\n$/, '').split('\n');
  const head = lines[0] ?? '';
  const starts: number[] = [];
  const names: string[] = [];
  for (const m of head.matchAll(/(?:^|\s{2,})(\S+(?: \S+)*)/g)) {
    starts.push(m.index + m[0].length - m[1]!.length);
    names.push(m[1]!);
  }
  if (names.length === 0) throw new Error(`no table header in ${JSON.stringify(text.slice(0, 80))}`);
  return lines.slice(1).map((line, n) => {
    const row: Record<string, string> = {};
    names.forEach((name, i) => {
      const s = starts[i]!;
      if (s > 0 && line.length > s && line[s - 1] !== ' ') throw new Error(`row ${n + 1}, column ${name}: not aligned: ${JSON.stringify(line)}`);
      row[name] = line.slice(s, starts[i + 1] ?? line.length).trim();
    });
    return row;
  });
}
