/**
 * A generated day of Zeek conn.log (TSV), seeded, for the end-to-end benchmark and the analyze tests:
 * `hosts` domestic hosts in 192.168.0.0/16 browsing a pool of external servers (Poisson, ~600
 * connections each a day), DNS to an internal resolver, ten hosts beaconing every 60 s ± 10 % to
 * five servers, and two external scanners; sorted by start time as Zeek writes it.
 */
import { writeFileSync } from 'node:fs';

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#open\t2026-03-01-00-00-00',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]',
].join('\n');

export interface ZeekDay {
  flows: number;
  bytes: number;
  /** the domestic prefix to give analyze */
  domestic: string;
}

/** writes the day to `path`; `scale` multiplies the browsing connections (1: ~260 k flows for 400 hosts) */
export function writeZeekDay(path: string, o: { hosts?: number; seed?: number; scale?: number; hours?: number } = {}): ZeekDay {
  const rand = prng(o.seed ?? 23);
  const hosts = o.hosts ?? 400;
  const span = (o.hours ?? 24) * 3600;
  const t0 = Date.UTC(2026, 2, 1) / 1000;
  const rows: { t: number; l: string }[] = [];
  let uid = 0;
  const host = (i: number): string => `192.168.${1 + (i >> 8)}.${i & 255}`;
  const ext = (i: number): string => `${23 + (i % 150)}.${(i * 7) & 255}.${(i * 13) & 255}.${1 + (i % 250)}`;
  const add = (t: number, oh: string, op: number, rh: string, rp: number, proto: string, dur: number, ob: number, rb: number, state: string, hist: string, opk: number, rpk: number): void => {
    const line = `${t.toFixed(6)}\tC${(uid++).toString(36)}\t${oh}\t${op}\t${rh}\t${rp}\t${proto}\t-\t${dur.toFixed(6)}\t${ob}\t${rb}\t${state}\t-\t-\t0\t${hist}\t${opk}\t${ob + 40 * opk}\t${rpk}\t${rb + 40 * rpk}\t(empty)`;
    rows.push({ t, l: line });
  };
  const scale = o.scale ?? 1;
  const perHost = 600 * scale * (span / 86400);
  for (let h = 0; h < hosts; h++) {
    const mean = span / perHost;
    for (let t = t0 + rand() * mean; t < t0 + span; t += -Math.log(1 - rand()) * mean) {
      const r = rand();
      if (r < 0.15) {
        add(t, host(h), 30000 + Math.floor(rand() * 30000), '192.168.0.1', 53, 'udp', 0.01, 40, 120, 'SF', 'Dd', 1, 1);
      } else {
        // a few popular servers and a long tail
        const s = r < 0.6 ? Math.floor(rand() * 50) : Math.floor(rand() * 20000);
        const ob = 300 + Math.floor(rand() * 2000);
        add(t, host(h), 30000 + Math.floor(rand() * 30000), ext(s), rand() < 0.8 ? 443 : 80, 'tcp', rand() * 30, ob, ob * 8, 'SF', 'ShADadFf', 8, 10);
      }
    }
  }
  // beacons: 10 hosts, 5 servers, every 60 s ± 10 %
  for (let b = 0; b < 10; b++) {
    for (let t = t0 + rand() * 60; t < t0 + span; t += 60 * (0.9 + 0.2 * rand())) {
      add(t, host(b * 37 + 3), 40000 + Math.floor(rand() * 20000), `185.100.${b % 5}.7`, 8443, 'tcp', 0.2, 310, 520, 'SF', 'ShADadFf', 5, 4);
    }
  }
  // scanners: two external sources sweeping the domestic hosts on a few ports, a burst an hour
  for (let sc = 0; sc < 2; sc++) {
    for (let burst = 0; burst < span / 3600; burst++) {
      const start = t0 + burst * 3600 + rand() * 600;
      for (let i = 0; i < 100; i++) {
        add(start + i * 0.05, `45.${sc + 10}.3.9`, 50000 + i, host(Math.floor(rand() * hosts)), [22, 23, 3389, 445][i & 3]!, 'tcp', 0, 0, 0, rand() < 0.9 ? 'S0' : 'REJ', 'S', 1, 0);
      }
    }
  }
  rows.sort((a, b) => a.t - b.t);
  const text = `${HEADER}\n${rows.map((r) => r.l).join('\n')}\n#close\t2026-03-02-00-00-00\n`;
  writeFileSync(path, text);
  return { flows: rows.length, bytes: Buffer.byteLength(text), domestic: '192.168.0.0/16' };
}
