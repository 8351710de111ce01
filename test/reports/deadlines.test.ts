import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_PROFILE,
  addMonthsJst,
  addPeriod,
  formatJst,
  milestoneStatus,
  overallState,
  profileFor,
  type DeadlineRule,
} from '../../src/reports/index.js';

const H = 3600_000;

test('default profile: early warning 24 h, notification 72 h, final one month after detection', () => {
  const detected = new Date('2026-04-10T03:15:00Z');
  const ms = milestoneStatus({ detectedAt: detected, earlyWarningAt: null, notificationAt: null, finalAt: null }, DEFAULT_PROFILE, detected);
  assert.deepEqual(ms.map((m) => [m.milestone, m.dueAt.toISOString()]), [
    ['early_warning', '2026-04-11T03:15:00.000Z'],
    ['notification', '2026-04-13T03:15:00.000Z'],
    ['final', '2026-05-10T03:15:00.000Z'],
  ]);
  assert.equal(ms[0]!.dueAtJst, '2026-04-11T12:15:00+09:00');
});

test('the same instant written in different time zones gives the same deadlines', () => {
  const forms = ['2026-01-30T16:30:00Z', '2026-01-31T01:30:00+09:00', '2026-01-30T11:30:00-05:00', '2026-01-30T17:30:00+01:00'];
  const dues = forms.map((f) => milestoneStatus({ detectedAt: new Date(f), earlyWarningAt: null, notificationAt: null, finalAt: null }, DEFAULT_PROFILE, new Date(f)).map((m) => m.dueAt.toISOString()).join(' '));
  assert.equal(new Set(dues).size, 1, dues.join('\n'));
});

test('months count on the JST calendar: 31 Jan 01:30 JST + 1 month is 28 Feb 01:30 JST (not 28 Feb in UTC terms)', () => {
  // 2026-01-30T16:30Z is 31 January 01:30 in Tokyo
  const due = addMonthsJst(new Date('2026-01-30T16:30:00Z'), 1);
  assert.equal(formatJst(due), '2026-02-28T01:30:00+09:00');
  assert.equal(due.toISOString(), '2026-02-27T16:30:00.000Z');
  // a UTC calendar would have said 2 March (30 Jan + 1 month = 30 Feb → 2 Mar) or 28 Feb 16:30Z: both wrong for Japan
  assert.notEqual(due.toISOString(), '2026-02-28T16:30:00.000Z');
  // leap year: 2028-01-31 JST + 1 month = 2028-02-29 JST
  assert.equal(formatJst(addMonthsJst(new Date('2028-01-31T00:00:00+09:00'), 1)), '2028-02-29T00:00:00+09:00');
  // year boundary
  assert.equal(formatJst(addMonthsJst(new Date('2026-12-15T23:59:59+09:00'), 1)), '2027-01-15T23:59:59+09:00');
  // midnight JST on the 1st is the previous day in UTC; the JST day is kept
  assert.equal(formatJst(addMonthsJst(new Date('2026-03-31T15:00:00Z'), 1)), '2026-05-01T00:00:00+09:00');
});

test('JST has no daylight saving time: 24 h across the US and EU clock changes is exactly 24 h, JST wall time unchanged', () => {
  for (const t of ['2026-03-08T06:00:00Z', '2026-03-29T00:30:00Z', '2026-10-25T00:30:00Z', '2026-11-01T05:00:00Z']) {
    const d = new Date(t);
    const due = addPeriod(d, { hours: 24, months: 0 });
    assert.equal(due.getTime() - d.getTime(), 24 * H);
    assert.equal(formatJst(due).slice(11), formatJst(d).slice(11));
  }
  // every hour of a year: JST is UTC+9
  for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 7 * H) {
    const s = formatJst(new Date(t));
    assert.equal(new Date(s).getTime(), t);
  }
});

test('overdue transitions: pending → due_soon → overdue; met on time or late once submitted', () => {
  const detected = new Date('2026-06-01T00:00:00Z');
  const times = { detectedAt: detected, earlyWarningAt: new Date('2026-06-01T02:00:00Z'), notificationAt: null, finalAt: null };
  const at = (h: number) => milestoneStatus(times, DEFAULT_PROFILE, new Date(detected.getTime() + h * H), 6).find((m) => m.milestone === 'notification')!.state;
  assert.equal(at(1), 'pending');
  assert.equal(at(65.9), 'pending');
  assert.equal(at(66), 'due_soon');
  assert.equal(at(72), 'due_soon');
  assert.equal(at(72.0001), 'overdue');
  assert.equal(overallState(milestoneStatus(times, DEFAULT_PROFILE, new Date(detected.getTime() + 73 * H))), 'overdue');
  assert.equal(overallState(milestoneStatus(times, DEFAULT_PROFILE, new Date(detected.getTime() + 10 * H))), 'ok');
  const ew = milestoneStatus(times, DEFAULT_PROFILE, new Date(detected.getTime() + 100 * H))[0]!;
  assert.equal(ew.state, 'met');
  const late = milestoneStatus({ ...times, earlyWarningAt: new Date(detected.getTime() + 30 * H) }, DEFAULT_PROFILE, new Date(detected.getTime() + 31 * H))[0]!;
  assert.equal(late.state, 'met_late');
  const done = milestoneStatus({ ...times, notificationAt: new Date(detected.getTime() + 50 * H), finalAt: new Date(detected.getTime() + 60 * H) }, DEFAULT_PROFILE, new Date(detected.getTime() + 2000 * H));
  assert.equal(overallState(done), 'done');
});

test('rules: exact sector and kind beat sector-wide, which beat kind-wide and the default', () => {
  const rules: DeadlineRule[] = [
    { sector: '*', kind: 'precursor', milestone: 'early_warning', hours: 48, months: 0 },
    { sector: 'finance', kind: '*', milestone: 'early_warning', hours: 12, months: 0 },
    { sector: 'finance', kind: 'incident', milestone: 'early_warning', hours: 6, months: 0 },
    { sector: 'finance', kind: '*', milestone: 'final', hours: 0, months: 2 },
  ];
  assert.deepEqual(profileFor(rules, 'finance', 'incident').early_warning, { hours: 6, months: 0 });
  assert.deepEqual(profileFor(rules, 'finance', 'precursor').early_warning, { hours: 12, months: 0 });
  assert.deepEqual(profileFor(rules, 'gas', 'precursor').early_warning, { hours: 48, months: 0 });
  assert.deepEqual(profileFor(rules, 'gas', 'incident'), DEFAULT_PROFILE);
  assert.deepEqual(profileFor(rules, 'finance', 'incident').final, { hours: 0, months: 2 });
  assert.deepEqual(profileFor(rules, 'finance', 'incident').notification, DEFAULT_PROFILE.notification);
});
