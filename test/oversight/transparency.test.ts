import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/index.js';
import { SYSTEM_ACTOR } from '../../src/auth/index.js';
import { recordAuditBatch } from '../../src/oversight/index.js';
import { transparencyCounts, transparencyCsv, transparencyHtml } from '../../src/oversight/transparency.js';
import { addGateCounts } from '../../src/selection/index.js';
import type { CountRow } from '../../src/selection/index.js';

const zero = { received: 0, outOfScope: 0, noApproval: 0, selected: 0, discarded: 0, noKey: 0 };

test("the report's figures are the gate's counters (summed over carriers and hours) and the audit log's counts, per period", async () => {
  const store = await openStore({ data: 'memory://' });
  try {
    // the gate's counters as the pipeline stores them: two carriers, two hours in November, one in December
    const rows: CountRow[] = [
      { ...zero, carrier: 'c1', category: 'transit', approvalId: 'appr-1', hour: '2026-11-03T10:00:00.000Z', received: 100, selected: 7, discarded: 93 },
      { ...zero, carrier: 'c2', category: 'transit', approvalId: 'appr-1', hour: '2026-11-20T23:00:00.000Z', received: 50, selected: 3, discarded: 47 },
      { ...zero, carrier: 'c1', category: 'transit', approvalId: null, hour: '2026-11-03T10:00:00.000Z', received: 400, outOfScope: 0, noApproval: 250 },
      { ...zero, carrier: 'c1', category: 'out-of-scope', approvalId: null, hour: '2026-11-03T10:00:00.000Z', received: 900, outOfScope: 900 },
      { ...zero, carrier: 'c1', category: 'transit', approvalId: 'appr-1', hour: '2026-12-01T00:00:00.000Z', received: 10, selected: 1, discarded: 9 },
    ];
    await addGateCounts(store.db, rows);
    // adding the same hour again adds up (the gate drains its counters more than once an hour)
    await addGateCounts(store.db, [{ ...zero, carrier: 'c1', category: 'transit', approvalId: 'appr-1', hour: '2026-11-03T10:00:00.000Z', received: 1, discarded: 1 }]);
    const at = (d: string) => new Date(d);
    await recordAuditBatch(store.db, [
      { actor: SYSTEM_ACTOR, action: 'approval.decide', target: { type: 'approval', id: 'appr-1' }, at: at('2026-11-02T09:00:00Z') },
      { actor: SYSTEM_ACTOR, action: 'approval.decide', target: { type: 'approval', id: 'appr-2' }, at: at('2026-11-30T23:59:59.999Z') },
      { actor: SYSTEM_ACTOR, action: 'approval.end', target: { type: 'approval', id: 'appr-1' }, at: at('2026-12-05T00:00:00Z') },
      { actor: SYSTEM_ACTOR, action: 'flow.read', target: { type: 'approval', id: 'appr-1' }, at: at('2027-01-01T00:00:00Z') },
    ]);
    const r = await transparencyCounts(store.db, { from: '2026-11-01T00:00:00Z', to: '2027-01-01T00:00:00Z', period: 'month' });
    assert.deepEqual(r.audit, [
      { period: '2026-11-01T00:00:00.000Z', action: 'approval.decide', count: 2 },
      { period: '2026-12-01T00:00:00.000Z', action: 'approval.end', count: 1 },
    ]);
    const g = (period: string, approvalId: string | null, category: string, metric: string) =>
      r.gate?.find((x) => x.period === period && x.approvalId === approvalId && x.category === category && x.metric === metric)?.count;
    const nov = '2026-11-01T00:00:00.000Z';
    assert.equal(g(nov, 'appr-1', 'transit', 'received'), 151);
    assert.equal(g(nov, 'appr-1', 'transit', 'selected'), 10);
    assert.equal(g(nov, 'appr-1', 'transit', 'discarded'), 141);
    assert.equal(g(nov, null, 'transit', 'noApproval'), 250);
    assert.equal(g(nov, null, 'out-of-scope', 'outOfScope'), 900);
    assert.equal(g('2026-12-01T00:00:00.000Z', 'appr-1', 'transit', 'selected'), 1);
    assert.equal(g(nov, 'appr-1', 'transit', 'noKey'), undefined, 'zero counts are not stored');
    // per day the November figures split by day
    const daily = await transparencyCounts(store.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z', period: 'day' });
    assert.equal(daily.gate?.filter((x) => x.metric === 'received' && x.approvalId === 'appr-1').map((x) => `${x.period.slice(0, 10)}=${x.count}`).join(' '), '2026-11-03=101 2026-11-20=50');
    const csv = transparencyCsv(r).split('\r\n');
    assert.equal(csv[0], 'source,period,approval_id,category,metric,count');
    assert.ok(csv.includes('gate,2026-11-01T00:00:00.000Z,appr-1,transit,received,151'));
    assert.ok(csv.includes('gate,2026-11-01T00:00:00.000Z,,out-of-scope,outOfScope,900'));
    assert.ok(csv.includes('audit,2026-11-01T00:00:00.000Z,,,approval.decide,2'));
    // (issue #19) the printable page is for a parliament: the figures with plain-language labels, no raw action codes
    const html = transparencyHtml(r);
    assert.match(html, /通信事業者から受領した通信記録<br><span class="en">Flow records received from carriers<\/span><\/td><td>区分／category: 通過（transiting Japan）<br>通信事業者／carrier: c1<\/td><td class="n">400<\/td>/);
    assert.match(html, /国外関連でないため直ちに破棄した記録.*\n?.*<td class="n">900<\/td>/);
    assert.doesNotMatch(html, /approval\.decide/);
    assert.match(transparencyHtml({ ...r, figures: [{ period: r.from, key: 'reports.received', by: { sector: '<script>x</script>' }, value: 1 }] }), /&lt;script&gt;x&lt;\/script&gt;/);
  } finally {
    await store.close();
  }
});
