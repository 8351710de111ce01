/**
 * Addresses and prefixes in the browser, to show a commission member which findings an approval's
 * address and prefix criteria cover. IPv4 and IPv6 text; anything else is "not an address" (null).
 */

/** the address as 32 (IPv4) or 128 (IPv6) bits in a bigint, with its family; null when it is not one */
export function parseAddress(text: string): { family: 4 | 6; bits: bigint } | null {
  const t = text.trim();
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(t)) {
    const parts = t.split('.').map(Number);
    if (parts.some((p) => p > 255)) return null;
    return { family: 4, bits: parts.reduce((a, p) => (a << 8n) | BigInt(p), 0n) };
  }
  if (!t.includes(':') || t.includes('%')) return null;
  let s = t;
  // a dotted IPv4 tail (::ffff:192.0.2.1) as two groups
  const tail = /:(\d{1,3}(\.\d{1,3}){3})$/.exec(s);
  if (tail) {
    const v4 = parseAddress(tail[1]!);
    if (!v4) return null;
    s = `${s.slice(0, tail.index + 1)}${(v4.bits >> 16n).toString(16)}:${(v4.bits & 0xffffn).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  return { family: 6, bits: all.reduce((a, g) => (a << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

/** a CIDR prefix (a.b.c.d/n, x::/n); null when it is not one */
export function parsePrefix(text: string): { family: 4 | 6; bits: bigint; length: number } | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return null;
  const a = parseAddress(m[1]!);
  const length = Number(m[2]);
  if (!a || length > (a.family === 4 ? 32 : 128)) return null;
  return { ...a, length };
}

/** whether the address text lies in the prefix text (false when either is not one, or families differ) */
export function inPrefix(address: string, prefix: string): boolean {
  const a = parseAddress(address);
  const p = parsePrefix(prefix);
  if (!a || !p || a.family !== p.family) return false;
  const width = BigInt(a.family === 4 ? 32 : 128);
  const shift = width - BigInt(p.length);
  return a.bits >> shift === p.bits >> shift;
}
