/** The agency's analysts: the pipeline live, findings with their evidence, promotion, operations. */
import { useEffect, useMemo, useRef, useState } from 'react';
import { api, fill, type Me, type Spec } from '../api.js';
import { Chart, type ChartOption } from '../chart.js';
import { ApiList, DataTable, ErrorNote, NotAvailable, Section, fmt, label, useLoad } from '../ui.js';
import { IntelSection } from './Intel.js';
import { FindingExposure } from './Exposure.js';
import { EvidencePanel, num, obj } from './Evidence.js';
import { Deadline, withNextDeadline } from './Operator.js';
import { InfraLink, InfrastructurePage, useInfrastructureHash } from './Infrastructure.js';
import i18n from '../i18n.js';
import { FlowExploration } from './Flows.js';

type Row = Record<string, unknown>;

export function AnalystView({ me, spec }: { me: Me; spec: Spec }) {
  const infrastructure = useInfrastructureHash();
  // only analysts draft operations (the server refuses anyone else): no draft form for the lead
  if (infrastructure) return <InfrastructurePage key={infrastructure} spec={spec} address={infrastructure} canDraft={me.roles.includes('agency_analyst')} />;
  return <Analysis me={me} spec={spec} />;
}

/** findings grouped by their external address: one row per server, its types, best score, domestic hosts */
export function byServer(rows: Row[]): Row[] {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const k = typeof r.external === 'string' && r.external ? r.external : '';
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.entries()]
    .map(([external, fs]) => {
      const types = new Map<string, number>();
      for (const f of fs) types.set(String(f.type), (types.get(String(f.type)) ?? 0) + 1);
      return {
        id: external || '(domestic only)',
        external: external || null,
        findings: fs.length,
        types: [...types.entries()].map(([t, n]) => `${t} ${n}`).join(', '),
        score: Math.max(...fs.map((f) => Number(f.score ?? 0))),
        domesticCount: fs.reduce((n, f) => n + Number(f.domesticCount ?? 0), 0),
        lastSeen: fs.map((f) => String(f.lastSeen ?? '')).sort().pop() ?? null,
      };
    })
    .sort((a, b) => b.score - a.score);
}

function Analysis({ me, spec }: { me: Me; spec: Spec }) {
  const [finding, setFinding] = useState<Row | null>(null);
  const [ftype, setFtype] = useState('');
  // one row per external server (the attacker's infrastructure) by default; one row per finding on request
  const [grouped, setGrouped] = useState(true);
  const [tier, setTier] = useState('');
  const [within, setWithin] = useState('');
  return (
    <div className="stack">
      <Pipeline spec={spec} />
      <div className="grid two">
        <ApiList
          spec={spec}
          title="Findings"
          what="findings"
          patterns={[/^\/api\/v1\/findings$/, /^\/api\/v1\/detect\/findings$/]}
          expected="GET /api/v1/findings"
          everyMs={5000}
          query={[ftype ? `type=${encodeURIComponent(ftype)}` : '', tier ? `minScore=${tier}` : '', 'limit=500'].filter(Boolean).join('&')}
          actions={() => (
            <div className="filters-inline">
              <label className="inline">
                <input type="checkbox" checked={grouped} onChange={(e) => setGrouped(e.target.checked)} /> {i18n.t('Group by server')}
              </label>
              <label className="inline">
                {i18n.t('Score')}{' '}
                <select value={tier} onChange={(e) => setTier(e.target.value)}>
                  <option value="">{i18n.t('all')}</option>
                  <option value="0.5">≥ 0.5</option>
                  <option value="0.75">≥ 0.75</option>
                  <option value="0.9">≥ 0.9</option>
                </select>
              </label>
              <label className="inline">
                {i18n.t('Seen within')}{' '}
                <select value={within} onChange={(e) => setWithin(e.target.value)}>
                  <option value="">{i18n.t('any time')}</option>
                  <option value="3600000">{i18n.t('the last hour')}</option>
                  <option value="86400000">{i18n.t('the last day')}</option>
                  <option value="604800000">{i18n.t('the last week')}</option>
                </select>
              </label>
            <label className="inline">
              {i18n.t('Type')}{' '}
              <select value={ftype} onChange={(e) => setFtype(e.target.value)}>
                <option value="">{i18n.t('all')}</option>
                {['fan-in', 'beacon', 'strobe', 'scan', 'ddos', 'indicator', 'long-connection'].map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </label>
            </div>
          )}
          render={(all) => {
            const rows = within ? all.filter((r) => Date.parse(String(r.lastSeen)) >= Date.now() - Number(within)) : all;
            return grouped ? (
              <DataTable
                caption="Findings by external server, highest score first"
                rows={byServer(rows)}
                columns={['external', 'findings', 'types', 'score', 'domesticCount', 'lastSeen']}
                cell={(k, r) => (k === 'external' ? <InfraLink address={r.external} /> : k === 'findings' ? String(r.findings) : undefined)}
                empty="No findings yet: the detectors report here as soon as a rule fires."
              />
            ) : (
            <DataTable
              caption="Findings, highest score first"
              rows={[...rows].sort((a, b) => Number(b.score ?? 0) - Number(a.score ?? 0))}
              columns={pickColumns(rows, ['type', 'external', 'port', 'domesticCount', 'score', 'lastSeen', 'status'])}
              picked={finding ? (finding.id ?? finding.key) : undefined}
              onPick={setFinding}
              cell={(k, r) => (k === 'external' ? <InfraLink address={r.external} /> : undefined)}
              empty="No findings yet: the detectors report here as soon as a rule fires."
            />
            );
          }}
        />
        <FindingDetail spec={spec} finding={finding} />
      </div>
      {me.orgKind === 'agency' ? <InfraGroups spec={spec} /> : null}
      {me.orgKind === 'agency' ? <FlowExploration spec={spec} /> : null}
      <div className="grid two">
        <ApiList
          spec={spec}
          title="Incident reports received"
          what="incident reports"
          patterns={[/^\/api\/v1\/reports$/]}
          expected="GET /api/v1/reports"
          render={(rows) => (
            <DataTable
              caption="Incident reports received"
              rows={rows.map(withNextDeadline)}
              columns={['title', 'sector', 'kind', 'stage', 'severity', 'nextMilestone', 'nextDeadline']}
              cell={(k, r) => (k === 'nextDeadline' ? <Deadline at={r[k]} /> : undefined)}
              empty="No report received."
            />
          )}
        />
        <IntelSection spec={spec} me={me} />
      </div>
    </div>
  );
}

/** one row per infrastructure group of GET /api/v1/findings/groups: its /24, /48 or AS, the shared kind, the member servers */
export function groupRows(groups: Row[]): Row[] {
  return groups.map((g) => {
    const servers = Array.isArray(g.servers) ? (g.servers as Row[]) : [];
    return {
      id: `${String(g.by)}|${String(g.key)}|${String(g.kind)}`,
      group: g.by === 'asn' ? i18n.t('AS {{asn}}', { asn: String(g.asn ?? String(g.key).replace(/^AS/, '')) }) : String(g.key),
      kind: g.kind,
      servers,
      findings: Array.isArray(g.findings) ? g.findings.length : 0,
      domesticHosts: g.domesticHosts,
      score: g.score,
      lastSeen: g.lastSeen,
    };
  });
}

/** Infrastructure, not pairs (#21): servers of one network or AS in findings of one kind, each server linked to its page */
function InfraGroups({ spec }: { spec: Spec }) {
  const [hours, setHours] = useState('24');
  return (
    <ApiList
      spec={spec}
      title="Infrastructure groups"
      what="infrastructure groups"
      patterns={[/^\/api\/v1\/findings\/groups$/]}
      expected="GET /api/v1/findings/groups"
      everyMs={30000}
      query={`hours=${hours}`}
      actions={() => (
        <label className="inline">
          {i18n.t('Seen within')}{' '}
          <select value={hours} onChange={(e) => setHours(e.target.value)}>
            <option value="24">{i18n.t('the last day')}</option>
            <option value="168">{i18n.t('the last week')}</option>
            <option value="720">{i18n.t('the last 30 days')}</option>
          </select>
        </label>
      )}
      render={(groups) => (
        <DataTable
          caption="Servers of one network or AS in findings of the same kind, most servers first"
          rows={groupRows(groups)}
          columns={['group', 'kind', 'servers', 'findings', 'domesticHosts', 'score', 'lastSeen']}
          cell={(k, r) =>
            k === 'servers' ? (
              <span className="servers">
                {(r.servers as Row[]).map((s, i) => (
                  <span key={String(s.address)}>
                    {i ? ', ' : ''}
                    <InfraLink address={s.address} /> ({Object.entries((s.types as Record<string, number> | undefined) ?? {}).map(([t, n]) => `${t} ${n}`).join(', ')})
                  </span>
                ))}
              </span>
            ) : k === 'findings' ? String(r.findings) : undefined
          }
          empty="No group: no two servers of one network or AS are in findings of the same kind."
        />
      )}
    />
  );
}

function pickColumns(rows: Row[], prefer: string[]): string[] | undefined {
  if (rows.length === 0) return undefined;
  const have = new Set(rows.flatMap((r) => Object.keys(r)));
  const cols = prefer.filter((p) => have.has(p));
  return cols.length >= 2 ? cols : undefined;
}

// ---- the pipeline: received / out of scope / discarded / selected per second ----

const STAGES = ['received', 'outOfScope', 'discarded', 'selected'] as const;
type Stage = (typeof STAGES)[number];
const STAGE_NAMES: Record<Stage, string> = { received: 'received', outOfScope: 'out of scope', discarded: 'discarded', selected: 'selected' };
const STAGE_RE: Record<Stage, RegExp> = {
  received: /received/i,
  outOfScope: /out_?of_?scope/i,
  discarded: /discarded/i,
  selected: /(^|_)selected/i,
};

/** totals by stage from the gate's counters on /metrics (Prometheus text), or null when it has none */
export function stagesFromMetrics(text: string): Record<Stage, number> | null {
  const totals: Record<Stage, number> = { received: 0, outOfScope: 0, discarded: 0, selected: 0 };
  let found = false;
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+([-+\deE.]+|NaN)/.exec(line);
    if (!m) continue;
    const name = m[1] ?? '';
    if (!/(gate|selection|pipeline)/i.test(name) || /_(bucket|sum|count)$/.test(name) && !/_total$/.test(name)) continue;
    for (const s of STAGES) {
      if (STAGE_RE[s].test(name) && !(s === 'received' && /datagram|bytes/i.test(name))) {
        totals[s] += Number(m[3]);
        found = true;
      }
    }
  }
  return found ? totals : null;
}

/** totals by stage from a JSON answer: numbers under keys named after the stages, summed over rows */
export function stagesFromJson(data: unknown): Record<Stage, number> | null {
  const totals: Record<Stage, number> = { received: 0, outOfScope: 0, discarded: 0, selected: 0 };
  let found = false;
  const visit = (v: unknown, depth: number) => {
    if (depth > 4 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach((x) => visit(x, depth + 1));
    for (const [k, x] of Object.entries(v)) {
      const stage = STAGES.find((s) => s.toLowerCase() === k.toLowerCase().replace(/_/g, ''));
      if (stage && typeof x === 'number') {
        totals[stage] += x;
        found = true;
      } else visit(x, depth + 1);
    }
  };
  visit(data, 0);
  return found ? totals : null;
}

/** the per-second series of an answer shaped {rates: {seconds: [...], series: {received: [...], ...}}} */
export function seriesFromJson(data: unknown): Array<{ t: number } & Record<Stage, number>> | null {
  const rates = obj(obj(data).rates);
  const seconds = rates.seconds;
  const series = obj(rates.series);
  if (!Array.isArray(seconds) || !STAGES.some((s) => Array.isArray(series[s]))) return null;
  return (seconds as number[]).map((sec, i) => {
    const point = { t: sec * 1000 } as { t: number } & Record<Stage, number>;
    for (const s of STAGES) point[s] = num((series[s] as unknown[] | undefined)?.[i]);
    return point;
  });
}

function Pipeline({ spec }: { spec: Spec }) {
  const route = spec.find('GET', /^\/api\/v1\/pipeline/, /^\/api\/v1\/(gate|selection)\/(stats|statistics|counters|live)/, /^\/api\/v1\/statistics\/live/);
  const [history, setHistory] = useState<Array<{ t: number } & Record<Stage, number>>>([]);
  const [source, setSource] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [none, setNone] = useState(false);
  const [extra, setExtra] = useState<Row | null>(null);
  const last = useRef<{ t: number; v: Record<Stage, number> } | null>(null);

  useEffect(() => {
    let live = true;
    async function poll() {
      try {
        let totals: Record<Stage, number> | null = null;
        let from = '';
        if (route) {
          const data = await api<Row>('GET', route.path);
          const series = seriesFromJson(data);
          if (series) {
            // the server keeps the per-second series itself: draw it as it is
            if (!live) return;
            setError(null);
            setNone(false);
            setSource(`GET ${route.path}`);
            setHistory(series);
            setExtra(data);
            return;
          }
          totals = stagesFromJson(data);
          from = `GET ${route.path}`;
        }
        if (!totals) {
          const res = await fetch('/metrics', { credentials: 'same-origin' });
          totals = res.ok ? stagesFromMetrics(await res.text()) : null;
          from = 'the gate counters on /metrics';
        }
        if (!live) return;
        setError(null);
        if (!totals) {
          setNone(true);
          return;
        }
        setNone(false);
        setSource(from);
        const now = Date.now();
        const prev = last.current;
        last.current = { t: now, v: totals };
        if (prev) {
          const dt = Math.max(0.001, (now - prev.t) / 1000);
          const point = { t: now } as { t: number } & Record<Stage, number>;
          for (const s of STAGES) point[s] = Math.max(0, (totals[s] - prev.v[s]) / dt);
          setHistory((h) => [...h.slice(-59), point]);
        }
      } catch (e) {
        if (live) setError(e);
      }
    }
    void poll();
    const t = setInterval(() => void poll(), 2000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [route]);

  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 60, right: 16, top: 32, bottom: 28 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', name: 'flows/s' },
      series: STAGES.map((s) => ({ name: STAGE_NAMES[s], type: 'line', showSymbol: false, data: history.map((p) => [p.t, Math.round(p[s])]) })),
    }),
    [history],
  );
  const latest = history[history.length - 1];
  return (
    <Section title="Pipeline, live">
      <ErrorNote error={error} />
      {none ? (
        <NotAvailable what="the gate's live counters" expected="GET /api/v1/pipeline, or gate/selection counters on /metrics" />
      ) : (
        <>
          <dl className="stats" aria-live="polite">
            {STAGES.map((s) => (
              <div key={s}>
                <dt>{STAGE_NAMES[s]}</dt>
                <dd>{latest ? `${Math.round(latest[s]).toLocaleString('en')}/s` : '…'}</dd>
              </div>
            ))}
          </dl>
          <Chart label="Flows per second received, out of scope, discarded and selected over the last two minutes" option={option} height={200} />
          {extra ? (
            <dl className="facts">
              {Object.entries(obj(extra.totals)).map(([k, v]) => (
                <div key={k}>
                  <dt>{i18n.t('{{name}} (total)', { name: label(k) })}</dt>
                  <dd>{fmt(v)}</dd>
                </div>
              ))}
              {['findings', 'detectorSelections'].filter((k) => extra[k] !== undefined).map((k) => (
                <div key={k}>
                  <dt>{label(k)}</dt>
                  <dd>{fmt(extra[k])}</dd>
                </div>
              ))}
              <div>
                <dt>{i18n.t('Exporters')}</dt>
                <dd>{Array.isArray(extra.exporters) ? extra.exporters.length : '—'}</dd>
              </div>
            </dl>
          ) : null}
          <p className="muted small">{i18n.t('From {{source}}, every 2 s. Flows not selected are counted and deleted at once; only the counts are shown.', { source: source ?? '…' })}</p>
        </>
      )}
    </Section>
  );
}

function FindingDetail({ spec, finding }: { spec: Spec; finding: Row | null }) {
  const id = finding ? String(finding.id ?? finding.key ?? '') : '';
  const one = spec.find('GET', /^\/api\/v1\/findings\/\{\w+\}$/);
  // the finding goes on being updated while it is open
  const full = useLoad<Row>(finding && one ? fill(one.path, Object.fromEntries([[/\{(\w+)\}/.exec(one.path)?.[1] ?? 'id', id]])) : null, 5000);
  const f = full.data ?? finding;
  if (!f) {
    return (
      <Section title="Evidence">
        <p className="muted">{i18n.t('Choose a finding to see its evidence.')}</p>
      </Section>
    );
  }
  return (
    <EvidencePanel
      spec={spec}
      finding={f}
      title={i18n.t('Evidence: {{type}} {{address}}', { type: String(f.type ?? 'finding'), address: String(f.external ?? '') })}
      facts={['type', 'external', 'port', 'proto', 'direction', 'domesticCount', 'score', 'firstSeen', 'lastSeen', 'updates']}
      before={<ErrorNote error={full.error} />}
      after={
        <>
          {typeof f.external === 'string' && f.external ? (
            <p>
              <a href={`#/infrastructure/${encodeURIComponent(f.external)}`}>{i18n.t('Everything about {{address}}: its infrastructure page', { address: f.external })}</a>
            </p>
          ) : null}
          <FindingExposure spec={spec} findingKey={String(f.key ?? id)} />
        </>
      }
    />
  );
}
