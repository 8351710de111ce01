/**
 * The bus's wire format: one message = one batch of gate output for one partition, fixed-size binary
 * records after a small header and a string table (approval, criterion, key and exporter ids are
 * repeated in every flow, so each is written once per batch and referenced by a 16-bit index).
 *
 *   header  magic u32 'ACDB' · version u8 · flags u8 · partition u16 · count u32 · seq f64 ·
 *           flushAt f64 · producer u16 · strings u16                                    (32 bytes)
 *   strings (len u16 · utf-8 bytes) × strings
 *   records count × 102 bytes, little-endian:
 *     0 kind u8 (0 feed, 1 selected) · family u8 · scope u8 (SCOPE_CLASSES index) · flags u8
 *       (1 src pseudonym, 2 dst pseudonym) · category u8 (0 foreign-domestic, 1 transit) · proto u8 ·
 *       tcpFlags u8 · pad u8
 *     8 start f64 · 16 end f64 · 24 src[16] · 40 dst[16] (v4: first 4 bytes, uint32 LE)
 *    56 srcPort u16 · 58 dstPort u16 · 60 packets f64 · 68 bytes f64 · 76 inIf u32 · 80 outIf u32 ·
 *    84 domain u32 · 88 detectors u32 · 92 approval u16 · 94 criterion u16 · 96 key u16 (0xffff none)
 *    98 exporter u16 · 100 carrier u16 (the carrier or link id the collector's gate resolved the
 *       exporter to: the worker stores it as is, so the exporter → carrier map lives in the collectors only)
 *
 * A batch with FLAG_FLUSH carries `flushAt`: after its records, the partition's detectors score what
 * is pending as of that event time (the collector's end of input or its periodic event-time flush).
 * Nothing here is JSON; a batch of 1 000 flows is ~100 kB. Version 2 added the carrier (version 1
 * batches are refused with BUS_BAD_BATCH: the stream holds minutes, so an upgrade drains it first).
 */
import { AcdError } from '../shared/errors.js';
import { SCOPE_CLASSES, type Category, type DetectorFeedFlow, type ScopeClass, type SelectedFlow } from '../selection/index.js';
import { MutableFlowRecord, type IpFamily } from '../flow/index.js';

export const RECORD_BYTES = 102;
export const HEADER_BYTES = 32;
const MAGIC = 0x42444341; // 'ACDB' little-endian
const VERSION = 2;
export const FLAG_FLUSH = 1;
const NONE = 0xffff;
const CATEGORIES: readonly Category[] = ['foreign-domestic', 'transit'];

/** One flow as the worker reads it back: a reused object, like the gate's. */
export class BusFlow extends MutableFlowRecord implements SelectedFlow, DetectorFeedFlow {
  selected = false;
  approvalId = '';
  criterionId = '';
  category: Category = 'transit';
  scope: ScopeClass = 'foreign-foreign';
  srcPseudonym = false;
  dstPseudonym = false;
  pseudonymKeyId: string | null = null;
  detectors = 0;
  /** the carrier or link id the collector resolved the exporter to */
  carrier = '';
}

export interface BatchHeader {
  partition: number;
  count: number;
  /** the producer's sequence number for this partition: (producer, partition, seq) names the batch */
  seq: number;
  producer: string;
  /** event time to flush the detectors at after this batch, or null */
  flushAt: number | null;
}

/** Builds one partition's batches; reused across batches. */
export class BatchEncoder {
  private buf: Buffer;
  private n = 0;
  private strings = new Map<string, number>();
  private list: string[] = [];

  constructor(readonly capacity: number) {
    this.buf = Buffer.alloc(capacity * RECORD_BYTES);
  }

  get count(): number {
    return this.n;
  }

  private str(s: string): number {
    let i = this.strings.get(s);
    if (i === undefined) {
      i = this.list.length;
      if (i >= NONE) throw new AcdError('BUS_TOO_MANY_STRINGS', `bus batch: more than ${NONE - 1} distinct ids in one batch`);
      this.strings.set(s, i);
      this.list.push(s);
    }
    return i;
  }

  /** adds a flow (`carrier`: the id the gate resolved its exporter to; default the exporter); returns true when the batch is full */
  add(f: SelectedFlow | DetectorFeedFlow, selected: boolean, carrier: string = f.exporter): boolean {
    const b = this.buf;
    const o = this.n * RECORD_BYTES;
    b[o] = selected ? 1 : 0;
    b[o + 1] = f.family;
    b[o + 2] = SCOPE_CLASSES.indexOf(f.scope);
    b[o + 3] = (f.srcPseudonym ? 1 : 0) | (f.dstPseudonym ? 2 : 0);
    b[o + 4] = f.category === 'transit' ? 1 : 0;
    b[o + 5] = f.proto;
    b[o + 6] = f.tcpFlags;
    b[o + 7] = 0;
    b.writeDoubleLE(f.start, o + 8);
    b.writeDoubleLE(f.end, o + 16);
    if (f.family === 4) {
      b.writeUInt32LE(f.src4 >>> 0, o + 24);
      b.fill(0, o + 28, o + 40);
      b.writeUInt32LE(f.dst4 >>> 0, o + 40);
      b.fill(0, o + 44, o + 56);
    } else {
      b.set(f.src6, o + 24);
      b.set(f.dst6, o + 40);
    }
    b.writeUInt16LE(f.srcPort, o + 56);
    b.writeUInt16LE(f.dstPort, o + 58);
    b.writeDoubleLE(f.packets, o + 60);
    b.writeDoubleLE(f.bytes, o + 68);
    b.writeUInt32LE(f.inIf >>> 0, o + 76);
    b.writeUInt32LE(f.outIf >>> 0, o + 80);
    b.writeUInt32LE(f.domain >>> 0, o + 84);
    b.writeUInt32LE(selected ? 0 : (f as DetectorFeedFlow).detectors >>> 0, o + 88);
    b.writeUInt16LE(this.str(f.approvalId), o + 92);
    b.writeUInt16LE(selected ? this.str((f as SelectedFlow).criterionId) : NONE, o + 94);
    b.writeUInt16LE(f.pseudonymKeyId === null ? NONE : this.str(f.pseudonymKeyId), o + 96);
    b.writeUInt16LE(this.str(f.exporter), o + 98);
    b.writeUInt16LE(this.str(carrier), o + 100);
    this.n++;
    return this.n >= this.capacity;
  }

  /** the batch as one message (a new Buffer); clears the encoder */
  take(h: { partition: number; seq: number; producer: string; flushAt: number | null }): Buffer {
    const producer = this.str(h.producer);
    const strs = this.list.map((s) => Buffer.from(s, 'utf8'));
    const strBytes = strs.reduce((n, s) => n + 2 + s.length, 0);
    const out = Buffer.allocUnsafe(HEADER_BYTES + strBytes + this.n * RECORD_BYTES);
    out.writeUInt32LE(MAGIC, 0);
    out[4] = VERSION;
    out[5] = h.flushAt === null ? 0 : FLAG_FLUSH;
    out.writeUInt16LE(h.partition, 6);
    out.writeUInt32LE(this.n, 8);
    out.writeDoubleLE(h.seq, 12);
    out.writeDoubleLE(h.flushAt ?? 0, 20);
    out.writeUInt16LE(producer, 28);
    out.writeUInt16LE(strs.length, 30);
    let o = HEADER_BYTES;
    for (const s of strs) {
      out.writeUInt16LE(s.length, o);
      s.copy(out, o + 2);
      o += 2 + s.length;
    }
    this.buf.copy(out, o, 0, this.n * RECORD_BYTES);
    this.n = 0;
    this.strings.clear();
    this.list = [];
    return out;
  }
}

/**
 * Reads a batch: the header, then each flow into a reused BusFlow. Throws BUS_BAD_BATCH on a
 * malformed message. `ring` BusFlows take turns (default 1), so the last `ring` flows handed to
 * `each` stay intact until `ring` more have been read: a caller can gather them into a chunk (the
 * worker prefetches the detectors' table lines per chunk) without copying.
 */
export function decodeBatch(msg: Uint8Array, each: (f: BusFlow, index: number) => void, ring = 1): BatchHeader {
  const b = Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength);
  const bad = (why: string): never => {
    throw new AcdError('BUS_BAD_BATCH', `bus batch of ${b.length} bytes: ${why}`);
  };
  if (b.length < HEADER_BYTES) bad('shorter than its header');
  if (b.readUInt32LE(0) !== MAGIC) bad('wrong magic (not an ACD bus batch)');
  if (b[4] !== VERSION) bad(`version ${b[4]} (this build reads ${VERSION})`);
  const count = b.readUInt32LE(8);
  const nStr = b.readUInt16LE(30);
  const strings: string[] = [];
  let o = HEADER_BYTES;
  for (let i = 0; i < nStr; i++) {
    if (o + 2 > b.length) bad('string table runs past the end');
    const len = b.readUInt16LE(o);
    if (o + 2 + len > b.length) bad('string table runs past the end');
    strings.push(b.toString('utf8', o + 2, o + 2 + len));
    o += 2 + len;
  }
  if (b.length !== o + count * RECORD_BYTES) bad(`${count} records need ${o + count * RECORD_BYTES} bytes`);
  const s = (i: number): string => strings[i] ?? bad(`string index ${i} out of ${nStr}`);
  const header: BatchHeader = {
    partition: b.readUInt16LE(6),
    count,
    seq: b.readDoubleLE(12),
    producer: s(b.readUInt16LE(28)),
    flushAt: (b[5]! & FLAG_FLUSH) !== 0 ? b.readDoubleLE(20) : null,
  };
  const flows = Array.from({ length: Math.max(1, ring) }, () => new BusFlow());
  for (let i = 0; i < count; i++, o += RECORD_BYTES) {
    const f = flows[i % flows.length]!;
    f.selected = b[o] === 1;
    const fam = b[o + 1];
    if (fam !== 4 && fam !== 6) bad(`record ${i}: address family ${fam}`);
    f.family = fam as IpFamily;
    f.scope = SCOPE_CLASSES[b[o + 2]!] ?? bad(`record ${i}: scope class ${b[o + 2]}`);
    f.srcPseudonym = (b[o + 3]! & 1) !== 0;
    f.dstPseudonym = (b[o + 3]! & 2) !== 0;
    f.category = CATEGORIES[b[o + 4]!] ?? bad(`record ${i}: category ${b[o + 4]}`);
    f.proto = b[o + 5]!;
    f.tcpFlags = b[o + 6]!;
    f.start = b.readDoubleLE(o + 8);
    f.end = b.readDoubleLE(o + 16);
    if (f.family === 4) {
      f.src4 = b.readUInt32LE(o + 24);
      f.dst4 = b.readUInt32LE(o + 40);
      f.src6.fill(0);
      f.dst6.fill(0);
    } else {
      f.src4 = 0;
      f.dst4 = 0;
      f.src6.set(b.subarray(o + 24, o + 40));
      f.dst6.set(b.subarray(o + 40, o + 56));
    }
    f.srcPort = b.readUInt16LE(o + 56);
    f.dstPort = b.readUInt16LE(o + 58);
    f.packets = b.readDoubleLE(o + 60);
    f.bytes = b.readDoubleLE(o + 68);
    f.inIf = b.readUInt32LE(o + 76);
    f.outIf = b.readUInt32LE(o + 80);
    f.domain = b.readUInt32LE(o + 84);
    f.detectors = b.readUInt32LE(o + 88);
    f.approvalId = s(b.readUInt16LE(o + 92));
    const ci = b.readUInt16LE(o + 94);
    f.criterionId = ci === NONE ? '' : s(ci);
    if (f.selected && ci === NONE) bad(`record ${i}: a selected flow without a criterion`);
    const ki = b.readUInt16LE(o + 96);
    f.pseudonymKeyId = ki === NONE ? null : s(ki);
    f.exporter = s(b.readUInt16LE(o + 98));
    f.carrier = s(b.readUInt16LE(o + 100));
    each(f, i);
  }
  return header;
}
