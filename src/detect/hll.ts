/**
 * HyperLogLog counting over byte registers in a shared slab (Flajolet et al. 2007): m registers per
 * key, each the largest leading-zero rank seen among hashes routed to it. 32 registers (32 bytes)
 * count distinct domestic hosts to about ±18 %, enough for a prevalence share or a victim count.
 */
export function hllAdd(regs: Uint8Array, at: number, m: number, hash: number): boolean {
  const bits = 31 - Math.clz32(m);
  const j = hash & (m - 1);
  const w = hash >>> bits;
  const rank = Math.min(32 - bits, Math.clz32(w) - bits + 1);
  if (rank > (regs[at + j] ?? 0)) { regs[at + j] = rank; return true; }
  return false;
}

const POW2NEG = Float64Array.from({ length: 64 }, (_, r) => 2 ** -r);

export function hllCount(regs: Uint8Array, at: number, m: number): number {
  let sum = 0;
  let zeros = 0;
  for (let j = 0; j < m; j++) {
    const r = regs[at + j] ?? 0;
    sum += POW2NEG[r] ?? 0;
    if (r === 0) zeros++;
  }
  const alpha = m === 16 ? 0.673 : m === 32 ? 0.697 : m === 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
  const e = (alpha * m * m) / sum;
  if (e <= 2.5 * m && zeros > 0) return m * Math.log(m / zeros);
  return e;
}
