/**
 * Durability: a real `acd serve` on PostgreSQL is killed with SIGKILL in the middle of a burst of
 * report submissions; after a restart every report whose submission was acknowledged (201) is there,
 * readable through the API with the content that was sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { provision, reportBody, serve } from './spawn.js';

test('SIGKILL during a burst of submissions: every acknowledged report is there after restart', { timeout: 240_000 }, async () => {
  const db = await provision();
  let first: Awaited<ReturnType<typeof serve>> | null = null;
  let second: Awaited<ReturnType<typeof serve>> | null = null;
  try {
    const headers = { authorization: `Bearer ${db.operatorToken}`, 'content-type': 'application/json' };
    const acked = new Map<string, string>();
    let sent = 0;
    let failed = 0;
    let rounds = 0;
    // A kill proves something only if it cut requests in flight. With group commit the server answers
    // in bursts, so now and then (2 runs in 12) every request had its answer when the kill landed:
    // then another burst on a fresh server, on the same database, up to three.
    for (let round = 0; round < 3 && failed === 0; round++) {
      rounds++;
      first = await serve(db.dbUrl);
      const server = first;
      let killed = false;
      const ackedBefore = acked.size;
      const worker = async (w: number) => {
        for (let i = 0; !killed; i++) {
          const title = `r${round}-w${w}-${i}`;
          sent++;
          const body = JSON.parse(reportBody(i)) as { title: string };
          body.title = title;
          try {
            const r = await fetch(`${server.url}/api/v1/reports`, { method: 'POST', headers, body: JSON.stringify(body) });
            if (r.status === 201) acked.set(((await r.json()) as { id: string }).id, title);
            else {
              assert.fail(`submission refused before the kill: ${r.status} ${await r.text()}`);
            }
          } catch (e) {
            if (e instanceof assert.AssertionError) throw e;
            failed++; // the connection died with the server: not acknowledged, so not promised
          }
        }
      };
      const workers = Array.from({ length: 12 }, (_v, w) => worker(w));
      // kill once a good number of reports are acknowledged, with requests in flight
      const t0 = Date.now();
      while (acked.size - ackedBefore < 200 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 5));
      server.child.kill('SIGKILL');
      killed = true;
      assert.equal(await server.exited, 'SIGKILL');
      await Promise.all(workers);
      assert.ok(acked.size - ackedBefore >= 50, `only ${acked.size - ackedBefore} submissions acknowledged before the kill`);
    }
    assert.ok(failed >= 1, 'the kill should have cut requests in flight (in three bursts none was)');

    second = await serve(db.dbUrl);
    const list = await fetch(`${second.url}/api/v1/reports?limit=500`, { headers });
    assert.equal(list.status, 200);
    let missing = 0;
    for (const [id, title] of acked) {
      const r = await fetch(`${second.url}/api/v1/reports/${id}`, { headers });
      if (r.status !== 200) {
        missing++;
        continue;
      }
      const view = (await r.json()) as { title: string; submissions: unknown[] };
      assert.equal(view.title, title);
      assert.equal(view.submissions.length, 1);
    }
    assert.equal(missing, 0, `${missing} of ${acked.size} acknowledged reports are missing after the restart`);
    console.log(`# durability: ${acked.size} acknowledged of ${sent} sent, ${failed} cut by SIGKILL in ${rounds} burst(s); all ${acked.size} present after restart`);
  } finally {
    if (first && first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL');
    if (second) {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    await db.drop();
  }
});
