/**
 * Issue #20 at the collector: the exporter table cannot be filled for good (least recently seen evicted,
 * configured exporters never, idle exporters' templates given up first, evictions counted), flow times
 * outside the window are malformed and never reach the gate or its counts, and "lost" from sequence
 * numbers cannot be inflated by the sender. Over UDP with the real collector and the live pipeline on
 * both engines, and on the decoder directly.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { createFlowDecoder } from '../../src/flow/index.js';
import { validateConfig } from '../../src/config/index.js';
import { createMetricsRegistry } from '../../src/shared/metrics.js';
import { createLivePipeline } from '../../src/pipeline/live.js';
import { withTables } from '../../src/store/index.js';
import type { SelectionTables } from '../../src/selection/tables.js';
import { engineCases } from '../helpers/stores.js';
import { IPFIX_FIELDS, V9_FIELDS, dataRecord, ip4, ipfixMessage, ipfixValues, set, templateRecord, v9Datagram, v9Values, type SimpleFlow } from './fixtures/build.js';

const flow: SimpleFlow = { src4: ip4('203.0.113.9'), dst4: ip4('198.51.100.7'), srcPort: 40000, dstPort: 443, proto: 6, tcpFlags: 24, packets: 3, bytes: 300, inIf: 1, outIf: 2 };
const TPL = set(2, templateRecord(256, IPFIX_FIELDS));
const data = (startMs: number, endMs: number, n = 1): Buffer => set(256, ...Array.from({ length: n }, () => dataRecord(IPFIX_FIELDS, ipfixValues(flow, startMs, endMs))));
const exportTime = (): number => Math.floor(Date.now() / 1000);

describe('decoder exporter table, time window, sequence bound', () => {
  test('configured exporters are never evicted; the rest in order of last datagram; evictions counted', () => {
    const d = createFlowDecoder({ limits: { maxExporters: 4 }, pinned: (id) => id === '192.0.2.1:2055' });
    const now = Date.now();
    const v9 = (seq: number) => v9Datagram({ seq, uptime: 1000, secs: Math.floor(now / 1000) }, set(0, templateRecord(260, V9_FIELDS)), set(260, dataRecord(V9_FIELDS, v9Values(flow, 500, 900))));
    assert.equal(d.decode(v9(0), '192.0.2.1:2055', () => {}).flows, 1);
    assert.equal(d.decode(v9(0), '10.0.0.1:1', () => {}).flows, 1);
    for (let i = 0; i < 50; i++) assert.equal(d.decode(v9(0), `10.9.${i >> 8}.${i & 255}:9`, () => {}).flows, 1, `junk-looking exporter ${i}`);
    assert.equal(d.exportersEvicted(), 48, 'the configured one holds a place for good, 3 places for the other 51');
    assert.ok(d.stats('192.0.2.1:2055'), 'the configured exporter stays');
    assert.equal(d.stats('10.0.0.1:1'), undefined, 'the least recently seen went first');
    // the configured exporter's template survived the flood: its data alone decodes
    const dataOnly = v9Datagram({ seq: 1, uptime: 1000, secs: Math.floor(now / 1000) }, set(260, dataRecord(V9_FIELDS, v9Values(flow, 500, 900))));
    assert.equal(d.decode(dataOnly, '192.0.2.1:2055', () => {}).flows, 1);
    // an exporter that sent recently moves to the end and outlives those that did not
    assert.deepEqual(d.allStats().map((s) => s.exporter), ['10.9.0.47:9', '10.9.0.48:9', '10.9.0.49:9', '192.0.2.1:2055', '_evicted']);
    d.decode(v9(1), '10.9.0.47:9', () => {});
    d.decode(v9(0), 'new:1', () => {});
    assert.ok(d.stats('10.9.0.47:9'));
    assert.equal(d.stats('10.9.0.48:9'), undefined);
    const e = d.stats('_evicted')!;
    assert.equal(e.datagrams, 49);
    assert.equal(e.flows, 49);
  });

  test('at the template cap, an idle exporter gives up its templates before a new exporter is refused', () => {
    let clock = 1_000_000;
    const d = createFlowDecoder({ limits: { maxTemplatesTotal: 4, idleExporterMs: 60_000 }, clock: () => clock });
    const tpl = (id: number) => ipfixMessage({ seq: 0, exportTime: 1700000000 }, set(2, templateRecord(id, IPFIX_FIELDS)));
    for (const id of [256, 257, 258, 259]) d.decode(tpl(id), 'idle:1', () => {});
    assert.equal(d.templateCount(), 4);
    assert.equal(d.decode(tpl(300), 'busy:1', () => {}).error, 'template_limit', 'the other exporter is not idle yet');
    clock += 61_000;
    assert.equal(d.decode(tpl(300), 'busy:1', () => {}).error, null, 'idle now: its oldest template made room');
    assert.equal(d.stats('idle:1')!.templates, 3);
    assert.equal(d.stats('idle:1')!.templatesEvicted, 1);
    assert.equal(d.stats('busy:1')!.templates, 1);
    assert.equal(d.templateCount(), 4);
  });

  test('flows outside the window are malformed by reason and never reach the sink', () => {
    const now = Date.UTC(2026, 0, 1);
    const d = createFlowDecoder({ clock: () => now, limits: { maxFlowAheadMs: 86_400_000, maxFlowAgeMs: 730 * 86_400_000 } });
    const got: number[] = [];
    const sink = (r: { end: number }) => got.push(r.end);
    const h = { seq: 0, exportTime: now / 1000 };
    d.decode(ipfixMessage(h, TPL), 'x:1', sink);
    const year14645 = Date.UTC(14645, 0, 1);
    const r1 = d.decode(ipfixMessage({ ...h, seq: 0 }, data(now - 1000, now), data(year14645, year14645)), 'x:1', sink);
    assert.equal(r1.flows, 1);
    assert.equal(r1.error, 'time_future');
    const r2 = d.decode(ipfixMessage({ ...h, seq: 2 }, data(now - 800 * 86_400_000, now - 800 * 86_400_000 + 1)), 'x:1', sink);
    assert.equal([r2.flows, r2.error].join(), '0,time_past');
    d.decode(ipfixMessage({ ...h, seq: 3 }, data(now + 3_600_000, now + 3_600_000)), 'x:1', sink); // an hour ahead: a skewed clock, accepted
    assert.deepEqual(got, [now, now + 3_600_000]);
    const st = d.stats('x:1')!;
    assert.deepEqual([st.flows, st.packets, st.flowsOutOfWindow, st.malformedByReason.time_future, st.malformedByReason.time_past], [2, 6, 2, 1, 1]);
    // without a window (offline analysis of old captures) nothing is dropped
    const all = createFlowDecoder();
    all.decode(ipfixMessage(h, TPL), 'x:1', () => {});
    assert.equal(all.decode(ipfixMessage(h, data(year14645, year14645)), 'x:1', () => {}).flows, 1);
  });

  test('sequence numbers chosen by the sender cannot inflate "lost": bounded by what arrived, the rest counted as resets', () => {
    const d = createFlowDecoder();
    const secs = Math.floor(Date.now() / 1000);
    const dg = (seq: number) => v9Datagram({ seq, uptime: 1000, secs }, set(0, templateRecord(260, V9_FIELDS)), set(260, dataRecord(V9_FIELDS, v9Values(flow, 500, 900))));
    let seq = 0;
    for (let i = 0; i < 2000; i++) {
      d.decode(dg(seq), 'liar:1', () => {});
      seq = (seq + 999_999) >>> 0; // each jump just under maxSequenceGap
    }
    const st = d.stats('liar:1')!;
    assert.ok(st.lost <= 16 * 2000, `lost ${st.lost} from 2 000 datagrams`);
    assert.ok(st.sequenceResets >= 1999 - 16 * 2000 / 999_998, `resets ${st.sequenceResets}`);
    // real loss is still counted: a steady exporter that skips 3 datagrams now and then
    const h = createFlowDecoder();
    let s = 0;
    for (let i = 0; i < 100; i++) {
      h.decode(dg(s), 'honest:1', () => {});
      s += i % 10 === 9 ? 4 : 1;
    }
    assert.equal(h.stats('honest:1')!.lost, 27, 'nine gaps of 3 seen (the tenth has no datagram after it)');
    assert.equal(h.stats('honest:1')!.sequenceResets, 0);
  });
});

async function bound(address: string): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((r, j) => { s.once('error', j); s.bind(0, address, () => r()); });
  return s;
}
const send = (s: Socket, b: Buffer, port: number): Promise<void> => new Promise((r) => s.send(b, port, '127.0.0.1', () => r()));

for (const engine of engineCases()) {
  test(`UDP (${engine.name}): 5 000 junk sources, then a configured and an unconfigured exporter are decoded; out-of-window flows never reach the gate or its counts`, async () => {
    const store = await engine.open();
    const config = validateConfig({ collector: 'udp://127.0.0.1:0', exporterCarriers: { '127.0.0.5': 'carrier-x' } });
    const live = await createLivePipeline({ config, db: store.db, registry: createMetricsRegistry() });
    const datagrams = () => live.decoder.allStats().reduce((n, s) => n + s.datagrams, 0);
    const wait = async (n: number) => {
      for (let i = 0; i < 600 && datagrams() < n; i++) await sleep(20);
      assert.equal(datagrams(), n, 'every datagram arrived');
    };
    try {
      const port = live.collectorAddress()!.port;
      const configured = await bound('127.0.0.5');
      let sent = 0;
      // the configured exporter's template before the flood: only it, no data yet
      await send(configured, ipfixMessage({ seq: 0, exportTime: exportTime() }, TPL), port);
      await wait(++sent);
      // 5 000 junk sources: ports on 127.0.0.2-4, each a datagram of garbage (a closed port may come back)
      const junk = new Set<string>();
      for (let i = 0; i < 5000; i += 250) {
        const socks = await Promise.all(Array.from({ length: 250 }, (_, k) => bound(`127.0.0.${2 + ((i + k) % 3)}`)));
        for (const s of socks) {
          junk.add(`${s.address().address}:${s.address().port}`);
          await send(s, Buffer.from('junk junk junk'), port);
        }
        sent += socks.length;
        await wait(sent);
        for (const s of socks) s.close();
      }
      assert.ok(junk.size > 4096, `${junk.size} distinct junk sources`);
      // the table held 4 096 (the configured exporter among them), the rest were evicted (a port that
      // came back after its eviction is evicted once more)
      const evicted = live.decoder.exportersEvicted();
      assert.ok(evicted >= junk.size + 1 - 4096 && evicted <= 5001 - 4096, `evicted ${evicted} of ${junk.size} distinct`);
      const now = Date.now();
      // configured: data only (its template from before the flood), 3 valid flows, one far in the future, one far past
      await send(configured, ipfixMessage({ seq: 0, exportTime: exportTime() }, data(now - 60_000, now - 1000, 3)), port);
      await send(configured, ipfixMessage({ seq: 3, exportTime: exportTime() }, data(Date.UTC(14645, 0, 1), Date.UTC(14645, 0, 1)), data(now - 1000, now)), port);
      await send(configured, ipfixMessage({ seq: 5, exportTime: exportTime() }, data(now - 800 * 86_400_000, now - 800 * 86_400_000)), port);
      // unconfigured, after the flood: template and 2 flows
      const stranger = await bound('127.0.0.6');
      await send(stranger, ipfixMessage({ seq: 0, exportTime: exportTime() }, TPL, data(now - 5000, now - 2000, 2)), port);
      sent += 4;
      await wait(sent);
      const c = live.decoder.stats(`127.0.0.5:${configured.address().port}`)!;
      const u = live.decoder.stats(`127.0.0.6:${stranger.address().port}`)!;
      configured.close();
      stranger.close();
      assert.equal(c.flows, 4, 'the configured exporter is decoded (its template survived the flood)');
      assert.equal(u.flows, 2, 'an unconfigured exporter after the flood is decoded');
      assert.deepEqual([c.malformedByReason.time_future, c.malformedByReason.time_past, c.flowsOutOfWindow], [1, 1, 2]);
      assert.equal(live.totals().received, 6, 'only valid flows reached the gate');
      await live.flush();
      assert.equal(live.unwrittenCounts(), 0);
      const rows = await withTables<SelectionTables>(store.db).selectFrom('gate_counts').select(['metric', 'count', 'hour']).where('metric', '=', 'received').execute();
      assert.equal(rows.reduce((n, r) => n + Number(r.count), 0), 6, 'gate counts in the store equal the valid flows received');
      for (const r of rows) assert.ok(new Date(r.hour).getUTCFullYear() < 3000);
    } finally {
      await live.stop();
      await store.close();
      await engine.cleanup();
    }
  });
}
