import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTable } from '../../src/cli/table.js';
import { parseTable } from '../helpers/table.js';

test('renderTable: a header line, columns aligned to the widest cell, "-" for a missing cell, no trailing blanks', () => {
  const out = renderTable(['ID', 'STATUS', 'VALID UNTIL'], [['a', 'approved', '2026-01-01T00:00:00Z'], ['a-much-longer-id', null, undefined], ['b', 'x y', 3]]);
  const lines = out.split('\n');
  assert.equal(lines.length, 4);
  assert.equal(lines[0], 'ID                STATUS    VALID UNTIL');
  // every column starts where its header starts
  for (const l of lines.slice(1)) {
    assert.equal(l, l.trimEnd());
    assert.equal(l[17], ' ', `column STATUS starts at 18 in ${JSON.stringify(l)}`);
  }
  assert.deepEqual(parseTable(out), [
    { ID: 'a', STATUS: 'approved', 'VALID UNTIL': '2026-01-01T00:00:00Z' },
    { ID: 'a-much-longer-id', STATUS: '-', 'VALID UNTIL': '-' },
    { ID: 'b', STATUS: 'x y', 'VALID UNTIL': '3' },
  ]);
});

test('renderTable: an empty list still prints its header', () => {
  assert.equal(renderTable(['ID', 'STATUS'], []), 'ID  STATUS');
  assert.deepEqual(parseTable('ID  STATUS\n'), []);
});

test('parseTable refuses a misaligned row (a cell that does not start at its column)', () => {
  assert.throws(() => parseTable('ID    STATUS\nabcdefgh  ok\n'), /not aligned/);
});
