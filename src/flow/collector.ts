/**
 * The UDP collector: the door carriers' NetFlow v5/v9 and IPFIX exports come in by. It binds one UDP
 * socket, hands each datagram to the decoder with the peer's "ip:port" as the exporter id (never a
 * value from the packet), and the decoder calls the sink per flow record.
 */
import { createSocket, type Socket, type RemoteInfo } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from '../shared/log.js';
import { AcdError } from '../shared/errors.js';
import type { FlowSink } from './record.js';
import type { FlowDecoder } from './decode/index.js';
import { udpSocketDrops } from './udp-drops.js';

export interface UdpCollectorOptions {
  /** udp://HOST:PORT (IPv6 hosts in brackets: udp://[::]:2055); port 0 picks a free one */
  listen: string;
  decoder: FlowDecoder;
  sink: FlowSink;
  logger: Logger;
  /** socket receive buffer asked of the OS (it may grant less: see net.core.rmem_max) */
  receiveBufferBytes?: number;
}

export interface UdpCollector {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** the bound address, once started */
  address(): { host: string; port: number };
  /** datagrams received by this collector */
  readonly received: number;
  /**
   * datagrams the kernel dropped on this collector's socket (receive buffer full: see the README's
   * deployment section on net.core.rmem_max); null when not started or not on Linux
   */
  kernelDrops(): number | null;
}

export function parseUdpUrl(url: string): { host: string; port: number } {
  const m = /^udp:\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]+):(\d{1,5})\/?$/.exec(url);
  if (!m) throw new AcdError('COLLECTOR_LISTEN', `listen address "${url}" is not udp://HOST:PORT (e.g. udp://0.0.0.0:2055 or udp://[::]:2055)`);
  const port = Number(m[2]);
  if (port > 65535) throw new AcdError('COLLECTOR_LISTEN', `listen address "${url}": port ${port} is beyond 65535`);
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  return { host, port };
}

/** "ip:port" of the peer; IPv6 peers as "[ip]:port" so the port stays unambiguous. */
export function exporterId(r: RemoteInfo): string {
  return r.family === 'IPv6' ? `[${r.address}]:${r.port}` : `${r.address}:${r.port}`;
}

export function createUdpCollector(opts: UdpCollectorOptions): UdpCollector {
  const { host, port } = parseUdpUrl(opts.listen);
  const bufBytes = opts.receiveBufferBytes ?? 32 * 1024 * 1024;
  const { decoder, sink, logger } = opts;
  let socket: Socket | null = null;
  let received = 0;
  // exporter id strings are cached per peer (address → port → id), so a datagram builds no string;
  // bounded like the decoder's exporter table (spoofed sources beyond it get a fresh string each time)
  const ids = new Map<string, Map<number, string>>();
  let cached = 0;

  function onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    received++;
    let ports = ids.get(rinfo.address);
    let id = ports?.get(rinfo.port);
    if (id === undefined) {
      id = exporterId(rinfo);
      if (cached < decoder.limits.maxExporters) {
        if (!ports) { ports = new Map(); ids.set(rinfo.address, ports); }
        ports.set(rinfo.port, id);
        cached++;
      }
    }
    decoder.decode(msg, id, sink); // never throws: bad datagrams are counted per exporter
  }

  return {
    get received() { return received; },
    kernelDrops() {
      return socket ? udpSocketDrops(socket.address().port) : null;
    },
    address() {
      if (!socket) throw new AcdError('COLLECTOR_NOT_STARTED', `collector ${opts.listen} is not started`);
      const a = socket.address();
      return { host: a.address, port: a.port };
    },
    start() {
      if (socket) return Promise.resolve();
      const s = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', recvBufferSize: bufBytes });
      socket = s;
      return new Promise<void>((resolve, reject) => {
        const onError = (err: Error): void => {
          socket = null;
          reject(new AcdError('COLLECTOR_BIND', `cannot listen on ${opts.listen}: ${err.message}`));
        };
        s.once('error', onError);
        s.on('message', onMessage);
        s.bind(port, host, () => {
          s.off('error', onError);
          s.on('error', (err) => logger.error({ err, listen: opts.listen }, 'collector socket error'));
          let granted = 0;
          try {
            if (s.getRecvBufferSize() < bufBytes) s.setRecvBufferSize(bufBytes);
            granted = s.getRecvBufferSize();
          } catch { /* the OS keeps its default */ }
          const a = s.address();
          logger.info({ listen: `${a.address}:${a.port}`, receiveBuffer: granted }, 'flow collector listening');
          if (granted && granted < bufBytes / 2) logger.warn({ asked: bufBytes, granted }, 'UDP receive buffer smaller than asked: raise net.core.rmem_max to avoid drops at high rates');
          resolve();
        });
      });
    },
    stop() {
      const s = socket;
      socket = null;
      if (!s) return Promise.resolve();
      return new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}
