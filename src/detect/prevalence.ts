/**
 * Prevalence: how many distinct domestic hosts talk to each external address, as a share of all the
 * domestic hosts seen. A server that most of the domestic side talks to (an update service, a
 * telemetry endpoint, the NTP pool) is rarely C2; the beacon and fan-in scores are discounted by it.
 * Per external address: a 32-register HyperLogLog and a last-seen time, in a capped KeyTable.
 */
import { hllAdd, hllCount } from './hll.js';
import { KeyTable } from './table.js';

const M = 32;
const GLOBAL_M = 4096;

export class Prevalence {
  readonly table: KeyTable;
  private readonly regs: Uint8Array;
  private readonly last: Float64Array;
  private readonly global = new Uint8Array(GLOBAL_M);

  constructor(capacity: number) {
    this.last = new Float64Array(capacity);
    this.regs = new Uint8Array(capacity * M);
    this.table = new KeyTable({ capacity, words: 5, utility: (s) => this.last[s] ?? 0, seed: 0x5eed1 });
  }

  bytesPerKey(): number {
    return this.table.bytesPerSlot() + M + 8;
  }

  /** ext: family + 4 address words in w[extAt..]; domHash: a hash of the domestic address */
  observe(family: number, w: Uint32Array, extAt: number, domHash: number, now: number): void {
    const t = this.table;
    const k = t.key;
    k[0] = family; k[1] = w[extAt] ?? 0; k[2] = w[extAt + 1] ?? 0; k[3] = w[extAt + 2] ?? 0; k[4] = w[extAt + 3] ?? 0;
    const h = t.hash();
    let s = t.find(h);
    if (s < 0) { s = t.insert(h); for (let i = s * M, e = i + M; i < e; i++) this.regs[i] = 0; }
    this.last[s] = now;
    hllAdd(this.regs, s * M, M, domHash);
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
    return s < 0 ? 0 : hllCount(this.regs, s * M, M);
  }
}
