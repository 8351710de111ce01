/**
 * Datagrams the kernel dropped on one of this process's UDP sockets because its receive buffer was
 * full: the `drops` column of /proc/net/udp and /proc/net/udp6 (Linux), for the rows bound to `port`
 * whose socket inode is one of this process's file descriptors (another process may bind the same
 * port with SO_REUSEPORT). These drops happen before ACD sees a datagram; counting them is how the
 * collector never loses flows silently (#23). Read on demand (a metric scrape, a stop), not per datagram.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

function ownSocketInodes(): Set<string> {
  const out = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) out.add(m[1]!);
    } catch { /* closed meanwhile */ }
  }
  return out;
}

/** drops summed over this process's UDP sockets on `port`; null where /proc/net/udp is not readable (not Linux) */
export function udpSocketDrops(port: number): number | null {
  let inodes: Set<string>;
  try {
    inodes = ownSocketInodes();
  } catch {
    return null;
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let total = 0;
  let read = false;
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    read = true;
    const lines = text.split('\n');
    for (let i = 1; i < lines.length; i++) {
      const f = lines[i]!.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
      if (f.length < 13) continue;
      const local = f[1]!;
      if (local.slice(local.lastIndexOf(':') + 1) !== hexPort || !inodes.has(f[9]!)) continue;
      total += Number(f[12]) || 0;
    }
  }
  return read ? total : null;
}
