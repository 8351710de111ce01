/**
 * Deadlines as rules: per sector and report kind, how long after detection each milestone is due —
 * early warning (met by the initial report), notification (met by the first update or the final
 * report) and the final report. Computed in UTC; months are counted on Japan's calendar (JST, UTC+9,
 * no daylight saving time), so "one month after 31 January 01:00 JST" is 28 (or 29) February 01:00 JST.
 */
import type { Sector } from '../auth/index.js';

export const MILESTONES = ['early_warning', 'notification', 'final'] as const;
export type Milestone = (typeof MILESTONES)[number];

export const REPORT_KINDS = ['incident', 'precursor'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** A period after detection: whole hours plus whole calendar months (JST). */
export interface Period {
  hours: number;
  months: number;
}

export type DeadlineProfile = Record<Milestone, Period>;

/** The default profile: 24 h early warning, 72 h notification, one month to the final report. */
export const DEFAULT_PROFILE: DeadlineProfile = {
  early_warning: { hours: 24, months: 0 },
  notification: { hours: 72, months: 0 },
  final: { hours: 0, months: 1 },
};

/** A stored rule; '*' matches every sector or kind. The most specific rule wins. */
export interface DeadlineRule {
  /** a sector, or '*' for every sector */
  sector: Sector | '*';
  /** a kind of report, or '*' for both */
  kind: ReportKind | '*';
  milestone: Milestone;
  hours: number;
  months: number;
}

const JST_OFFSET_MS = 9 * 3600_000;

/** Adds whole months on Japan's calendar; a day past the month's end is clamped to its last day. */
export function addMonthsJst(t: Date, months: number): Date {
  if (months === 0) return new Date(t.getTime());
  // Shift to JST wall-clock time and use the UTC calendar functions on it: JST has no DST.
  const wall = new Date(t.getTime() + JST_OFFSET_MS);
  const y = wall.getUTCFullYear();
  const m = wall.getUTCMonth() + months;
  const d = wall.getUTCDate();
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const shifted = Date.UTC(y, m, Math.min(d, lastDay), wall.getUTCHours(), wall.getUTCMinutes(), wall.getUTCSeconds(), wall.getUTCMilliseconds());
  return new Date(shifted - JST_OFFSET_MS);
}

export function addPeriod(t: Date, p: Period): Date {
  return new Date(addMonthsJst(t, p.months).getTime() + p.hours * 3600_000);
}

/** The profile for one sector and kind: the default, overridden by '*' rules, then by exact rules. */
export function profileFor(rules: readonly DeadlineRule[], sector: string, kind: string): DeadlineProfile {
  const out: DeadlineProfile = { ...DEFAULT_PROFILE };
  const rank = (r: DeadlineRule): number => (r.sector === sector ? 2 : 0) + (r.kind === kind ? 1 : 0);
  const applicable = rules
    .filter((r) => (r.sector === '*' || r.sector === sector) && (r.kind === '*' || r.kind === kind))
    .sort((a, b) => rank(a) - rank(b));
  for (const r of applicable) out[r.milestone] = { hours: r.hours, months: r.months };
  return out;
}

/** Renders an instant in Japan Standard Time, e.g. 2026-04-01T09:00:00+09:00. */
export function formatJst(t: Date): string {
  const wall = new Date(t.getTime() + JST_OFFSET_MS).toISOString();
  return `${wall.slice(0, 19)}+09:00`;
}

export type MilestoneState = 'pending' | 'due_soon' | 'overdue' | 'met' | 'met_late';

export interface MilestoneStatus {
  milestone: Milestone;
  dueAt: Date;
  dueAtJst: string;
  metAt: Date | null;
  state: MilestoneState;
}

export interface ReportTimes {
  detectedAt: Date;
  earlyWarningAt: Date | null;
  notificationAt: Date | null;
  finalAt: Date | null;
}

/**
 * The state of each milestone at `now`: met (on time or late) once its submission is in; otherwise
 * overdue past the due time, due soon within `soonHours` of it, pending before that.
 */
export function milestoneStatus(times: ReportTimes, profile: DeadlineProfile, now: Date, soonHours = 6): MilestoneStatus[] {
  const metAt: Record<Milestone, Date | null> = {
    early_warning: times.earlyWarningAt,
    notification: times.notificationAt,
    final: times.finalAt,
  };
  return MILESTONES.map((milestone) => {
    const dueAt = addPeriod(times.detectedAt, profile[milestone]);
    const met = metAt[milestone];
    let state: MilestoneState;
    if (met) state = met.getTime() <= dueAt.getTime() ? 'met' : 'met_late';
    else if (now.getTime() > dueAt.getTime()) state = 'overdue';
    else if (dueAt.getTime() - now.getTime() <= soonHours * 3600_000) state = 'due_soon';
    else state = 'pending';
    return { milestone, dueAt, dueAtJst: formatJst(dueAt), metAt: met, state };
  });
}

/** The report's overall deadline state: overdue if any milestone is, else due_soon, else ok or done. */
export function overallState(ms: readonly MilestoneStatus[]): 'overdue' | 'due_soon' | 'ok' | 'done' {
  if (ms.some((m) => m.state === 'overdue')) return 'overdue';
  if (ms.some((m) => m.state === 'due_soon')) return 'due_soon';
  if (ms.every((m) => m.state === 'met' || m.state === 'met_late')) return 'done';
  return 'ok';
}
