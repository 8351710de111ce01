import type { Command } from 'commander';
import { join } from 'node:path';
import { addServerOptions, configFromOptions } from '../options.js';
import { startAcd, stopOnSignals } from '../../server/index.js';
import { DEMO_CARRIER, ensureDemoAccounts, ensureDemoApproval, ensureDemoCollection, ensureDemoOperation, ensureDemoRanges, ensureDemoReport, ensureDemoVuln } from '../../demo/index.js';
import { createDemoExporter } from '../../flow/index.js';
import { ATTRIBUTION } from '../../selection/index.js';
import { auditLogOf, createWitnessClient, exportPublicKey, importCosignerVerifier, logKeyFor, logKeySource, spawnWitnessProcess, type WitnessProcess } from '../../oversight/index.js';

export function register(program: Command): void {
  addServerOptions(
    program
      .command('demo')
      .description(
        'Start ACD on the embedded store with demo organisations and people (credentials printed here), an approval in force, and a synthetic carrier exporting NetFlow v9 to the collector on loopback (a botnet, a scanner, a DDoS burst and benign updates); no service needed',
      ),
  )
    .option('--speed <n>', 'simulated seconds per real second of the demo traffic', '60')
    .option('--no-traffic', 'do not start the synthetic carrier')
    .option('--no-witness', "do not start the commission's witness beside the server")
    .addHelpText('after', '\nExamples:\n  $ npm start                 (runs: acd demo)\n  $ acd demo --port 9000 --data /tmp/acd-demo --speed 120')
    .action(async (opts: Record<string, unknown>) => {
      const config = configFromOptions(
        { logLevel: 'warn', ...opts, data: opts.data ?? join('.acd-data', 'demo') },
        {
          collector: (opts.collector as string | undefined) ?? 'udp://127.0.0.1:0', exporterCarriers: { '127.0.0.1': DEMO_CARRIER }, pipeline: true,
          // the synthetic carrier's clock runs --speed times faster than the wall clock (60x: a day ahead after 24 min),
          // so the collector's time window (#20) is widened to its largest, 30 days: 12 hours of demo at 60x
          flowMaxAheadSeconds: 30 * 86400,
        },
      );
      // the commission's witness, as its own process with its own key and data folder, cosigning every head
      // (started beside the server, attached to its log once it listens; an in-memory store has a new log key per process: nothing to follow)
      let witness: WitnessProcess | null = null;
      const keySource = logKeySource(config);
      const witnessStarting =
        opts.witness !== false && !config.auditWitnessUrl && keySource.path !== null
          ? spawnWitnessProcess({ dataDir: `${config.data}-witness`, logVkey: exportPublicKey(logKeyFor(keySource).key).vkey, name: 'acd-demo/commission-witness' }).catch((e: unknown) => {
              console.error(`the demo witness did not start (${(e as Error).message}); the log is signed without it`);
              return null;
            })
          : Promise.resolve(null);
      const running = await startAcd(config);
      witness = await witnessStarting;
      if (witness) {
        const log = await auditLogOf({ config, store: running.store, logger: running.logger, registry: running.registry });
        await log.attachWitness(createWitnessClient({ url: witness.url, verifier: importCosignerVerifier(witness.vkey) }));
      }
      const creds = await ensureDemoAccounts(running.store.db);
      await ensureDemoCollection(running.store.db);
      const approvalId = await ensureDemoApproval(running.store.db);
      await running.pipeline?.reloadApprovals();
      await ensureDemoVuln(running.store.db);
      const collector = running.pipeline?.collectorAddress();
      let exporter: ReturnType<typeof createDemoExporter> | null = null;
      if (collector && running.pipeline) {
        exporter = createDemoExporter({ target: collector, scope: running.pipeline.scope, scenario: { speed: Number(opts.speed) || 60 } });
        const reportId = await ensureDemoReport(running.store.db, exporter.scenario.actors.c2);
        await ensureDemoOperation(running.store.db, exporter.scenario.actors.c2, reportId);
        await ensureDemoRanges(running.store.db, exporter.scenario.actors.ddosTarget);
        if (opts.traffic !== false) exporter.start();
      }
      console.log(`\nACD demo is running at ${running.url}`);
      console.log(`  dashboard: ${running.url}/    API docs: ${running.url}/api/docs    health: ${running.url}/healthz    metrics: ${running.url}/metrics`);
      console.log('  demo people (passwords are new at every start):');
      for (const c of creds) console.log(`    ${c.username.padEnd(13)} ${c.password}   ${c.roles.join(', ')} — ${c.org}`);
      if (collector) console.log(`  flow collector: udp://${collector.host}:${collector.port}; approval in force: ${approvalId} (carrier ${DEMO_CARRIER})`);
      if (exporter && opts.traffic !== false) {
        const a = exporter.scenario.actors;
        console.log(`  synthetic carrier: NetFlow v9 at ${exporter.scenario.speed}x time — C2 ${a.c2} (${a.bots.length} bots), scanner ${a.scanner}, DDoS on a domestic server, updates from ${a.updateServer}`);
      }
      if (witness) console.log(`  witness (its own process, data ${config.data}-witness): ${witness.url}, key ${witness.vkey}`);
      console.log(`  data: ${ATTRIBUTION.country}`);
      console.log('  Ctrl-C stops it.\n');
      const p = running.pipeline;
      let progress: NodeJS.Timeout | null = null;
      if (p) {
        let last = { ...p.totals() };
        let lastT = Date.now();
        progress = setInterval(() => {
          const t = p.totals();
          const dt = (Date.now() - lastT) / 1000;
          const rate = Math.round((t.received - last.received) / dt);
          const line = `  flows/s ${rate} · received ${t.received} · out of scope ${t.outOfScope} · no approval ${t.noApproval} · discarded ${t.discarded} · selected ${t.selected} · findings ${p.pipeline.detectors.findings.size}`;
          if (process.stdout.isTTY) process.stdout.write(`\r${line.padEnd(150)}`);
          else console.log(line);
          last = { ...t };
          lastT = Date.now();
        }, process.stdout.isTTY ? 1000 : 10_000);
        progress.unref();
      }
      stopOnSignals(
        {
          async close() {
            if (progress) clearInterval(progress);
            await exporter?.stop();
            await running.close();
            await witness?.stop();
          },
        },
        running.logger,
      );
    });
}
