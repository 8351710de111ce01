/**
 * KeyTable: a fixed-capacity hash table of fixed-width keys held in typed arrays (chaining through an
 * Int32Array, a bucket per one or two slots), the index every detector keeps its per-key state by. The caller
 * stores its own state in parallel typed arrays indexed by slot, so a table and its state are a few
 * large allocations whatever the traffic: memory is set at construction and never grows.
 *
 * When the table is full, `insert` evicts: it samples a run of consecutive slots from a random start
 * and frees the one the owner's `utility` ranks lowest (sampled eviction, as Redis does for LRU/LFU:
 * constant time, close to exact; slots are filled in arrival order, so a run is a random sample of keys).
 */
import { AcdError } from '../shared/errors.js';
import { hashWords, Rng } from './hash.js';

export interface KeyTableOptions {
  /** slots; the table never holds more */
  capacity: number;
  /** 32-bit words per key */
  words: number;
  /** how many slots eviction samples (default 8) */
  evictionSample?: number;
  /** lower is evicted first */
  utility: (slot: number) => number;
  /** told before a slot is freed by eviction (to report or fold its state) */
  onEvict?: (slot: number) => void;
  seed?: number;
}

export class KeyTable {
  readonly capacity: number;
  readonly words: number;
  readonly keys: Uint32Array;
  /** scratch key the caller fills before find/insert */
  readonly key: Uint32Array;
  /**
   * per slot, side by side (one cache line for a chain step): [2s] the slot's full hash (a chain walk
   * compares it before touching the key words), [2s + 1] the next slot in its chain or free list
   */
  private readonly link: Int32Array;
  private readonly heads: Int32Array;
  private readonly used: Uint8Array;
  private readonly mask: number;
  private freeHead = -1;
  private nextFresh = 0;
  private readonly rng: Rng;
  private readonly sample: number;
  private readonly utility: (slot: number) => number;
  private readonly onEvict: ((slot: number) => void) | undefined;
  size = 0;
  evictions = 0;

  constructor(o: KeyTableOptions) {
    if (!Number.isInteger(o.capacity) || o.capacity < 1 || o.capacity > 1 << 28) {
      throw new AcdError('DETECT_BAD_CAPACITY', `detector table capacity ${o.capacity} must be an integer in [1, 2^28]`);
    }
    this.capacity = o.capacity;
    this.words = o.words;
    this.keys = new Uint32Array(o.capacity * o.words);
    this.key = new Uint32Array(o.words);
    this.link = new Int32Array(o.capacity * 2);
    // one bucket per two slots, rounded up to a power of two: chains average ≤ 2 when full
    let b = 1;
    while (b * 2 < o.capacity) b <<= 1;
    this.heads = new Int32Array(b).fill(-1);
    this.mask = b - 1;
    this.used = new Uint8Array(o.capacity);
    this.rng = new Rng(o.seed ?? 0x1234567);
    this.sample = o.evictionSample ?? 8;
    this.utility = o.utility;
    this.onEvict = o.onEvict;
  }

  /** bytes of the table itself per slot (keys, hash, chain, bucket, used flag) */
  bytesPerSlot(): number {
    return this.words * 4 + 4 + 4 + (this.heads.length * 4) / this.capacity + 1;
  }

  hash(): number {
    return hashWords(this.key, 0, this.words);
  }

  private same(slot: number): boolean {
    const w = this.words;
    const base = slot * w;
    const k = this.key;
    const keys = this.keys;
    for (let i = 0; i < w; i++) if (keys[base + i] !== k[i]) return false;
    return true;
  }

  /** slot holding the scratch key, or -1 */
  find(h: number): number {
    const hi = h | 0;
    let s = this.heads[h & this.mask] ?? -1;
    while (s >= 0) {
      if (this.link[2 * s] === hi && this.same(s)) return s;
      s = this.link[2 * s + 1] ?? -1;
    }
    return -1;
  }

  /** inserts the scratch key (which must not be present) and returns its new slot; evicts when full */
  insert(h: number): number {
    let slot: number;
    if (this.freeHead >= 0) {
      slot = this.freeHead;
      this.freeHead = this.link[2 * slot + 1] ?? -1;
    } else if (this.nextFresh < this.capacity) {
      slot = this.nextFresh++;
    } else {
      slot = this.pickVictim();
      this.onEvict?.(slot);
      this.unlink(slot);
      this.evictions++;
      this.size--;
    }
    const kb = slot * this.words;
    for (let i = 0; i < this.words; i++) this.keys[kb + i] = this.key[i] ?? 0;
    this.link[2 * slot] = h | 0;
    const b = h & this.mask;
    this.link[2 * slot + 1] = this.heads[b] ?? -1;
    this.heads[b] = slot;
    this.used[slot] = 1;
    this.size++;
    return slot;
  }

  private pickVictim(): number {
    // the table is full, so every slot is in use: sample a run of consecutive slots from a random
    // start (the owner's utility arrays are read a cache line at a time, not one line per sample)
    const n = this.sample;
    let start = this.rng.int(this.capacity);
    if (start + n > this.capacity) start = Math.max(0, this.capacity - n);
    let best = start;
    let bestU = this.utility(start);
    const end = Math.min(this.capacity, start + n);
    for (let s = start + 1; s < end; s++) {
      const u = this.utility(s);
      if (u < bestU) { best = s; bestU = u; }
    }
    return best;
  }

  private unlink(slot: number): void {
    const h = (this.link[2 * slot] ?? 0) & this.mask;
    let s = this.heads[h] ?? -1;
    let prev = -1;
    while (s >= 0 && s !== slot) { prev = s; s = this.link[2 * s + 1] ?? -1; }
    if (s < 0) return;
    if (prev < 0) this.heads[h] = this.link[2 * slot + 1] ?? -1;
    else this.link[2 * prev + 1] = this.link[2 * slot + 1] ?? -1;
    this.used[slot] = 0;
  }

  /** frees a slot (idle expiry); the owner clears its own state */
  remove(slot: number): void {
    if (!this.used[slot]) return;
    this.unlink(slot);
    this.link[2 * slot + 1] = this.freeHead;
    this.freeHead = slot;
    this.size--;
  }

  isUsed(slot: number): boolean {
    return this.used[slot] === 1;
  }

  /** highest slot index ever handed out + 1 (iterate 0..end and test isUsed) */
  end(): number {
    return this.nextFresh;
  }
}

export interface SetTableOptions {
  /** slots wanted; rounded up to a whole number of sets of 8 */
  capacity: number;
  /** 32-bit words per key */
  words: number;
  /** the owner's records viewed as 32-bit words: the key of slot s lives at store[s * stride + keyAt ...] */
  store: Uint32Array;
  /** 32-bit words per record */
  stride: number;
  /** offset of the key inside a record, in 32-bit words */
  keyAt: number;
  /**
   * Given: `store` may hold fewer than `capacity` records; when the records handed out reach its end,
   * the table asks the owner for a store of `records` records (the old one's records copied, its
   * views replaced) and uses the one returned. Records are handed out densely, so the store grows
   * with the keys held, by doubling, up to `capacity`: a table sized for a million keys that holds a
   * hundred thousand allocates and zeroes a tenth of the memory (bounded all the same).
   */
  grow?: (records: number) => Uint32Array;
}

/** records a growable SetTable's owner allocates first */
export const SET_TABLE_FIRST_RECORDS = 4096;

const WAYS = 8;
/** flows a detector prefetches at once (createDetectors' observeBatch goes in chunks of this many) */
export const PREFETCH_BATCH = 64;

/**
 * SetTable: a set-associative table (as a CPU cache is) whose keys live inside the owner's records.
 * A key hashes to one set of 8 ways. A set's line is one 64-byte cache line: the 8 ways' words
 * (the record that way holds, with hash bits above it as a tag), then their 8 utilities (the owner
 * keeps each record's utility current with `setUtility`). A lookup reads that line and then only the
 * record it needs: the key is compared in the record the caller goes on to update, not in a separate
 * key array; an eviction reads that line alone. No chains: 8 bytes per slot beyond the owner's record.
 *
 * Records are handed out densely (#23): the n-th key ever inserted gets record n (a freed record is
 * reused first), so a table sized for a million keys that holds a hundred thousand touches a tenth of
 * its records' memory, in order, instead of pages all over it (the first touch of a 192 MB beacon
 * table used to dominate `acd analyze` of a day). The geometry (which set and way a key takes, which
 * way is evicted) is what it was when the record was the way's position, so the findings are the same;
 * owners that walk records in the old position order use `slotAt`, and SlotList sorts by position
 * (`orderKey`). A record's position is found again from its key (hash → set → the way naming it).
 *
 * A full set evicts its way of lowest utility (sampled eviction over the set, as KeyTable samples a
 * run of consecutive slots; a set is a random sample of keys, ties go to the lower way); the new key
 * takes the evicted key's record. A set can fill before the table does, so eviction may start
 * somewhat before `capacity` keys are held; memory is fixed at construction either way.
 */
export class SetTable implements SlotOrder {
  readonly capacity: number;
  readonly words: number;
  readonly sets: number;
  /** scratch key the caller fills before find/insert */
  readonly key: Uint32Array;
  /** per set, 16 words: 8 way words (tag bits | record + 1; 0: free way), then 8 utilities */
  private readonly lines: Uint32Array;
  private store: Uint32Array;
  private readonly stride: number;
  private readonly keyAt: number;
  private readonly grow: ((records: number) => Uint32Array) | undefined;
  /** records the store holds now */
  private storeRecords: number;
  /** low bits of a way word: record + 1; the bits above: a tag from the hash's low bits */
  private readonly recBits: number;
  private readonly recMask: number;
  private readonly tagMask: number;
  /** records handed out so far (0..nextRec) */
  private nextRec = 0;
  /** freed records, linked through their first key word (record + 1; 0 ends the list) */
  private freeHead = 0;
  /** the record last found or inserted and its position (setUtility follows a find at once) */
  private lastRec = -1;
  private lastPos = -1;
  size = 0;
  evictions = 0;

  constructor(o: SetTableOptions) {
    if (!Number.isInteger(o.capacity) || o.capacity < 1 || o.capacity > 1 << 28) {
      throw new AcdError('DETECT_BAD_CAPACITY', `detector table capacity ${o.capacity} must be an integer in [1, 2^28]`);
    }
    this.sets = Math.ceil(o.capacity / WAYS);
    this.capacity = this.sets * WAYS;
    this.words = o.words;
    this.key = new Uint32Array(o.words);
    this.lines = new Uint32Array(this.sets * 2 * WAYS);
    if (!o.grow && o.store.length < this.capacity * o.stride) throw new AcdError('DETECT_BAD_CAPACITY', `set table store holds ${o.store.length} words, ${this.capacity * o.stride} needed`);
    this.store = o.store;
    this.stride = o.stride;
    this.keyAt = o.keyAt;
    this.grow = o.grow;
    this.storeRecords = Math.min(this.capacity, Math.floor(o.store.length / o.stride));
    if (this.storeRecords < 1) throw new AcdError('DETECT_BAD_CAPACITY', 'set table store holds no record');
    this.recBits = 32 - Math.clz32(this.capacity);
    this.recMask = (2 ** this.recBits) - 1;
    this.tagMask = (~this.recMask) >>> 0;
  }

  /** records to allocate for a capacity (whole sets) */
  static slotsFor(capacity: number): number {
    return Math.ceil(capacity / WAYS) * WAYS;
  }

  /** bytes of the table itself per slot (way word and utility; keys are in the owner's records) */
  bytesPerSlot(): number {
    return 8;
  }

  hash(): number {
    return hashWords(this.key, 0, this.words);
  }

  /** the set of a hash: multiply-shift onto [0, sets) (a % of a value above 2^31 is a float modulo) */
  private setOf(h: number): number {
    return (((h >>> 0) * this.sets) / 4294967296) | 0;
  }

  /** the tag bits of a hash: its low bits (the set comes from its high bits), above the record bits */
  private tagOf(h: number): number {
    return ((h << this.recBits) & this.tagMask) >>> 0;
  }

  /** record holding the scratch key, or -1 */
  find(h: number): number {
    const tag = this.tagOf(h);
    const set = this.setOf(h);
    const lines = this.lines;
    const lb = set * 2 * WAYS;
    const w = this.words;
    const st = this.store;
    const k = this.key;
    const tm = this.tagMask;
    for (let i = 0; i < WAYS; i++) {
      const v = lines[lb + i]!;
      if (v === 0 || ((v & tm) >>> 0) !== tag) continue;
      const r = (v & this.recMask) - 1;
      const base = r * this.stride + this.keyAt;
      let j = 0;
      while (j < w && st[base + j] === k[j]) j++;
      if (j === w) { this.lastRec = r; this.lastPos = set * WAYS + i; return r; }
    }
    return -1;
  }

  /** inserts the scratch key (which must not be present) and returns its record; evicts within the set when it is full */
  insert(h: number): number {
    const set = this.setOf(h);
    const lines = this.lines;
    const lb = set * 2 * WAYS;
    let way = -1;
    for (let i = 0; i < WAYS; i++) {
      if (lines[lb + i] === 0) { way = i; break; }
    }
    let r: number;
    if (way < 0) {
      way = 0;
      let bestU = lines[lb + WAYS] ?? 0;
      for (let i = 1; i < WAYS; i++) {
        const u = lines[lb + WAYS + i] ?? 0;
        if (u < bestU) { way = i; bestU = u; }
      }
      // the new key takes the evicted key's record
      r = ((lines[lb + way] ?? 0) & this.recMask) - 1;
      this.evictions++;
    } else {
      if (this.freeHead !== 0) {
        r = this.freeHead - 1;
        this.freeHead = this.store[r * this.stride + this.keyAt] ?? 0;
      } else {
        r = this.nextRec++;
        if (r >= this.storeRecords) this.growStore();
      }
      this.size++;
    }
    lines[lb + way] = (this.tagOf(h) | (r + 1)) >>> 0;
    lines[lb + WAYS + way] = 0;
    const kb = r * this.stride + this.keyAt;
    const st = this.store;
    const k = this.key;
    for (let i = 0; i < this.words; i++) st[kb + i] = k[i] ?? 0;
    this.lastRec = r;
    this.lastPos = set * WAYS + way;
    return r;
  }

  private growStore(): void {
    const want = Math.min(this.capacity, Math.max(this.storeRecords * 2, SET_TABLE_FIRST_RECORDS));
    if (!this.grow || want <= this.storeRecords) throw new AcdError('DETECT_BAD_CAPACITY', `set table store of ${this.storeRecords} records is full`);
    const st = this.grow(want);
    if (st.length < want * this.stride) throw new AcdError('DETECT_BAD_CAPACITY', `set table store grown to ${st.length} words, ${want * this.stride} needed`);
    this.store = st;
    this.storeRecords = want;
  }

  /** records the store holds now (grows up to capacity when the owner gave `grow`) */
  get allocated(): number {
    return this.storeRecords;
  }

  /** the position (set × 8 + way) of record r, or -1 when r holds no key */
  private posOf(r: number): number {
    if (r === this.lastRec) return this.lastPos;
    if (r < 0 || r >= this.nextRec) return -1;
    const set = this.setOf(hashWords(this.store, r * this.stride + this.keyAt, this.words));
    const lb = set * 2 * WAYS;
    const want = r + 1;
    const lines = this.lines;
    for (let i = 0; i < WAYS; i++) {
      if (((lines[lb + i] ?? 0) & this.recMask) === want) {
        this.lastRec = r;
        this.lastPos = set * WAYS + i;
        return this.lastPos;
      }
    }
    return -1;
  }

  /*
   * Batch prefetch (read-only). A lookup's first cost is a cache miss on the set's line, and one
   * flow at a time such misses come one after another. Given a batch's hashes first, the loop below
   * issues the batch's loads back to back, so the CPU has many misses in flight at once; the flows'
   * real lookups then find the lines in cache. Nothing is written: the results are the same with or
   * without a prefetch (test/detect/batch.test.ts). Loading the records too (in a second pass, once
   * the set lines are in: the way a lookup or an insert would reach) was measured: slower when the
   * pass picks insert's way, no faster when it loads found records only; it is not done.
   */

  /** loads the set lines of hashes h[0..n); returns a sum of what it read, only so the loads are not elided */
  prefetchSets(h: Uint32Array, n: number): number {
    const lines = this.lines;
    const sets = this.sets;
    let acc = 0;
    for (let i = 0; i < n; i++) acc ^= lines[((((h[i] ?? 0) * sets) / 4294967296) | 0) << 4] ?? 0;
    return acc;
  }

  /** record r's utility (lower is evicted first; a 32-bit unsigned value the owner derives from its state) */
  setUtility(r: number, u: number): void {
    const p = this.posOf(r);
    if (p >= 0) this.lines[((p >>> 3) << 4) + WAYS + (p & 7)] = u;
  }

  utility(r: number): number {
    const p = this.posOf(r);
    return p < 0 ? 0 : this.lines[((p >>> 3) << 4) + WAYS + (p & 7)] ?? 0;
  }

  /** frees record r (idle expiry); the owner clears its own state */
  remove(r: number): void {
    const p = this.posOf(r);
    if (p < 0) return;
    this.lines[((p >>> 3) << 4) + (p & 7)] = 0;
    this.size--;
    this.store[r * this.stride + this.keyAt] = this.freeHead;
    this.freeHead = r + 1;
    this.lastRec = -1;
  }

  isUsed(r: number): boolean {
    return this.posOf(r) >= 0;
  }

  /** records to iterate (0..end, test isUsed): in the order they were handed out */
  end(): number {
    return this.nextRec;
  }

  /** positions to iterate with slotAt (set by set, way by way) */
  positions(): number {
    return this.capacity;
  }

  /** the record at position p (set × 8 + way), or -1 when that way is free */
  slotAt(p: number): number {
    const v = this.lines[((p >>> 3) << 4) + (p & 7)] ?? 0;
    return v === 0 ? -1 : (v & this.recMask) - 1;
  }

  /** SlotOrder: a record's position (one holding no key: after every position) */
  orderKey(r: number): number {
    const p = this.posOf(r);
    return p >= 0 ? p : this.capacity + r;
  }

  slotOfKey(k: number): number {
    return k < this.capacity ? this.slotAt(k) : k - this.capacity;
  }
}

/** how a SlotList orders a drain: by orderKey (distinct per slot), mapped back with slotOfKey */
export interface SlotOrder {
  orderKey(slot: number): number;
  slotOfKey(key: number): number;
}

/**
 * SlotList: the slots a detector must visit at its next flush (a dirty list), so a flush costs the
 * slots that changed, not the table's capacity. The owner pushes a slot when its flag goes from clear
 * to set and checks the flag again when it drains the list, so an entry whose slot was evicted,
 * expired or already handled is skipped. A slot may be pushed twice (its flag cleared and set again
 * between flushes, or its slot reused); `drain` sorts and de-duplicates, so a flush visits each slot
 * once, in slot order, as the full sweep it replaces did (same findings in the same order).
 *
 * Memory: the list grows on demand up to 1.25 × capacity entries (4 bytes each); when full it is
 * sorted and de-duplicated in place (at most `capacity` distinct slots), so a push costs amortised
 * O(log n) at worst and the list never holds more than 5 bytes per slot of the table.
 */
export class SlotList {
  private buf: Int32Array;
  /** the other buffer: drain hands the caller one and pushes go to the other */
  private spare: Int32Array;
  private n = 0;
  private readonly max: number;

  /** `order`: a table whose slots are records handed out densely (SetTable): drains sort by its positions */
  constructor(readonly capacity: number, private readonly order?: SlotOrder) {
    this.max = Math.max(16, Math.ceil(capacity * 1.25));
    this.buf = new Int32Array(Math.min(this.max, 1024));
    this.spare = new Int32Array(Math.min(this.max, 1024));
  }

  get length(): number {
    return this.n;
  }

  push(slot: number): void {
    if (this.n === this.buf.length) {
      if (this.buf.length < this.max) {
        const b = new Int32Array(Math.min(this.max, this.buf.length * 2));
        b.set(this.buf);
        this.buf = b;
      } else {
        this.n = this.unique();
        // every slot of the table is listed already
        if (this.n === this.buf.length) return;
      }
    }
    this.buf[this.n++] = slot;
  }

  private unique(): number {
    const v = this.buf.subarray(0, this.n).sort();
    let m = 0;
    for (let i = 0; i < v.length; i++) if (i === 0 || v[i] !== v[i - 1]) v[m++] = v[i]!;
    return m;
  }

  /**
   * The listed slots, sorted and each once, and empties the list: the returned view is valid until
   * the next drain (a slot pushed while the caller walks it goes to the other buffer, for the next flush).
   */
  drain(): Int32Array {
    const o = this.order;
    if (o) for (let i = 0; i < this.n; i++) this.buf[i] = o.orderKey(this.buf[i]!);
    const m = this.unique();
    if (o) for (let i = 0; i < m; i++) this.buf[i] = o.slotOfKey(this.buf[i]!);
    this.n = 0;
    const out = this.buf;
    this.buf = this.spare;
    this.spare = out;
    return out.subarray(0, m);
  }

  clear(): void {
    this.n = 0;
  }
}
