/**
 * Prevalence: how many distinct domestic hosts talk to each external address, as a share of all the
 * domestic hosts seen. A server that most of the domestic side talks to (an update service, a
 * telemetry endpoint, the NTP pool) is rarely C2; the beacon and fan-in scores are discounted by it.
 * Per external address one 64-byte record (a cache line): the key, a last-seen time and a 32-register
 * HyperLogLog, in a capped SetTable (least recently seen evicted first).
 */
import { hllAdd, hllCount } from './hll.js';
import { SET_TABLE_FIRST_RECORDS, SetTable } from './table.js';

const M = 32;
const GLOBAL_M = 4096;
/* record: 0 key 5×u32 (family, address words) · 24 last seen f64 · 32 HLL registers 32×u8 */
const STRIDE = 64;
const LAST = 3;
const REGS = 32;

export class Prevalence {
  readonly table: SetTable;
  private u32: Uint32Array;
  private f64: Float64Array;
  private u8: Uint8Array;
  private readonly global = new Uint8Array(GLOBAL_M);

  constructor(capacity: number) {
    // records grow with the servers held, up to the capacity (SetTable hands them out densely)
    const buf = new ArrayBuffer(Math.min(SetTable.slotsFor(capacity), SET_TABLE_FIRST_RECORDS) * STRIDE);
    this.u32 = new Uint32Array(buf);
    this.f64 = new Float64Array(buf);
    this.u8 = new Uint8Array(buf);
    this.table = new SetTable({
      capacity, words: 5, store: this.u32, stride: STRIDE / 4, keyAt: 0,
      grow: (records) => {
        const b = new ArrayBuffer(records * STRIDE);
        new Uint8Array(b).set(this.u8);
        this.u32 = new Uint32Array(b);
        this.f64 = new Float64Array(b);
        this.u8 = new Uint8Array(b);
        return this.u32;
      },
    });
  }

  bytesPerKey(): number {
    return this.table.bytesPerSlot() + STRIDE;
  }

  /** ext: family + 4 address words in w[extAt..]; domHash: a hash of the domestic address */
  observe(family: number, w: Uint32Array, extAt: number, domHash: number, now: number): void {
    const t = this.table;
    const k = t.key;
    k[0] = family; k[1] = w[extAt] ?? 0; k[2] = w[extAt + 1] ?? 0; k[3] = w[extAt + 2] ?? 0; k[4] = w[extAt + 3] ?? 0;
    const h = t.hash();
    let s = t.find(h);
    if (s < 0) { s = t.insert(h); for (let i = s * STRIDE + REGS, e = i + M; i < e; i++) this.u8[i] = 0; }
    this.f64[s * (STRIDE / 8) + LAST] = now;
    hllAdd(this.u8, s * STRIDE + REGS, M, domHash);
    // kept by recency, and an hour longer per domestic host that reaches it (up to 64 hours): a server
    // only new pairs touch was evicted by churn within hours, and a popular service whose hosts had all
    // been seen then read as reached by nobody, losing its prevalence discount (issue #21)
    const u = Math.floor(now / 1000) + 3600 * Math.min(64, Math.round(hllCount(this.u8, s * STRIDE + REGS, M)));
    t.setUtility(s, u > 0 ? (u >= 4294967295 ? 4294967295 : u) : 0);
    hllAdd(this.global, 0, GLOBAL_M, domHash);
  }

  /** distinct domestic hosts seen in all */
  population(): number {
    return hllCount(this.global, 0, GLOBAL_M);
  }

  /** distinct domestic hosts seen talking to ext (0 when untracked) */
  hosts(family: number, w: Uint32Array, extAt: number): number {
    const t = this.table;
    const k = t.key;
    k[0] = family; k[1] = w[extAt] ?? 0; k[2] = w[extAt + 1] ?? 0; k[3] = w[extAt + 2] ?? 0; k[4] = w[extAt + 3] ?? 0;
    const s = t.find(t.hash());
    return s < 0 ? 0 : hllCount(this.u8, s * STRIDE + REGS, M);
  }
}
