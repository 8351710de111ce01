/**
 * Fuzz: the fixtures' data lines mutated at random (fixed seed): bytes flipped, cut, duplicated,
 * separators and garbage inserted. Whatever the lines become, the import never throws, every line is
 * accounted for (records + skipped + malformed = lines), each malformed line gets exactly one onError,
 * and every record that comes out is well-formed (ports, protocol, family, times, counts in range).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { importFlowBuffer, type ImportFormat } from '../../src/flow/import/index.js';
import type { FlowRecord } from '../../src/flow/record.js';

const FIX = new URL('./fixtures/import/', import.meta.url).pathname;

interface Source { name: string; format: ImportFormat; head: string[]; body: string[] }

function source(name: string, format: ImportFormat, isHead: (l: string, i: number) => boolean): Source {
  const lines = readFileSync(FIX + name, 'utf8').split('\n').filter((l) => l !== '');
  return { name, format, head: lines.filter(isHead), body: lines.filter((l, i) => !isHead(l, i)) };
}

const SOURCES: Source[] = [
  source('conn-labeled.log', 'zeek', (l) => l.startsWith('#') && !l.startsWith('#close')),
  source('conn.json', 'zeek-json', () => false),
  source('tab-separated.binetflow', 'binetflow', (_l, i) => i === 0),
  source('comma.binetflow', 'binetflow', (_l, i) => i === 0),
  source('flows.jsonl', 'jsonl', () => false),
];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom('\t', ',', '"', '{', '}', '-', '(empty)', '0x', '::', '.', '9999999999999999', '\u0000', '\u00ff', ' ') }),
  fc.record({ kind: fc.constant('dup' as const), at: fc.nat() }),
);

function mutate(line: string, ms: Array<{ kind: string; at: number; byte?: number; text?: string }>): string {
  let s = line;
  for (const m of ms) {
    const at = s.length === 0 ? 0 : m.at % s.length;
    if (m.kind === 'flip') s = s.slice(0, at) + String.fromCharCode(m.byte ?? 0) + s.slice(at + 1);
    else if (m.kind === 'cut') s = s.slice(0, at);
    else if (m.kind === 'insert') s = s.slice(0, at) + (m.text ?? '') + s.slice(at);
    else s = s.slice(0, at) + s.slice(at / 2, at) + s.slice(at);
  }
  return s.replace(/\n/g, ' ');
}

function wellFormed(r: FlowRecord): void {
  assert.ok(r.family === 4 || r.family === 6);
  assert.ok(Number.isInteger(r.srcPort) && r.srcPort >= 0 && r.srcPort <= 65535);
  assert.ok(Number.isInteger(r.dstPort) && r.dstPort >= 0 && r.dstPort <= 65535);
  assert.ok(Number.isInteger(r.proto) && r.proto >= 0 && r.proto <= 255);
  assert.ok(Number.isSafeInteger(r.start) && Number.isSafeInteger(r.end) && r.start >= 0);
  assert.ok(Number.isSafeInteger(r.packets) && r.packets >= 0 && Number.isSafeInteger(r.bytes) && r.bytes >= 0);
  assert.ok(Number.isInteger(r.tcpFlags) && r.tcpFlags >= 0 && r.tcpFlags <= 0xffff);
  assert.ok(r.family === 6 || (r.src4 >>> 0 === r.src4 && r.dst4 >>> 0 === r.dst4));
}

test('mutated lines never throw; every line is accounted for and every record well-formed', async () => {
  await fc.assert(fc.asyncProperty(
    fc.nat({ max: SOURCES.length - 1 }),
    fc.array(fc.tuple(fc.nat(), fc.array(mutation, { maxLength: 4 })), { minLength: 1, maxLength: 30 }),
    async (si, picks) => {
      const src = SOURCES[si] as Source;
      const body = picks.map(([i, ms]) => mutate(src.body[i % src.body.length] ?? '', ms));
      const text = `${[...src.head, ...body].join('\n')}\n`;
      let errors = 0;
      const stats = await importFlowBuffer(Buffer.from(text, 'latin1'), `fuzz.${src.format}`, {
        format: src.format,
        sink: wellFormed,
        onError: () => { errors++; },
      }).catch((err: Error & { code?: string }) => {
        // only a JSON-lines file whose FIRST line no longer looks like its format may be rejected, as a whole
        assert.ok((src.format === 'jsonl' || src.format === 'zeek-json') && err.code === 'IMPORT_WRONG_FORMAT', err.message);
        return null;
      });
      if (stats === null) return;
      assert.equal(stats.lines, src.head.length + body.length);
      assert.equal(stats.records + stats.skipped + stats.malformed, stats.lines);
      assert.equal(errors, stats.malformed);
    },
  ), { numRuns: 400, seed: 20261125 });
});
