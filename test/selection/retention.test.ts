import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRetentionJob, evaluationApprovals, ApprovalSet, DETECTORS, type PurgeRecord } from '../../src/selection/index.js';
import { createMetricsRegistry } from '../../src/shared/metrics.js';
import { AcdError } from '../../src/shared/errors.js';

const DAY = 86_400_000;

test('retention: a purge deletes what ended before now − retention, is audited and counted', async () => {
  const now = Date.parse('2028-06-01T00:00:00Z');
  // a store stand-in: flows by end time
  let stored = [now - 800 * DAY, now - 731 * DAY, now - 729 * DAY, now - DAY];
  const audited: PurgeRecord[] = [];
  const registry = createMetricsRegistry();
  const job = createRetentionJob({
    deps: {
      now: () => now,
      purge: async (cutoff) => {
        const before = stored.length;
        stored = stored.filter((t) => t >= cutoff);
        return before - stored.length;
      },
      audit: (r) => void audited.push(r),
      registry,
    },
  });
  assert.equal(job.cutoff(now), now - 730 * DAY, 'two years by default');
  const r = await job.runOnce();
  assert.equal(r.purged, 2);
  assert.deepEqual(stored, [now - 729 * DAY, now - DAY]);
  assert.deepEqual(audited, [{ cutoff: new Date(now - 730 * DAY).toISOString(), purged: 2, at: new Date(now).toISOString() }]);
  assert.match(await registry.metrics(), /acd_retention_purged_total 2/);
  assert.equal((await job.runOnce()).purged, 0, 'a second run finds nothing');
  assert.equal(audited.length, 2, 'every run is audited, even an empty one');
});

test('retention: a failed purge is counted, not audited as done, and bad configuration is rejected', async () => {
  const registry = createMetricsRegistry();
  const audited: PurgeRecord[] = [];
  const job = createRetentionJob({
    config: { retentionDays: 30 },
    deps: { purge: async () => Promise.reject(new Error('store down')), audit: (r) => void audited.push(r), registry },
  });
  await assert.rejects(job.runOnce(), /store down/);
  assert.equal(audited.length, 0);
  assert.match(await registry.metrics(), /acd_retention_runs_total\{result="error"\} 1/);
  assert.throws(() => createRetentionJob({ config: { retentionDays: 0 }, deps: { purge: async () => 0, audit: () => undefined } }), (e: AcdError) => /retention.retentionDays/.test(e.message));
  assert.throws(() => createRetentionJob({ config: { intervalMs: 5 }, deps: { purge: async () => 0, audit: () => undefined } }), (e: AcdError) => /retention.intervalMs/.test(e.message));
});

test('evaluation approvals select by every detector rule in both categories and are in force for their period', () => {
  const start = Date.parse('2026-01-01T00:00:00Z');
  const list = evaluationApprovals(['file'], start, start + DAY);
  assert.deepEqual(list.map((a) => a.category), ['foreign-domestic', 'transit']);
  for (const a of list) assert.deepEqual(a.criteria.map((c) => (c.kind === 'detector' ? c.detector : c.kind)), [...DETECTORS]);
  const set = new ApprovalSet({ approvals: list });
  assert.equal(set.inForce('file', 'transit', start + 1000).length, 1);
  assert.equal(set.inForce('file', 'transit', start + DAY).length, 0);
});
