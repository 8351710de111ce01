/**
 * The gate's statistics: per carrier, category, approval and hour (of the flow's end time), flows
 * received, out of scope, dropped for no approval, selected, discarded, and dropped for want of a
 * pseudonym key. Numbers only: nothing here can hold a flow. The integrator drains them with
 * `take()` into the statistics table the commission and the transparency report read.
 */
export const METRICS = ['received', 'outOfScope', 'noApproval', 'selected', 'discarded', 'noKey'] as const;
export type Metric = (typeof METRICS)[number];
export const M_RECEIVED = 0;
export const M_OUT_OF_SCOPE = 1;
export const M_NO_APPROVAL = 2;
export const M_SELECTED = 3;
export const M_DISCARDED = 4;
export const M_NO_KEY = 5;
const NM = METRICS.length;
const UNKNOWN_HOUR = -1e15;

/** Row categories: the approval categories plus the flows dropped at the door. */
export const COUNT_CATEGORIES = ['foreign-domestic', 'transit', 'out-of-scope'] as const;
export type CountCategory = (typeof COUNT_CATEGORIES)[number];
export const C_FOREIGN_DOMESTIC = 0;
export const C_TRANSIT = 1;
export const C_OUT_OF_SCOPE = 2;

export type CountRow = {
  carrier: string;
  category: CountCategory;
  /** null: the carrier's totals for the category; otherwise the flows handled under this approval */
  approvalId: string | null;
  /** start of the hour, ISO 8601; 'unknown' for flows whose time was not a number */
  hour: string;
} & Record<Metric, number>;

export class HourCounts {
  /** [category][metric] */
  readonly cat = new Float64Array(COUNT_CATEGORIES.length * NM);
  /** [category * approvals + approval index][metric], grown on demand */
  appr = new Float64Array(0);

  /** adds one to an approval's metric (category c) */
  approval(c: number, index: number, metric: number): void {
    const o = (index * 2 + c) * NM + metric;
    if (o >= this.appr.length) {
      const grown = new Float64Array(Math.max(o + NM, this.appr.length * 2));
      grown.set(this.appr);
      this.appr = grown;
    }
    this.appr[o]!++;
  }
}

export class CarrierCounts {
  private readonly hours = new Map<number, HourCounts>();
  private lastHour = -1;
  private last: HourCounts | null = null;

  constructor(readonly carrier: string) {}

  /** the counts of the hour holding `time` (ms) */
  at(time: number): HourCounts {
    // a time that is not a valid date goes to one "unknown" bucket (a key no real hour has)
    const h = time >= -8.64e15 && time <= 8.64e15 ? Math.floor(time / 3_600_000) : UNKNOWN_HOUR;
    if (h === this.lastHour && this.last) return this.last;
    let c = this.hours.get(h);
    if (!c) this.hours.set(h, (c = new HourCounts()));
    this.lastHour = h;
    this.last = c;
    return c;
  }

  rows(idOf: (index: number) => string | undefined, clear: boolean): CountRow[] {
    const out: CountRow[] = [];
    for (const [h, c] of [...this.hours].sort((a, b) => a[0] - b[0])) {
      const hour = h === UNKNOWN_HOUR ? 'unknown' : new Date(h * 3_600_000).toISOString();
      COUNT_CATEGORIES.forEach((category, ci) => {
        if (c.cat[ci * NM + M_RECEIVED] === 0) return;
        out.push(row(this.carrier, category, null, hour, c.cat, ci * NM));
      });
      for (let o = 0; o < c.appr.length; o += NM) {
        let any = false;
        for (let m = 0; m < NM; m++) if (c.appr[o + m] !== 0) any = true;
        if (!any) continue;
        const slot = o / NM;
        const category = COUNT_CATEGORIES[slot % 2]!;
        out.push(row(this.carrier, category, idOf(Math.floor(slot / 2)) ?? `#${Math.floor(slot / 2)}`, hour, c.appr, o));
      }
    }
    if (clear) {
      this.hours.clear();
      this.last = null;
      this.lastHour = -1;
    }
    return out;
  }
}

function row(carrier: string, category: CountCategory, approvalId: string | null, hour: string, a: Float64Array, o: number): CountRow {
  const r = { carrier, category, approvalId, hour } as CountRow;
  METRICS.forEach((m, i) => (r[m] = a[o + i]!));
  return r;
}
