/**
 * Vulnerability exposure (src/vuln): the operator's landing view — counts by severity, known-exploited
 * alerts first, each with what to do and a button to acknowledge, mitigate or say why it does not apply;
 * for a ministry (and the agency) the sector's exposure per operator and a chart of it over time.
 */
import { useState } from 'react';
import { api, type Me, type Spec } from '../api.js';
import { Chart } from '../chart.js';
import { ErrorNote, NotAvailable, Section, fmt, useLoad } from '../ui.js';

interface Counts {
  critical: number;
  high: number;
  medium: number;
  low: number;
  other: number;
  knownExploited: number;
  total: number;
}
interface Remediation {
  category: string;
  details: string;
  url?: string;
}
interface Alert {
  id: string;
  systemName: string;
  advisoryId: string;
  advisoryVersion: string;
  advisoryTitle: string;
  cves: string[];
  severity: string;
  cvss: number | null;
  knownExploited: boolean;
  kev: Array<{ cveId: string; dueDate: string; requiredAction: string }>;
  remediations: Remediation[];
  products: Array<{ product: string; version: string | null }>;
  state: string;
  firstSeen: string;
}
interface Exposure {
  scope: string;
  sectors?: string[];
  totals: Counts;
  operators?: Array<{ orgId: string; name: string; sector: string } & Counts>;
  alerts?: Alert[];
}
interface History {
  points: Array<{ day: string } & Counts>;
}

const SEVERITIES: Array<keyof Counts> = ['critical', 'high', 'medium', 'low', 'other'];
const COLOURS: Record<string, string> = { critical: '#8b0000', high: '#d9480f', medium: '#e6a700', low: '#2f7d32', other: '#777777' };

function CountCards({ c }: { c: Counts }) {
  return (
    <ul className="exposure-counts" aria-label="Open exposure by severity" style={{ display: 'flex', gap: '1rem', listStyle: 'none', padding: 0, flexWrap: 'wrap' }}>
      <li data-count="knownExploited" style={{ fontWeight: 700 }}>
        Known exploited: <span>{c.knownExploited}</span>
      </li>
      {SEVERITIES.map((s) => (
        <li key={s} data-count={s}>
          <span style={{ color: COLOURS[s] }}>■</span> {s}: <span>{c[s]}</span>
        </li>
      ))}
      <li data-count="total">total open: {c.total}</li>
    </ul>
  );
}

function AlertCard({ a, onChanged }: { a: Alert; onChanged: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [reason, setReason] = useState('');
  const set = async (state: string) => {
    setError(null);
    try {
      await api('POST', `/api/v1/vuln/alerts/${encodeURIComponent(a.id)}/state`, { state, ...(state === 'not_affected' ? { reason } : {}) });
      onChanged();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <li className="card vuln-alert" data-alert={a.id} data-state={a.state}>
      <h3>
        {a.knownExploited ? <strong className="overdue">KNOWN EXPLOITED · </strong> : null}
        <span><span aria-hidden="true" style={{ color: COLOURS[a.severity] ?? COLOURS.other }}>■</span> {a.severity.toUpperCase()}</span>
        {a.cvss !== null ? ` ${a.cvss}` : ''} · {a.systemName}: {a.advisoryTitle}
      </h3>
      <p className="muted">
        {a.cves.join(', ')} · advisory {a.advisoryId} version {a.advisoryVersion} · {a.products.map((p) => `${p.product} ${p.version ?? ''}`).join(', ')} · since {fmt(a.firstSeen)} · state: <span className="state">{a.state}</span>
      </p>
      {a.kev.map((k) => (
        <p key={k.cveId} className="due-soon">
          {k.cveId}: attackers use it now — {k.requiredAction} (due {k.dueDate})
        </p>
      ))}
      <p>What to do:</p>
      <ul>
        {a.remediations.length ? (
          a.remediations.map((r, i) => (
            <li key={i}>
              <strong>{r.category.replace('_', ' ')}:</strong> {r.details} {r.url ? <a href={r.url}>{r.url}</a> : null}
            </li>
          ))
        ) : (
          <li>the advisory gives no remediation: contact the vendor</li>
        )}
      </ul>
      <div className="actions" style={{ display: 'flex', gap: '0.5rem', flexWrap: 'wrap' }}>
        {a.state === 'new' ? (
          <button type="button" onClick={() => void set('acknowledged')}>
            Acknowledge
          </button>
        ) : null}
        <button type="button" onClick={() => void set('mitigated')}>
          Mitigated
        </button>
        <label>
          Not affected because <input value={reason} onChange={(e) => setReason(e.target.value)} aria-label="reason the system is not affected" />
        </label>
        <button type="button" disabled={!reason.trim()} onClick={() => void set('not_affected')}>
          Not affected
        </button>
      </div>
      <ErrorNote error={error} />
    </li>
  );
}

/** The operator's exposure: counts, then the open alerts (known-exploited first). */
export function OperatorExposure({ spec }: { me: Me; spec: Spec }) {
  const offered = spec.find('GET', /^\/api\/v1\/vuln\/exposure$/);
  const e = useLoad<Exposure>(offered ? '/api/v1/vuln/exposure' : null, 60_000);
  if (!offered) return <NotAvailable what="vulnerability exposure" expected="GET /api/v1/vuln/exposure" />;
  return (
    <Section title="Vulnerability exposure">
      <ErrorNote error={e.error} />
      {e.data ? (
        <>
          <CountCards c={e.data.totals} />
          {e.data.alerts?.length ? (
            <ol className="stack vuln-alerts" style={{ listStyle: 'none', padding: 0 }}>
              {e.data.alerts.map((a) => (
                <AlertCard key={a.id} a={a} onChanged={e.reload} />
              ))}
            </ol>
          ) : (
            <p>No open alert: no imported advisory affects your registered systems (register their products with CPE names and versions).</p>
          )}
        </>
      ) : (
        <p aria-busy="true">Loading…</p>
      )}
    </Section>
  );
}

/** A ministry's (or the agency's) exposure: per operator, and over time as a chart. */
export function SectorExposure({ spec }: { me: Me; spec: Spec }) {
  const offered = spec.find('GET', /^\/api\/v1\/vuln\/exposure\/history$/);
  const e = useLoad<Exposure>(offered ? '/api/v1/vuln/exposure' : null, 60_000);
  const h = useLoad<History>(offered ? '/api/v1/vuln/exposure/history?days=30' : null, 60_000);
  if (!offered) return <NotAvailable what="vulnerability exposure" expected="GET /api/v1/vuln/exposure/history" />;
  const points = h.data?.points ?? [];
  const option = {
    tooltip: { trigger: 'axis' },
    legend: { data: [...SEVERITIES, 'known exploited'] },
    xAxis: { type: 'category', data: points.map((p) => p.day) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      ...SEVERITIES.map((s) => ({ name: s, type: 'bar', stack: 'open', itemStyle: { color: COLOURS[s] }, data: points.map((p) => p[s]) })),
      { name: 'known exploited', type: 'line', itemStyle: { color: '#000' }, data: points.map((p) => p.knownExploited) },
    ],
  };
  return (
    <div className="stack">
      <Section title={`Exposure over the last 30 days${e.data?.sectors ? ` (${e.data.sectors.join(', ')})` : ''}`}>
        <ErrorNote error={h.error} />
        <div data-chart="vuln-exposure">
          <Chart option={option} label={`Open vulnerability alerts per day by severity; today ${points.at(-1)?.total ?? 0}, of which known exploited ${points.at(-1)?.knownExploited ?? 0}`} />
        </div>
      </Section>
      <Section title="Exposure per operator">
        <ErrorNote error={e.error} />
        {e.data ? (
          <>
            <CountCards c={e.data.totals} />
            <table className="table">
              <thead>
                <tr>
                  <th>operator</th>
                  <th>sector</th>
                  <th>known exploited</th>
                  {SEVERITIES.map((s) => (
                    <th key={s}>{s}</th>
                  ))}
                  <th>total</th>
                </tr>
              </thead>
              <tbody>
                {(e.data.operators ?? []).map((o) => (
                  <tr key={o.orgId}>
                    <td>{o.name}</td>
                    <td>{o.sector}</td>
                    <td>{o.knownExploited}</td>
                    {SEVERITIES.map((s) => (
                      <td key={s}>{o[s]}</td>
                    ))}
                    <td>{o.total}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        ) : null}
      </Section>
    </div>
  );
}
