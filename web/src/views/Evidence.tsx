/**
 * A finding's evidence as both the analyst view and the infrastructure page show it: its facts, the
 * charts that make it checkable by eye (or its raw evidence when there is nothing to draw), and the
 * form that promotes it to intelligence.
 */
import { useMemo, useState, type ReactNode } from 'react';
import { type Spec } from '../api.js';
import { Chart, type ChartOption } from '../chart.js';
import { ApiAction, Section, fmt, label } from '../ui.js';
import { useTaxiiCollections } from './Intel.js';
import i18n from '../i18n.js';

type Row = Record<string, unknown>;

export function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v ?? 0);
}

export function obj(v: unknown): Row {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Row) : {};
}

/** the charts that make a finding's evidence checkable by eye */
export function evidenceCharts(f: Row): Array<{ label: string; option: ChartOption }> {
  const ev = obj(f.evidence);
  const out: Array<{ label: string; option: ChartOption }> = [];
  const bar = (title: string, names: string[], values: number[], extra: Row = {}): ChartOption => ({
    title: { text: title, left: 0, textStyle: { fontSize: 13 } },
    tooltip: {},
    grid: { left: 60, right: 12, top: 36, bottom: 48 },
    xAxis: { type: 'category', data: names, axisLabel: { rotate: names.length > 6 ? 30 : 0 } },
    yAxis: { type: 'value' },
    series: [{ type: 'bar', data: values, ...extra }],
  });
  const hist = ev.intervalHistogram;
  if (Array.isArray(hist) && hist.length) {
    const h = hist as Array<{ bin: string; count: number }>;
    out.push({ label: 'Histogram of the intervals between connections', option: bar('Intervals between connections', h.map((x) => x.bin), h.map((x) => num(x.count))) });
  }
  const th = obj(ev.timeHistogram);
  if (Array.isArray(th.counts) && th.counts.length) {
    const c = th.counts as number[];
    out.push({ label: 'Connections over time', option: bar(`Connections per ${fmt(th.binSeconds)} s`, c.map((_, i) => String(i)), c) });
  }
  const victims = ev.victimScores;
  if (Array.isArray(victims) && victims.length) {
    const v = victims as Array<{ domestic: string; beaconScore: number }>;
    out.push({
      label: 'Domestic victims of the fan-in and their beacon scores',
      option: bar(`Victims (${fmt(ev.victims ?? v.length)} in all): beacon score`, v.map((x) => String(x.domestic)), v.map((x) => num(x.beaconScore))),
    });
  }
  if (ev.firstContacts !== undefined) {
    const hosts = obj(ev.maxHostsOnOnePort);
    const ports = obj(ev.maxPortsOnOneHost);
    out.push({
      label: 'Scan progress: first contacts, failures, and the thresholds',
      option: bar(
        'Scan progress',
        ['first contacts', 'failed', 'succeeded', 'hosts on one port', 'host threshold', 'ports on one host', 'port threshold'],
        [num(ev.firstContacts), num(ev.failedFirstContacts), num(ev.successfulFirstContacts), num(hosts.hosts), num(hosts.threshold), num(ports.ports), num(ports.threshold)],
      ),
    });
  }
  const rates = obj(ev.rates);
  if (rates.pps !== undefined) {
    const thr = obj(ev.thresholds);
    const peak = obj(ev.peak);
    const keys = ['pps', 'flowsPerSecond'];
    out.push({
      label: 'DDoS rates against thresholds',
      option: {
        title: { text: 'Rates, peak and thresholds', left: 0, textStyle: { fontSize: 13 } },
        tooltip: {},
        legend: { top: 0, right: 0 },
        grid: { left: 70, right: 12, top: 36, bottom: 28 },
        xAxis: { type: 'category', data: keys },
        yAxis: { type: 'log' },
        series: [
          { name: 'window', type: 'bar', data: keys.map((k) => Math.max(1, num(rates[k]))) },
          { name: 'peak', type: 'bar', data: keys.map((k) => Math.max(1, num(peak[k]))) },
          { name: 'threshold', type: 'bar', data: keys.map((k) => Math.max(1, num(thr[k]))) },
        ],
      },
    });
  }
  const subs = obj(f.subscores);
  if (Object.keys(subs).length) {
    out.push({ label: 'Score parts', option: bar('Score parts (0–1)', Object.keys(subs), Object.values(subs).map(num)) });
  }
  return out;
}

const PROMOTE = [/^\/api\/v1\/findings\/\{\w+\}\/promot/, /^\/api\/v1\/intel(ligence)?\/promot/];

/**
 * What the promotion route needs besides the form: the finding itself (only the fields its schema
 * names) when its body has a `finding` object, else the finding's id.
 */
export function promoteFixed(spec: Spec, route: { path: string } | null, f: Row, id: string): Record<string, unknown> {
  if (!route || /\{/.test(route.path)) return {};
  const schema = spec.bodySchema('POST', route.path);
  const findingSchema = schema?.properties?.finding;
  if (findingSchema?.properties) {
    const props = findingSchema.properties;
    const keep = Object.keys(props);
    // the findings API gives times as ISO text; a promotion schema asking numbers gets ms since the epoch
    const asSchema = (k: string, v: unknown): unknown => (typeof v === 'string' && /number|integer/.test(String(props[k]?.type)) && Number.isFinite(Date.parse(v)) ? Date.parse(v) : v);
    return { finding: Object.fromEntries(Object.entries(f).filter(([k]) => keep.includes(k)).map(([k, v]) => [k, asSchema(k, v)])) };
  }
  return { findingId: id };
}

/**
 * One finding's evidence: `facts` are the finding's fields listed (those it has), then the charts, then
 * the promotion form; `before` and `after` are the caller's own lines around the charts.
 */
export function EvidencePanel(props: { spec: Spec; finding: Row; title: string; facts: string[]; height?: number; before?: ReactNode; after?: ReactNode }) {
  const { spec, finding: f } = props;
  const charts = useMemo(() => evidenceCharts(f), [f]);
  return (
    <Section title={props.title}>
      {props.before}
      <dl className="facts">
        {props.facts.filter((k) => f[k] !== undefined).map((k) => (
          <div key={k}>
            <dt>{label(k)}</dt>
            <dd>{fmt(f[k])}</dd>
          </div>
        ))}
      </dl>
      {charts.map((c) => (
        <Chart key={c.label} label={c.label} option={c.option} height={props.height ?? 200} />
      ))}
      {charts.length === 0 ? <pre className="json">{JSON.stringify(obj(f.evidence), null, 1).slice(0, 1500)}</pre> : null}
      {props.after}
      <PromoteFinding spec={spec} finding={f} />
    </Section>
  );
}

/** promotion of one finding to intelligence (a tier, a collection), through the API's own form */
export function PromoteFinding({ spec, finding: f }: { spec: Spec; finding: Row }) {
  const id = String(f.id ?? f.key ?? '');
  const [done, setDone] = useState<string | null>(null);
  const taxiiCollections = useTaxiiCollections();
  const promote = spec.find('POST', ...PROMOTE);
  const paramName = promote ? (/\{(\w+)\}/.exec(promote.path)?.[1] ?? 'id') : 'id';
  return (
      <details className="form-box">
        <summary>{i18n.t('Promote to intelligence')}</summary>
        {done ? <p role="status">{done}</p> : null}
        <ApiAction
          key={id}
          spec={spec}
          patterns={PROMOTE}
          what="promoting a finding to intelligence"
          expected="POST /api/v1/intel/promotions"
          submitLabel="Promote"
          params={{ [paramName]: id }}
          fixed={promoteFixed(spec, promote, f, id)}
          hints={{ collectionId: taxiiCollections.collections.filter((c) => c.can_write !== false).map((c) => ({ value: String(c.id), label: String(c.title ?? c.id) })) }}
          onDone={(a) => {
            const r = obj(a);
            setDone(`Promoted as ${fmt(r.tier ?? 'intelligence')}${r.tlp ? ` (${fmt(r.tlp)})` : ''}: ${fmt(r.added ?? '')} objects added; the promotion is in the audit log.`);
          }}
        />
      </details>
  );
}
